"""The `--format text` report: blocks, the way compilers print.

A header (source, platform, data notes), a table of check statuses, then one block per finding
in display order (root causes first, each consequence indented under its cause), a "could not
run" section with the command that collects each missing file, and the headline.

Every string that comes from a bundle passes through `printable`, and styled output is built
from `rich.text.Text` objects only (never markup), so names can neither move the cursor nor
style the terminal. Nothing is cut with `…`: long lines wrap.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from netdoctor.models import CheckResult, Finding, Report, Severity, Status
from netdoctor.report.escape import printable
from netdoctor.report.summary import (
    GLYPHS,
    headline,
    not_applicable,
    not_run,
    platform_line,
    playbook_command,
    signal_line,
    sorted_results,
    source_line,
    status_note,
)
from netdoctor.report.wrap import wrap, wrap_command

SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
STATUS_STYLE = {
    Status.FAIL: "bold red",
    Status.PASS: "green",
    Status.SKIP: "dim",
    Status.ERROR: "magenta",
    Status.PARTIAL: "yellow",
}
INDENT = "    "
"""How far a finding's body (and a consequence under its cause) is indented."""
MIN_WIDTH = 40


class _Page:
    """The report's lines, each a `Text` (styles apply to whole pieces, never parsed markup)."""

    def __init__(self, width: int) -> None:
        self.width = max(width, MIN_WIDTH)
        self.lines: list[Text] = []

    def blank(self) -> None:
        if self.lines and self.lines[-1].plain:
            self.lines.append(Text())

    def text(self, text: str, first: str = "", rest: str | None = None, style: str = "") -> None:
        """`text` wrapped to the width under the prefixes (bundle text must be `printable`)."""
        for line in wrap(text, self.width, first, rest):
            self.lines.append(Text(line, style=style))

    def command(self, command: str, first: str = "", rest: str | None = None) -> None:
        for line in wrap_command(command, self.width, first, rest):
            self.lines.append(Text(line))

    def styled(self, *pieces: tuple[str, str]) -> None:
        self.lines.append(Text.assemble(*pieces))

    def render(self, color: bool) -> str:
        if not color:
            return "".join(line.plain.rstrip() + "\n" for line in self.lines)
        out = io.StringIO()
        console = Console(
            file=out,
            force_terminal=True,
            color_system="standard",
            width=self.width,
            soft_wrap=True,
            highlight=False,
            markup=False,
            emoji=False,
        )
        for line in self.lines:
            console.print(line)
        return out.getvalue()


def _header(page: _Page, report: Report) -> None:
    page.text(f"netdoctor {report.netdoctor} · {printable(source_line(report))}", style="bold")
    platform = platform_line(report)
    if platform is not None:
        page.text(printable(platform), first="platform: ")
    for note in report.notes:
        page.text(printable(note), first="note: ", style="yellow")


def _status_table(page: _Page, report: Report) -> None:
    results = sorted_results(report)
    if not results:
        return
    ids = [printable(r.check) for r in results]
    id_width = max(len("CHECK"), *(len(i) for i in ids))
    page.blank()
    page.styled(
        (f"  {'CHECK':<{id_width + 2}}  {'STATUS':<8}{'FINDINGS':>8}  NOTE", "bold"),
    )
    for result, check_id in zip(results, ids, strict=True):
        glyph = GLYPHS[result.status]
        count = str(len(result.findings)) if result.status is Status.FAIL else "-"
        note = status_note(result)
        lead = f"  {glyph} {check_id:<{id_width}}  "
        status = f"{result.status.value:<8}"
        rest = f"{count:>8}  "
        line = Text.assemble(
            (lead, STATUS_STYLE[result.status]), (status, STATUS_STYLE[result.status]), rest
        )
        used = line.cell_len
        for i, part in enumerate(wrap(note, page.width, " " * used)):
            if i == 0:
                line.append(part[used:], style="dim")
                page.lines.append(line)
            else:
                page.lines.append(Text(part, style="dim"))


