"""Open a recorded incident — a directory or archive of bundles — as frames ordered in time.

Two layouts are read: the store's (`frames/NNNN/` linking into `blobs/`, see `store.py`) and
the plain one BUNDLE-FORMAT.md describes, a directory whose sub-directories are bundles. Either
way a frame is a bundle whose `meta.json` carries `captured_at`; frames are ordered by it.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

import orjson

from netdoctor.errors import BundleError, UsageError
from netdoctor.snapshot import files as f
from netdoctor.snapshot.archive import SizeLimits, extract, is_archive
from netdoctor.snapshot.bundle import Bundle, open_bundle
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.incident.clock import parse_time, resolve_time
from netdoctor.sources.incident.layout import FORMAT, FRAMES, INDEX, TEMP_PREFIX

_BUNDLE_MARKERS = (f.META, "k8s", "aws")


@dataclass(frozen=True)
class Frame:
    """One frame of an incident."""

    number: int
    """1-based position in time order: what `--frame N` and the reports use."""
    name: str
    """The frame's directory name (`0003`)."""
    path: Path
    captured_at: str | None
    """`meta.json` captured_at as written."""
    time: datetime | None
    """captured_at parsed (UTC when it carries no offset)."""


class Incident:
    """An opened incident: its frames in time order. Close it to remove an extracted archive."""

    def __init__(
        self, root: Path, label: str, frames: list[Frame], cleanup: Path | None = None
    ) -> None:
        self.root = root
        """The directory holding the frames (an archive's extraction)."""
        self.label = label
        """The path the user gave, for messages."""
        self.frames = frames
        self._cleanup = cleanup

    def __len__(self) -> int:
        return len(self.frames)

    def __enter__(self) -> Incident:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temp directory an archive was extracted into."""
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)
            self._cleanup = None

    @property
    def first(self) -> Frame:
        return self.frames[0]

    @property
    def last(self) -> Frame:
        return self.frames[-1]

    def frame(self, number: int) -> Frame:
        """The frame with that 1-based number.

        Raises:
            UsageError: no such frame.
        """
        if not 1 <= number <= len(self.frames):
            raise UsageError(
                f"{self.label}: no frame {number}; the incident has frames 1..{len(self.frames)}"
            )
        return self.frames[number - 1]

    def open_bundle(self, number: int) -> Bundle:
        """The frame's files; its links may point anywhere inside the incident."""
        return open_bundle(self.frame(number).path, trusted_root=self.root)

    def snapshot(self, number: int) -> Snapshot:
        """A Snapshot of one frame (a directory bundle: nothing to close)."""
        bundle = self.open_bundle(number)
        bundle.label = f"{self.label} frame {number}"
        return Snapshot(bundle)

    def select(self, spec: str) -> Frame:
        """The frame `--frame` names: a number, `first`/`last`, or a time (the last frame
        captured at or before it).

        Raises:
            UsageError: no such frame, or the time is before the first frame.
        """
        spec = spec.strip()
        if spec.isdigit():
            return self.frame(int(spec))
        if spec in ("first", "last"):
            return self.first if spec == "first" else self.last
        start = self.first.time
        if start is None:
            raise UsageError(f"{self.label}: frames carry no captured_at; use a frame number")
        target = resolve_time(spec, start)
        chosen = [fr for fr in self.frames if fr.time is not None and fr.time <= target]
        if not chosen:
            raise UsageError(
                f"--frame {spec}: {target.isoformat()} is before the first frame "
                f"({self.first.captured_at})"
            )
        return chosen[-1]


# --- detection -------------------------------------------------------------------------------


def is_incident(path: str | Path) -> bool:
    """True when `path` is a recorded incident (directory or archive), not a single bundle.

    Archives are identified from their member names without extracting them.
    """
    source = Path(path)
    if source.is_dir():
        return _incident_root(source) is not None
    if source.is_file() and is_archive(source):
        try:
            return _archive_is_incident(source)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError):
            return False  # let the bundle reader report the corrupt archive
    return False


def _frame_dirs(root: Path) -> list[Path]:
    """The frame directories of an incident rooted at `root` (either layout); [] if none."""
    frames = root / FRAMES
    if frames.is_dir():
        found = [
            d
            for d in frames.iterdir()
            if d.is_dir() and not d.name.startswith((".", TEMP_PREFIX)) and _is_bundle_dir(d)
        ]
        if found or (root / INDEX).is_file():
            return found
    if any((root / m).exists() for m in _BUNDLE_MARKERS):
        return []  # a bundle itself, not a directory of bundles
    children = [
        d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".") and _has_time(d)
    ]
    return children if len(children) >= 2 else []


def _incident_root(path: Path) -> Path | None:
    if (path / INDEX).is_file() or _frame_dirs(path):
        return path
    children = [c for c in path.iterdir() if not c.name.startswith(".")]
    if len(children) == 1 and children[0].is_dir() and not _is_bundle_dir(path):
        return _incident_root(children[0])
    return None


def _is_bundle_dir(path: Path) -> bool:
    return any((path / m).exists() for m in _BUNDLE_MARKERS)


