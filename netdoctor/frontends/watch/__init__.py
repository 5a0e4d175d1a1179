"""`netdoctor watch`: the checks in a loop, with Prometheus metrics (`metrics`)."""
