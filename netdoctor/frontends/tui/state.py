"""What the triage screen shows, as plain data: the checks, their results as they arrive, the
findings sorted worst first, and the filters. No Textual here, so it is easy to test and reuse
(a replay of a recorded incident feeds one RunState per frame)."""

from __future__ import annotations

from dataclasses import dataclass, field

from netdoctor.engine.api import Check
from netdoctor.models import CheckResult, Finding, Report, Severity, SnapshotInfo, Status
from netdoctor.report.summary import headline
from netdoctor.snapshot.files import COLLECT_COMMANDS

SEVERITY_CYCLE: tuple[Severity | None, ...] = (None, Severity.CRITICAL, Severity.WARNING)
"""The severity threshold `s` cycles: all → critical only → warning and worse → all."""


def threshold_label(severity: Severity | None) -> str:
    """`all`, `critical`, `≥ warning`."""
    if severity is None or severity is Severity.INFO:
        return "all"
    return "critical" if severity is Severity.CRITICAL else f"≥ {severity.value}"


@dataclass(frozen=True)
class CheckInfo:
    """A check as the TUI lists it before it has run."""

    id: str
    title: str
    needs: tuple[str, ...] = ()
    source: str = ""

    @classmethod
    def of(cls, check: Check) -> CheckInfo:
        return cls(check.id, check.title, tuple(check.needs), check.source)


@dataclass
class CheckRow:
    """One check and, once it has run, its result."""

    info: CheckInfo
    result: CheckResult | None = None
    """None while the check has not run yet."""
    missing: tuple[str, ...] = ()
    """For a skip: the needed bundle files that were absent."""

    @property
    def status(self) -> Status | None:
        return self.result.status if self.result else None

    def collect_commands(self) -> list[str]:
        """The kubectl/aws commands that collect the missing files."""
        return [COLLECT_COMMANDS.get(rel, f"(collect {rel})") for rel in self.missing]


@dataclass(frozen=True)
class FindingRow:
    """One finding with the check that produced it and a stable key for tables."""

    key: str
    check: str
    finding: Finding

    @property
    def number(self) -> str:
        """`[3]`: the finding's number in the reports (`--finding 3`); blank until the run
        ends and the report numbers the findings."""
        index = self.finding.index
        return f"[{index}]" if index is not None else ""

    @property
    def first_resource(self) -> str:
        return self.finding.resources[0] if self.finding.resources else ""

    def matches(self, text: str) -> bool:
        """Case-insensitive match on title, check id, resources and evidence."""
        needle = text.casefold()
        f = self.finding
        haystack = (f.title, self.check, f.severity.value, *f.resources, *f.evidence)
        return any(needle in part.casefold() for part in haystack)


@dataclass
class RunState:
    """The state of one load-and-check run."""

    info: SnapshotInfo = field(default_factory=SnapshotInfo)
    cni_version: str | None = None
    checks: dict[str, CheckRow] = field(default_factory=dict)
    loaded: bool = False
    """The snapshot is open and the checks are known."""
    report: Report | None = None
    """Set when every check has run."""
    rows: list[FindingRow] = field(default_factory=list)
    """Every finding, worst first (critical → info), then in check order."""

    @property
    def complete(self) -> bool:
        return self.report is not None

    @property
    def done(self) -> int:
        return sum(1 for row in self.checks.values() if row.result is not None)

    @property
    def total(self) -> int:
        return len(self.checks)

    def start(self, info: SnapshotInfo, cni_version: str | None, checks: list[CheckInfo]) -> None:
        """The snapshot is open: list every check as pending."""
        self.info = info
        self.cni_version = cni_version
        self.checks = {c.id: CheckRow(c) for c in checks}
        self.loaded = True
        self.report = None
        self.rows = []

    def add(self, result: CheckResult, missing: tuple[str, ...] = ()) -> None:
        """One check finished."""
        row = self.checks.setdefault(result.check, CheckRow(CheckInfo(result.check, result.check)))
        row.result = result
        row.missing = missing
        self._sort()

    def finish(self, report: Report) -> None:
        """Every check ran: take the findings as the report numbered them (root causes first,
        each followed by its consequences), so `[N]` here is `--finding N` in the CLI."""
        self.report = report
        self.info = report.snapshot  # now with the platform the runner detected
        for result in report.results:
            row = self.checks.get(result.check)
            if row is not None:
                row.result = result
        self._sort()

    def _sort(self) -> None:
        order = {check_id: i for i, check_id in enumerate(self.checks)}
        rows = [
            FindingRow(f"{row.info.id}#{i}", row.info.id, finding)
            for row in self.checks.values()
            if row.result is not None
            for i, finding in enumerate(row.result.findings)
        ]
        if self.report is not None:  # the report's numbering is the display order
            rows.sort(key=lambda r: r.finding.index or 0)
        else:
            rows.sort(key=lambda r: (-r.finding.severity.rank, order.get(r.check, 0)))
        self.rows = rows

    def row(self, key: str) -> FindingRow | None:
        """The finding with that table key."""
        return next((r for r in self.rows if r.key == key), None)

    def visible(
        self, text: str = "", severity: Severity | None = None, check: str | None = None
    ) -> list[FindingRow]:
        """The findings the filters let through, in display order."""
        return [
            r
            for r in self.rows
            if (severity is None or r.finding.severity.rank >= severity.rank)
            and (check is None or r.check == check)
            and (not text or r.matches(text))
        ]

    def not_run(self) -> list[CheckRow]:
        """Checks that skipped, crashed or ran only in part, in check order."""
        return [
            r
            for r in self.checks.values()
            if r.status in (Status.SKIP, Status.ERROR, Status.PARTIAL)
        ]

    def headline(self) -> str:
        """The same one-line summary as the text and Markdown reports."""
        return headline(self.report) if self.report else ""
