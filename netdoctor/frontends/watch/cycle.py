"""One `netdoctor watch` cycle: refresh the state, run the checks, update the metrics, record.

The Kubernetes state comes from a `KubeWatcher` (list once, then watch); the AWS describes are
polled each cycle by the capture's own `AwsCollector`, scoped the same way (the cluster's VPC,
the node instance types). Both write into one bundle directory that lives as long as the
watcher, through the capture's `BundleWriter` (allow-list redaction included): a file is
rewritten only when its content changed. The checks run on it exactly as `check` runs them on
a bundle. With a recording, a frame is committed only when some file differs from the newest
frame (`meta.json` aside), then retention prunes old frames.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netdoctor import __version__
from netdoctor.explore.forecast import WINDOW, SubnetSeries, add_snapshot, forecasts, prune
from netdoctor.frontends.watch.metrics import CycleStats, WatchMetrics
from netdoctor.frontends.watch.retention import Retention
from netdoctor.snapshot import files as f
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.kinds import API_KINDS
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.incident.layout import FRAMES
from netdoctor.sources.live.aws import AwsCollector
from netdoctor.sources.live.capture import CaptureOptions, rfc3339_now
from netdoctor.sources.live.errors import CaptureError
from netdoctor.sources.live.hints import context_hints, kubeconfig_paths, load_kubeconfig
from netdoctor.sources.live.kube_watch import WATCH_TIMEOUT, KubeWatcher
from netdoctor.sources.live.permissions import AWS_CALLS_BY_FILE
from netdoctor.sources.live.progress import NullProgress
from netdoctor.sources.live.writer import BundleWriter, aws_cli_json

if TYPE_CHECKING:
    from netdoctor.engine.api import Check
    from netdoctor.models import Report
    from netdoctor.sources.incident.store import FrameWritten, IncidentStore


@dataclass(frozen=True)
class CycleOutcome:
    """What one cycle saw and did."""

    number: int
    report: Report
    changed: list[str]
    """Bundle files that differ from the previous cycle (or, recording, the newest frame)."""
    recorded: FrameWritten | None
    pruned: int
    """Frames retention removed after this cycle."""
    missing: dict[str, str]
    seconds: float
    aws_seconds: float
    """Of `seconds`, the AWS describes."""
    check_seconds: float
    """Of `seconds`, running the checks."""
    kube_requests: int
    """Kubernetes requests sent during this cycle (after the first: watch reconnects only)."""
    aws_calls: int

    @property
    def findings(self) -> int:
        return sum(len(r.findings) for r in self.report.results)


@dataclass
class WatchCycle:
    """The state between cycles; `run()` does one cycle."""

    options: CaptureOptions
    checks: Sequence[Check]
    metrics: WatchMetrics
    store: IncidentStore | None = None
    retention: Retention | None = None
    window: float = WINDOW
    watch_timeout: int = WATCH_TIMEOUT
    cancel: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        o = self.options
        self.kube = KubeWatcher(
            # a watch per kind, plus the ConfigMap GETs and discovery
            o.kube_settings(workers=len(API_KINDS) + 2),
            self.cancel,
            on_error=self.metrics.capture_error,
            watch_timeout=self.watch_timeout,
        )
        self.hints = context_hints(load_kubeconfig(kubeconfig_paths(o.kubeconfig)), o.context)
        self.writer = BundleWriter(None)
        self.cycles = 0
        self.region = o.region
        self.cluster = o.cluster
        self.series: dict[str, SubnetSeries] = {}
        self._digests: dict[str, str] = {}
        self._k8s_seen: dict[str, tuple[int, str]] = {}
        self._kube_missing: dict[str, str] = {}
        if self.store is not None:
            self._digests = _newest_frame_digests(self.store.root)
            self.series = _recorded_series(self.store.root, self.window)

    def close(self) -> None:
        """Stop watching and remove the working bundle."""
        self.kube.stop()
        shutil.rmtree(self.writer.root, ignore_errors=True)

    def run(self) -> CycleOutcome:
        """One cycle. The first lists every kind (and starts the watches).

        Raises:
            CaptureError: neither Kubernetes nor AWS could be read; the metrics keep the last
                successful cycle.
        """
        began = time.monotonic()
        captured_at = rfc3339_now()
        requests_before = self.kube.requests
        if not self.kube.started:  # the first cycle, or the API server was unreachable
            self.kube.start(first_list_timeout=max(60.0, self.options.timeout * 4))
        self.kube.poll_configmap()
        aws_began = time.monotonic()
        aws = self._poll_aws()
        aws_seconds = time.monotonic() - aws_began
        for rel in aws.missing:
            self.metrics.capture_error(AWS_CALLS_BY_FILE[rel].iam_action)
        digests = self._write_k8s()
        missing = dict(sorted({**self._kube_missing, **aws.missing}.items()))
        for rel in missing:
            (self.writer.root / rel).unlink(missing_ok=True)
            digests.pop(rel, None)
        for rel in f.AWS_FILES:
            if rel not in missing and self.writer.has(rel):
                digests[rel] = _sha256(self.writer.root / rel)
        if not digests:
            reasons = "; ".join(list(dict.fromkeys(missing.values()))[:3])
            raise CaptureError(f"nothing could be read: {reasons}")
        changed = sorted(r for r in digests.keys() | self._digests.keys()
                         if digests.get(r) != self._digests.get(r))  # fmt: skip
        self._write_meta(captured_at, missing, aws)
        check_began = time.monotonic()
        # Decoding and deriving (the checks, then the capacity numbers of the metrics) build
        # millions of objects and no cycle worth collecting meanwhile: the collector would only
        # rescan the heap the watcher keeps. It runs once, below, when the snapshot is gone.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            report, snap = self._check(captured_at)
            check_seconds = time.monotonic() - check_began
            self.metrics.update(
                snap,
                report,
                CycleStats(finished_at=time.time(), duration=time.monotonic() - began),
                forecasts(self.series, self.window),
            )
            snap.bundle.close()
            del snap
        finally:
            if was_enabled:
                gc.enable()
        # Snapshot.load freezes the collector's heap (a speed-up for one-shot commands): what
        # this cycle left in reference cycles (the snapshot, the AWS session) would never be
        # freed in a process that lives on. Hand it back to the collector and collect, before
        # the frame is stored (which reads the files into memory).
        gc.unfreeze()
        gc.collect()
        recorded, pruned = None, 0
        if self.store is not None and changed:
            recorded = self.store.add_bundle(self.writer.root)
            pruned = self._prune()
        self._digests = digests
        self.cycles += 1
        seconds = time.monotonic() - began
        return CycleOutcome(
            number=self.cycles,
            report=report,
            changed=changed,
            recorded=recorded,
            pruned=pruned,
            missing=missing,
            seconds=seconds,
            aws_seconds=aws_seconds,
            check_seconds=check_seconds,
            kube_requests=self.kube.requests - requests_before,
            aws_calls=len(aws.calls),
        )

    # -- the parts ---------------------------------------------------------------------------

    def _poll_aws(self) -> AwsCollector:
        o = self.options
        aws = AwsCollector(
            o.aws_settings(self.region, self.cluster),
            self.writer,
            NullProgress(),
            self.cancel,
            node_facts=self.kube.node_facts,
            hints=self.hints,
        )
        aws.run()
        # Learnt once (from the kubeconfig, node labels or instance tags), asked directly after.
        self.region = self.region or aws.region
        self.cluster = self.cluster or aws.cluster
        return aws

    def _write_k8s(self) -> dict[str, str]:
        """Rewrite the k8s files whose content changed; their digests (cached per version)."""
        versions = self.kube.versions()
        stale = {
            rel
            for rel, version in versions.items()
            if self._k8s_seen.get(rel, (-1, ""))[0] != version or not self.writer.has(rel)
        }
        self._kube_missing = self.kube.write(self.writer, only=stale)
        digests = {}
        for rel, version in versions.items():
            if rel in self._kube_missing or not self.writer.has(rel):
                self._k8s_seen.pop(rel, None)
                continue
            if rel in stale:
                self._k8s_seen[rel] = (version, _sha256(self.writer.root / rel))
            digests[rel] = self._k8s_seen[rel][1]
        return digests

    def _write_meta(self, captured_at: str, missing: dict[str, str], aws: AwsCollector) -> None:
        meta: dict[str, Any] = {
            "cluster": self.cluster or self.hints.cluster,
            "region": aws.region,
            "captured_at": captured_at,
            "source": "live",
            "missing": missing,
            "capture": {
                "netdoctor": __version__,
                "mode": "watch",
                "kubernetes_requests": self.kube.requests,
                "aws_calls": len(aws.calls),
                "namespaces": list(self.options.namespaces) or "all",
                "redaction": "allow-list",
            },
        }
        self.writer.write_bytes(f.META, aws_cli_json(meta))

    def _check(self, captured_at: str) -> tuple[Report, Snapshot]:
        from netdoctor.engine.runner import run_checks

        snap = Snapshot(open_bundle(self.writer.root))
        report = run_checks(self.checks, snap)
        when = datetime.fromisoformat(captured_at.replace("Z", "+00:00")).timestamp()
        add_snapshot(self.series, when, snap)
        prune(self.series, when - self.window)
        return report, snap

    def _prune(self) -> int:
        if self.store is None or self.retention is None:
            return 0
        from netdoctor.sources.incident.reader import open_incident

        with open_incident(self.store.root) as incident:
            frames = [(fr.name, fr.captured_at) for fr in incident.frames]
        return self.store.remove_frames(self.retention.doomed(frames, datetime.now(UTC)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _newest_frame_digests(root: Path) -> dict[str, str]:
    """Bundle file → content digest of the newest frame of a recording: its links name the
    blobs, which are named by their SHA-256."""
    frames = sorted(
        (d for d in (root / FRAMES).iterdir() if d.is_dir() and d.name.isdigit()),
        key=lambda d: int(d.name),
    )
    if not frames:
        return {}
    newest = frames[-1]
    digests = {}
    for rel in f.ALL_FILES:
        path = newest / rel
        if path.is_symlink():
            digests[rel] = Path(os.readlink(path)).name
        elif path.is_file():
            digests[rel] = _sha256(path)
    return digests


def _recorded_series(root: Path, window: float) -> dict[str, SubnetSeries]:
    """Free IPs and /28 blocks of the recording's frames in the last `window` seconds, for the
    forecast to start from what was recorded before this run."""
    from netdoctor.sources.incident.reader import open_incident

    series: dict[str, SubnetSeries] = {}
    if not any((root / FRAMES).iterdir()):
        return series
    cutoff = time.time() - window
    with open_incident(root) as incident:
        for fr in incident.frames:
            if fr.time is None or fr.time.timestamp() < cutoff:
                continue
            snap = incident.snapshot(fr.number)
            add_snapshot(series, fr.time.timestamp(), snap)
    return series
