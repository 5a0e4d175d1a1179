"""Kubernetes state kept current with list-then-watch, for `netdoctor watch`.

Per request path of each kind (`k8s.plan_paths`: one cluster-wide path, or one per
`--namespace`), a thread lists once (paginated) and then watches from the list's
`resourceVersion`, asking for bookmarks. A watch that ends (its `timeoutSeconds`, a dropped
connection) resumes from the last version seen, so steady state is one open watch per path and
no re-list; a 410 Expired (too old a version) re-lists; errors back off exponentially with
jitter. The ConfigMaps capture reads (aws-node's settings, aws-auth) are read by name
(`poll_configmap`, once per cycle each): RBAC grants `get` on those objects only.

Objects are kept as the capture would write them (allow-list redaction, `dump_list_item`), so
`write()` produces the List files `netdoctor capture` writes, less `metadata.resourceVersion`
(no check reads it, and every write bumps it): only a change of what netdoctor reads counts.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from netdoctor.snapshot import files as f
from netdoctor.snapshot.kinds import API_KINDS, ApiKind
from netdoctor.sources.live.errors import Cancelled
from netdoctor.sources.live.hints import NodeFacts
from netdoctor.sources.live.k8s import (
    missing_reason,
    not_installed,
    plan_paths,
    served_group_versions,
)
from netdoctor.sources.live.k8s_api import KubeApi, KubeError, KubeSettings
from netdoctor.sources.live.redact import redact_k8s_item
from netdoctor.sources.live.writer import BundleWriter, dump_list_item

WATCH_TIMEOUT = 300
"""`timeoutSeconds` of each watch request; the stream then resumes from the last version."""
READ_MARGIN = 30.0
"""Seconds past `timeoutSeconds` before a silent watch connection counts as dead."""

ErrorHook = Callable[[str], None]
"""Called with the API (`list pods`, `watch pods`) of each failed request."""

Key = tuple[str, str]
"""(namespace, name)."""


_BY_NAME = "by name"
"""The `listed`/`missing` key of the ConfigMaps, read by name rather than listed."""


class _Expired(Exception):
    """410: the version is too old; list again."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter: `first`, doubling up to `cap`, each delay drawn
    from [delay/2, delay]; `reset()` after a success."""

    first: float = 0.5
    cap: float = 30.0
    _failures: int = 0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2**self._failures)
        self._failures += 1
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self._failures = 0


@dataclass
class KindState:
    """One kind's objects, as redacted List items, and whether they are known."""

    kind: ApiKind
    objects: dict[Key, bytes] = field(default_factory=dict)
    nodes: dict[Key, dict[str, Any]] = field(default_factory=dict)
    """For nodes only: the redacted objects (the AWS side needs their instance ids)."""
    version: int = 0
    """Bumped on every change of content."""
    listed: set[str] = field(default_factory=set)
    """Paths listed at least once."""
    missing: dict[str, str] = field(default_factory=dict)
    """Path → why it could not be listed (cleared by a successful list)."""


def _key(kind: ApiKind, item: dict[str, Any]) -> Key:
    meta = item.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    ns = meta.get("namespace") if kind.namespaced else ""
    return (ns if isinstance(ns, str) else "", str(meta.get("name")))


