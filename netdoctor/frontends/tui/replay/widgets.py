"""The replay widgets: the timeline bar, the sparkline panel and the diff pane."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from netdoctor.models import Severity
from netdoctor.sources.incident.clock import clock, offset
from netdoctor.sources.incident.diff import FrameDiff
from netdoctor.sources.incident.reader import Frame
from netdoctor.sources.incident.series import Series

SEVERITY_COLOR = {
    Severity.CRITICAL: "red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}
CLEAN = "green"
PENDING = "grey37"


@dataclass(frozen=True)
class FrameMark:
    """How the timeline bar paints one frame."""

    analysed: bool = False
    worst: Severity | None = None
    findings: int = 0


class TimelineBar(Widget, can_focus=True):
    """One cell per frame, coloured by its worst finding; the current frame highlighted.
    Focused: ←/→ step, home/end jump. A click on a cell jumps to that frame. It posts `Moved`
    for each; whoever owns the frame (the replay screen) moves."""

    DEFAULT_CSS = "TimelineBar { height: 3; padding: 0 1; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move('-1')", "Previous frame", show=False),
        Binding("right", "move('+1')", "Next frame", show=False),
        Binding("home", "move('first')", "First frame", show=False),
        Binding("end", "move('last')", "Last frame", show=False),
    ]

    @dataclass
    class Moved(Message):
        """The user asked for another frame: `-1`/`+1` (a step), `first`, `last` or a number."""

        where: str

    class Left(Message):
        """The timeline lost the keyboard focus."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frames: list[Frame] = []
        self.marks: dict[int, FrameMark] = {}
        self.current = 1
        self.playing = False
        self.speed = 1.0

    def show(
        self,
        frames: list[Frame],
        current: int,
        marks: dict[int, FrameMark],
        playing: bool,
        speed: float,
    ) -> None:
        """Repaint with this state."""
        self.frames, self.current, self.marks = frames, current, marks
        self.playing, self.speed = playing, speed
        self.refresh()

    def show_play(self, playing: bool, speed: float) -> None:
        """Repaint with this play state (the frames unchanged)."""
        self.playing, self.speed = playing, speed
        self.refresh()

    def _cell_width(self) -> int:
        if not self.frames:
            return 1
        return max(1, min(6, (self.size.width - 2) // len(self.frames)))

    def _window(self) -> range:
        """The frames whose cells fit, around the current one when not all of them do."""
        total = len(self.frames)
        fit = max((self.size.width - 2) // self._cell_width(), 1)
        if total <= fit:
            return range(1, total + 1)
        first = min(max(self.current - fit // 2, 1), total - fit + 1)
        return range(first, first + fit)

    def _headline(self) -> Text:
        total = len(self.frames)
        frame = self.frames[self.current - 1]
        mark = self.marks.get(self.current, FrameMark())
        if not mark.analysed:
            summary = "running the checks…"
        elif mark.findings:
            worst = mark.worst.value if mark.worst else "?"
            summary = f"{mark.findings} finding{'s' if mark.findings != 1 else ''}, worst {worst}"
        else:
            summary = "no findings"
        line = Text()
        state = "▶ playing" if self.playing else "⏸ paused"
        line.append(f"{state} {self.speed:g} fps", style="bold" if self.playing else "dim")
        line.append(f"   frame {self.current}/{total}", style="bold")
        when = f"{clock(frame.time)} ({offset(self.frames[0].time, frame.time)})"
        line.append(f" · {when} · {summary}")
        keys = "[ ] step · g G first/last · p play · + - speed · t timeline"
        room = self.size.width - 2 - line.cell_len
        if room > len(keys) + 2:
            line.append(keys.rjust(room), style="dim")
        return line

    def render(self) -> Text:
        if not self.frames:
            return Text("opening the incident…", style="dim")
        width = self._cell_width()
        cells = Text()
        numbers = Text()
        for n in self._window():
            m = self.marks.get(n, FrameMark())
            if not m.analysed:
                color = PENDING
            else:
                color = SEVERITY_COLOR[m.worst] if m.worst is not None else CLEAN
            glyph = "▼" if n == self.current else "█"
            cells.append(
                glyph * max(width - 1, 1) + (" " if width > 1 else ""),
                style=f"{color} reverse" if n == self.current else color,
            )
            label = str(n) if width > len(str(n)) or n == self.current else ""
            numbers.append(label.ljust(width), style="bold" if n == self.current else "dim")
        return Text("\n").join([self._headline(), cells, numbers])

    def frame_at(self, x: int) -> int | None:
        """The frame under column `x` of the cells line, or None."""
        if not self.frames:
            return None
        window = self._window()
        index = (x - 1) // self._cell_width()  # 1 column of padding
        return window[index] if 0 <= index < len(window) else None

    def action_move(self, where: str) -> None:
        self.post_message(self.Moved(where))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            number = self.frame_at(event.x)
            if number is not None:
                self.post_message(self.Moved(str(number)))

    def on_blur(self) -> None:
        self.post_message(self.Left())


def _expand(values: list[float | None], width: int) -> list[float]:
    """Repeat each frame's value so the sparkline has at least `width` points; frames without
    the number count as 0."""
    known = [v if v is not None else 0.0 for v in values]
    repeat = max(1, math.ceil(max(width, 1) / max(len(known), 1)))
    return [v for v in known for _ in range(repeat)]


class SeriesRow(Horizontal):
    """A label, a sparkline across every frame, and the value in the current frame."""

    DEFAULT_CSS = """
    SeriesRow { height: 1; }
    SeriesRow .series-label { width: 24; text-wrap: nowrap; text-overflow: ellipsis; }
    SeriesRow Sparkline { width: 1fr; }
    SeriesRow .series-value { width: 7; text-align: right; }
    """

    def __init__(self, series: Series) -> None:
        super().__init__()
        self.series = series

    def compose(self) -> ComposeResult:
        yield Static(self.series.label, classes="series-label")
        yield Sparkline(_expand(self.series.values, 48))
        yield Static("", classes="series-value")

    def show_value(self, frame: int) -> None:
        values = self.series.values
        value = values[frame - 1] if 0 < frame <= len(values) else None
        text = "n/a" if value is None else f"{value:g}"
        if self.is_mounted:
            self.query_one(".series-value", Static).update(text)


class SeriesPanel(VerticalScroll, can_focus=False):
    """The sparklines: pending pods, ENIs attached, free IPs per subnet (the mouse wheel
    scrolls them; the keyboard stays with the timeline and the findings)."""

    DEFAULT_CSS = "SeriesPanel { height: 100%; scrollbar-size-vertical: 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._series: list[Series] | None = None
        self._frame = 1

    def show(self, series: list[Series] | None, frame: int) -> None:
        """Show these series (rebuilt only when they change) at this frame."""
        self._frame = frame
        if series is not self._series:
            self._series = series
            self.remove_children()
            if series is None:
                self.mount(Static("sparklines appear once every frame has run…", classes="dim"))
            else:
                self.mount_all(SeriesRow(s) for s in series)
        self.call_after_refresh(self._show_values)

    def _show_values(self) -> None:
        for row in self.query(SeriesRow):
            row.show_value(self._frame)


_KIND_TITLES = (
    ("pod", "Pods"),
    ("node", "Nodes"),
    ("subnet", "Subnets"),
    ("eni", "ENIs"),
    ("route", "Routes"),
    ("nat-gateway", "NAT gateways"),
    ("event", "Warning events"),
)
_PER_KIND = 6


def _pods(diff: FrameDiff, out: Text) -> None:
    """Pod changes as transitions with counts, two pod names under each."""
    changes = diff.of("pod")
    shown = 0
    for before, after, count in diff.pod_transitions()[:_PER_KIND]:
        style = "red" if after in ("ContainerCreating", "Pending") else ""
        out.append(f"  {before} → {after} ×{count}\n", style=style)
        names = [
            c.ref.removeprefix("pod/")
            for c in changes
            if (c.before or "(new)", c.after or "(gone)") == (before, after)
        ]
        for name in names[:2]:
            out.append(f"    {name}\n", style="dim")
        shown += min(len(names), 2)
    if len(changes) > shown:
        out.append(f"    … and {len(changes) - shown} more pods\n", style="dim")


def diff_text(diff: FrameDiff | None, previous: Frame | None) -> Text:
    """The diff as lines for people, grouped by kind, pods summarised by transition."""
    if diff is None:
        return Text("running the checks…", style="dim")
    if diff.before is None:
        return Text("First frame: nothing to compare with.", style="dim")
    out = Text()
    when = f" ({clock(previous.time)})" if previous is not None else ""
    out.append(f"Since frame {diff.before}{when}: {diff.summary()}\n", style="bold")
    for kind, title in _KIND_TITLES:
        changes = diff.of(kind)
        if not changes:
            continue
        out.append(f"{title}\n", style="underline")
        if kind == "pod":
            _pods(diff, out)
            continue
        for change in changes[:_PER_KIND]:
            out.append(f"  {change.text}\n", style="dim" if kind == "event" else "")
        if len(changes) > _PER_KIND:
            out.append(f"  … and {len(changes) - _PER_KIND} more\n", style="dim")
    return out


class DiffPane(VerticalScroll, can_focus=False):
    """What changed from the previous frame (scrolled with the mouse wheel)."""

    DEFAULT_CSS = (
        "DiffPane { height: 100%; overflow-x: hidden; } DiffPane > Static { width: 100%; }"
    )

    def compose(self) -> ComposeResult:
        yield Static(Text("running the checks…", style="dim"), id="diff-text")

    def show(self, diff: FrameDiff | None, previous: Frame | None) -> None:
        self.query_one("#diff-text", Static).update(diff_text(diff, previous))
        self.scroll_home(animate=False)
