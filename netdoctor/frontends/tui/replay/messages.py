"""Messages the replay's analysis worker posts; the app applies them to the screen."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from netdoctor.frontends.tui.state import CheckInfo
from netdoctor.sources.incident.analysis import FrameAnalysis, IncidentAnalysis
from netdoctor.sources.incident.reader import Incident


@dataclass
class IncidentOpened(Message):
    """The incident is open: its frames are known, none analysed yet."""

    run: int
    incident: Incident


@dataclass
class FrameAnalysed(Message):
    """One frame's checks ran; its diff and numbers are known."""

    run: int
    item: FrameAnalysis
    checks: list[CheckInfo]
    cni_version: str
    missing: dict[str, tuple[str, ...]]
    """check id → the needed files the frame lacks (for skips)."""


@dataclass
class IncidentAnalysed(Message):
    """Every frame ran: the timeline of findings and the sparkline series are known."""

    run: int
    analysis: IncidentAnalysis
