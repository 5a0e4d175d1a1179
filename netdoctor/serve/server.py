"""A read-only Kubernetes REST API over the objects of a snapshot bundle, on 127.0.0.1.

`BundleApiServer` speaks enough of the API for kubectl, the official Python client and
`netdoctor capture`: discovery, list (pagination, label and field selectors, server-side
tables), get by name. Writes answer 405 and watches are refused, so nothing can hang or change.
For tests it records every request and can inject faults (429/5xx, delays, a forbidden kind).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.server
import json
import logging
import re
import socket
import socketserver
import ssl
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from netdoctor.errors import BundleError
from netdoctor.serve.kinds import API_KINDS, ApiKind, find_kind, printer_columns
from netdoctor.snapshot import files as f

log = logging.getLogger(__name__)

Loader = Callable[[str], Any]
"""`load(bundle_file)` → the parsed JSON document, or None when the bundle lacks that file."""

HOST = "127.0.0.1"
_DEFAULT_KUBERNETES_VERSION = "1.31"
_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
_SELECTION_CACHE_SIZE = 32
_POLL_INTERVAL = 0.05  # how soon stop() takes effect
_WRITE_CHUNK = 1 << 20
_MAX_DRAINED_BODY = 16 << 20


class RequestRecord(NamedTuple):
    """One request as the server answered it."""

    method: str
    path: str
    """URL path without the query, e.g. `/api/v1/pods`."""
    query: str
    """Raw query string, e.g. `limit=7&continue=...`; `""` when none."""
    status: int


@dataclass
class Fault:
    """Injected misbehaviour for the requests whose path starts with `path_prefix`."""

    path_prefix: str
    """`/api/v1/pods` matches paths starting with it; `/api/v1/pods?continue=` also needs
    each query parameter given, with a value starting as given (in any order)."""
    statuses: tuple[int, ...]
    """The n-th matching request answers `statuses[n]`; later ones answer normally."""
    delay: float
    """Seconds each matching request waits before answering."""
    retry_after: int | None
    """`Retry-After` seconds sent with 429 and 503 answers; None sends no header."""
    remaining: int | None
    """Matching requests still to affect; None means forever (statuses then cycle)."""
    hits: int = 0
    """Requests this fault has affected so far."""

    def matches(self, path: str, query: str) -> bool:
        """True when a request for `path?query` is one this fault affects."""
        prefix, _, wanted = self.path_prefix.partition("?")
        if not path.startswith(prefix):
            return False
        if not wanted:
            return True
        given = parse_qs(query, keep_blank_values=True)
        return all(
            any(v.startswith(value) for v in given.get(key, ()))
            for key, values in parse_qs(wanted, keep_blank_values=True).items()
            for value in values
        )


class ApiError(Exception):
    """An error answer, sent as a Kubernetes `Status` object."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": _REASONS.get(self.code, "Unknown"),
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


@dataclass
class _Response:
    status: int
    body: list[bytes]
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, obj: Any, status: int = 200, content_type: str = "application/json") -> _Response:
        return cls(status, [orjson.dumps(obj)], content_type)

    @classmethod
    def error(cls, err: ApiError) -> _Response:
        return cls(err.code, [orjson.dumps(err.status())], headers=dict(err.headers))


class _Store:
    """One kind's objects, each serialised once so pages are byte slices."""

    def __init__(self, kind: ApiKind, items: Sequence[Any]) -> None:
        self.kind = kind
        self.objects: list[dict[str, Any]] = []
        self.blobs: list[bytes] = []
        self.by_namespace: dict[str, list[int]] = {}
        self.by_key: dict[tuple[str, str], int] = {}
        self.max_resource_version = 0
        for i, item in enumerate(items):
            name, namespace = _identity(kind, item, i)
            self.objects.append(item)
            self.blobs.append(_dump_item(kind, item))
            if kind.namespaced:
                self.by_namespace.setdefault(namespace, []).append(i)
            self.by_key.setdefault((namespace if kind.namespaced else "", name), i)
            rv = item["metadata"].get("resourceVersion")
            if isinstance(rv, str) and rv.isdigit():
                self.max_resource_version = max(self.max_resource_version, int(rv))


