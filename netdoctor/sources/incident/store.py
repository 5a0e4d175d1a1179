"""The content-addressed frame store: write frames of a recorded incident, atomically.

Each distinct file content is stored once under `blobs/ab/abcdef…` (its SHA-256); a frame is a
plain bundle directory whose `meta.json` is a real file and whose other files are relative
symlinks into `blobs/`. A frame is committed in this order: blobs (temp file + rename), the frame
directory under a temp name, one rename into place, then the index. A crash or Ctrl-C at any
point leaves the frames already committed readable; the next `IncidentStore.open` removes the
leftovers (temp frames, temp blobs, blobs no frame references).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import orjson

from netdoctor.errors import BundleError, UsageError
from netdoctor.snapshot import files as f
from netdoctor.sources.atomic import atomic_file, write_atomic
from netdoctor.sources.incident.layout import BLOBS, FORMAT, FRAMES, INDEX, LOCK, TEMP_PREFIX

try:  # POSIX only; elsewhere two recorders on one directory are not guarded against
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

_FRAME_NAME = re.compile(r"^\d+$")


@dataclass(frozen=True)
class FrameWritten:
    """What one committed frame cost."""

    name: str
    """`0003`: the frame's directory under `frames/`."""
    path: Path
    captured_at: str
    files: int
    """Files in the frame, `meta.json` included."""
    new_blobs: int
    """Contents the store had not seen before."""
    new_bytes: int
    """Bytes written for this frame (new blobs + `meta.json`)."""


@dataclass(frozen=True)
class StoreSize:
    """Bytes on disk versus what the frames would take as full copies."""

    stored: int
    """Blobs + every real file (meta.json, the index)."""
    logical: int
    """The sum of every frame's files, as if each frame were a full copy."""
    blobs: int
    frames: int


def now_rfc3339() -> str:
    """The current UTC time as RFC 3339 with seconds, e.g. `2025-09-18T10:12:44Z`."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _safe_rel(rel: str) -> str:
    path = PurePosixPath(rel.replace("\\", "/"))
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise BundleError(f"{rel}: not a relative path inside the bundle")
    return path.as_posix()


def _write_atomic(dest: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `dest` atomically, the temp file named so `recover` finds it."""
    write_atomic(dest, data, mode, prefix=TEMP_PREFIX)


def _link(target: Path, link: Path) -> None:
    """A relative symlink from `link` to `target`; a copy where symlinks are unavailable."""
    relative = os.path.relpath(target, link.parent)
    try:
        os.symlink(relative, link)
    except OSError:  # pragma: no cover - e.g. Windows without the symlink privilege
        shutil.copyfile(target, link)


