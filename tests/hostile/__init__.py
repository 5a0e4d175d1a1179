"""The hostile-input tier: bundles, clusters and clients that lie, break or attack.

- `test_removal.py`: for every failing fixture, removing any one file never yields `pass`
  (a mechanism that lacked its data says `unchecked`), and `--fail-on-skip` keeps exit 1.
- `test_fuzz.py`: seeded mutations of fixture bundles (type swaps, deep nesting, huge strings,
  NaN, duplicate keys, truncation, BOMs, wrong encodings, archive oddities) end in a report or
  one clean `netdoctor: error: <file>: …` line — never a traceback or an internal error. A few
  hundred cases run in CI; `NETDOCTOR_FUZZ_CASES=N pytest -m slow tests/hostile` runs more.
- `test_secrets.py`: values planted in every secret-bearing field of a live cluster never reach
  a captured bundle (capture keeps an allow-list of the fields netdoctor reads).
- `test_serve_load.py`: `serve` under load: a bounded request log, a burst of connections,
  control characters in logged request lines, a fault on a later page of a paginated list.
"""