def _identity(kind: ApiKind, item: Any, i: int) -> tuple[str, str]:
    where = f"{kind.bundle_file}: items[{i}]"
    if not isinstance(item, dict):
        raise BundleError(f"{where}: expected an object, got {_json_type(item)}")
    meta = item.get("metadata")
    if not isinstance(meta, dict):
        raise BundleError(f"{where}.metadata: expected an object, got {_json_type(meta)}")
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise BundleError(f"{where}.metadata.name: expected a non-empty string")
    namespace = meta.get("namespace")
    return name, namespace if isinstance(namespace, str) else ""


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _dump_item(kind: ApiKind, item: dict[str, Any]) -> bytes:
    if not item.get("apiVersion") or not item.get("kind"):
        # kubectl -o json fills these in; hand-made bundles sometimes leave them out.
        item = {"apiVersion": kind.group_version, "kind": kind.kind, **item}
    try:
        return orjson.dumps(item)
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits; the stdlib encoder does not.
        return json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode()


def items_of(bundle_file: str, document: Any) -> list[Any]:
    """The `items` of a parsed `kubectl get -o json` List document.

    Raises:
        BundleError: the document is not an object with an `items` array.
    """
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        got = _json_type(document)
        if isinstance(document, dict):
            got = f"items: {_json_type(document.get('items'))}"
        raise BundleError(f"{bundle_file}: expected a Kubernetes List with an items array ({got})")
    return document["items"]


# ---------------------------------------------------------------------------------------------
# Selectors