class IncidentStore:
    """Appends frames to an incident directory. Open with `IncidentStore.open(root)`."""

    def __init__(self, root: Path, lock: IO[bytes] | None) -> None:
        self.root = root
        """The incident directory."""
        self._lock = lock

    # --- lifecycle -----------------------------------------------------------------------

    @classmethod
    def open(cls, root: str | Path) -> IncidentStore:
        """Open (creating if needed) an incident directory for writing, and tidy up after a
        crash: half-written frames and blobs, and blobs no frame references, are removed.

        Raises:
            UsageError: the path is a file, a non-empty directory that is not an incident, or
                another process is recording into it.
        """
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise UsageError(f"{root}: exists and is not a directory")
        if root.is_dir() and any(root.iterdir()) and not _looks_like_incident(root):
            raise UsageError(
                f"{root}: exists and is not a recorded incident; choose a new directory"
            )
        (root / BLOBS).mkdir(parents=True, exist_ok=True)
        (root / FRAMES).mkdir(exist_ok=True)
        lock = _take_lock(root)
        store = cls(root, lock)
        store.recover()
        if not (root / INDEX).exists():
            store._write_index()
        return store

    def close(self) -> None:
        """Release the recording lock."""
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.root / LOCK).unlink()
            self._lock.close()
            self._lock = None

    def __enter__(self) -> IncidentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def recover(self) -> None:
        """Remove what an interrupted write left: temp frames, temp blobs, orphan blobs."""
        frames = self.root / FRAMES
        for entry in frames.iterdir():
            if entry.name.startswith(TEMP_PREFIX):
                shutil.rmtree(entry, ignore_errors=True)
        referenced = self._referenced_blobs()
        blobs = self.root / BLOBS
        for fan in blobs.iterdir():
            if not fan.is_dir():
                continue
            for blob in fan.iterdir():
                if blob.name.startswith(TEMP_PREFIX) or blob.name not in referenced:
                    with contextlib.suppress(OSError):
                        blob.unlink()
        for entry in self.root.iterdir():  # an index write cut short (kill -9, power loss)
            if entry.name.startswith(TEMP_PREFIX) and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()
        with contextlib.suppress(OSError):
            (self.root / INDEX).with_name(INDEX + ".tmp").unlink()

    # --- writing -------------------------------------------------------------------------

    def frame_names(self) -> list[str]:
        """Committed frames, in the order they were written."""
        names = [
            e.name
            for e in (self.root / FRAMES).iterdir()
            if e.is_dir() and _FRAME_NAME.match(e.name)
        ]
        return sorted(names, key=int)

    def add_frame(self, files: Mapping[str, bytes]) -> FrameWritten:
        """Commit one frame from `bundle path → content` (e.g. `k8s/pods.json`).

        The frame's `meta.json` gets `captured_at` (now, UTC) if it lacks one.

        Raises:
            BundleError: a path escapes the bundle or meta.json is not a JSON object.
        """
        contents = {_safe_rel(rel): data for rel, data in files.items()}
        meta = _meta_with_time(contents.pop(f.META, None))
        captured_at = str(orjson.loads(meta)["captured_at"])
        new_blobs = 0
        new_bytes = len(meta)
        blob_of: dict[str, Path] = {}
        for rel, data in sorted(contents.items()):
            blob, created = self._put_blob(data)
            blob_of[rel] = blob
            if created:
                new_blobs += 1
                new_bytes += len(data)
        name = self._next_name()
        tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{name}-", dir=self.root / FRAMES))
        try:
            _write_atomic(tmp / f.META, meta)
            for rel, blob in blob_of.items():
                link = tmp / rel
                link.parent.mkdir(parents=True, exist_ok=True)
                _link(blob, link)
            os.chmod(tmp, 0o755)
            final = self.root / FRAMES / name
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._write_index()
        return FrameWritten(name, final, captured_at, len(contents) + 1, new_blobs, new_bytes)

    def add_bundle(self, bundle_root: str | Path, trusted_root: Path | None = None) -> FrameWritten:
        """Commit a bundle directory (every regular file under it) as one frame.

        `trusted_root` lets the bundle's links lead anywhere under it (a frame of another
        incident links into that incident's blobs).

        Raises:
            BundleError: a file is a link leading outside the bundle, or unreadable.
        """
        root = Path(bundle_root)
        real_root = (trusted_root or root).resolve()
        contents: dict[str, bytes] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if any(part.startswith(".") for part in PurePosixPath(rel).parts):
                continue
            if not path.resolve().is_relative_to(real_root):
                raise BundleError(f"{rel}: is a link outside the bundle; refusing to record it")
            try:
                contents[rel] = path.read_bytes()
            except OSError as exc:
                raise BundleError(f"{rel}: cannot read ({exc.strerror or exc})") from exc
        return self.add_frame(contents)

    def remove_frames(self, names: Iterable[str]) -> int:
        """Drop committed frames (retention); returns how many went.

        Each frame is first renamed to a temp name (readers skip it at once), the index is
        rewritten, then its files and the blobs no remaining frame links are removed: at every
        step the recording opens as the frames that remain.
        """
        doomed = []
        for name in names:
            if not _FRAME_NAME.match(name):
                continue
            frame = self.root / FRAMES / name
            hidden = frame.with_name(f"{TEMP_PREFIX}removed-{name}")
            try:
                os.rename(frame, hidden)
            except FileNotFoundError:
                continue
            doomed.append(hidden)
        if doomed:
            self._write_index()
            for hidden in doomed:
                shutil.rmtree(hidden, ignore_errors=True)
            self.recover()
        return len(doomed)

    def _put_blob(self, data: bytes) -> tuple[Path, bool]:
        digest = hashlib.sha256(data).hexdigest()
        fan = self.root / BLOBS / digest[:2]
        blob = fan / digest
        if blob.is_file():
            return blob, False
        fan.mkdir(exist_ok=True)
        _write_atomic(blob, data, mode=0o444)  # read-only: every frame that links it shares it
        return blob, True

    def _next_name(self) -> str:
        names = self.frame_names()
        number = int(names[-1]) + 1 if names else 1
        return f"{number:04d}"

    def _write_index(self) -> None:
        index = {"format": FORMAT, "frames": [f"{FRAMES}/{n}" for n in self.frame_names()]}
        _write_atomic(self.root / INDEX, orjson.dumps(index, option=orjson.OPT_INDENT_2) + b"\n")

    def _referenced_blobs(self) -> set[str]:
        found: set[str] = set()
        for frame in (self.root / FRAMES).iterdir():
            if not frame.is_dir() or frame.name.startswith(TEMP_PREFIX):
                continue
            for path in frame.rglob("*"):
                if path.is_symlink():
                    found.add(Path(os.readlink(path)).name)
        return found

    # --- sizes and packing ---------------------------------------------------------------

    def size(self) -> StoreSize:
        """What the recording takes on disk, and what full copies would take."""
        return incident_size(self.root)


