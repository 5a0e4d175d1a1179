"""Text, Markdown and JSON renderings of an incident report: the frames, then the timeline.

Bundle-derived strings (titles, resources, evidence, check ids) pass through `printable` for
the terminal and the `markdown_*` escapes for Markdown; rich output is built from `Text`
objects only, never from markup.
"""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from netdoctor.models import Status
from netdoctor.report.console import SEVERITY_STYLE
from netdoctor.report.escape import markdown_cell, markdown_code, markdown_text, printable
from netdoctor.report.json import dumps
from netdoctor.report.summary import headline
from netdoctor.sources.incident.clock import clock, offset, parse_time
from netdoctor.sources.incident.report import IncidentReport
from netdoctor.sources.incident.timeline import TimelineEntry, strip


def _when(report: IncidentReport, captured_at: str | None, frame: int | None) -> str:
    if captured_at is None or frame is None:
        return ""
    start = parse_time(report.incident.first)
    time = parse_time(captured_at)
    return f"{clock(time)} ({offset(start, time)}, frame {frame})"


def first_seen_text(report: IncidentReport, entry: TimelineEntry) -> str:
    """`10:01:00 (+1m, frame 3)`, or `before the recording (frame 1)` when frame 1 held it."""
    if entry.first_frame == 1 and report.incident.frames > 1:
        return "at the start (frame 1)"
    return _when(report, entry.first_seen, entry.first_frame)


def cleared_text(report: IncidentReport, entry: TimelineEntry) -> str:
    """`10:04:00 (+4m, frame 9)`, or `still open` / `unknown` when it never cleared."""
    if entry.cleared is not None:
        return _when(report, entry.cleared, entry.cleared_frame)
    return "still open" if entry.last_frame == report.incident.frames else "unknown"


def summary_line(report: IncidentReport) -> str:
    """`3 findings over 12 frames; 1 still open in the last frame.`"""
    total = len(report.timeline)
    if not total:
        return f"No problems found in any of the {report.incident.frames} frames."
    still = sum(1 for e in report.timeline if e.last_frame == report.incident.frames)
    plural = "s" if total != 1 else ""
    return (
        f"{total} finding{plural} over {report.incident.frames} frames; "
        f"{still} still open in the last frame."
    )


def span_line(report: IncidentReport) -> str:
    """`incident INCIDENT: 12 frames, 10:00:00 → 10:05:30 (5m30s) · cluster atlas-demo`."""
    info = report.incident
    start, end = parse_time(info.first), parse_time(info.last)
    span = offset(start, end).lstrip("+")
    bits = [
        f"incident {info.source}: {info.frames} frames, {clock(start)} → {clock(end)}"
        + (f" ({span})" if span else ""),
        f"cluster {info.cluster}" if info.cluster else "",
        info.region or "",
    ]
    return " · ".join(b for b in bits if b)


