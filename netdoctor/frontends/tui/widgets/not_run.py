"""Checks that did not judge, or judged in part: skipped (with the missing files and the
commands that collect them), partial (the mechanisms left unchecked) or crashed (the error)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from netdoctor.frontends.tui.state import CheckRow
from netdoctor.models import Status
from netdoctor.report.escape import printable


def not_run_text(rows: list[CheckRow]) -> Text:
    """One block per check that skipped or crashed."""
    text = Text()
    for i, row in enumerate(rows):
        if i:
            text.append("\n")
        result = row.result
        if result is None:
            continue
        if result.status is Status.SKIP:
            missing = ", ".join(row.missing) or result.reason
            text.append("– ", style="dim")
            text.append(row.info.id, style="bold")
            text.append(f" skipped: missing {missing}" if row.missing else f" skipped: {missing}")
            for command in row.collect_commands():
                text.append("\n    collect it: ", style="dim")
                text.append(command, style="cyan")
        elif result.status is Status.PARTIAL:
            text.append("◐ ", style="yellow")
            text.append(row.info.id, style="bold")
            text.append(" ran in part: nothing found in what it could check", style="yellow")
            for item in result.unchecked:
                text.append("\n    not checked: ", style="dim")
                text.append(printable(item.mechanism))
                text.append(f" (missing {', '.join(item.missing)})", style="dim")
            for command in row.collect_commands():
                text.append("\n    collect it: ", style="dim")
                text.append(command, style="cyan")
        else:
            text.append("! ", style="bold magenta")
            text.append(row.info.id, style="bold")
            text.append(f" crashed: {printable(result.reason)}", style="magenta")
    return text


class NotRunPanel(Static):
    """Shown under the findings when a check skipped or crashed; hidden otherwise."""

    def show(self, rows: list[CheckRow]) -> None:
        self.display = bool(rows)
        self.update(not_run_text(rows))
