"""Open a Snapshot from whatever the user named: the one opener for `check`, the TUI, `watch`,
`serve` and the agents' server.

A path is a bundle directory or archive, or a frame of a recorded incident
(`INCIDENT/frames/0003`), whose files may link into the incident's shared store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netdoctor.snapshot.archive import SizeLimits
from netdoctor.snapshot.bundle import Bundle, open_bundle
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.incident.reader import incident_root_of


def open_path(path: str | Path, limits: SizeLimits | None = None) -> Bundle:
    """The bundle files at a path (for `serve` and `record`, which need no Snapshot); the
    caller closes it.

    Raises:
        BundleError: the path is not a readable bundle.
    """
    return open_bundle(path, limits, trusted_root=incident_root_of(path))


def open_snapshot(path: str | Path, limits: SizeLimits | None = None) -> Snapshot:
    """A Snapshot over a bundle path; the caller closes it with `snap.bundle.close()`.

    Raises:
        BundleError: the path is not a readable bundle.
    """
    return Snapshot(open_path(path, limits))


@contextmanager
def opened(path: str | Path, limits: SizeLimits | None = None) -> Iterator[Snapshot]:
    """`open_snapshot` as a context: an extracted archive is removed afterwards."""
    snap = open_snapshot(path, limits)
    try:
        yield snap
    finally:
        snap.bundle.close()
