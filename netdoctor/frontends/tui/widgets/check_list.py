"""The list of checks, each with a status glyph, its colour and its finding count."""

from __future__ import annotations

from rich.text import Text

from netdoctor.frontends.tui.state import CheckRow
from netdoctor.frontends.tui.widgets.findings_table import cell
from netdoctor.frontends.tui.widgets.navigation import NavTable
from netdoctor.models import Status
from netdoctor.report.summary import GLYPHS

ID_WIDTH = 22
STATUS_STYLE = {
    Status.FAIL: "bold red",
    Status.PASS: "green",
    Status.SKIP: "dim",
    Status.ERROR: "bold magenta",
    Status.PARTIAL: "yellow",
}


def status_cells(row: CheckRow) -> tuple[Text, Text]:
    """(glyph, count) cells for one check: `✗ 3`, `✓`, `– skip`, `! error`, `… ` pending."""
    status = row.status
    if status is None:
        return Text("…", style="dim"), Text("", style="dim")
    style = STATUS_STYLE[status]
    count = {
        Status.FAIL: str(len(row.result.findings)) if row.result else "",
        Status.PASS: "ok",
        Status.SKIP: "skip",
        Status.ERROR: "error",
        Status.PARTIAL: "part",
    }[status]
    return Text(GLYPHS[status], style=style), Text(count, style=style)


class CheckList(NavTable):
    """Every check in run order; selecting one filters the findings to it."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(show_header=False, **kwargs)

    def on_mount(self) -> None:
        self.add_column("", width=1, key="glyph")
        self.add_column("Check", width=ID_WIDTH, key="check")
        self.add_column("", width=5, key="count")

    def show(self, rows: list[CheckRow]) -> None:
        """Update the rows in place (a row per check, added as checks become known)."""
        for row in rows:
            glyph, count = status_cells(row)
            style = STATUS_STYLE[row.status] if row.status else ""
            name = cell(row.info.id, ID_WIDTH, style)
            if row.info.id in self.rows:
                self.update_cell(row.info.id, "glyph", glyph)
                self.update_cell(row.info.id, "check", name)
                self.update_cell(row.info.id, "count", count)
            else:
                self.add_row(glyph, name, count, key=row.info.id)
        stale = [key for key in self.rows if key.value not in {r.info.id for r in rows}]
        for key in stale:
            self.remove_row(key)