class KubeWatcher:
    """Keeps every wanted kind current; `write()` puts the current state into a bundle."""

    def __init__(
        self,
        settings: KubeSettings,
        cancel: threading.Event,
        wanted: frozenset[str] | None = None,
        on_error: ErrorHook | None = None,
        watch_timeout: int = WATCH_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.cancel = cancel
        self.on_error = on_error
        self.watch_timeout = watch_timeout
        self.kinds = [k for k in API_KINDS if wanted is None or k.bundle_file in wanted]
        self.states = {k.bundle_file: KindState(k) for k in self.kinds}
        self.lists = 0
        """List requests sent (first lists and re-lists, every page)."""
        self.watches = 0
        """Watch requests opened."""
        self._lock = threading.Lock()
        self._api: KubeApi | None = None
        self._threads: list[threading.Thread] = []
        self._first_pass = threading.Semaphore(0)
        self._paths = 0
        self._requests_before = 0

    @property
    def started(self) -> bool:
        """True once `start` reached the API server (then the threads keep the state)."""
        return self._api is not None

    @property
    def requests(self) -> int:
        """Every HTTP request sent, retries included."""
        return self._requests_before + (self._api.requests if self._api is not None else 0)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, first_list_timeout: float | None = None) -> None:
        """Connect, discover the served groups, and start a list-then-watch thread per path;
        returns once every path was listed once (or failed once)."""
        for state in self.states.values():
            state.missing.pop("*", None)
        try:
            self._api = KubeApi(self.settings, self.cancel)
            served = served_group_versions(self._api)
        except KubeError as exc:
            if self._api is not None:
                self._requests_before += self._api.requests
                self._api.close()
                self._api = None
            for state in self.states.values():
                state.missing["*"] = f"cannot reach the API server: {exc}"
            return
        for kind in self.kinds:
            state = self.states[kind.bundle_file]
            if kind.group and served is not None and kind.group_version not in served:
                state.missing["*"] = not_installed(kind)
                continue
            if kind.bundle_file == f.K8S_CONFIGMAPS:
                continue  # read by name each cycle: poll_configmap
            for path in plan_paths(kind, self.settings.namespaces):
                thread = threading.Thread(
                    target=self._run_path,
                    args=(state, path),
                    name=f"netdoctor-watch-{kind.plural}",
                    daemon=True,
                )
                self._threads.append(thread)
                self._paths += 1
        for thread in self._threads:
            thread.start()
        for _ in range(self._paths):
            if not self._first_pass.acquire(timeout=first_list_timeout):
                break

    def stop(self) -> None:
        """Stop every thread and close the connections."""
        self.cancel.set()
        if self._api is not None:
            self._api.close_streams()
        for thread in self._threads:
            thread.join(2.0)
        if self._api is not None:
            self._api.close()

    # -- the state -------------------------------------------------------------------------------

    def versions(self) -> dict[str, int]:
        """Bundle file → change counter (equal counters: equal content)."""
        with self._lock:
            return {rel: s.version for rel, s in self.states.items()}

    def node_facts(self) -> NodeFacts:
        """Instance ids, zones and types of the current nodes (for the AWS describes)."""
        facts = NodeFacts()
        state = self.states.get(f.K8S_NODES)
        with self._lock:
            nodes = list(state.nodes.values()) if state is not None else []
        for node in nodes:
            facts.add(node)
        return facts

    def write(self, writer: BundleWriter, only: set[str] | None = None) -> dict[str, str]:
        """Write each known kind's List file (or only those in `only`) into `writer`; returns
        bundle file → why it is missing, for the kinds not known."""
        missing: dict[str, str] = {}
        for rel, state in self.states.items():
            with self._lock:
                reasons = dict(state.missing)
                complete = not reasons and (rel == f.K8S_CONFIGMAPS or state.listed)
                blobs = [state.objects[k] for k in sorted(state.objects)] if complete else []
            if not complete:
                missing[rel] = next(iter(reasons.values()), "not listed yet")
                continue
            if only is not None and rel not in only:
                continue
            with writer.list_file(rel) as items:  # streamed to disk, published when whole
                for blob in blobs:
                    items.add_dumped(blob)
        return missing

    def poll_configmap(self) -> None:
        """GET the ConfigMaps capture reads, by name (one request each), and keep them."""
        state = self.states.get(f.K8S_CONFIGMAPS)
        if state is None or self._api is None or "*" in state.missing:
            return
        fresh: dict[Key, tuple[bytes, dict[str, Any] | None]] = {}
        for path in plan_paths(state.kind, ()):
            try:
                body = self._api.get(path, [])
            except KubeError as exc:
                if exc.status == 404:
                    continue  # no such ConfigMap: its absence is the truth
                self._failed(state, _BY_NAME, "get", exc)
                return
            except Cancelled:
                return
            item = orjson.loads(body)
            kept = self._kept(state.kind, item) if isinstance(item, dict) else None
            if kept is not None:
                fresh[_key(state.kind, item)] = (dump_list_item(kept), None)
        self._replace(state, _BY_NAME, fresh)

    # -- list then watch -------------------------------------------------------------------------

    def _run_path(self, state: KindState, path: str) -> None:
        backoff = Backoff(self.settings.backoff, max(self.settings.max_backoff, 1.0))
        version: str | None = None
        first = True
        try:
            while not self.cancel.is_set():
                try:
                    if version is None:
                        version = self._list(state, path)
                        backoff.reset()
                    if first:
                        first = False
                        self._first_pass.release()
                    version = self._watch(state, path, version)
                    backoff.reset()
                    continue
                except _Expired:
                    version = None  # re-list at once: the watch history moved on
                    continue
                except KubeError as exc:
                    self._failed(state, path, "list" if version is None else "watch", exc)
                    if first:
                        first = False
                        self._first_pass.release()
                if self.cancel.wait(backoff.next()):
                    return
        except Cancelled:
            return
        finally:
            if first:
                self._first_pass.release()

    def _list(self, state: KindState, path: str) -> str:
        """List every page; returns the list's resourceVersion.

        Raises:
            KubeError: the list failed.
        """
        assert self._api is not None
        kind = state.kind
        # Each page is redacted and serialised as it comes: only the kept bytes stay in memory.
        fresh: dict[Key, tuple[bytes, dict[str, Any] | None]] = {}
        token: str | None = None
        version = ""
        while True:
            query: list[tuple[str, Any]] = [("limit", self.settings.page_size)]
            if token:
                query.append(("continue", token))
            with self._lock:
                self.lists += 1
            try:
                body = self._api.get(path, query)
            except KubeError as exc:
                if exc.status == 410 and token:  # the continue token expired: start over
                    fresh, token = {}, None
                    continue
                raise
            doc = orjson.loads(body)
            page = doc.get("items") if isinstance(doc, dict) else None
            if not isinstance(page, list):
                raise KubeError(0, f"GET {path}: the answer is not a List")
            nodes = kind.bundle_file == f.K8S_NODES
            for item in page:
                if isinstance(item, dict) and (kept := self._kept(kind, item)) is not None:
                    # Only nodes keep the parsed object (for the AWS scoping): 150,000 parsed
                    # pods would hold gigabytes where their bytes hold a few hundred MB.
                    fresh[_key(kind, item)] = (dump_list_item(kept), kept if nodes else None)
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            del doc, page
            token = meta.get("continue") or None
            version = str(meta.get("resourceVersion") or "")
            if not token:
                break
        self._replace(state, path, fresh)
        return version

    def _watch(self, state: KindState, path: str, version: str) -> str:
        """Follow one watch request from `version`; returns the last version seen when the
        server ends it.

        Raises:
            _Expired: 410, the version is too old.
            KubeError: the request failed.
        """
        assert self._api is not None
        query: list[tuple[str, Any]] = [
            ("watch", "1"),
            ("resourceVersion", version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", self.watch_timeout),
        ]
        with self._lock:
            self.watches += 1
        try:
            lines = self._api.stream(path, query, self.watch_timeout + READ_MARGIN)
            for line in lines:
                event = orjson.loads(line)
                if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
                    continue
                kind, obj = event.get("type"), event["object"]
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        raise _Expired()
                    raise KubeError(int(obj.get("code") or 0), str(obj.get("message") or obj))
                meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
                if meta.get("resourceVersion"):
                    version = str(meta["resourceVersion"])
                if kind in ("ADDED", "MODIFIED"):
                    self._put(state, path, obj)
                elif kind == "DELETED":
                    self._delete(state, obj)
        except KubeError as exc:
            if exc.status == 410:
                raise _Expired() from exc
            raise
        except orjson.JSONDecodeError as exc:
            raise KubeError(0, f"the API server sent an invalid watch event: {exc}") from exc
        return version

    # -- applying changes ------------------------------------------------------------------------

    def _kept(self, kind: ApiKind, item: dict[str, Any]) -> dict[str, Any] | None:
        # The API omits apiVersion/kind on list items; kubectl -o json fills them in.
        full = {"apiVersion": kind.group_version, "kind": kind.kind, **item}
        kept = redact_k8s_item(kind.bundle_file, full)
        meta = kept.get("metadata") if kept is not None else None
        if isinstance(meta, dict):
            # Every write bumps it (a node's heartbeat too): kept, every cycle would be a change.
            meta.pop("resourceVersion", None)
        return kept

    def _replace(
        self,
        state: KindState,
        path: str,
        fresh: dict[Key, tuple[bytes, dict[str, Any] | None]],
    ) -> None:
        """A fresh list of `path` (key → serialised and kept object) replaces what it held."""
        kind = state.kind
        scope = self._scope(kind, path)
        with self._lock:
            old = {k: v for k, v in state.objects.items() if scope(k)}
            changed = old.keys() != fresh.keys() or any(old[k] != v[0] for k, v in fresh.items())
            for k in old:
                del state.objects[k]
                state.nodes.pop(k, None)
            for k, (blob, kept) in fresh.items():
                state.objects[k] = blob
                if kept is not None and kind.bundle_file == f.K8S_NODES:
                    state.nodes[k] = kept
            state.listed.add(path)
            state.missing.pop(path, None)
            if changed or len(state.listed) == 1:
                state.version += 1

    def _scope(self, kind: ApiKind, path: str) -> Callable[[Key], bool]:
        """Which keys a path's list covers (one namespace, or all)."""
        if kind.namespaced and self.settings.namespaces and not kind.bundle_namespace:
            namespace = path.split("/namespaces/", 1)[1].split("/", 1)[0]
            return lambda key: key[0] == namespace
        return lambda key: True

    def _put(self, state: KindState, path: str, item: dict[str, Any]) -> None:
        kind = state.kind
        kept = self._kept(kind, item)
        if kept is None:
            return
        key, blob = _key(kind, item), dump_list_item(kept)
        with self._lock:
            if state.objects.get(key) == blob:
                return  # only fields netdoctor does not keep changed
            state.objects[key] = blob
            if kind.bundle_file == f.K8S_NODES:
                state.nodes[key] = kept
            state.version += 1

    def _delete(self, state: KindState, item: dict[str, Any]) -> None:
        key = _key(state.kind, item)
        with self._lock:
            if state.objects.pop(key, None) is not None:
                state.nodes.pop(key, None)
                state.version += 1

    def _failed(self, state: KindState, path: str, verb: str, exc: KubeError) -> None:
        if self.on_error is not None:
            self.on_error(f"{verb} {state.kind.resource}")
        with self._lock:
            if verb == "watch" or path in state.listed:
                return  # the state stays known: the watch resumes, or a re-list refreshes it
            state.missing[path] = missing_reason(state.kind, exc)
