"""The triage screen: every check with its status, the findings worst first, filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult, CSSPathType
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Static

from netdoctor.frontends.tui.messages import FindingChosen
from netdoctor.frontends.tui.state import SEVERITY_CYCLE, FindingRow, RunState, threshold_label
from netdoctor.frontends.tui.widgets.check_list import CheckList
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable
from netdoctor.frontends.tui.widgets.header import SnapshotHeader, header_text
from netdoctor.frontends.tui.widgets.not_run import NotRunPanel
from netdoctor.frontends.tui.widgets.progress import RunProgress
from netdoctor.models import Severity
from netdoctor.report.escape import printable

NARROW = 110
"""Below this many columns the check list hides (`:check ID` still filters), as k9s does."""
SHORT = 34
"""Below this many rows the preview, the not-run panel and the replay panes shrink to a few
lines, so at least five findings stay in view at 80×24."""
PREVIEW_EVIDENCE = 150  # characters: a long event message must not push the resources out


def preview_text(row: FindingRow) -> Text:
    """The highlighted finding in full: its title, the first evidence, its resources."""
    f = row.finding
    text = Text(printable(f.title), style="bold")
    if row.number:
        text = Text.assemble((f"{row.number} ", "bold"), text)
    if f.evidence:
        first = " ".join(printable(f.evidence[0]).split())
        cut = f"{first[: PREVIEW_EVIDENCE - 1]}…" if len(first) > PREVIEW_EVIDENCE else first
        text.append("\n" + cut, style="dim")
    if f.resources:
        more = f"  (+{len(f.resources) - 4} more)" if len(f.resources) > 4 else ""
        text.append("\n" + printable("  ".join(f.resources[:4])) + more, style="cyan")
    return text


class TriageScreen(Screen):
    """The main screen. It renders a RunState; the app feeds the state and calls
    `refresh_state()`. To put something above it (a replay timeline), subclass and override
    `compose_top`, or pass `top` widgets."""

    CSS_PATH: ClassVar[CSSPathType | None] = "../styles/triage.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("s", "severity", "Severity"),
        Binding("escape", "clear_filters", "Clear filters", show=False),
    ]

    def __init__(self, state: RunState, badge: str, label: str, top: Sequence[Widget] = ()) -> None:
        super().__init__()
        self.state = state
        self.badge = badge
        self.label = label
        self._top = top
        self.text = ""
        """The text filter (`/`)."""
        self.severity: Severity | None = None
        """The severity threshold (`s` cycles all → critical → ≥ warning)."""
        self.check: str | None = None
        """Only this check's findings (enter on a check)."""

    # --- layout --------------------------------------------------------------------------

    def compose_top(self) -> ComposeResult:
        """Widgets above the triage body; none by default."""
        yield from self._top

    def compose(self) -> ComposeResult:
        yield SnapshotHeader(self.badge, f"loading {self.label}…")
        with Vertical(id="triage-top"):
            yield from self.compose_top()
        yield RunProgress(id="progress")
        with Horizontal(id="triage-body"):
            with Vertical(id="checks-pane"):
                yield Static("Checks", classes="pane-title")
                yield CheckList(id="checks")
            with Vertical(id="findings-pane"):
                with Horizontal(id="filter-bar"):
                    yield Static("", id="filter-status")
                    yield Input(placeholder="filter: title, check, resource, evidence", id="filter")
                yield FindingsTable(id="findings")
                yield Static("", id="preview")
                yield Static("", id="empty-state")
                yield NotRunPanel("", id="not-run")
        yield Footer()

    def fit(self, width: int, height: int) -> None:
        """Collapse the side panes on a small terminal (classes `-narrow`, `-short`)."""
        self.set_class(width < NARROW, "-narrow")
        self.set_class(height < SHORT, "-short")

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width, event.size.height)

    def on_mount(self) -> None:
        self.fit(self.app.size.width, self.app.size.height)
        self.query_one("#filter", Input).display = False
        top = self.query_one("#triage-top")
        top.display = bool(top.children)
        self.query_one("#not-run", NotRunPanel).display = False
        self.refresh_state()
        self.query_one("#findings").focus()

    # --- rendering the state -------------------------------------------------------------

    def refresh_state(self) -> None:
        """Redraw everything from the state (cheap: the tables hold at most a few thousand
        rows, and this runs once per finished check)."""
        if not self.is_mounted:
            return
        state = self.state
        info = state.info if state.loaded else None
        self.query_one(SnapshotHeader).show(header_text(info, state.cni_version, self.label))
        progress = self.query_one(RunProgress)
        if not state.loaded:
            progress.show(f"Loading {self.label}…")
        elif not state.complete:
            progress.show(f"Running checks {state.done}/{state.total}…", state.done, state.total)
        else:
            progress.finish()
        self.query_one(CheckList).show(list(state.checks.values()))
        self.query_one(NotRunPanel).show(state.not_run())
        self.refresh_findings()

    def refresh_findings(self) -> None:
        """Re-apply the filters to the findings."""
        state = self.state
        rows = state.visible(self.text, self.severity, self.check)
        table = self.query_one(FindingsTable)
        table.show(rows)
        empty = self.query_one("#empty-state", Static)
        table.display = bool(rows)
        self.query_one("#preview").display = bool(rows)
        empty.display = not rows
        if rows and self.focused is None:
            table.focus()
        empty.set_class(state.complete and not state.rows and not state.not_run(), "-all-pass")
        if not state.loaded:
            empty.update(f"Loading {self.label}…")
        elif not state.rows and state.complete:
            empty.update(("✓ " if not state.not_run() else "") + state.headline())
        elif not state.rows:
            empty.update("No findings yet…")
        else:
            empty.update("No findings match the filters. Press escape to clear them.")
        self.query_one("#filter-status", Static).update(self._filter_status(len(rows)))

    def _filter_status(self, shown: int) -> str:
        total = len(self.state.rows)
        parts = [f"severity: {threshold_label(self.severity)}"]
        if self.check:
            parts.append(f"check: {self.check}")
        if self.text:
            parts.append(f"text: {self.text!r}")
        count = f"{total} findings" if shown == total else f"{shown} of {total} findings"
        return " · ".join([count, *parts])

    # --- actions -------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Show the filter box and focus it."""
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_severity(self) -> None:
        """Cycle the severity threshold: all → critical → warning and worse → all."""
        index = SEVERITY_CYCLE.index(self.severity)
        self.severity = SEVERITY_CYCLE[(index + 1) % len(SEVERITY_CYCLE)]
        self.refresh_findings()

    def action_clear_filters(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.text, self.severity, self.check = "", None, None
        self.refresh_findings()
        self.query_one("#findings").focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.refresh_findings()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#findings").focus()

    @on(DataTable.RowHighlighted, "#findings")
    def _finding_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.state.row(event.row_key.value) if event.row_key.value else None
        self.query_one("#preview", Static).update(preview_text(row) if row else "")

    @on(DataTable.RowSelected, "#findings")
    def _finding_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(FindingChosen(event.row_key.value))

    @on(DataTable.RowSelected, "#checks")
    def _check_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        picked = event.row_key.value
        self.check = None if picked == self.check else picked
        self.refresh_findings()
