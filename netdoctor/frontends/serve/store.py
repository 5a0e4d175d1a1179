"""Bundle objects indexed for serving, and loading them from a bundle.

Each served kind is a `Store`: its objects, each serialised once so a page is a join of byte
slices, indexed by namespace and by name.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from netdoctor.errors import BundleError
from netdoctor.snapshot import files as f
from netdoctor.snapshot.kinds import API_KINDS, ApiKind

log = logging.getLogger(__name__)

Loader = Callable[[str], Any]
"""`load(bundle_file)` → the parsed JSON document, or None when the bundle lacks that file."""

StoreKey = tuple[str, str, str]
"""(group, version, plural), as in the REST path."""


class Store:
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


def index_objects(objects: Mapping[str, Sequence[Any]]) -> dict[StoreKey, Store]:
    """A `Store` per kind of `API_KINDS` whose bundle file is in `objects`, in that order.

    Raises:
        BundleError: an item is not an object with `metadata.name`.
    """
    return {
        (kind.group, kind.version, kind.plural): Store(kind, objects[kind.bundle_file])
        for kind in API_KINDS
        if kind.bundle_file in objects
    }


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
# Loading a bundle


def load_objects(load: Loader) -> dict[str, list[Any]]:
    """Bundle file → items, for every k8s file of `API_KINDS` the bundle has (each loaded once).

    Raises:
        BundleError: a k8s file is malformed.
    """
    objects = {}
    for kind in API_KINDS:
        document = load(kind.bundle_file)
        if document is not None:
            objects[kind.bundle_file] = items_of(kind.bundle_file, document)
    return objects


def directory_loader(root: str | Path) -> Loader:
    """A `Loader` over an unpacked bundle directory; it raises `BundleError` on invalid JSON."""
    base = Path(root)

    def load(rel: str) -> Any:
        path = base / rel
        if not path.is_file():
            return None
        try:
            return orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise BundleError(f"{rel}: not valid JSON: {exc}") from exc

    return load


def captured_at(load: Loader) -> datetime | None:
    """`meta.json`'s `captured_at`; None when missing or malformed (it is cosmetic)."""
    meta = _load_quietly(load, f.META)
    value = meta.get("captured_at") if isinstance(meta, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def cluster_version(load: Loader) -> str | None:
    """The EKS cluster's `major.minor` version; None when missing or malformed (cosmetic)."""
    document = _load_quietly(load, f.AWS_CLUSTER)
    cluster = document.get("cluster") if isinstance(document, dict) else None
    version = cluster.get("version") if isinstance(cluster, dict) else None
    if isinstance(version, str) and re.fullmatch(r"\d+\.\d+", version):
        return version
    return None


def _load_quietly(load: Loader, rel: str) -> Any:
    try:
        return load(rel)
    except BundleError as exc:
        log.warning("ignoring %s", exc)
        return None