def _looks_like_incident(root: Path) -> bool:
    return (root / INDEX).is_file() or (root / FRAMES).is_dir()


def _take_lock(root: Path) -> IO[bytes] | None:
    if fcntl is None:  # pragma: no cover
        return None
    handle = (root / LOCK).open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise UsageError(f"{root}: another netdoctor record is writing to it") from None
    return handle


def _meta_with_time(data: bytes | None) -> bytes:
    meta: dict[str, Any] = {}
    if data is not None:
        try:
            meta = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise BundleError(f"{f.META}: not valid JSON: {exc}") from exc
        if not isinstance(meta, dict):
            raise BundleError(f"{f.META}: expected a JSON object")
        if meta.get("captured_at"):
            try:
                datetime.fromisoformat(str(meta["captured_at"]))
            except ValueError:
                raise BundleError(
                    f"{f.META}: captured_at: expected an RFC 3339 time, got {meta['captured_at']!r}"
                ) from None
            return data
    meta["captured_at"] = now_rfc3339()
    return orjson.dumps(meta, option=orjson.OPT_INDENT_2) + b"\n"


def incident_size(root: Path) -> StoreSize:
    """Bytes the incident at `root` stores, and the bytes of its frames as full copies."""
    stored = 0
    blobs = 0
    for path in (root / BLOBS).rglob("*"):
        if path.is_file() and not path.is_symlink():
            stored += path.stat().st_size
            blobs += 1
    logical = 0
    frames = 0
    for frame in (root / FRAMES).iterdir():
        if not frame.is_dir() or frame.name.startswith("."):
            continue
        frames += 1
        for path in frame.rglob("*"):
            if path.is_file():
                logical += path.stat().st_size  # follows the link: the frame as a full copy
                if not path.is_symlink():
                    stored += path.stat().st_size
    if (root / INDEX).is_file():
        stored += (root / INDEX).stat().st_size
    return StoreSize(stored=stored, logical=logical, blobs=blobs, frames=frames)


def pack(root: str | Path, archive: str | Path, reproducible: bool = False) -> Path:
    """Pack an incident directory into a `.tar.gz` that keeps the links (written atomically).

    The index comes first, then the blobs, then the frames, so a reader can tell an incident
    archive from the first member. `reproducible` zeroes times and owners, so the same incident
    always packs to the same bytes (for archives kept in version control).
    """
    root, archive = Path(root), Path(archive)
    members: list[Path] = []
    if (root / INDEX).is_file():
        members.append(root / INDEX)
    members += _walk(root / BLOBS)
    members += _walk(root / FRAMES)
    with (
        atomic_file(archive, prefix=TEMP_PREFIX, suffix=".tar.gz") as raw,
        gzip.GzipFile(
            filename="",
            fileobj=raw,
            mode="wb",
            compresslevel=6,
            mtime=0 if reproducible else None,
        ) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in members:
            info = tar.gettarinfo(path, arcname=path.relative_to(root).as_posix())
            if reproducible:
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                info.mode = 0o755 if info.isdir() else 0o444 if info.isreg() else info.mode
            if info.isreg():
                with path.open("rb") as data:
                    tar.addfile(info, data)
            else:
                tar.addfile(info)
    return archive


def _walk(top: Path) -> Iterable[Path]:
    """`top` and everything under it, parents first, skipping temp entries."""
    if not top.exists():
        return []
    found = [top]
    for path in sorted(top.rglob("*")):
        if any(p.startswith(TEMP_PREFIX) for p in path.relative_to(top).parts):
            continue
        found.append(path)
    return found
