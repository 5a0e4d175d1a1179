"""The `--format markdown` report: what an on-call engineer pastes into an incident ticket.

Every bundle-derived string goes through `markdown_text`, `markdown_cell` or `markdown_code`,
so a name can add neither structure (headings, links, table cells) nor escape sequences.
"""

from __future__ import annotations

from collections.abc import Sequence

from netdoctor.models import CheckResult, Finding, Report, Status
from netdoctor.report.escape import markdown_cell, markdown_code, markdown_text
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


def _finding(
    result: CheckResult, finding: Finding, bundle: str | None, selection: Sequence[str]
) -> list[str]:
    number = finding.index if finding.index is not None else "-"
    lines = [
        "",
        f"### {number}. {finding.severity.value.upper()} · {markdown_code(result.check)}",
        "",
        f"**{markdown_text(finding.title)}**",
        "",
    ]
    if finding.caused_by is not None:
        lines += [f"Caused by finding {finding.caused_by}.", ""]
    if finding.evidence:
        lines += ["Evidence:", ""]
        lines += [f"- {markdown_text(e)}" for e in finding.evidence]
        lines.append("")
    if finding.resources:
        lines += ["Resources:", ""]
        lines += [f"- {markdown_code(r)}" for r in finding.resources]
        lines.append("")
    if finding.playbook:
        command = playbook_command(finding.playbook, finding.index, bundle, selection)
        lines.append(f"Fix: {markdown_code(command)}")
    return lines


def _not_applicable(report: Report) -> list[str]:
    results = not_applicable(report)
    if not results:
        return []
    lines = ["", "## Not applicable to this cluster", ""]
    lines += [f"- {markdown_code(r.check)}: {markdown_text(r.reason)}" for r in results]
    return lines


def _eks_signals(report: Report) -> list[str]:
    if not report.eks_signals:
        return []
    lines = ["", "## EKS reports", ""]
    lines += [f"- {markdown_text(signal_line(s))}" for s in report.eks_signals]
    return lines


def _not_run(report: Report) -> list[str]:
    results = not_run(report)
    if not results:
        return []
    lines = ["", "## Could not run", ""]
    for result in results:
        check = markdown_code(result.check)
        if result.status is Status.ERROR:
            lines.append(f"- {check}: crashed: {markdown_text(result.reason)}")
            continue
        if result.status is Status.SKIP and not result.missing:
            lines.append(f"- {check}: skipped, {markdown_text(result.reason)}")
            continue
        if result.status is Status.SKIP:
            lines.append(f"- {check}: skipped, missing data")
        else:
            ran = "ran in part" if result.status is Status.PARTIAL else "found problems"
            lines.append(f"- {check}: {ran}; not checked:")
            for item in result.unchecked:
                files = ", ".join(markdown_code(f) for f in item.missing)
                lines.append(f"  - {markdown_text(item.mechanism)} (needs {files})")
        for missing in result.missing:
            lines.append(f"  - {markdown_code(missing.file)}: collect with")
            lines.append(f"    {markdown_code(missing.collect)}")
            if missing.capture:
                lines.append(f"    (capture: {markdown_text(missing.capture)})")
    return lines


def render_markdown(
    report: Report, *, bundle: str | None = None, selection: Sequence[str] = ()
) -> str:
    """The report as Markdown: headline, summary table, each finding numbered with its
    evidence, resources and playbook command, then what could not run and how to collect it.

    Args:
        report: the report to render.
        bundle: the bundle path the user gave, for the `netdoctor playbook` commands.
        selection: the check-selection arguments the report ran with, for the same commands.
    """
    lines = [
        "# netdoctor report",
        "",
        f"{markdown_text(source_line(report))} · netdoctor {markdown_text(report.netdoctor)}",
        "",
    ]
    platform = platform_line(report)
    if platform is not None:
        lines += [f"Platform: {markdown_text(platform)}", ""]
    for note in report.notes:
        lines += [f"> Note: {markdown_text(note)}", ""]
    lines += [
        f"**{markdown_text(headline(report))}**",
        "",
        "| Check | Status | Findings | Note |",
        "|---|---|---|---|",
    ]
    for r in sorted_results(report):
        count = str(len(r.findings)) if r.status is Status.FAIL else "-"
        lines.append(
            f"| {markdown_code(r.check)} | {GLYPHS[r.status]} {r.status.value} | {count} "
            f"| {markdown_cell(status_note(r))} |"
        )
    pairs = report.findings()
    if pairs:
        lines += ["", "## Findings"]
        for result, finding in pairs:
            lines += _finding(result, finding, bundle, selection)
    lines += _not_run(report)
    lines += _not_applicable(report)
    lines += _eks_signals(report)
    return "\n".join(lines).rstrip("\n") + "\n"