def _finding(
    page: _Page,
    result: CheckResult,
    finding: Finding,
    bundle: str | None,
    selection: Sequence[str],
    depth: int,
) -> None:
    pad = INDENT * depth
    body = pad + INDENT
    number = f"[{finding.index}]" if finding.index is not None else "[-]"
    severity = finding.severity.value.upper()
    pieces: list[tuple[str, str]] = [
        (f"{pad}{number} ", "bold"),
        (severity, SEVERITY_STYLE[finding.severity]),
        (f" {printable(result.check)}", "bold"),
    ]
    if finding.caused_by is not None:
        pieces.append((f"  caused by [{finding.caused_by}]", "dim"))
    page.styled(*pieces)
    page.text(printable(finding.title), first=body, style="bold")
    if finding.evidence:
        page.text("evidence:", first=body, style="dim")
        for line in finding.evidence:
            page.text(printable(line), first=body + "  - ", rest=body + "    ")
    if finding.resources:
        page.text("resources:", first=body, style="dim")
        for ref in finding.resources:
            page.text(printable(ref), first=body + "  ")
    if finding.playbook:
        command = playbook_command(finding.playbook, finding.index, bundle, selection)
        if len(wrap_command(command, page.width, body + "fix: ")) == 1:
            page.command(command, first=body + "fix: ")
        else:
            page.text("fix:", first=body, style="dim")
            page.command(command, first=body + "  ")


def _findings(page: _Page, report: Report, bundle: str | None, selection: Sequence[str]) -> None:
    depth_of: dict[int, int] = {}
    for result, finding in report.findings():
        depth = 0
        if finding.caused_by is not None:
            depth = depth_of.get(finding.caused_by, 0) + 1
        if finding.index is not None:
            depth_of[finding.index] = depth
        page.blank()
        _finding(page, result, finding, bundle, selection, min(depth, 2))


def _not_run(page: _Page, report: Report) -> None:
    results = not_run(report)
    if not results:
        return
    page.blank()
    page.styled(("Could not run", "bold"))
    for result in results:
        check = printable(result.check)
        style = STATUS_STYLE[result.status]
        if result.status is Status.ERROR:
            page.text(f"{check}: crashed: {printable(result.reason)}", first="  ", style=style)
            continue
        if result.status is Status.SKIP and not result.missing:
            page.text(f"{check}: skipped, {printable(result.reason)}", first="  ", style=style)
            continue
        if result.status is Status.SKIP:
            page.text(f"{check}: skipped, missing data", first="  ", style=style)
        else:
            ran = "ran in part" if result.status is Status.PARTIAL else "found problems"
            page.text(f"{check}: {ran}; not checked:", first="  ", style=style)
            for item in result.unchecked:
                files = ", ".join(printable(f) for f in item.missing)
                page.text(f"{printable(item.mechanism)} (needs {files})", first="    - ")
        for missing in result.missing:
            page.text(printable(missing.file), first="    ")
            page.command(printable(missing.collect), first="      collect: ")
            if missing.capture:
                page.text(printable(missing.capture), first="      capture: ")


def _not_applicable(page: _Page, report: Report) -> None:
    results = not_applicable(report)
    if not results:
        return
    page.blank()
    page.styled(("Not applicable to this cluster", "bold"))
    for result in results:
        style = STATUS_STYLE[result.status]
        reason = result.reason.removeprefix("not applicable: ")
        page.text(f"{printable(result.check)}: {printable(reason)}", first="  ", style=style)


def _eks_signals(page: _Page, report: Report) -> None:
    if not report.eks_signals:
        return
    page.blank()
    page.styled(("EKS reports", "bold"))
    for signal in report.eks_signals:
        page.text(printable(signal_line(signal)), first="  ")


def render_text(
    report: Report,
    *,
    width: int = 80,
    color: bool = False,
    bundle: str | None = None,
    selection: Sequence[str] = (),
) -> str:
    """The report as terminal text, `width` cells wide (no line passes it unless a single
    shell word is wider), with ANSI styles only when `color`.

    Args:
        report: the report to print.
        width: the terminal width in cells (at least 40 is used).
        color: emit ANSI styles (only for a terminal, never under NO_COLOR).
        bundle: the bundle path the user gave, for the `netdoctor playbook` hints.
        selection: the check-selection arguments the report ran with, for the same hints.
    """
    page = _Page(width)
    _header(page, report)
    _status_table(page, report)
    _findings(page, report, bundle, selection)
    _not_run(page, report)
    _not_applicable(page, report)
    _eks_signals(page, report)
    page.blank()
    page.text(headline(report, see="above"), style="bold")
    return page.render(color)
