"""The `--format text` report: a rich table grouped by check."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from netdoctor.models import Report, Severity, Status
from netdoctor.report.summary import GLYPHS, headline, sorted_results, source_line

SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
STATUS_STYLE = {
    Status.FAIL: "bold red",
    Status.PASS: "green",
    Status.SKIP: "dim",
    Status.ERROR: "magenta",
    Status.PARTIAL: "yellow",
}


def build_table(report: Report) -> Table:
    """One row per finding, grouped under a row per check."""
    table = Table(show_lines=False, expand=True, title_justify="left")
    table.add_column("Check / severity", no_wrap=True)
    table.add_column("Finding", ratio=3)
    table.add_column("Resources", ratio=2)
    table.add_column("Playbook", no_wrap=True)
    for result in sorted_results(report):
        glyph = GLYPHS[result.status]
        label = Text(f"{glyph} {result.check}", style=STATUS_STYLE[result.status])
        note = {
            Status.PASS: "pass",
            Status.SKIP: f"skip: {result.reason}",
            Status.ERROR: f"error: {result.reason}",
            Status.FAIL: f"{len(result.findings)} finding(s)",
            Status.PARTIAL: "partial: "
            + "; ".join(f"{u.mechanism} unchecked" for u in result.unchecked),
        }[result.status]
        table.add_row(
            label,
            Text(note, style=STATUS_STYLE[result.status]),
            "",
            "",
            end_section=not result.findings,
        )
        for i, finding in enumerate(result.findings):
            body = Text(finding.title)
            for line in finding.evidence:
                body.append(f"\n  • {line}", style="dim")
            table.add_row(
                Text(f"  {finding.severity.value}", style=SEVERITY_STYLE[finding.severity]),
                body,
                "\n".join(finding.resources),
                finding.playbook or "",
                end_section=i == len(result.findings) - 1,
            )
    return table


def render_text(report: Report, console: Console) -> None:
    """Print the report to a rich console."""
    console.print(
        Group(
            Text(f"netdoctor {report.netdoctor} — {source_line(report)}", style="bold"),
            build_table(report),
            Text(headline(report), style="bold"),
        )
    )
