"""The replay screen: the triage screen with the timeline bar, sparklines and diff pane above,
and each finding marked with when it first appeared and when it cleared."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal

from netdoctor.frontends.tui.replay.widgets import DiffPane, SeriesPanel, TimelineBar
from netdoctor.frontends.tui.screens.triage import TriageScreen
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable, cell
from netdoctor.sources.incident.timeline import Membership, TimelineEntry, finding_key


def mark(entry: TimelineEntry, frame: int) -> str:
    """`NEW→f5` (first seen in this frame, clears in frame 5), `f3→f10`, `f1→…` (still open at
    the last frame): where the finding sits in the incident."""
    start = "NEW" if entry.first_frame == frame else f"f{entry.first_frame}"
    end = f"f{entry.cleared_frame}" if entry.cleared_frame is not None else "…"
    return f"{start}→{end}"


class ReplayTriageScreen(TriageScreen):
    """Triage for one frame of an incident; `[`/`]` step, `g`/`G` first/last, `p` play."""

    CSS_PATH: ClassVar[list[str]] = ["../styles/triage.tcss", "replay.tcss"]  # type: ignore[assignment]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "app.frame_step(-1)", "Prev frame"),
        Binding("right_square_bracket", "app.frame_step(1)", "Next frame"),
        Binding("g", "app.frame_jump('first')", "First", show=False),
        Binding("G", "app.frame_jump('last')", "Last", show=False),
        Binding("p", "app.play", "Play/pause"),
        Binding("plus,equals_sign", "app.speed(1)", "Faster", show=False),
        Binding("minus", "app.speed(-1)", "Slower", show=False),
        Binding("t", "app.focus_timeline", "Timeline", show=False),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.frame = 1
        self.membership: Membership = {}

    def compose_top(self) -> ComposeResult:
        yield TimelineBar(id="timeline")
        with Horizontal(id="replay-panes"):
            yield SeriesPanel(id="series")
            yield DiffPane(id="diff")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#triage-top").display = True
        self.query_one("#series").border_title = "Across the frames"
        self.query_one("#diff").border_title = "Changes"

    def refresh_findings(self) -> None:
        """The triage findings, each title prefixed with its timeline mark."""
        super().refresh_findings()
        if not self.membership or not self.is_mounted:
            return
        table = self.query_one(FindingsTable)
        column = table.columns.get("title")  # type: ignore[call-overload]
        if column is None:
            return
        for row in self.state.visible(self.text, self.severity, self.check):
            entry = self.membership.get((self.frame, finding_key(row.check, row.finding)))
            if entry is None:
                continue
            new = entry.first_frame == self.frame
            prefix = f"[{mark(entry, self.frame)}] "
            line = cell(prefix + row.finding.title, column.width)
            line.stylize("bold magenta" if new else "dim", 0, len(prefix))
            table.update_cell(row.key, "title", line)
