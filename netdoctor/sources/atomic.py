"""Atomic file writes: a temp file beside the target, then one rename over it.

A reader sees the old file or the whole new one, never a part; an error or Ctrl-C while writing
removes the temp file and leaves the target as it was. The one helper for the capture writer,
the incident store and anything else that publishes a file others may be reading.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PART_SUFFIX = ".part"
"""Temp files end with it (unless the caller names another suffix)."""


@contextlib.contextmanager
def atomic_file(
    dest: Path,
    mode: int = 0o644,
    *,
    prefix: str | None = None,
    suffix: str = PART_SUFFIX,
    fsync: bool = True,
) -> Iterator[IO[bytes]]:
    """A binary file to write `dest` through; it replaces `dest` when the block ends normally.

    Args:
        dest: the file to create or replace; its directory must exist (the temp file goes there,
            so the rename stays on one filesystem).
        mode: the permission bits `dest` gets (the temp file is private, 0600, until then).
        prefix: the temp file's name prefix (default `.NAME.`), for a cleanup that looks for it.
        suffix: the temp file's name suffix.
        fsync: flush the data to the disk before the rename, so a power cut cannot publish an
            empty file; off for files inside a tree that is itself published by one rename.

    Raises:
        OSError: the temp file cannot be created, written or renamed (it is removed).
    """
    fd, tmp = tempfile.mkstemp(
        prefix=prefix if prefix is not None else f".{dest.name}.", suffix=suffix, dir=dest.parent
    )
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            if fsync:
                os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(
    dest: Path,
    data: bytes,
    mode: int = 0o644,
    *,
    prefix: str | None = None,
    fsync: bool = True,
) -> None:
    """Write `data` to `dest` atomically (see `atomic_file` for the arguments)."""
    with atomic_file(dest, mode, prefix=prefix, fsync=fsync) as out:
        out.write(data)
