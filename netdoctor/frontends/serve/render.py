"""How objects are sent: the client's `Accept` picks a plain object or List, a meta.k8s.io
`Table` (what `kubectl get` prints, see `columns`) or `PartialObjectMetadata`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import orjson

from netdoctor.frontends.serve.columns import printer_columns
from netdoctor.frontends.serve.responses import Response
from netdoctor.frontends.serve.store import Store

WRITE_CHUNK = 1 << 20
"""Roughly how many bytes of a List body go in one write."""


class Representation(NamedTuple):
    """What the client asked for."""

    form: str
    """`json` (the objects themselves), `table` or `partial` (PartialObjectMetadata)."""
    meta_version: str
    """meta.k8s.io version of a `table` or `partial` answer: `v1` or `v1beta1`."""


def negotiate(accept: str) -> Representation:
    """What an `Accept` header prefers, first match wins; plain JSON when nothing else fits."""
    for media in accept.split(","):
        kind, *params = (p.strip() for p in media.split(";"))
        if kind not in ("application/json", "*/*", "application/*"):
            continue
        opts = dict(p.split("=", 1) for p in params if "=" in p)
        as_ = opts.get("as")
        if as_ is None:
            return Representation("json", "v1")
        if opts.get("g") == "meta.k8s.io" and opts.get("v", "v1") in ("v1", "v1beta1"):
            if as_ == "Table":
                return Representation("table", opts.get("v", "v1"))
            if as_ in ("PartialObjectMetadataList", "PartialObjectMetadata"):
                return Representation("partial", opts.get("v", "v1"))
    return Representation("json", "v1")


def render_object(
    store: Store,
    index: int,
    rep: Representation,
    params: Mapping[str, str],
    now: float,
    resource_version: str,
) -> Response:
    """One object (`store.objects[index]`) as `rep` asks."""
    if rep.form == "table":
        return _table(store, [index], {"resourceVersion": resource_version}, rep, params, now)
    if rep.form == "partial":
        return Response.json(_partial(store.objects[index], rep.meta_version))
    return Response(200, [store.blobs[index]])


def render_list(
    store: Store,
    page: Sequence[int],
    meta: dict[str, Any],
    rep: Representation,
    params: Mapping[str, str],
    now: float,
) -> Response:
    """A page of objects (indices into `store.objects`) with list metadata `meta`, as `rep` asks."""
    if rep.form == "table":
        return _table(store, page, meta, rep, params, now)
    if rep.form == "partial":
        return Response.json(
            {
                "kind": "PartialObjectMetadataList",
                "apiVersion": _meta_api_version(rep.meta_version),
                "metadata": meta,
                "items": [_partial(store.objects[i], rep.meta_version) for i in page],
            }
        )
    kind = store.kind
    head = {"apiVersion": kind.group_version, "kind": kind.list_kind, "metadata": meta}
    prefix = orjson.dumps(head)[:-1] + b',"items":['
    return Response(200, [prefix, *_join(store.blobs[i] for i in page), b"]}"])


def _table(
    store: Store,
    indices: Sequence[int],
    meta: dict[str, Any],
    rep: Representation,
    params: Mapping[str, str],
    now: float,
) -> Response:
    columns = printer_columns(store.kind)
    include = params.get("includeObject") or "Metadata"
    rows = []
    for i in indices:
        obj = store.objects[i]
        row: dict[str, Any] = {"cells": [col.cell(obj, now) for col in columns]}
        if include == "Object":
            row["object"] = orjson.Fragment(store.blobs[i])
        elif include == "Metadata":
            row["object"] = _partial(obj, rep.meta_version)
        rows.append(row)
    table = {
        "kind": "Table",
        "apiVersion": _meta_api_version(rep.meta_version),
        "metadata": meta,
        "columnDefinitions": [col.definition() for col in columns],
        "rows": rows,
    }
    content_type = f"application/json;as=Table;v={rep.meta_version};g=meta.k8s.io"
    return Response.json(table, content_type=content_type)


def _partial(obj: dict[str, Any], meta_version: str) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": _meta_api_version(meta_version),
        "metadata": obj.get("metadata", {}),
    }


def _meta_api_version(meta_version: str) -> str:
    return f"meta.k8s.io/{meta_version}"


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
        if size >= WRITE_CHUNK:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)