def _read_meta_time(frame: Path) -> str | None:
    try:
        meta = orjson.loads((frame / f.META).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    value = meta.get("captured_at") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def _read_meta_place(frame: Path) -> tuple[str | None, str | None]:
    """(cluster, region) from the frame's meta.json; None where it does not say."""
    try:
        meta = orjson.loads((frame / f.META).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None, None
    if not isinstance(meta, dict):
        return None, None
    cluster, region = meta.get("cluster"), meta.get("region")
    return (
        cluster if isinstance(cluster, str) and cluster else None,
        region if isinstance(region, str) and region else None,
    )


def refuse_mixed_clusters(source: str | Path, frames: list[Path]) -> None:
    """Frames of one incident come from one cluster in one region: a folder of unrelated
    bundles is not an incident.

    Raises:
        BundleError: two frames name different clusters (or regions), naming both.
    """
    seen: dict[str, tuple[Path, str]] = {}
    for frame in frames:
        cluster, region = _read_meta_place(frame)
        for kind, value in (("cluster", cluster), ("region", region)):
            if value is None:
                continue
            first = seen.setdefault(kind, (frame, value))
            if first[1] != value:
                raise BundleError(
                    f"{source}: not one incident: {first[0].name} is {kind} {first[1]!r} but "
                    f"{frame.name} is {kind} {value!r}; check each bundle on its own"
                )


def _has_time(path: Path) -> bool:
    return _read_meta_time(path) is not None


def _archive_is_incident(archive: Path) -> bool:
    """Decide from member names: the store's index or `frames/*/…`, possibly under one top
    directory; a bundle's own files (`meta.json`, `k8s/…`) say it is a single bundle."""
    if archive.name.lower().endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            return _names_say_incident(zf.namelist())
    names: list[str] = []
    with tarfile.open(archive, mode="r:*") as tar:
        while (info := tar.next()) is not None:
            names.append(info.name)
            verdict = _verdict(names)
            if verdict is not None:
                return verdict
    return _names_say_incident(names)


def _verdict(names: list[str]) -> bool | None:
    """True/False once the names seen so far decide it; None while undecided."""
    parts = PurePosixPath(names[-1].lstrip("./")).parts
    for skip in (0, 1):  # members may sit under one top-level directory
        rest = parts[skip:]
        if not rest:
            continue
        if rest[0] == INDEX or (rest[0] == FRAMES and len(rest) >= 3):
            return True
        if rest[0] in ("k8s", "aws") and len(rest) >= 2 and skip == 0:
            return False
    return None


def _names_say_incident(names: list[str]) -> bool:
    tops: dict[str, int] = {}
    for name in names:
        verdict = _verdict([name])
        if verdict is not None:
            return verdict
        parts = PurePosixPath(name.lstrip("./")).parts
        if len(parts) >= 2 and parts[-1] == f.META:
            tops[parts[-2]] = tops.get(parts[-2], 0) + 1
    return len(tops) >= 2  # a plain directory of bundles


def incident_root_of(path: str | Path) -> Path | None:
    """The incident a frame directory belongs to (`INCIDENT/frames/0003` → `INCIDENT`, when
    `INCIDENT/incident.json` says so), else None."""
    frame = Path(path)
    if not frame.is_dir() or frame.parent.name != FRAMES:
        return None
    root = frame.parent.parent
    try:
        index = orjson.loads((root / INDEX).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return root if isinstance(index, dict) and index.get("format") == FORMAT else None


# --- opening ---------------------------------------------------------------------------------


def open_incident(path: str | Path, limits: SizeLimits | None = None) -> Incident:
    """Open an incident directory or archive.

    Raises:
        BundleError: not found, a hostile or corrupt archive, or no frames in it.
    """
    source = Path(path)
    if not source.exists():
        raise BundleError(f"{source}: no such file or directory")
    cleanup: Path | None = None
    if source.is_dir():
        base = source
    elif is_archive(source):
        base = cleanup = extract(source, limits or SizeLimits())
    else:
        raise BundleError(f"{source}: not an incident: expected a directory or an archive")
    root = _incident_root(base)
    dirs = _frame_dirs(root) if root is not None else []
    if root is None or not dirs:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        raise BundleError(f"{source}: no frames found (expected frames/*/meta.json)")
    try:
        refuse_mixed_clusters(source, sorted(dirs))
    except BundleError:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        raise
    frames = [(d, _read_meta_time(d)) for d in dirs]
    frames.sort(key=lambda item: _order(item[0], item[1]))
    ordered = [
        Frame(i, d.name, d, captured_at, parse_time(captured_at))
        for i, (d, captured_at) in enumerate(frames, start=1)
    ]
    return Incident(root, str(source), ordered, cleanup)


def _order(path: Path, captured_at: str | None) -> tuple[int, float, int, str]:
    time = parse_time(captured_at)
    name = path.name
    number = int(name) if name.isdigit() else 0
    return (0 if time else 1, time.timestamp() if time else 0.0, number, name)
