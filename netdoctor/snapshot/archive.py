"""Safe extraction of bundle archives (.tar.gz/.tgz/.tar/.zip) into a private temp directory.

Every member is checked before a byte is written: no absolute paths, no `..`, no devices, links
only when they resolve to another member inside the bundle. Sizes are counted while the data
streams, so an archive bomb is refused when it crosses the cap, whatever its headers claim.
"""

from __future__ import annotations

import posixpath
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from netdoctor.errors import BundleError

GIB = 1024**3
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class SizeLimits:
    """Caps that refuse archive bombs while reading."""

    per_member: int = 2 * GIB
    per_bundle: int = 8 * GIB


ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


def is_archive(path: Path) -> bool:
    """True when the path names a bundle archive by its suffix."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _safe_member_name(archive: Path, name: str) -> str:
    """Normalise a member name, refusing anything that would land outside the bundle root."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise BundleError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    normal = posixpath.normpath(name.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise BundleError(
            f"{archive}: member {name!r} escapes the bundle root; refusing to extract"
        )
    return "" if normal == "." else normal


def _resolve_link(archive: Path, member: str, target: str, hard: bool) -> str:
    """The member path a link points at, refusing targets outside the bundle."""
    if target.startswith("/"):
        raise BundleError(
            f"{archive}: link {member!r} points outside the bundle ({target}); refusing to extract"
        )
    joined = target if hard else posixpath.join(posixpath.dirname(member), target)
    normal = posixpath.normpath(joined)
    if normal == ".." or normal.startswith("../"):
        raise BundleError(
            f"{archive}: link {member!r} points outside the bundle ({target}); refusing to extract"
        )
    return normal


class _Budget:
    """Counts bytes written, per member and for the whole bundle."""

    def __init__(self, archive: Path, limits: SizeLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.total = 0

    def copy(self, name: str, source: IO[bytes], dest: Path) -> None:
        written = 0
        with dest.open("wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                self.total += len(chunk)
                if written > self.limits.per_member:
                    raise BundleError(
                        f"{self.archive}: member {name!r} inflates past the "
                        f"{_fmt(self.limits.per_member)} per-file cap (--max-bundle-size)"
                    )
                if self.total > self.limits.per_bundle:
                    raise BundleError(
                        f"{self.archive}: contents inflate past the "
                        f"{_fmt(self.limits.per_bundle)} bundle cap (--max-bundle-size)"
                    )
                out.write(chunk)


def _fmt(n: int) -> str:
    """A byte count for people: 2 GiB, 512 MiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def extract(archive: Path, limits: SizeLimits) -> Path:
    """Extract a bundle archive safely into a new temp directory and return it.

    Raises:
        BundleError: the archive is corrupt, hostile or too big. Nothing is left behind.
    """
    tmp = Path(tempfile.mkdtemp(prefix="netdoctor-bundle-"))
    try:
        budget = _Budget(archive, limits)
        if archive.name.lower().endswith(".zip"):
            _extract_zip(archive, tmp, budget)
        else:
            _extract_tar(archive, tmp, budget)
    except BundleError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BundleError(f"{archive}: not a readable archive ({_one_line(exc)})") from exc
    return tmp


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _dest(root: Path, name: str) -> Path:
    dest = root / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def _extract_tar(archive: Path, root: Path, budget: _Budget) -> None:
    links: list[tuple[str, str]] = []
    with tarfile.open(archive, mode="r:*") as tar:
        for info in _iter_tar(tar):
            name = _safe_member_name(archive, info.name)
            if not name:
                continue
            if info.isdir():
                _dest(root, name).mkdir(exist_ok=True)
            elif info.issym() or info.islnk():
                links.append((name, _resolve_link(archive, name, info.linkname, info.islnk())))
            elif info.isfile():
                source = tar.extractfile(info)
                if source is None:
                    continue
                budget.copy(name, source, _dest(root, name))
            else:
                raise BundleError(
                    f"{archive}: member {info.name!r} is a device or fifo; refusing to extract"
                )
    _materialise_links(archive, root, links, budget)


def _iter_tar(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (info := tar.next()) is not None:
        yield info


def _extract_zip(archive: Path, root: Path, budget: _Budget) -> None:
    links: list[tuple[str, str]] = []
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = _safe_member_name(archive, info.filename)
            if not name:
                continue
            mode = info.external_attr >> 16
            if info.is_dir():
                _dest(root, name).mkdir(exist_ok=True)
            elif mode & 0o170000 == 0o120000:  # a symlink stored by Info-ZIP
                target = zf.read(info)[:4096].decode("utf-8", "replace")
                links.append((name, _resolve_link(archive, name, target, hard=False)))
            else:
                with zf.open(info) as source:
                    budget.copy(name, source, _dest(root, name))


def _materialise_links(
    archive: Path, root: Path, links: list[tuple[str, str]], budget: _Budget
) -> None:
    """Copy each in-bundle link's target to the link's place (links are never written)."""
    pending = dict(links)
    for _ in range(len(pending) + 1):
        progress = False
        for name, target in list(pending.items()):
            source = root / target
            if source.is_file():
                with source.open("rb") as fh:
                    budget.copy(name, fh, _dest(root, name))
                del pending[name]
                progress = True
        if not pending or not progress:
            break
    for name, target in pending.items():
        raise BundleError(
            f"{archive}: link {name!r} points at {target!r}, which is not in the bundle"
        )
