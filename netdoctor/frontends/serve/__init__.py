"""`netdoctor serve`: a read-only Kubernetes REST API over a snapshot bundle, on 127.0.0.1.

- `kinds`: `API_KINDS`, the table of bundle files → API resources (also used by live capture).
- `columns`: the printer columns kubectl shows for each kind (re-exported by `kinds`).
- `server`: `BundleApiServer`, with a request log and fault injection for tests; its parts:
  - `api`: `BundleApi`, one request in, one response out (routing, get, list);
  - `store`: the bundle's objects, indexed and pre-serialised; loading them from a bundle;
  - `selectors`, `pagination`, `render`, `discovery`: label/field selectors, continue tokens,
    Table and PartialObjectMetadata answers, the `/api` and `/apis` documents;
  - `faults`: injected faults and request records; `tls`: certificate and bearer token;
  - `responses`: `Response` and `ApiError`; `handler`: the HTTP server.
- `kubeconfig`: `write_kubeconfig`, pointing kubectl or k9s at a running server.
"""
