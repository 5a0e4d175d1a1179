"""The one analysis of a recorded incident, in one pass over the frames: each frame's report,
its diff from the previous frame, its sparkline numbers; then the timeline. `netdoctor check
INCIDENT` prints its `report()`; the replay screen shows all of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from netdoctor import __version__
from netdoctor.engine.api import Check
from netdoctor.engine.runner import run_checks
from netdoctor.models import Report
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.incident.diff import FrameDiff, diff_snapshots
from netdoctor.sources.incident.reader import Frame, Incident
from netdoctor.sources.incident.report import IncidentInfo, IncidentReport
from netdoctor.sources.incident.series import FrameMetrics, Series, build_series, frame_metrics
from netdoctor.sources.incident.timeline import FrameResult, Membership, TimelineEntry, follow


@dataclass(frozen=True)
class FrameAnalysis:
    """One frame: its report, what changed since the previous frame, its numbers."""

    frame: Frame
    report: Report
    diff: FrameDiff
    metrics: FrameMetrics


@dataclass(frozen=True)
class IncidentAnalysis:
    """The frames analysed, the timeline of findings and the sparkline series."""

    label: str
    frames: list[FrameAnalysis]
    timeline: list[TimelineEntry]
    series: list[Series]
    membership: Membership
    """(frame, finding key) → its timeline entry."""

    def worst_frame(self) -> int | None:
        """The number of the first frame in the incident's worst state: the worst severity
        any frame reached, then the most findings of that severity; None without findings."""

        def weight(item: FrameAnalysis) -> tuple[int, int]:
            worst = item.report.worst()
            if worst is None:
                return (0, 0)
            count = sum(1 for r in item.report.results for f in r.findings if f.severity is worst)
            return (worst.rank, count)

        ranked = [(weight(item), item.frame.number) for item in self.frames]
        top = max((w for w, _ in ranked), default=(0, 0))
        if top == (0, 0):
            return None
        return next(number for w, number in ranked if w == top)

    def report(self) -> IncidentReport:
        """The report `netdoctor check INCIDENT` prints (over the frames analysed)."""
        first = self.frames[0] if self.frames else None
        last = self.frames[-1] if self.frames else None
        return IncidentReport(
            netdoctor=__version__,
            incident=IncidentInfo(
                frames=len(self.frames),
                first=first.frame.captured_at if first else None,
                last=last.frame.captured_at if last else None,
                source=self.label,
                cluster=first.report.snapshot.cluster if first else None,
                region=first.report.snapshot.region if first else None,
            ),
            frames=[f.report for f in self.frames],
            timeline=self.timeline,
        )


def analyse(
    incident: Incident,
    checks: Sequence[Check],
    on_frame: Callable[[FrameAnalysis, Snapshot], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> IncidentAnalysis:
    """Run the checks on every frame, diff each frame against the one before, collect the
    numbers. Only two frames' Snapshots are held at a time.

    Raises:
        BundleError: a frame holds a malformed file.
    """
    analysed: list[FrameAnalysis] = []
    previous = None
    for frame in incident.frames:
        if cancelled is not None and cancelled():
            break
        snap = incident.snapshot(frame.number)
        report = run_checks(checks, snap)
        before = analysed[-1].frame.number if analysed else None
        diff = diff_snapshots(previous, snap, (before, frame.number))
        item = FrameAnalysis(frame, report, diff, frame_metrics(snap))
        analysed.append(item)
        if on_frame is not None:
            on_frame(item, snap)
        previous = snap
    timeline, membership = follow(
        [FrameResult(a.frame.number, a.frame.captured_at, a.report) for a in analysed]
    )
    series = build_series([a.metrics for a in analysed])
    return IncidentAnalysis(incident.label, analysed, timeline, series, membership)
