"""The Kubernetes HTTP layer of capture: the official client's `ApiClient`, raw bodies, retries.

Requests go through `ApiClient.param_serialize`/`call_api` (the kubeconfig's auth, TLS and exec
plugins apply) and return the raw JSON bytes: no model objects. 429/5xx answers and timeouts
are retried with jittered exponential backoff, honouring `Retry-After`.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from netdoctor.sources.live.errors import Cancelled
from netdoctor.sources.live.hints import kubeconfig_paths

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PAGE_SIZE = 500


@dataclass(frozen=True)
class KubeSettings:
    """How to reach the API server and how patient to be."""

    kubeconfig: str | None = None
    """Kubeconfig file; default `$KUBECONFIG`, then `~/.kube/config`, then in-cluster config."""
    context: str | None = None
    namespaces: tuple[str, ...] = ()
    """Limit namespaced kinds (pods, services, events …) to these; () means all namespaces."""
    page_size: int = PAGE_SIZE
    timeout: float = 30.0
    """Seconds to wait for a response (read timeout) before retrying."""
    connect_timeout: float = 5.0
    attempts: int = 5
    """Tries per request on 429/5xx/timeouts."""
    backoff: float = 0.5
    """First retry delay in seconds; doubles per retry, jittered, at most `max_backoff`."""
    max_backoff: float = 10.0
    max_retry_after: float = 30.0
    """Cap on a server's `Retry-After`."""
    workers: int = 3
    """Kinds listed at once (after nodes)."""


class KubeError(Exception):
    """A request that failed for good; `str()` is the reason recorded in `missing`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def load_api_client(settings: KubeSettings) -> Any:
    """An `ApiClient` from the kubeconfig (or the in-cluster service account).

    Raises:
        KubeError: no usable configuration.
    """
    from kubernetes import client, config

    configuration = client.Configuration()
    paths = kubeconfig_paths(settings.kubeconfig)
    try:
        if any(p.is_file() for p in paths) or settings.kubeconfig or settings.context:
            config.load_kube_config(
                config_file=os.pathsep.join(str(p) for p in paths),
                context=settings.context,
                client_configuration=configuration,
                persist_config=False,
            )
        elif os.environ.get("KUBERNETES_SERVICE_HOST"):
            config.load_incluster_config(client_configuration=configuration)
        else:
            raise KubeError(0, f"no kubeconfig found ({', '.join(map(str, paths))})")
    except KubeError:
        raise
    except Exception as exc:  # the loader raises ConfigException, OSError, YAML errors …
        raise KubeError(0, f"cannot load the kubeconfig: {exc}") from exc
    # Retries are ours (with Retry-After and a request budget); urllib3 must not add its own.
    configuration.retries = False
    configuration.connection_pool_maxsize = max(4, settings.workers + 1)
    return client.ApiClient(configuration)


class KubeApi:
    """GET requests against the API server, with retries; counts every request sent."""

    def __init__(self, settings: KubeSettings, cancel: threading.Event) -> None:
        """
        Raises:
            KubeError: no usable kubeconfig or in-cluster configuration.
        """
        self.settings = settings
        self.cancel = cancel
        self.client = load_api_client(settings)
        self.requests = 0
        """HTTP requests sent, retries included."""
        self._lock = threading.Lock()
        self._streams: set[Any] = set()

    def close(self) -> None:
        """Release the connection pool."""
        self.close_streams()
        self.client.close()

    def _send(self, path: str, query: list[tuple[str, Any]], read_timeout: float) -> Any:
        """One authenticated GET, counted; the response is not read yet."""
        method, url, headers, _, _ = self.client.param_serialize(
            "GET",
            path,
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        with self._lock:
            self.requests += 1
        return self.client.call_api(
            method,
            url,
            header_params=headers,
            _request_timeout=(self.settings.connect_timeout, read_timeout),
        )

    def get(self, path: str, query: list[tuple[str, Any]]) -> bytes:
        """GET `path`; retries 429/5xx/timeouts with backoff (honouring Retry-After).

        Raises:
            KubeError: the request failed for good (the status, or 0 for network errors).
            Cancelled: the capture was interrupted.
        """
        import urllib3

        settings = self.settings
        last = ""
        for attempt in range(settings.attempts):
            if self.cancel.is_set():
                raise Cancelled()
            retry_after: float | None = None
            try:
                response = self._send(path, query, settings.timeout)
                body = response.read()
                status = response.status
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                last = _network_reason(exc, settings.timeout)
            else:
                if 200 <= status < 300:
                    return bytes(body or b"")
                message = _status_message(body, status)
                if status not in RETRY_STATUSES:
                    raise KubeError(status, message)
                last = message
                retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt + 1 < settings.attempts:
                delay = min(settings.max_backoff, settings.backoff * 2**attempt)
                delay *= random.uniform(0.5, 1.0)
                if retry_after is not None:
                    delay = min(retry_after, settings.max_retry_after)
                if self.cancel.wait(delay):
                    raise Cancelled()
        raise KubeError(0, f"{last} (gave up after {settings.attempts} attempts)")

    def stream(
        self, path: str, query: list[tuple[str, Any]], read_timeout: float
    ) -> Iterator[bytes]:
        """GET `path` once (no retries: a watch resumes itself) and yield the body line by line
        as it arrives: the JSON lines of a watch.

        Raises:
            KubeError: the API answered an error status or could not be reached (status 0).
            Cancelled: the watch was stopped.
        """
        import urllib3

        if self.cancel.is_set():
            raise Cancelled()
        try:
            response = self._send(path, query, read_timeout)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise KubeError(0, _network_reason(exc, read_timeout)) from exc
        if not 200 <= response.status < 300:
            raise KubeError(response.status, _status_message(response.read(), response.status))
        raw = response.response
        with self._lock:
            self._streams.add(raw)
        pending = b""
        try:
            for chunk in raw.stream(65536):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                yield from (line for line in lines if line.strip())
            if pending.strip():
                yield pending
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            if self.cancel.is_set():
                raise Cancelled() from exc
            raise KubeError(0, _network_reason(exc, read_timeout)) from exc
        finally:
            with self._lock:
                self._streams.discard(raw)
            raw.release_conn()

    def close_streams(self) -> None:
        """Cut every open `stream` (its reader gets `Cancelled` once `cancel` is set)."""
        with self._lock:
            streams = list(self._streams)
        for raw in streams:
            with contextlib.suppress(Exception):  # the connection may be gone already
                raw.shutdown()


_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 410: "Gone", 429: "TooMany"}


def _status_message(body: Any, status: int) -> str:
    reason = _REASONS.get(status, f"HTTP {status}")
    try:
        doc = orjson.loads(body or b"")
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        reason = str(doc.get("reason") or reason)
        if doc.get("message"):
            return f"{reason}: {doc['message']}"
    return f"{reason} (HTTP {status})"


def _network_reason(exc: BaseException, timeout: float) -> str:
    import urllib3

    if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return f"no answer within {timeout:g}s"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