_Predicate = Callable[[dict[str, Any]], bool]
_LABEL_KEY = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_SET_REQ = re.compile(r"^(?P<key>\S+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_OP_REQ = re.compile(r"^(?P<key>[^=!<>\s]+)\s*(?P<op>==|=|!=|<|>)\s*(?P<value>\S*)$")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(selector: str) -> list[_Predicate]:
    """Predicates for a Kubernetes label selector (equality and set-based, comma means AND).

    Raises:
        ApiError: 400 when the selector does not parse.
    """
    predicates: list[_Predicate] = []
    for term in _split_top_level(selector):
        predicates.append(_label_requirement(term))
    return predicates


def _labels(obj: dict[str, Any]) -> dict[str, Any]:
    labels = obj.get("metadata", {}).get("labels")
    return labels if isinstance(labels, dict) else {}


def _label_requirement(term: str) -> _Predicate:
    def bad() -> ApiError:
        return ApiError(400, f"unable to parse requirement: invalid label selector term {term!r}")

    if term.startswith("!"):
        key = term[1:].strip()
        if not _LABEL_KEY.match(key):
            raise bad()
        return lambda obj: key not in _labels(obj)
    if m := _SET_REQ.match(term):
        key, values = m["key"], {v.strip() for v in m["values"].split(",") if v.strip()}
        if not _LABEL_KEY.match(key) or not all(_LABEL_VALUE.match(v) for v in values):
            raise bad()
        if m["op"] == "in":
            return lambda obj: key in _labels(obj) and str(_labels(obj)[key]) in values
        return lambda obj: key not in _labels(obj) or str(_labels(obj)[key]) not in values
    if m := _OP_REQ.match(term):
        key, op, value = m["key"], m["op"], m["value"]
        if not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
            raise bad()
        if op in ("=", "=="):
            return lambda obj: key in _labels(obj) and str(_labels(obj)[key]) == value
        if op == "!=":
            return lambda obj: key not in _labels(obj) or str(_labels(obj)[key]) != value
        try:
            bound = int(value)
        except ValueError:
            raise bad() from None
        return lambda obj: _compare_label(_labels(obj).get(key), op, bound)
    if _LABEL_KEY.match(term):
        return lambda obj: term in _labels(obj)
    raise bad()


def _compare_label(value: Any, op: str, bound: int) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return number > bound if op == ">" else number < bound


def parse_field_selector(selector: str) -> list[_Predicate]:
    """Predicates for a field selector: `path=value`, `path==value`, `path!=value`, comma-AND.

    Any dotted path works (`metadata.name`, `spec.nodeName`, `involvedObject.name`,
    `status.phase` ...); a missing field reads as the empty string, as in Kubernetes.

    Raises:
        ApiError: 400 when the selector does not parse.
    """
    predicates: list[_Predicate] = []
    for term in re.split(r"(?<!\\),", selector):
        term = term.strip()
        if not term:
            continue
        m = re.match(r"^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$", term)
        if not m:
            raise ApiError(400, f"invalid field selector {term!r}: expected field=value")
        path, op, value = m[1].split("."), m[2], m[3].replace("\\,", ",")
        if op == "!=":
            predicates.append(lambda obj, p=path, v=value: _field(obj, p) != v)
        else:
            predicates.append(lambda obj, p=path, v=value: _field(obj, p) == v)
    return predicates


def _field(obj: Any, path: list[str]) -> str:
    for key in path:
        if not isinstance(obj, dict):
            return ""
        obj = obj.get(key)
    if obj is None:
        return ""
    if isinstance(obj, bool):
        return "true" if obj else "false"
    return str(obj)


# ---------------------------------------------------------------------------------------------
# Content negotiation and continue tokens


def _negotiate(accept: str) -> tuple[str, str]:
    """What the client prefers: ("table"|"partial"|"json", meta.k8s.io version)."""
    for media in accept.split(","):
        kind, *params = (p.strip() for p in media.split(";"))
        if kind not in ("application/json", "*/*", "application/*"):
            continue
        opts = dict(p.split("=", 1) for p in params if "=" in p)
        as_ = opts.get("as")
        if as_ is None:
            return "json", "v1"
        if opts.get("g") == "meta.k8s.io" and opts.get("v", "v1") in ("v1", "v1beta1"):
            if as_ == "Table":
                return "table", opts.get("v", "v1")
            if as_ in ("PartialObjectMetadataList", "PartialObjectMetadata"):
                return "partial", opts.get("v", "v1")
    return "json", "v1"


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _encode_continue(offset: int, fingerprint: str) -> str:
    raw = orjson.dumps({"o": offset, "f": fingerprint})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_continue(token: str, fingerprint: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        offset = data["o"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(offset)
    except (ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise ApiError(400, "continue key is not valid: not a netdoctor serve token") from None
    if data.get("f") != fingerprint:
        raise ApiError(400, "continue key is not valid: it belongs to a different list request")
    return offset


def _version_key(version: str) -> tuple[int, int, int, str]:
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0, version)
    stage = {None: 0, "beta": 1, "alpha": 2}[m[2]]
    return (stage, -int(m[1]), -int(m[3] or 0), "")


# ---------------------------------------------------------------------------------------------
# The server


class BundleApiServer:
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

        Raises:
            BundleError: an item is not an object with `metadata.name`.
        """
        self._stores: dict[tuple[str, str, str], _Store] = {}
        for kind in API_KINDS:
            if kind.bundle_file in objects:
                store = _Store(kind, objects[kind.bundle_file])
                self._stores[(kind.group, kind.version, kind.plural)] = store
        rvs = [s.max_resource_version for s in self._stores.values()]
        self.resource_version = str(max(rvs, default=0) or 1)
        """`metadata.resourceVersion` of every list: the newest one in the bundle."""
        self.token = token
        self.age_reference = age_reference
        self.kubernetes_version = kubernetes_version or _DEFAULT_KUBERNETES_VERSION
        self.on_request = on_request
        self.ca_pem: bytes | None = None
        """PEM certificate clients must trust when `tls` is on (it is its own CA)."""

        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._faults: list[Fault] = []
        self._forbidden: set[ApiKind] = set()
        self._selections: OrderedDict[tuple[str, ...], list[int]] = OrderedDict()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None

        self._httpd = _HttpServer((HOST, port), _Handler, self)
        if tls:
            self.ca_pem = self._enable_tls()

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
        objects = {}
        for kind in API_KINDS:
            document = load(kind.bundle_file)
            if document is not None:
                objects[kind.bundle_file] = items_of(kind.bundle_file, document)
        if "age_reference" not in kwargs:
            kwargs["age_reference"] = _captured_at(_load_quietly(load, f.META))
        if "kubernetes_version" not in kwargs:
            kwargs["kubernetes_version"] = _cluster_version(_load_quietly(load, f.AWS_CLUSTER))
        return cls(objects, **kwargs)

    @classmethod
    def from_directory(cls, root: str | Path, **kwargs: Any) -> BundleApiServer:
        """Build a server from an unpacked bundle directory (no archive support; see open_bundle).

        Raises:
            BundleError: a file is not valid JSON or not a List.
        """
        base = Path(root)

        def load(rel: str) -> Any:
            path = base / rel
            if not path.is_file():
                return None
            try:
                return orjson.loads(path.read_bytes())
            except orjson.JSONDecodeError as exc:
                raise BundleError(f"{rel}: not valid JSON: {exc}") from exc

        return cls.from_loader(load, **kwargs)

    def _enable_tls(self) -> bytes:
        cert_pem, key_pem = _self_signed_cert()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # load_cert_chain only reads files; keep them for the blink it takes.
        with tempfile.TemporaryDirectory(prefix="netdoctor-serve-") as tmp:
            cert_file, key_file = Path(tmp, "tls.crt"), Path(tmp, "tls.key")
            cert_file.write_bytes(cert_pem)
            key_file.touch(mode=0o600)
            key_file.write_bytes(key_pem)
            context.load_cert_chain(cert_file, key_file)
        # Handshake in the handler thread, not in the accept loop, so one stuck client
        # cannot block the others.
        self._httpd.socket = context.wrap_socket(
            self._httpd.socket, server_side=True, do_handshake_on_connect=False
        )
        return cert_pem

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

    @property
    def kinds(self) -> list[ApiKind]:
        """The kinds served (those whose bundle file was present), in `API_KINDS` order."""
        return [s.kind for s in self._stores.values()]

    def start(self) -> BundleApiServer:
        """Serve from a daemon thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"netdoctor-serve-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and wake delayed requests. Idempotent."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> BundleApiServer:
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request log -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._log.clear()

    def request_count(self, path_prefix: str = "", method: str | None = None) -> int:
        """How many logged requests have a path starting with `path_prefix` (and that method)."""
        return sum(
            1
            for r in self.requests
            if r.path.startswith(path_prefix) and (method is None or r.method == method)
        )

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)
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
        if any(not 400 <= s <= 599 for s in statuses):
            raise ValueError(f"fault statuses must be HTTP errors (4xx/5xx), got {statuses}")
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        count = None if forever else (times if times is not None else len(statuses) or 1)
        fault = Fault(path_prefix, tuple(statuses), delay, retry_after, count)
        with self._lock:
            self._faults.append(fault)
        return fault

    @property
    def faults(self) -> list[Fault]:
        """Faults that have not worn off yet, oldest first."""
        with self._lock:
            return list(self._faults)

    def clear_faults(self) -> None:
        """Drop every fault and every forbidden kind."""
        with self._lock:
            self._faults.clear()
            self._forbidden.clear()

    def forbid(self, kind: ApiKind | str) -> None:
        """Answer 403 Forbidden to every list and get of `kind`, as RBAC would, until `allow`.

        `kind` is an `ApiKind` or any name `find_kind` resolves (`pods`, `po`, `k8s/pods.json`).
        """
        with self._lock:
            self._forbidden.add(_resolve_kind(kind))

    def allow(self, kind: ApiKind | str) -> None:
        """Undo `forbid(kind)`."""
        with self._lock:
            self._forbidden.discard(_resolve_kind(kind))

    def _take_fault(self, path: str, query: str) -> tuple[Fault, int | None] | None:
        with self._lock:
            for fault in self._faults:
                if not fault.matches(path, query):
                    continue
                n = fault.hits
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    status = fault.statuses[n] if n < len(fault.statuses) else None
                else:
                    status = fault.statuses[n % len(fault.statuses)] if fault.statuses else None
                return fault, status
        return None

    # -- answering -------------------------------------------------------------------------------

    def _now(self) -> float:
        return self.age_reference.timestamp() if self.age_reference else time.time()

    def _handle(self, method: str, raw_path: str, headers: Mapping[str, str]) -> _Response:
        split = urlsplit(raw_path)
        path, query = split.path, split.query
        try:
            taken = self._take_fault(path, query)
            if taken is not None:
                fault, status = taken
                if fault.delay > 0:
                    self._stopping.wait(fault.delay)
                if status is not None:
                    raise _fault_error(status, fault, path)
            if method not in ("GET", "HEAD"):
                raise ApiError(
                    405,
                    f"the server does not allow this method on the requested resource: {method} "
                    "(netdoctor serve is a read-only recording)",
                    headers={"Allow": "GET, HEAD"},
                )
            if path in ("/healthz", "/livez", "/readyz"):
                return _Response(200, [b"ok"], "text/plain; charset=utf-8")
            if path == "/version":
                return _Response.json(self._version_info())
            self._authenticate(headers.get("Authorization", ""))
            params = parse_qs(query, keep_blank_values=True)
            return self._route(path, {k: v[-1] for k, v in params.items()}, headers)
        except ApiError as err:
            return _Response.error(err)
        except Exception:
            log.exception("netdoctor serve failed on %s %s", method, raw_path)
            return _Response.error(ApiError(500, "internal error in netdoctor serve"))

    def _authenticate(self, authorization: str) -> None:
        if self.token is None:
            return
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), self.token):
            raise ApiError(401, "Unauthorized")

    def _route(self, path: str, params: dict[str, str], headers: Mapping[str, str]) -> _Response:
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        match parts:
            case []:
                return _Response.json({"paths": self._paths()})
            case ["api"]:
                versions = {"kind": "APIVersions", "versions": ["v1"]}
                cidrs = [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"{HOST}:{self.port}"}]
                return _Response.json({**versions, "serverAddressByClientCIDRs": cidrs})
            case ["api", "v1"]:
                return _Response.json(self._resource_list("", "v1"))
            case ["apis"]:
                return _Response.json(
                    {"kind": "APIGroupList", "apiVersion": "v1", "groups": self._groups()}
                )
            case ["apis", group]:
                for entry in self._groups():
                    if entry["name"] == group:
                        return _Response.json({"kind": "APIGroup", "apiVersion": "v1", **entry})
                raise _not_found()
            case ["apis", group, version]:
                if not any(k[:2] == (group, version) for k in self._stores):
                    raise _not_found()
                return _Response.json(self._resource_list(group, version))
            case ["api", "v1", *rest]:
                return self._resource("", "v1", rest, params, headers)
            case ["apis", group, version, *rest]:
                return self._resource(group, version, rest, params, headers)
        raise _not_found()

    def _resource(
        self,
        group: str,
        version: str,
        rest: list[str],
        params: dict[str, str],
        headers: Mapping[str, str],
    ) -> _Response:
        if (rest and rest[0] == "watch") or params.get("watch") in ("true", "1"):
            raise ApiError(
                405,
                "watch is not supported: netdoctor serve replays a recording that never changes",
            )
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 2:
            raise _not_found()
        store = self._stores.get((group, version, rest[0]))
        if store is None or (namespace is not None and not store.kind.namespaced):
            raise _not_found()
        kind = store.kind
        name = rest[1] if len(rest) == 2 else None
        if name is not None and kind.namespaced and namespace is None:
            raise _not_found()
        with self._lock:
            forbidden = kind in self._forbidden
        if forbidden:
            raise _forbidden(kind, "list" if name is None else "get", namespace)
        as_, meta_version = _negotiate(headers.get("Accept", ""))
        if name is not None:
            return self._get(store, name, namespace, as_, meta_version, params)
        return self._list(store, namespace, params, as_, meta_version)

    def _get(
        self,
        store: _Store,
        name: str,
        namespace: str | None,
        as_: str,
        meta_version: str,
        params: dict[str, str],
    ) -> _Response:
        index = store.by_key.get((namespace or "", name))
        if index is None:
            kind = store.kind
            details: dict[str, Any] = {"name": name, "kind": kind.plural}
            if kind.group:
                details["group"] = kind.group
            raise ApiError(404, f'{kind.resource} "{name}" not found', details=details)
        if as_ == "table":
            return self._table(store, [index], {}, meta_version, params)
        if as_ == "partial":
            return _Response.json(_partial(store.objects[index], meta_version))
        return _Response(200, [store.blobs[index]])

    def _list(
        self,
        store: _Store,
        namespace: str | None,
        params: dict[str, str],
        as_: str,
        meta_version: str,
    ) -> _Response:
        labels, fields = params.get("labelSelector", ""), params.get("fieldSelector", "")
        selected = self._select(store, namespace, labels, fields)
        try:
            limit = int(params.get("limit") or 0)
        except ValueError:
            raise ApiError(400, f"limit: invalid value {params['limit']!r}") from None
        kind = store.kind
        fingerprint = _fingerprint(kind.group, kind.plural, namespace or "", labels, fields)
        token = params.get("continue")
        start = _decode_continue(token, fingerprint) if token else 0
        end = len(selected) if limit <= 0 else min(len(selected), start + limit)
        page = selected[start:end]
        meta: dict[str, Any] = {"resourceVersion": self.resource_version}
        if end < len(selected):
            meta["continue"] = _encode_continue(end, fingerprint)
            meta["remainingItemCount"] = len(selected) - end
        if as_ == "table":
            return self._table(store, page, meta, meta_version, params)
        if as_ == "partial":
            return _Response.json(
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": f"meta.k8s.io/{meta_version}",
                    "metadata": meta,
                    "items": [_partial(store.objects[i], meta_version) for i in page],
                }
            )
        head = {"apiVersion": kind.group_version, "kind": kind.list_kind, "metadata": meta}
        prefix = orjson.dumps(head)[:-1] + b',"items":['
        return _Response(200, [prefix, *_join(store.blobs[i] for i in page), b"]}"])

    def _select(
        self, store: _Store, namespace: str | None, labels: str, fields: str
    ) -> Sequence[int]:
        if namespace is None:
            base: Sequence[int] = range(len(store.objects))
        else:
            base = store.by_namespace.get(namespace, [])
        if not labels and not fields:
            return base
        key = (store.kind.bundle_file, namespace or "\0", labels, fields)
        with self._lock:
            cached = self._selections.get(key)
            if cached is not None:
                self._selections.move_to_end(key)
                return cached
        predicates = parse_label_selector(labels) + parse_field_selector(fields)
        objects = store.objects
        selected = [i for i in base if all(p(objects[i]) for p in predicates)]
        with self._lock:
            # Pages of one selector re-use the first page's scan: O(limit) per later page.
            self._selections[key] = selected
            while len(self._selections) > _SELECTION_CACHE_SIZE:
                self._selections.popitem(last=False)
        return selected

    def _table(
        self,
        store: _Store,
        indices: Sequence[int],
        meta: dict[str, Any],
        meta_version: str,
        params: dict[str, str],
    ) -> _Response:
        columns = printer_columns(store.kind)
        include = params.get("includeObject") or "Metadata"
        now = self._now()
        rows = []
        for i in indices:
            obj = store.objects[i]
            row: dict[str, Any] = {"cells": [col.cell(obj, now) for col in columns]}
            if include == "Object":
                row["object"] = orjson.Fragment(store.blobs[i])
            elif include == "Metadata":
                row["object"] = _partial(obj, meta_version)
            rows.append(row)
        table = {
            "kind": "Table",
            "apiVersion": f"meta.k8s.io/{meta_version}",
            "metadata": {"resourceVersion": self.resource_version, **meta},
            "columnDefinitions": [col.definition() for col in columns],
            "rows": rows,
        }
        content_type = f"application/json;as=Table;v={meta_version};g=meta.k8s.io"
        return _Response.json(table, content_type=content_type)

    # -- discovery -------------------------------------------------------------------------------

    def _groups(self) -> list[dict[str, Any]]:
        versions: dict[str, set[str]] = {}
        for group, version, _ in self._stores:
            if group:
                versions.setdefault(group, set()).add(version)
        groups = []
        for group, found in versions.items():
            entries = [
                {"groupVersion": f"{group}/{v}", "version": v}
                for v in sorted(found, key=_version_key)
            ]
            groups.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
        return groups

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": [
                s.kind.api_resource() for k, s in self._stores.items() if k[:2] == (group, version)
            ],
        }

    def _paths(self) -> list[str]:
        paths = {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"}
        for group, version, _ in self._stores:
            if group:
                paths.update((f"/apis/{group}", f"/apis/{group}/{version}"))
        return sorted(paths)

    def _version_info(self) -> dict[str, str]:
        major, _, minor = self.kubernetes_version.partition(".")
        return {
            "major": major,
            "minor": minor,
            "gitVersion": f"v{self.kubernetes_version}.0-netdoctor-serve",
            "gitCommit": "",
            "gitTreeState": "clean",
            "buildDate": "1970-01-01T00:00:00Z",
            "goVersion": "",
            "compiler": "netdoctor",
            "platform": "linux/amd64",
        }


def _join(blobs: Iterable[bytes]) -> Iterator[bytes]:
    """Comma-join blobs into write-sized chunks without one giant copy."""
    chunk: list[bytes] = []
    size = 0
    first = True
    for blob in blobs:
        if not first:
            chunk.append(b",")
        first = False
        chunk.append(blob)
        size += len(blob) + 1
        if size >= _WRITE_CHUNK:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)


