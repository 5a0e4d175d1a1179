"""A Snapshot factory over live capture, for the TUI's `--live` mode and its reloads."""

from __future__ import annotations

import atexit
import threading

from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.live.capture import CaptureOptions, CaptureResult, capture
from netdoctor.sources.open import open_snapshot


class LiveOpener:
    """Each call captures a fresh temporary bundle and returns a Snapshot over it.

    A Snapshot reads its files lazily, so a capture's bundle is kept until two later captures
    have replaced it (the screen may still show the previous one during a reload), or until
    exit. Thread-safe: the TUI calls it from a worker.
    """

    def __init__(self, options: CaptureOptions) -> None:
        options.output = None  # always a temporary bundle
        self.options = options
        self.kept: list[CaptureResult] = []
        """The captures whose bundles still exist, oldest first."""
        self._lock = threading.Lock()
        atexit.register(self.close)

    @property
    def last(self) -> CaptureResult | None:
        """The latest capture (its `missing` says what the Snapshot lacks, and why)."""
        return self.kept[-1] if self.kept else None

    def __call__(self) -> Snapshot:
        """Capture now and open the result."""
        with self._lock:
            result = capture(self.options)
            self.kept.append(result)
            while len(self.kept) > 2:
                self.kept.pop(0).cleanup()
            return open_snapshot(result.path)

    def close(self) -> None:
        """Remove every temporary bundle still kept."""
        with self._lock:
            while self.kept:
                self.kept.pop().cleanup()
