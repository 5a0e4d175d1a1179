"""The report of `netdoctor check INCIDENT`: every frame's report and the timeline of each
finding. `analysis.analyse` makes it (`IncidentAnalysis.report()`), for the CLI and the replay.

The JSON keeps each frame's part identical to the single-bundle report (BUNDLE-FORMAT.md
section 3) and adds the incident and timeline blocks (docs/incident-report.schema.json).
"""

from __future__ import annotations

from pydantic import BaseModel

from netdoctor.models import Report, Severity
from netdoctor.sources.incident.timeline import TimelineEntry


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


def incident_exit_status(report: IncidentReport, fail_on: str) -> int:
    """0 when no frame has a finding at or above `fail_on`, else 1."""
    if fail_on == "never":
        return 0
    worst = report.worst()
    return 1 if worst is not None and worst.rank >= Severity(fail_on).rank else 0