def _partial(obj: dict[str, Any], meta_version: str) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": f"meta.k8s.io/{meta_version}",
        "metadata": obj.get("metadata", {}),
    }


def _not_found() -> ApiError:
    return ApiError(404, "the server could not find the requested resource", details={})


def _forbidden(kind: ApiKind, verb: str, namespace: str | None) -> ApiError:
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (
        f'{kind.resource} is forbidden: User "netdoctor" cannot {verb} resource "{kind.plural}" '
        f'in API group "{kind.group}" {scope}'
    )
    details = {"kind": kind.plural, **({"group": kind.group} if kind.group else {})}
    return ApiError(403, message, details=details)


def _fault_error(status: int, fault: Fault, path: str) -> ApiError:
    headers = {}
    details: dict[str, Any] = {}
    if status in (429, 503) and fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
        details["retryAfterSeconds"] = fault.retry_after
    messages = {
        429: "Too many requests, please try again later.",
        403: "forbidden (injected)",
        500: "Internal error occurred (injected)",
        503: "The server is currently unable to handle the request (injected)",
        504: "Timeout: the server was unable to return a response in the time allotted",
    }
    message = messages.get(status, f"injected HTTP {status}")
    return ApiError(status, f"{message} [{path}]", details=details, headers=headers)


def _resolve_kind(kind: ApiKind | str) -> ApiKind:
    if isinstance(kind, ApiKind):
        return kind
    found = find_kind(kind)
    if found is None:
        raise ValueError(f"unknown kind {kind!r}")
    return found


