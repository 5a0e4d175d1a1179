"""The recording loop: capture a frame every interval into an `IncidentStore`.

Headless and capture-agnostic: `capture` is any callable that writes one bundle directory and
returns it with a cleanup function (the live capture in `netdoctor record`, existing bundles in
`netdoctor record --from`). Ctrl-C stops the loop between or during frames; what was committed
stays a valid recording.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from netdoctor.errors import NetdoctorError
from netdoctor.sources.incident.store import FrameWritten, IncidentStore, StoreSize


@dataclass(frozen=True)
class Captured:
    """One bundle a capture wrote, ready to be stored as a frame."""

    path: Path
    """The bundle directory."""
    cleanup: Callable[[], None] = lambda: None
    """Removes the bundle once stored (a temp capture); a no-op for bundles the user gave."""
    trusted_root: Path | None = None
    """Where the bundle's links may lead (a frame of another incident links into its blobs)."""


Capture = Callable[[], Captured]
"""Write (or pick) one bundle."""


@dataclass
class Recording:
    """What a recording run did."""

    written: list[FrameWritten] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Why each failed capture was skipped."""
    interrupted: bool = False
    """Stopped by Ctrl-C (or SIGTERM) rather than by --frames/--duration."""
    size: StoreSize | None = None
    """The incident's size at the end (all frames, including earlier runs)."""


def schedule(interval: float, frames: int | None, duration: float | None) -> Iterator[float]:
    """Offsets from the start at which to capture: every `interval` seconds, `frames` of them,
    or while the offset is below `duration`, or forever."""
    n = 0
    while True:
        at = n * interval
        if frames is not None and n >= frames:
            return
        if duration is not None and at >= duration and n > 0:
            return
        yield at
        n += 1


def record(
    store: IncidentStore,
    capture: Capture,
    *,
    interval: float,
    frames: int | None = None,
    duration: float | None = None,
    on_frame: Callable[[FrameWritten, float], None] | None = None,
    on_skip: Callable[[NetdoctorError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Recording:
    """Capture frames on a fixed schedule until `frames`/`duration` is reached or Ctrl-C.

    A capture that fails with a NetdoctorError is skipped (reported through `on_skip`); the
    next one is tried on schedule. `on_frame(frame, seconds)` is called after each commit, with
    the seconds the capture and commit took.
    """
    result = Recording()
    start = clock()
    try:
        for offset in schedule(interval, frames, duration):
            wait = start + offset - clock()
            if wait > 0:
                sleep(wait)
            began = clock()
            try:
                captured = capture()
            except NetdoctorError as exc:
                result.skipped.append(str(exc))
                if on_skip is not None:
                    on_skip(exc)
                continue
            try:
                written = store.add_bundle(captured.path, captured.trusted_root)
            finally:
                captured.cleanup()
            result.written.append(written)
            if on_frame is not None:
                on_frame(written, clock() - began)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        store.recover()  # a frame cut short leaves temp files and orphan blobs
        result.size = store.size()
    return result
