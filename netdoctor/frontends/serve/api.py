"""The read-only Kubernetes API over bundle objects: one request in, one `Response` out.

`BundleApi` routes a request to discovery, or to a get or list of one kind (selectors,
pagination, tables); it knows nothing of sockets. `BundleApiServer` serves it over HTTP.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote

from netdoctor.frontends.serve import discovery
from netdoctor.frontends.serve.faults import FaultInjector
from netdoctor.frontends.serve.pagination import fingerprint, paginate
from netdoctor.frontends.serve.render import Representation, negotiate, render_list, render_object
from netdoctor.frontends.serve.replay import Replay
from netdoctor.frontends.serve.responses import ApiError, Response, kind_details, not_found
from netdoctor.frontends.serve.selectors import Selections
from netdoctor.frontends.serve.store import Store
from netdoctor.frontends.serve.tls import check_bearer_token
from netdoctor.frontends.serve.watching import BOOKMARK_INTERVAL, watch_stream
from netdoctor.snapshot.kinds import ApiKind

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
"""The only address `netdoctor serve` listens on."""


class BundleApi:
    """Answers Kubernetes REST requests from bundle objects, read-only, without HTTP."""

    def __init__(
        self,
        objects: Mapping[str, Sequence[Any]],
        *,
        token: str | None = None,
        age_reference: datetime | None = None,
        kubernetes_version: str | None = None,
        frames: Sequence[Mapping[str, Sequence[Any]]] | None = None,
        start_frame: int = 0,
    ) -> None:
        """Index `objects` (or every frame of `frames`); the arguments are those of
        `BundleApiServer`.

        Raises:
            BundleError: an item is not an object with `metadata.name`.
        """
        self.replay = Replay(frames if frames is not None else [objects], start_frame)
        """The frames served one after the other (a single bundle is one frame)."""
        self.bookmark_interval = BOOKMARK_INTERVAL
        """Seconds between BOOKMARK events on an idle watch."""
        self.token = token
        self.age_reference = age_reference
        self.kubernetes_version = kubernetes_version or discovery.DEFAULT_KUBERNETES_VERSION
        self._faults = FaultInjector()
        self._selections = [Selections() for _ in range(len(self.replay))]
        self._stopping = threading.Event()
        """Set when the server stops: wakes requests an injected delay holds."""

    @property
    def port(self) -> int:
        """The TCP port clients reach the API on, as `/api` reports it; 0 when not served."""
        return 0

    @property
    def kinds(self) -> list[ApiKind]:
        """The kinds served (those whose bundle file was present), in `API_KINDS` order."""
        return [s.kind for s in self.replay.stores.values()]

    @property
    def resource_version(self) -> str:
        """`metadata.resourceVersion` of every list: the current frame's (for one bundle, the
        newest one in it)."""
        return self.replay.resource_version

    def answer(self, method: str, target: SplitResult, headers: Mapping[str, str]) -> Response:
        """The answer to `method` on the request target (URL path and query); never raises."""
        path, query = target.path, target.query
        try:
            self._faults.apply(path, query, self._stopping)
            if method not in ("GET", "HEAD"):
                raise ApiError(
                    405,
                    f"the server does not allow this method on the requested resource: {method} "
                    "(netdoctor serve is a read-only recording)",
                    headers={"Allow": "GET, HEAD"},
                )
            if path in ("/healthz", "/livez", "/readyz"):
                return Response(200, [b"ok"], "text/plain; charset=utf-8")
            if path == "/version":
                return Response.json(discovery.version_info(self.kubernetes_version))
            check_bearer_token(headers.get("Authorization", ""), self.token)
            params = parse_qs(query, keep_blank_values=True)
            return self._route(path, {k: v[-1] for k, v in params.items()}, headers)
        except ApiError as err:
            return Response.error(err)
        except Exception:
            log.exception("netdoctor serve failed on %s %s", method, target.geturl())
            return Response.error(ApiError(500, "internal error in netdoctor serve"))

    def _now(self) -> float:
        return self.age_reference.timestamp() if self.age_reference else time.time()

    def _route(self, path: str, params: dict[str, str], headers: Mapping[str, str]) -> Response:
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        document = discovery.document(parts, self.kinds, f"{HOST}:{self.port}")
        if document is not None:
            return Response.json(document)
        match parts:
            case ["api", "v1", *rest]:
                return self._resource("", "v1", rest, params, headers)
            case ["apis", group, version, *rest]:
                return self._resource(group, version, rest, params, headers)
        raise not_found()

    def _resource(
        self,
        group: str,
        version: str,
        rest: list[str],
        params: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if rest and rest[0] == "watch":
            raise ApiError(
                405,
                "the deprecated /watch/ paths are not served: use ?watch=1 on the list path",
            )
        watch = params.get("watch") in ("true", "1")
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 2:
            raise not_found()
        frame = self.replay.current
        key = (group, version, rest[0])
        store = self.replay.states[frame].get(key)
        if store is None or (namespace is not None and not store.kind.namespaced):
            raise not_found()
        kind = store.kind
        name = rest[1] if len(rest) == 2 else None
        if name is not None and kind.namespaced and namespace is None:
            raise not_found()
        if watch and name is not None:
            raise ApiError(405, "watching one object by name is not served: use a fieldSelector")
        verb = "watch" if watch else "list" if name is None else "get"
        self._faults.check_allowed(kind, verb, namespace)
        if watch:
            stream = watch_stream(
                self.replay, key, namespace, params, self._stopping, self.bookmark_interval
            )
            return Response(200, [], stream=stream)
        rep = negotiate(headers.get("Accept", ""))
        if name is not None:
            return self._get(store, name, namespace, rep, params, frame)
        return self._list(store, namespace, rep, params, frame)

    def _get(
        self,
        store: Store,
        name: str,
        namespace: str | None,
        rep: Representation,
        params: dict[str, str],
        frame: int,
    ) -> Response:
        index = store.by_key.get((namespace or "", name))
        if index is None:
            kind = store.kind
            details = kind_details(kind, name=name)
            raise ApiError(404, f'{kind.resource} "{name}" not found', details=details)
        version = str(self.replay.rvs[frame])
        return render_object(store, index, rep, params, self._now(), version)

    def _list(
        self,
        store: Store,
        namespace: str | None,
        rep: Representation,
        params: dict[str, str],
        frame: int,
    ) -> Response:
        labels, fields = params.get("labelSelector", ""), params.get("fieldSelector", "")
        selected = self._selections[frame].select(store, namespace, labels, fields)
        kind = store.kind
        page, more = paginate(
            selected, params, fingerprint(kind.group, kind.plural, namespace or "", labels, fields)
        )
        meta: dict[str, Any] = {"resourceVersion": str(self.replay.rvs[frame]), **more}
        return render_list(store, page, meta, rep, params, self._now())
