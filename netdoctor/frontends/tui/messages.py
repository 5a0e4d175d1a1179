"""App-level messages. The run worker only posts these; the app applies them to the screens.

Every run message carries `run`, the number of the load it belongs to, so results of a run that
a reload superseded are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from netdoctor.frontends.tui.state import CheckInfo
from netdoctor.models import CheckResult, Report, SnapshotInfo
from netdoctor.snapshot.snapshot import Snapshot


@dataclass
class SnapshotLoaded(Message):
    """The snapshot is open and the checks to run are known."""

    run: int
    snapshot: Snapshot
    info: SnapshotInfo
    cni_version: str
    checks: list[CheckInfo]


@dataclass
class CheckFinished(Message):
    """One check has run."""

    run: int
    result: CheckResult
    missing: tuple[str, ...]
    """For a skip: the needed files the bundle lacks."""
    done: int
    total: int


@dataclass
class RunCompleted(Message):
    """Every check has run; the report is the one `netdoctor check` would print."""

    run: int
    report: Report


@dataclass
class LoadWarned(Message):
    """A check module could not be loaded (the others still run)."""

    run: int
    text: str


@dataclass
class FindingChosen(Message):
    """The user opened a finding (from the findings table)."""

    key: str


@dataclass
class PromptRequested(Message):
    """Open the `:` prompt with this text typed in (`trace pod/shop/web-1 `)."""

    text: str


@dataclass
class ResourceChosen(Message):
    """The user asked to inspect a resource (`node/…`, `subnet/subnet-…`, `rtb-…`…)."""

    ref: str
