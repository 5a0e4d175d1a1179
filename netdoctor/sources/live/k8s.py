"""Kubernetes collection: one paginated list per kind of `netdoctor.snapshot.kinds.API_KINDS`.

Requests go through the official client's `ApiClient` with `_preload_content`-style raw bodies:
the JSON is parsed once per page with orjson, redacted and streamed to the bundle, never turned
into the client's (strict, slow) model objects. Never a per-node or per-pod call.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from netdoctor.snapshot import files as f
from netdoctor.snapshot.kinds import API_KINDS, ApiKind
from netdoctor.snapshot.snapshot import NOT_INSTALLED
from netdoctor.sources.live.hints import NodeFacts
from netdoctor.sources.live.k8s_api import KubeApi, KubeError, KubeSettings
from netdoctor.sources.live.permissions import (
    CONFIGMAP_NAMES,
    CONFIGMAP_NAMESPACE,
    DISCOVERY_PATH,
    needs_note,
)
from netdoctor.sources.live.pool import run_parallel
from netdoctor.sources.live.progress import FileProgress, ProgressSink
from netdoctor.sources.live.redact import redact_k8s_item
from netdoctor.sources.live.writer import BundleWriter, ListWriter


class _Expired(Exception):
    """410 Gone on a `continue` token: the list must restart."""


def plan_paths(kind: ApiKind, namespaces: Sequence[str]) -> list[str]:
    """The request paths whose results make up `kind`'s bundle file."""
    if kind.bundle_file == f.K8S_CONFIGMAPS:
        # By name: no other ConfigMap is ever fetched.
        return [kind.object_path(name, CONFIGMAP_NAMESPACE) for name in CONFIGMAP_NAMES]
    if kind.bundle_namespace:
        return [kind.list_path(kind.bundle_namespace)]
    if kind.namespaced and namespaces:
        return [kind.list_path(ns) for ns in namespaces]
    return [kind.list_path()]


