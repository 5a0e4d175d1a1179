"""Atomic bundle writing: files go to a private temp tree, which becomes the bundle in one rename.

A capture that fails or is interrupted leaves nothing at the target path. Each file is itself
written through `sources.atomic` (a `.part` temp file renamed when complete), so a file present
in the tree is whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from netdoctor.errors import UsageError
from netdoctor.snapshot import files as f
from netdoctor.sources.atomic import PART_SUFFIX, atomic_file, write_atomic

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
_LIST_HEAD = b'{\n  "apiVersion": "v1",\n  "items": ['
_LIST_END = b'],\n  "kind": "List",\n  "metadata": {\n    "resourceVersion": ""\n  }\n}\n'
_GZIP_LEVEL = 6
_ABORT_TRIES = 20


def is_archive_target(path: Path) -> bool:
    """True when `-o PATH` asks for a `.tar.gz`/`.tgz` archive rather than a directory."""
    return path.name.endswith(ARCHIVE_SUFFIXES)


def check_target(path: Path) -> None:
    """Refuse, before any API call, a target that cannot be written or would clobber data.

    Raises:
        UsageError: the parent directory is missing, or a directory target is a non-empty
            directory or a file.
    """
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{path}: the directory {parent} does not exist")
    if is_archive_target(path):
        if path.is_dir():
            raise UsageError(f"{path}: is a directory; choose a file name ending in .tar.gz")
        return
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UsageError(f"{path}: already exists; choose a new directory or a .tar.gz name")


def aws_cli_json(document: Any) -> bytes:
    """`document` as the aws CLI prints it: 4-space JSON, datetimes in ISO 8601."""
    text = json.dumps(document, indent=4, ensure_ascii=False, default=_json_default)
    return (text + "\n").encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dump_list_item(item: Any) -> bytes:
    """One object as a List file holds it: indented JSON, shifted under `items`."""
    try:
        blob = orjson.dumps(item, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits; the stdlib encoder does not.
        blob = json.dumps(item, indent=2, ensure_ascii=False).encode()
    return blob.replace(b"\n", b"\n    ")


class ListWriter:
    """Streams the items of one kubectl-style `List` file into `out`; `finish()` closes the List.

    Get one from `BundleWriter.list_file`, which publishes the file only when it is whole.
    """

    def __init__(self, out: IO[bytes], aborted: Callable[[], bool] = lambda: False) -> None:
        self._out = out
        self._aborted = aborted
        self._out.write(_LIST_HEAD)
        self.count = 0
        """Items written so far."""

    def add(self, item: Any) -> None:
        """Append one object."""
        self.add_dumped(dump_list_item(item))

    def add_dumped(self, blob: bytes) -> None:
        """Append one object already serialised by `dump_list_item` (a watch keeps them so)."""
        if self._aborted():
            raise RuntimeError("capture was aborted")
        self._out.write(b"\n    " if self.count == 0 else b",\n    ")
        self._out.write(blob)
        self.count += 1

    def finish(self) -> None:
        """Close the List (the last bytes of the file)."""
        self._out.write(b"\n  " + _LIST_END if self.count else _LIST_END)


class BundleWriter:
    """Builds a bundle in a private temp tree and publishes it atomically with `commit()`.

    Thread-safe: the Kubernetes and AWS collectors write their files concurrently.
    """

    def __init__(self, target: Path | None) -> None:
        """
        Args:
            target: the `-o` path (`.tar.gz`/`.tgz` → archive, else directory); None keeps the
                tree as a temporary bundle that `cleanup()` removes (`check --live`).
        """
        self.target = target
        self.archive = target is not None and is_archive_target(target)
        if target is not None and not self.archive:
            # Same filesystem as the target, so the final rename is atomic.
            base = target.parent if str(target.parent) else Path(".")
            self.root = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=base))
        else:
            self.root = Path(tempfile.mkdtemp(prefix="netdoctor-capture-"))
        (self.root / "k8s").mkdir()
        (self.root / "aws").mkdir()
        self._lock = threading.Lock()
        self._closed = False

    def _path(self, rel: str) -> Path:
        with self._lock:
            if self._closed:
                raise RuntimeError("capture was aborted")
        return self.root / rel

    @contextlib.contextmanager
    def list_file(self, rel: str) -> Iterator[ListWriter]:
        """A `ListWriter` for `rel`, published when the block ends normally, else dropped (the
        bundle then lacks the file: not collected)."""
        # No fsync: the tree is private until commit() publishes it with one rename.
        with atomic_file(self._path(rel), fsync=False) as out:
            writer = ListWriter(out, lambda: self._closed)
            yield writer
            writer.finish()

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write a whole file (atomically, like every file of the tree)."""
        write_atomic(self._path(rel), data, fsync=False)

    def has(self, rel: str) -> bool:
        """True when `rel` was written (complete)."""
        return (self.root / rel).is_file()

    def read_bytes(self, rel: str) -> bytes | None:
        """A written file's bytes, or None."""
        path = self.root / rel
        return path.read_bytes() if path.is_file() else None

    def present(self) -> list[str]:
        """The bundle files written so far, in BUNDLE-FORMAT.md order."""
        return [rel for rel in (f.META, *f.ALL_FILES) if (self.root / rel).is_file()]

    def commit(self) -> Path:
        """Publish the bundle at the target; returns the bundle path (the temp tree for None).

        Raises:
            UsageError: the target appeared meanwhile.
        """
        with self._lock:
            self._closed = True
        for part in self.root.rglob(f"*{PART_SUFFIX}"):
            part.unlink()
        if self.target is None:
            return self.root
        if self.archive:
            self._write_archive(self.target)
            shutil.rmtree(self.root, ignore_errors=True)
            return self.target
        check_target(self.target)
        if self.target.exists():
            self.target.rmdir()  # empty, as check_target made sure
        os.replace(self.root, self.target)
        return self.target

    def _write_archive(self, target: Path) -> None:
        now = time.time()
        # Private (0600) like the directory form (a mkdtemp tree, 0700): it holds cluster data.
        with (
            atomic_file(target, 0o600, prefix=f".{target.name}.partial-") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=_GZIP_LEVEL) as tar,
        ):
            for rel in self.present():
                info = tar.gettarinfo(str(self.root / rel), arcname=rel)
                info.mode, info.uid, info.gid, info.uname, info.gname = 0o644, 0, 0, "", ""
                info.mtime = int(now)
                with open(self.root / rel, "rb") as fh:
                    tar.addfile(info, fh)

    def abort(self) -> None:
        """Remove everything written; nothing appears at the target."""
        with self._lock:
            self._closed = True
        for _ in range(_ABORT_TRIES):
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists():
                return
            # A collector thread was creating a file as the tree went; it stops at its next write.
            time.sleep(0.05)

    cleanup = abort
    """Remove a temporary (target None) bundle after use."""
