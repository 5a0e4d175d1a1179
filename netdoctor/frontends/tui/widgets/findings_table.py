"""The findings table: severity, check, title, first resource; worst first."""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text
from textual import events

from netdoctor.frontends.tui.state import FindingRow
from netdoctor.frontends.tui.widgets.navigation import NavTable
from netdoctor.models import Severity
from netdoctor.report.escape import printable

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "bold cyan",
}
SEVERITY_WIDTH = 8
NUMBER_WIDTH = 4
"""`[12]`: the finding's number in the reports (`netdoctor playbook … --finding 12`)."""


@lru_cache(maxsize=65536)
def cell(text: str, width: int, style: str = "") -> Text:
    """One line cut to `width` cells with an ellipsis (wide characters counted right).

    Cached: re-filtering thousands of findings rebuilds the table from the same cells. Callers
    must not modify the returned Text.
    """
    flat = " ".join(printable(text).split())  # names are untrusted: no escape codes
    line = Text(flat, style=style, no_wrap=True, overflow="ellipsis")
    if not (flat.isascii() and len(flat) <= width):
        line.truncate(max(width, 1), overflow="ellipsis")
    return line


class FindingsTable(NavTable):
    """Findings with columns sized to the terminal; long titles and names are cut with `…`."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(zebra_stripes=True, **kwargs)
        self._rows: list[FindingRow] = []
        self._width = 0
        self._shown: tuple[tuple[str, ...], tuple[int, int, int, int]] | None = None

    def _widths(self) -> tuple[int, int, int, int]:
        """Severity and check fit their text; the title gets most of the rest."""
        total = max(self.size.width, 60) - 2 * 5 - 1 - NUMBER_WIDTH  # padding, scrollbar
        check = min(24, max((len(r.check) for r in self._rows), default=10))
        room = total - SEVERITY_WIDTH - check
        longest = max((len(r.first_resource) for r in self._rows), default=10)
        resource = min(longest, max(16, room * 3 // 10))
        return SEVERITY_WIDTH, check, max(room - resource, 10), resource

    def show(self, rows: list[FindingRow]) -> None:
        """Replace the rows. A cursor the user moved stays on its finding; one still on the
        first row stays there, on whatever is now the worst finding."""
        keep = self.selected_key() if self.cursor_row > 0 else None
        self._rows = rows
        self._width = self.size.width
        widths = self._widths()
        shown = (tuple(r.key + r.number for r in rows), widths)
        if shown == self._shown:
            return  # nothing changed (a check without findings finished, or the run ended)
        self._shown = shown
        sev, check, title, resource = widths
        self.clear(columns=True)
        self.add_column("#", width=NUMBER_WIDTH, key="number")
        self.add_column("Severity", width=sev, key="severity")
        self.add_column("Check", width=check, key="check")
        self.add_column("Finding", width=title, key="title")
        self.add_column("Resource", width=resource, key="resource")
        for row in rows:
            f = row.finding
            self.add_row(
                cell(row.number, NUMBER_WIDTH, "dim"),
                cell(f.severity.value.upper(), sev, SEVERITY_STYLE[f.severity]),
                cell(row.check, check),
                # a consequence sits under its cause, marked, as in the text report
                cell(f"↳ {f.title}" if f.caused_by else f.title, title),
                cell(row.first_resource, resource, "dim"),
                key=row.key,
            )
        keys = [r.key for r in rows]
        if keep in keys:
            self.move_cursor(row=keys.index(keep), animate=False)

    def on_resize(self, event: events.Resize) -> None:
        if self._rows and event.size.width != self._width:
            self.show(self._rows)