def _load_quietly(load: Loader, rel: str) -> Any:
    try:
        return load(rel)
    except BundleError as exc:
        log.warning("ignoring %s", exc)
        return None


def _captured_at(meta: Any) -> datetime | None:
    value = meta.get("captured_at") if isinstance(meta, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _cluster_version(document: Any) -> str | None:
    cluster = document.get("cluster") if isinstance(document, dict) else None
    version = cluster.get("version") if isinstance(cluster, dict) else None
    if isinstance(version, str) and re.fullmatch(r"\d+\.\d+", version):
        return version
    return None


def _self_signed_cert() -> tuple[bytes, bytes]:
    """A fresh P-256 key and a one-year certificate for 127.0.0.1 that is its own CA."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netdoctor-serve")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


# ---------------------------------------------------------------------------------------------
# HTTP plumbing


class _HttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[http.server.BaseHTTPRequestHandler],
        api: BundleApiServer,
    ) -> None:
        self.api = api
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a needless DNS lookup on loopback.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-answer, or speak plain HTTP to the TLS port, are routine.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without this, keep-alive responses stall ~40 ms each on delayed ACKs (Nagle).
    disable_nagle_algorithm = True
    timeout = 120
    server_version = "netdoctor-serve"
    sys_version = ""
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        with self.server.api._lock:
            self.server.api._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.api._lock:
                self.server.api._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the API keeps its own request log

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def __getattr__(self, name: str) -> Any:
        # Every other method (POST, PUT, PATCH, DELETE, OPTIONS, ...) gets a 405 Status.
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def _drain_body(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > _MAX_DRAINED_BODY:
            self.close_connection = True
        elif length > 0:
            self.rfile.read(length)

    def _answer(self) -> None:
        api = self.server.api
        method = self.command
        if method not in ("GET", "HEAD"):
            self._drain_body()
        response = api._handle(method, self.path, self.headers)
        split = urlsplit(self.path)
        api._record(RequestRecord(method, split.path, split.query, response.status))
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(sum(len(b) for b in response.body)))
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if method != "HEAD":
            for chunk in response.body:
                self.wfile.write(chunk)