class KubeCollector:
    """Lists every wanted kind into the bundle; records what could not be collected."""

    def __init__(
        self,
        settings: KubeSettings,
        writer: BundleWriter,
        progress: ProgressSink,
        cancel: threading.Event,
        on_nodes: Callable[[NodeFacts | None], None] | None = None,
        wanted: frozenset[str] | None = None,
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.progress = progress
        self.cancel = cancel
        self.on_nodes = on_nodes
        self.kinds = [k for k in API_KINDS if wanted is None or k.bundle_file in wanted]
        self.write_nodes = wanted is None or f.K8S_NODES in wanted
        self.missing: dict[str, str] = {}
        """Bundle file → why it was not collected."""
        self.node_facts: NodeFacts | None = None
        self._lock = threading.Lock()
        self._api: KubeApi | None = None

    @property
    def requests(self) -> int:
        """HTTP requests sent, retries included."""
        return self._api.requests if self._api is not None else 0

    @property
    def _http(self) -> KubeApi:
        assert self._api is not None, "run() opens the API first"
        return self._api

    # -- orchestration ---------------------------------------------------------------------------

    def run(self) -> None:
        """Collect everything; never raises except `Cancelled`."""
        published = False
        try:
            try:
                self._api = KubeApi(self.settings, self.cancel)
            except KubeError as exc:
                for kind in self.kinds:
                    self._missing(kind.bundle_file, str(exc))
                return
            try:
                served = self._discover()
            except KubeError as exc:
                # Unreachable: every kind would wait through the same retries for nothing.
                for kind in self.kinds:
                    self._missing(kind.bundle_file, f"cannot reach the API server: {exc}")
                return
            nodes_kind = next(k for k in API_KINDS if k.bundle_file == f.K8S_NODES)
            self._collect(nodes_kind, served, write=self.write_nodes)
            published = True
            if self.on_nodes is not None:
                self.on_nodes(self.node_facts)
            rest = [k for k in self.kinds if k.bundle_file != f.K8S_NODES]
            run_parallel(
                [functools.partial(self._collect, k, served) for k in rest],
                self.settings.workers,
                "netdoctor-k8s",
            )
        finally:
            if not published and self.on_nodes is not None:
                self.on_nodes(None)
            if self._api is not None:
                self._api.close()

    def _missing(self, rel: str, reason: str) -> None:
        with self._lock:
            self.missing[rel] = reason
        self.progress.update(FileProgress(rel, "missing", detail=reason))

    def _discover(self) -> set[str] | None:
        """The `group/version`s the server serves, or None when discovery was refused.

        Raises:
            KubeError: the API server could not be reached at all.
        """
        return served_group_versions(self._http)

    def _collect(self, kind: ApiKind, served: set[str] | None, write: bool = True) -> None:
        rel = kind.bundle_file
        if kind.group and served is not None and kind.group_version not in served:
            if write:
                self._missing(rel, not_installed(kind))
            return
        if write:
            self.progress.update(FileProgress(rel, "running"))
        facts = NodeFacts() if rel == f.K8S_NODES else None
        try:
            try:
                self._write_list(kind, facts, write, page_size=self.settings.page_size)
            except _Expired:
                facts = NodeFacts() if facts is not None else None
                self._write_list(kind, facts, write, page_size=0)
        except KubeError as exc:
            if write:
                self._missing(rel, missing_reason(kind, exc))
            return
        except _Expired:
            if write:
                self._missing(rel, "the list changed too fast to page through (410 Gone twice)")
            return
        if facts is not None:
            self.node_facts = facts

    def _write_list(
        self, kind: ApiKind, facts: NodeFacts | None, write: bool, page_size: int
    ) -> None:
        rel = kind.bundle_file
        if not write:
            for path in plan_paths(kind, self.settings.namespaces):
                self._pages(kind, path, None, facts, page_size, [0, 0])
            return
        counts = [0, 0]  # items, pages
        with self.writer.list_file(rel) as out:
            for path in plan_paths(kind, self.settings.namespaces):
                if rel == f.K8S_CONFIGMAPS:
                    self._get_one(kind, path, out, counts)
                else:
                    self._pages(kind, path, out, facts, page_size, counts)
        self.progress.update(FileProgress(rel, "done", items=counts[0], pages=counts[1]))

    def _get_one(self, kind: ApiKind, path: str, out: ListWriter, counts: list[int]) -> None:
        counts[1] += 1
        try:
            body = self._http.get(path, [])
        except KubeError as exc:
            if exc.status == 404:
                return  # no such ConfigMap: an empty List is the truth
            raise
        item = _parse(body)
        if isinstance(item, dict):
            self._add(kind, item, out, None, counts)

    def _pages(
        self,
        kind: ApiKind,
        path: str,
        out: ListWriter | None,
        facts: NodeFacts | None,
        page_size: int,
        counts: list[int],
    ) -> None:
        token: str | None = None
        while True:
            query: list[tuple[str, Any]] = []
            if page_size > 0:
                query.append(("limit", page_size))
            if token:
                query.append(("continue", token))
            try:
                body = self._http.get(path, query)
            except KubeError as exc:
                if exc.status == 410 and token:
                    raise _Expired() from exc
                if token:  # the items of earlier pages are dropped with the file, not kept
                    raise KubeError(
                        exc.status,
                        f"{exc} on page {counts[1] + 1} of the list, after {counts[0]} "
                        "items; the partial list was not written",
                    ) from exc
                raise
            doc = _parse(body)
            items = doc.get("items") if isinstance(doc, dict) else None
            if not isinstance(items, list):
                raise KubeError(0, f"GET {path}: the answer is not a List")
            for item in items:
                if isinstance(item, dict):
                    self._add(kind, item, out, facts, counts)
            counts[1] += 1
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            token = meta.get("continue") or None
            remaining = meta.get("remainingItemCount")
            total = counts[0] + remaining if isinstance(remaining, int) and token else None
            if out is not None:
                self.progress.update(
                    FileProgress(kind.bundle_file, "running", counts[0], counts[1], total)
                )
            if not token:
                return

    def _add(
        self,
        kind: ApiKind,
        item: dict[str, Any],
        out: ListWriter | None,
        facts: NodeFacts | None,
        counts: list[int],
    ) -> None:
        # The API omits apiVersion/kind on list items; kubectl -o json fills them in.
        item = {"apiVersion": kind.group_version, "kind": kind.kind, **item}
        if facts is not None:
            facts.add(item)
        kept = redact_k8s_item(kind.bundle_file, item)
        if kept is None:
            return
        counts[0] += 1
        if out is not None:
            out.add(kept)


def served_group_versions(api: KubeApi) -> set[str] | None:
    """The `group/version`s the server serves, or None when discovery was refused (then each
    kind is listed, and a 404 means "not installed").

    Raises:
        KubeError: the API server could not be reached at all.
    """
    try:
        body = api.get(DISCOVERY_PATH, [])
    except KubeError as exc:
        if exc.status == 0:
            raise
        return None
    try:
        groups = orjson.loads(body).get("groups") or []
        return {
            str(v.get("groupVersion"))
            for g in groups
            if isinstance(g, dict)
            for v in g.get("versions") or []
            if isinstance(v, dict)
        }
    except (orjson.JSONDecodeError, AttributeError):
        return None


def missing_reason(kind: ApiKind, exc: KubeError) -> str:
    """Why `kind`'s file is missing after `exc`, naming the permission or CRD that is lacking."""
    reason = str(exc)
    if exc.status == 404 and kind.group:
        return not_installed(kind)
    if exc.status == 403:
        return reason + needs_note(kind.bundle_file)
    if exc.status == 401:
        return reason + " (the API server rejected the kubeconfig credentials)"
    return reason


def _parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise KubeError(0, f"the API server sent invalid JSON: {exc}") from exc


def not_installed(kind: ApiKind) -> str:
    return f"{NOT_INSTALLED} the API server does not serve {kind.resource} ({kind.group_version})"
