"""The replay screen: the triage screen with the timeline bar, sparklines and diff pane above,
and each finding marked with when it first appeared and when it cleared.

The screen owns where the replay stands: the frame shown, playing or paused, the speed. When the
frame changes it posts `FrameChanged`; the app then puts that frame's state on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult, CSSPathType
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets.data_table import ColumnKey

from netdoctor.frontends.tui.replay.widgets import DiffPane, FrameMark, SeriesPanel, TimelineBar
from netdoctor.frontends.tui.screens.triage import TriageScreen
from netdoctor.frontends.tui.state import RunState
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable, cell
from netdoctor.sources.incident.diff import FrameDiff
from netdoctor.sources.incident.reader import Frame
from netdoctor.sources.incident.series import Series
from netdoctor.sources.incident.timeline import Membership, TimelineEntry, finding_key

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Play speeds in frames per second (`+`/`-`)."""


def mark(entry: TimelineEntry, frame: int) -> str:
    """`NEW→f5` (first seen in this frame, clears in frame 5), `f3→f10`, `f1→…` (still open at
    the last frame): where the finding sits in the incident."""
    start = "NEW" if entry.first_frame == frame else f"f{entry.first_frame}"
    end = f"f{entry.cleared_frame}" if entry.cleared_frame is not None else "…"
    return f"{start}→{end}"


class ReplayTriageScreen(TriageScreen):
    """Triage for one frame of an incident; `[`/`]` step, `g`/`G` first/last, `p` play."""

    CSS_PATH: ClassVar[CSSPathType | None] = ["../styles/triage.tcss", "replay.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "frame_step(-1)", "Prev frame"),
        Binding("right_square_bracket", "frame_step(1)", "Next frame"),
        Binding("g", "frame_jump('first')", "First", show=False),
        Binding("G", "frame_jump('last')", "Last", show=False),
        Binding("p", "play", "Play/pause"),
        Binding("plus,equals_sign", "speed(1)", "Faster", show=False),
        Binding("minus", "speed(-1)", "Slower", show=False),
        Binding("t", "focus_timeline", "Timeline", show=False),
        Binding("w", "app.worst", "Worst frame"),
    ]

    @dataclass
    class FrameChanged(Message):
        """The replay moved to another frame: the app puts that frame's state on the screen."""

        frame: int

    def __init__(self, state: RunState, badge: str, label: str) -> None:
        super().__init__(state, badge, label)
        self.frame = 1
        """The frame shown (1-based)."""
        self.frame_count = 0
        """Frames in the incident (0 until it is open)."""
        self.playing = False
        self.speed = 1.0
        """Frames per second while playing: one of SPEEDS."""
        self.timeline_chosen = False
        """The user put the focus on the timeline (t, its keys, a click): leave it there."""
        self.membership: Membership = {}
        """(frame, finding key) → its timeline entry, once every frame is analysed."""
        self._timer: Timer | None = None
        self.moved = False
        """The user moved to another frame (so the replay does not jump to the worst one)."""

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

    # --- what the app shows on it ------------------------------------------------------

    def open_frames(self, count: int, frame: int) -> None:
        """The incident has `count` frames; stand at `frame` (clamped). Posts nothing: the app
        shows the frame itself."""
        self.frame_count = count
        self.frame = min(max(frame, 1), count)

    def show_top(
        self,
        frames: list[Frame],
        marks: dict[int, FrameMark],
        diff: FrameDiff | None,
        previous: Frame | None,
        series: list[Series] | None,
    ) -> None:
        """Repaint the timeline bar, the diff pane and the sparklines for the current frame."""
        if not self.is_mounted:
            return
        self.query_one(TimelineBar).show(frames, self.frame, marks, self.playing, self.speed)
        self.query_one(DiffPane).show(diff, previous)
        self.query_one(SeriesPanel).show(series, self.frame)

    def keep_focus(self) -> None:
        """A frame without findings hides the table: the keys then go to the timeline, and
        back to the table once a frame has findings, unless the user chose the timeline."""
        if not self.is_current or not self.is_mounted:
            return
        table = self.query_one(FindingsTable)
        bar = self.query_one(TimelineBar)
        focused = self.focused
        has_rows = bool(table.display and table.row_count)
        if focused is None or not focused.display:
            (table if has_rows else bar).focus()
        elif focused is bar and has_rows and not self.timeline_chosen:
            table.focus()

    def refresh_findings(self) -> None:
        """The triage findings, each title prefixed with its timeline mark."""
        super().refresh_findings()
        if not self.membership or not self.is_mounted:
            return
        table = self.query_one(FindingsTable)
        column = table.columns.get(ColumnKey("title"))
        if column is None:
            return
        for row in self.state.visible(self.text, self.severity, self.check):
            entry = self.membership.get((self.frame, finding_key(row.check, row.finding)))
            if entry is None:
                continue
            new = entry.first_frame == self.frame
            prefix = f"[{mark(entry, self.frame)}] "
            line = cell(prefix + row.finding.title, column.width).copy()  # cells are shared
            line.stylize("bold magenta" if new else "dim", 0, len(prefix))
            table.update_cell(row.key, "title", line)

    # --- moving between frames ---------------------------------------------------------

    def goto(self, number: int) -> None:
        """Show frame `number` (clamped to the incident)."""
        if not self.frame_count:
            return
        number = min(max(number, 1), self.frame_count)
        self.moved = True
        if number != self.frame:
            self.frame = number
            self.post_message(self.FrameChanged(number))

    def action_frame_step(self, delta: int) -> None:
        """Show the previous (-1) or next (+1) frame."""
        self.goto(self.frame + delta)

    def action_frame_jump(self, where: str) -> None:
        """Show the first, the last, or frame N."""
        target = {"first": 1, "last": self.frame_count}.get(where)
        self.goto(target if target is not None else int(where))

    def action_focus_timeline(self) -> None:
        """Give the timeline the keyboard: ←/→ step, home/end jump."""
        self.timeline_chosen = True
        self.query_one(TimelineBar).focus()

    def on_timeline_bar_moved(self, message: TimelineBar.Moved) -> None:
        """A key or click on the timeline: `-1`/`+1` step, `first`/`last`/N jump."""
        self.timeline_chosen = True
        if message.where in ("-1", "+1"):
            self.action_frame_step(int(message.where))
        else:
            self.action_frame_jump(message.where)

    def on_timeline_bar_left(self, message: TimelineBar.Left) -> None:
        self.timeline_chosen = False

    # --- playing -----------------------------------------------------------------------

    def action_play(self) -> None:
        """Play from the current frame (from the first when at the end), or pause."""
        if self.playing:
            self._stop()
        else:
            if self.frame >= self.frame_count:
                self.goto(1)
            self.playing = True
            self._timer = self.set_interval(1 / self.speed, self._tick)
        self._show_play()

    def action_speed(self, direction: int) -> None:
        """One step faster (+1) or slower (-1) through SPEEDS."""
        index = SPEEDS.index(self.speed) if self.speed in SPEEDS else 1
        self.speed = SPEEDS[min(max(index + direction, 0), len(SPEEDS) - 1)]
        if self.playing and self._timer is not None:
            self._timer.stop()
            self._timer = self.set_interval(1 / self.speed, self._tick)
        self._show_play()

    def _tick(self) -> None:
        if self.frame >= self.frame_count:
            self._stop()
            self._show_play()
        else:
            self.goto(self.frame + 1)

    def _stop(self) -> None:
        self.playing = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _show_play(self) -> None:
        if self.is_mounted:
            self.query_one(TimelineBar).show_play(self.playing, self.speed)
