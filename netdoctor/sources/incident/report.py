"""`netdoctor check INCIDENT`: the checks on every frame, and the timeline of each finding.

The JSON keeps each frame's part identical to the single-bundle report (BUNDLE-FORMAT.md
section 3) and adds the incident and timeline blocks (docs/incident-report.schema.json).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel

from netdoctor import __version__
from netdoctor.engine.api import Check
from netdoctor.engine.runner import run_checks
from netdoctor.models import Report, Severity
from netdoctor.sources.incident.reader import Frame, Incident
from netdoctor.sources.incident.timeline import FrameResult, TimelineEntry, build_timeline


class IncidentInfo(BaseModel):
    """Where the frames came from and the span they cover."""

    frames: int
    first: str | None
    """captured_at of the first frame."""
    last: str | None
    """captured_at of the last frame."""
    source: str
    """The incident path the user gave."""
    cluster: str | None = None
    region: str | None = None


class IncidentReport(BaseModel):
    """The JSON report of `netdoctor check INCIDENT --format json`."""

    netdoctor: str
    incident: IncidentInfo
    frames: list[Report]
    """One single-bundle report per frame, in time order (frame N is `frames[N-1]`)."""
    timeline: list[TimelineEntry]

    def worst(self) -> Severity | None:
        """The most severe finding in any frame."""
        severities = [s for r in self.frames if (s := r.worst()) is not None]
        return max(severities, key=lambda s: s.rank) if severities else None


def run_incident(
    incident: Incident,
    checks: Sequence[Check],
    on_frame: Callable[[Frame, Report], None] | None = None,
) -> IncidentReport:
    """Run the checks on every frame and follow the findings across them.

    Raises:
        BundleError: a frame holds a malformed file (named with its frame number).
    """
    reports: list[FrameResult] = []
    for frame in incident.frames:
        report = run_checks(checks, incident.snapshot(frame.number))
        reports.append(FrameResult(frame.number, frame.captured_at, report))
        if on_frame is not None:
            on_frame(frame, report)
    first = reports[0].report.snapshot if reports else None
    return IncidentReport(
        netdoctor=__version__,
        incident=IncidentInfo(
            frames=len(incident.frames),
            first=incident.first.captured_at,
            last=incident.last.captured_at,
            source=incident.label,
            cluster=first.cluster if first else None,
            region=first.region if first else None,
        ),
        frames=[r.report for r in reports],
        timeline=build_timeline(reports),
    )


def incident_exit_status(report: IncidentReport, fail_on: str) -> int:
    """0 when no frame has a finding at or above `fail_on`, else 1."""
    if fail_on == "never":
        return 0
    worst = report.worst()
    return 1 if worst is not None and worst.rank >= Severity(fail_on).rank else 0
