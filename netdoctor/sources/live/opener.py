"""A Snapshot factory over live capture, for the TUI's `--live` mode and its reloads."""

from __future__ import annotations

import atexit
import threading
from typing import Any

from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.live.capture import CaptureOptions, CaptureResult, capture


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

    @classmethod
    def from_args(cls, args: Any) -> LiveOpener:
        """From parsed `--context --cluster --region --profile …` options (absent ones unset)."""
        namespaces = tuple(
            n.strip() for value in getattr(args, "namespace", None) or [] for n in value.split(",")
        )
        return cls(
            CaptureOptions(
                kubeconfig=getattr(args, "kubeconfig", None),
                context=getattr(args, "context", None),
                cluster=getattr(args, "cluster", None),
                region=getattr(args, "region", None),
                profile=getattr(args, "profile", None),
                namespaces=tuple(n for n in namespaces if n),
                timeout=getattr(args, "request_timeout", None) or 30.0,
            )
        )

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
            return Snapshot(open_bundle(result.path))

    def close(self) -> None:
        """Remove every temporary bundle still kept."""
        with self._lock:
            while self.kept:
                self.kept.pop().cleanup()