def frames_table(report: IncidentReport) -> Table:
    """One row per frame: when, how many findings, the single-report headline."""
    table = Table(expand=True, title="Frames", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Captured", no_wrap=True)
    table.add_column("Findings", justify="right", no_wrap=True)
    table.add_column("Headline", ratio=1, overflow="fold")
    start = parse_time(report.incident.first)
    for number, frame in enumerate(report.frames, start=1):
        time = parse_time(frame.snapshot.captured_at)
        findings = sum(len(r.findings) for r in frame.results)
        worst = frame.worst()
        style = SEVERITY_STYLE[worst] if worst else "green"
        table.add_row(
            Text(str(number)),
            Text(f"{clock(time)} {offset(start, time)}"),
            Text(str(findings), style=style),
            Text(headline(frame, see=None)),
        )
    return table


def timeline_table(report: IncidentReport) -> Table:
    """One row per finding: severity, the finding (title, check, resources), when it was first
    seen and cleared, and the frames that held it."""
    table = Table(expand=True, title="Timeline", title_justify="left", show_lines=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Finding", ratio=1, overflow="fold")  # ids fold, never cut with …
    table.add_column("First seen → cleared", no_wrap=True)
    table.add_column("Held", no_wrap=True)
    total = report.incident.frames
    for entry in report.timeline:
        body = Text(printable(entry.title))
        body.append(f"\n{printable(entry.check)}", style="dim")
        shown = [printable(r) for r in entry.resources[:3]]
        more = len(entry.resources) - len(shown)
        body.append("\n" + ", ".join(shown) + (f" and {more} more" if more else ""), style="dim")
        table.add_row(
            Text(entry.severity.value, style=SEVERITY_STYLE[entry.severity]),
            body,
            Text(f"{first_seen_text(report, entry)}\n→ {cleared_text(report, entry)}"),
            Text(f"{entry.frames_held}/{total}\n{strip(entry, total)}"),
        )
    return table


def render_incident_text(report: IncidentReport, *, width: int = 80, color: bool = False) -> str:
    """The incident report as terminal text `width` cells wide, ANSI styles only when `color`."""
    parts: list[Table | Text] = [
        Text(f"netdoctor {report.netdoctor} — {printable(span_line(report))}", style="bold"),
        frames_table(report),
    ]
    if report.timeline:
        parts.append(timeline_table(report))
    errors = _errors(report)
    if errors:
        parts.append(Text("\n".join(errors), style="magenta"))
    parts.append(Text(summary_line(report), style="bold"))
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    console.print(Group(*parts))
    return out.getvalue()


def _errors(report: IncidentReport) -> list[str]:
    """One line per check that crashed in some frame (they are not in the timeline)."""
    lines = []
    for number, frame in enumerate(report.frames, start=1):
        for result in frame.results:
            if result.status is Status.ERROR:
                lines.append(
                    f"! frame {number}: {printable(result.check)} crashed: "
                    f"{printable(result.reason)}"
                )
    return lines


def render_incident_markdown(report: IncidentReport) -> str:
    """The incident report as Markdown: frames table, timeline table, then each finding's
    evidence from the last frame that held it."""
    start = parse_time(report.incident.first)
    lines = [
        "# netdoctor incident report",
        "",
        f"{markdown_text(span_line(report))} · netdoctor {markdown_text(report.netdoctor)}",
        "",
        f"**{summary_line(report)}**",
        "",
        "## Frames",
        "",
        "| # | Captured | Findings | Headline |",
        "|---|---|---|---|",
    ]
    for number, frame in enumerate(report.frames, start=1):
        time = parse_time(frame.snapshot.captured_at)
        findings = sum(len(r.findings) for r in frame.results)
        lines.append(
            f"| {number} | {clock(time)} {offset(start, time)} | {findings} | "
            f"{markdown_cell(headline(frame, see=None))} |"
        )
    if report.timeline:
        lines += [
            "",
            "## Timeline",
            "",
            "| Severity | Check | Finding | Resources | First seen | Cleared | Held |",
            "|---|---|---|---|---|---|---|",
        ]
        for entry in report.timeline:
            resources = ", ".join(markdown_code(r) for r in entry.resources)
            lines.append(
                f"| {entry.severity.value} | {markdown_code(entry.check)} | "
                f"{markdown_cell(entry.title)} | "
                f"{resources} | {first_seen_text(report, entry)} | "
                f"{cleared_text(report, entry)} | {entry.frames_held}/{report.incident.frames} "
                f"`{strip(entry, report.incident.frames)}` |"
            )
        for entry in report.timeline:
            lines += [
                "",
                f"### {entry.severity.value.upper()}: {markdown_text(entry.title)}",
                "",
                f"{markdown_code(entry.check)}, frames {_ranges(entry.frames)} · first seen "
                f"{first_seen_text(report, entry)} · cleared {cleared_text(report, entry)}",
                "",
            ]
            lines += [f"- {markdown_text(e)}" for e in entry.evidence]
            if entry.playbook:
                command = f"netdoctor playbook {entry.playbook}"
                lines += ["", f"Playbook: {markdown_code(command)}"]
    errors = _errors(report)
    if errors:
        lines += ["", "## Checks that crashed", ""] + [f"- {markdown_text(e[2:])}" for e in errors]
    return "\n".join(lines) + "\n"


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7, 8] → `1–3, 7–8`."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in spans)


def render_incident(
    report: IncidentReport, fmt: str, *, width: int | None = None, color: bool = False
) -> str:
    """The incident report in `fmt` (`text`, `json` or `markdown`), ending in a newline; the
    JSON keeps each frame's part identical to the single-bundle report."""
    if fmt == "json":
        return dumps(report.model_dump(mode="json"))
    if fmt == "markdown":
        return render_incident_markdown(report)
    return render_incident_text(report, width=width or 80, color=color)
