"""A read-only Kubernetes REST API over the objects of a snapshot bundle, on 127.0.0.1.

`BundleApiServer` speaks enough of the API for kubectl, the official Python client and
`netdoctor capture`: discovery, list (pagination, label and field selectors, server-side
tables), get by name, and watch (`?watch=1`). Writes answer 405. Over the frames of a recorded
incident it replays the incident: each frame in turn (every `frame_interval` seconds, or on
`advance()`), watches streaming the changes between frames as events (`replay`, `watching`).
For tests it records every request and can inject faults (429/5xx, delays, a forbidden kind).

This module is the server's lifecycle and public API; the answering is `BundleApi` (`api`), the
HTTP plumbing `handler`, and the names below are re-exported from where they now live.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from netdoctor.frontends.serve.api import HOST, BundleApi
from netdoctor.frontends.serve.faults import Fault, RequestRecord
from netdoctor.frontends.serve.handler import HttpServer
from netdoctor.frontends.serve.responses import ApiError
from netdoctor.frontends.serve.selectors import parse_field_selector, parse_label_selector
from netdoctor.frontends.serve.store import (
    Loader,
    captured_at,
    cluster_version,
    directory_loader,
    items_of,
    load_objects,
)
from netdoctor.frontends.serve.tls import wrap_server_socket
from netdoctor.snapshot.kinds import ApiKind

__all__ = [
    "HOST",
    "ApiError",
    "BundleApiServer",
    "Fault",
    "Loader",
    "RequestRecord",
    "items_of",
    "parse_field_selector",
    "parse_label_selector",
]

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.05
"""Seconds between the serving thread's checks for `stop()`."""
REQUEST_LOG_SIZE = 10_000
"""The request log keeps the last this many requests (a ring: memory stays bounded however
long the server runs); `request_total` counts them all."""
LOGGED_TEXT_LIMIT = 512
"""A logged path or query longer than this is cut (clients may send 60 KB selectors)."""


