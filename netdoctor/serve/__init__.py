"""`netdoctor serve`: a read-only Kubernetes REST API over a snapshot bundle, on 127.0.0.1.

- `kinds`: `API_KINDS`, the table of bundle files → API resources (also used by live capture),
  and the printer columns kubectl shows.
- `server`: `BundleApiServer`, with a request log and fault injection for tests.
- `kubeconfig`: `write_kubeconfig`, pointing kubectl or k9s at a running server.
"""
