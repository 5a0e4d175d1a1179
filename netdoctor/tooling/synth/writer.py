"""Writes bundle files byte-for-byte as kubectl and the aws CLI print them.

Both print 4-space indented JSON (kubectl with sorted keys); `compact` writes the same data
without whitespace. Lists are streamed in chunks: objects are encoded with orjson and
re-indented by msgspec, both in C, and never held all at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec
import orjson

_SENTINEL = "__netdoctor_synth_items__"
CHUNK = 512

ChunkCallback = Callable[[int], None]


class BundleWriter:
    """Writes files under one bundle root and remembers their sizes."""

    def __init__(self, root: Path, *, compact: bool = False) -> None:
        self.root = root
        self.compact = compact
        self.sizes: dict[str, int] = {}

    def _encode(self, obj: Any, sort_keys: bool) -> bytes:
        raw = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
        return raw if self.compact else msgspec.json.format(raw, indent=4)

    def _path(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, rel: str, obj: Any, *, sort_keys: bool = False) -> None:
        """One whole document (`sort_keys` for Kubernetes objects)."""
        data = self._encode(obj, sort_keys) + b"\n"
        self._path(rel).write_bytes(data)
        self.sizes[rel] = len(data)

    def write_k8s_list(
        self, rel: str, items: Iterable[dict[str, Any]], on_chunk: ChunkCallback | None = None
    ) -> int:
        """A `kubectl get ... -o json` v1 List; returns the number of items."""
        envelope = {
            "apiVersion": "v1",
            "items": None,
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        }
        return self.stream(rel, envelope, "items", items, sort_keys=True, on_chunk=on_chunk)

    def stream(
        self,
        rel: str,
        envelope: dict[str, Any],
        key: str,
        items: Iterable[dict[str, Any]],
        *,
        sort_keys: bool = False,
        on_chunk: ChunkCallback | None = None,
    ) -> int:
        """A document whose `key` holds a long list, written chunk by chunk."""
        shell = self._encode({**envelope, key: [_SENTINEL]}, sort_keys)
        head, tail = shell.split(f'"{_SENTINEL}"'.encode())
        opening = head[: head.rindex(b"[") + 1]
        count = 0
        size = 0
        with self._path(rel).open("wb") as out:

            def put(data: bytes) -> None:
                nonlocal size
                out.write(data)
                size += len(data)

            put(opening)
            chunk: list[dict[str, Any]] = []

            def flush() -> None:
                # Encoded inside the envelope, the items come out at their depth in the file:
                # what lies between the envelope's opening and its tail is exactly the chunk.
                raw = self._encode({**envelope, key: chunk}, sort_keys)
                body = raw[len(opening) : len(raw) - len(tail)]
                put(body if count == len(chunk) else b"," + body)
                if on_chunk is not None:
                    on_chunk(len(chunk))
                chunk.clear()

            for item in items:
                chunk.append(item)
                count += 1
                if len(chunk) == CHUNK:
                    flush()
            if chunk:
                flush()
            if count:
                put(tail + b"\n")
            else:
                put(b"]" + tail[tail.index(b"]") + 1 :] + b"\n")
        self.sizes[rel] = size
        return count