class BundleApiServer(BundleApi):
    """Serves bundle objects over the Kubernetes REST API on 127.0.0.1, read-only.

    The socket is bound on construction (so `url` is known at once); `start()` serves from a
    daemon thread. Use it as a context manager to start and stop it.
    """

    def __init__(
        self,
        objects: Mapping[str, Sequence[Any]],
        *,
        port: int = 0,
        tls: bool = False,
        token: str | None = None,
        age_reference: datetime | None = None,
        kubernetes_version: str | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
        request_log_size: int = REQUEST_LOG_SIZE,
        frames: Sequence[Mapping[str, Sequence[Any]]] | None = None,
        start_frame: int = 0,
        frame_interval: float | None = None,
    ) -> None:
        """Index `objects` and bind the listening socket.

        Args:
            objects: bundle file (`k8s/pods.json`) → its items. Files absent from the mapping
                are not served; unknown files are ignored.
            port: TCP port on 127.0.0.1; 0 picks a free one.
            tls: serve HTTPS with a fresh self-signed certificate (see `ca_pem`).
            token: require `Authorization: Bearer <token>` on API paths.
            age_reference: the instant AGE columns count from (a recording's `captured_at`);
                None means the time of each request.
            kubernetes_version: `major.minor` reported by `/version`.
            on_request: called with each `RequestRecord` after it is logged.
            request_log_size: how many of the latest requests `requests` keeps.
            frames: the frames of a recorded incident (each bundle file → items), served one
                after the other from `start_frame` (0-based); `objects` is then ignored.
            frame_interval: seconds between frames once started; None moves only on
                `advance()`.

        Raises:
            BundleError: an item is not an object with `metadata.name`.
        """
        super().__init__(
            objects,
            token=token,
            age_reference=age_reference,
            kubernetes_version=kubernetes_version,
            frames=frames,
            start_frame=start_frame,
        )
        self.frame_interval = frame_interval
        self._ticker: threading.Thread | None = None
        self.on_request = on_request
        self.ca_pem: bytes | None = None
        """PEM certificate clients must trust when `tls` is on (it is its own CA)."""

        self._lock = threading.Lock()
        self._log: deque[RequestRecord] = deque(maxlen=request_log_size)
        self._total = 0
        self._thread: threading.Thread | None = None

        self._httpd = HttpServer((HOST, port), self.answer, self._record)
        if tls:
            self._httpd.socket, self.ca_pem = wrap_server_socket(self._httpd.socket, HOST)

    # -- construction helpers -----------------------------------------------------------------

    @classmethod
    def from_loader(cls, load: Loader, **kwargs: Any) -> BundleApiServer:
        """Build a server from `load(bundle_file) -> parsed JSON | None` (e.g. `Bundle.read_json`).

        Every k8s file of `API_KINDS` is loaded once. `meta.json`'s `captured_at` becomes the AGE
        reference and the EKS cluster's version the `/version`, unless given in `kwargs`; both are
        cosmetic, so a bad `meta.json` or cluster file does not stop the server.

        Raises:
            BundleError: a k8s file is malformed.
        """
        objects = load_objects(load)
        if "age_reference" not in kwargs:
            kwargs["age_reference"] = captured_at(load)
        if "kubernetes_version" not in kwargs:
            kwargs["kubernetes_version"] = cluster_version(load)
        return cls(objects, **kwargs)

    @classmethod
    def from_directory(cls, root: str | Path, **kwargs: Any) -> BundleApiServer:
        """Build a server from an unpacked bundle directory (no archive support; see open_bundle).

        Raises:
            BundleError: a file is not valid JSON or not a List.
        """
        return cls.from_loader(directory_loader(root), **kwargs)

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:41234`."""
        scheme = "https" if self.ca_pem else "http"
        return f"{scheme}://{HOST}:{self.port}"

    def start(self) -> BundleApiServer:
        """Serve from a daemon thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"netdoctor-serve-{self.port}",
            daemon=True,
        )
        self._thread.start()
        if self.frame_interval is not None and len(self.replay) > 1:
            self._ticker = threading.Thread(
                target=self._tick, name=f"netdoctor-serve-frames-{self.port}", daemon=True
            )
            self._ticker.start()
        return self

    def _tick(self) -> None:
        assert self.frame_interval is not None
        while not self._stopping.wait(self.frame_interval):
            if not self.advance():
                return

    # -- replay ------------------------------------------------------------------------------

    def advance(self) -> bool:
        """Serve the next frame (watches stream its changes); False at the last frame."""
        return self.replay.advance()

    @property
    def frame(self) -> int:
        """The frame served now, 0-based."""
        return self.replay.current

    def expire_watches(self) -> None:
        """End every open watch with a 410 Expired ERROR event, as the API server does when
        a watcher falls out of its history: clients must list again."""
        self.replay.expire_watches()

    def stop(self) -> None:
        """Stop serving, close open connections and wake delayed requests. Idempotent."""
        self._stopping.set()
        self.replay.wake()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
        self._httpd.shutdown_connections()

    def __enter__(self) -> BundleApiServer:
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request log -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log (the last `REQUEST_LOG_SIZE` requests), oldest first; paths
        and queries longer than `LOGGED_TEXT_LIMIT` are cut."""
        with self._lock:
            return list(self._log)

    @property
    def request_total(self) -> int:
        """Every request answered since the start (or `clear_requests`), logged or not."""
        with self._lock:
            return self._total

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._log.clear()
            self._total = 0

    def request_count(self, path_prefix: str = "", method: str | None = None) -> int:
        """How many logged requests have a path starting with `path_prefix` (and that method)."""
        return sum(
            1
            for r in self.requests
            if r.path.startswith(path_prefix) and (method is None or r.method == method)
        )

    def _record(self, record: RequestRecord) -> None:
        record = record._replace(path=_cut(record.path), query=_cut(record.query))
        with self._lock:
            self._log.append(record)
            self._total += 1
        if self.on_request is not None:
            try:
                self.on_request(record)
            except Exception:
                log.exception("on_request callback failed")

    # -- faults ----------------------------------------------------------------------------------

    def add_fault(
        self,
        path_prefix: str,
        statuses: Sequence[int] = (),
        *,
        delay: float = 0.0,
        times: int | None = None,
        retry_after: int | None = 0,
        forever: bool = False,
    ) -> Fault:
        """Make the next matching requests fail or stall, then behave normally.

        Args:
            path_prefix: requests whose path starts with it match (`/api/v1/pods`). A query
                narrows it: `/api/v1/pods?continue=` matches only follow-up pages, whatever
                the parameter order.
            statuses: the n-th matching request answers `statuses[n]` with a `Status` body.
            delay: seconds each affected request waits before it answers.
            times: how many matching requests to affect; default `len(statuses)`, or 1 for a
                delay-only fault. Requests past `statuses` answer normally after the delay.
            retry_after: `Retry-After` seconds on 429/503 answers; None sends no header.
            forever: never wear off (statuses cycle); for outages and permanent slowness.

        Returns:
            The live `Fault`; its `hits` counts the requests it affected.
        """
        return self._faults.add(
            path_prefix,
            statuses,
            delay=delay,
            times=times,
            retry_after=retry_after,
            forever=forever,
        )

    @property
    def faults(self) -> list[Fault]:
        """Faults that have not worn off yet, oldest first."""
        return self._faults.faults

    def clear_faults(self) -> None:
        """Drop every fault and every forbidden kind."""
        self._faults.clear()

    def forbid(self, kind: ApiKind | str) -> None:
        """Answer 403 Forbidden to every list and get of `kind`, as RBAC would, until `allow`.

        `kind` is an `ApiKind` or any name `find_kind` resolves (`pods`, `po`, `k8s/pods.json`).
        """
        self._faults.forbid(kind)

    def allow(self, kind: ApiKind | str) -> None:
        """Undo `forbid(kind)`."""
        self._faults.allow(kind)


def _cut(text: str) -> str:
    if len(text) <= LOGGED_TEXT_LIMIT:
        return text
    return f"{text[:LOGGED_TEXT_LIMIT]}...(+{len(text) - LOGGED_TEXT_LIMIT} chars)"
