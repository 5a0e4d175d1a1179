"""The `--format markdown` report: what an on-call engineer pastes into an incident ticket."""

from __future__ import annotations

from netdoctor.models import Report, Status
from netdoctor.report.summary import GLYPHS, headline, sorted_results, source_line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    """The report as Markdown: summary table, then each finding with its evidence."""
    lines = [
        "# netdoctor report",
        "",
        f"{source_line(report)} · netdoctor {report.netdoctor}",
        "",
        f"**{headline(report)}**",
        "",
        "| Check | Status | Findings | Note |",
        "|---|---|---|---|",
    ]
    results = sorted_results(report)
    for r in results:
        lines.append(
            f"| `{r.check}` | {GLYPHS[r.status]} {r.status.value} | {len(r.findings)} "
            f"| {_cell(r.reason)} |"
        )
    for r in results:
        if r.status is not Status.FAIL:
            continue
        lines += ["", f"## `{r.check}`"]
        for finding in r.findings:
            lines += ["", f"### [{finding.severity.value.upper()}] {finding.title}", ""]
            if finding.resources:
                lines.append("Resources: " + ", ".join(f"`{x}`" for x in finding.resources))
                lines.append("")
            lines += [f"- {e}" for e in finding.evidence]
            if finding.playbook:
                lines += ["", f"Playbook: `netdoctor playbook {finding.playbook}`"]
    return "\n".join(lines) + "\n"
