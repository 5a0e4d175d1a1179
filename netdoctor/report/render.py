"""The one entry point that turns a Report into text: `netdoctor check`, the incident command's
single-frame path and the TUI export all call `render`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from netdoctor.models import Report

FORMATS = ("text", "json", "markdown")


def render(
    report: Report,
    fmt: str,
    *,
    width: int | None = None,
    color: bool = False,
    bundle: str | None = None,
    selection: Sequence[str] = (),
) -> str:
    """The report in `fmt` (`text`, `json` or `markdown`), ending in a newline.

    Args:
        report: the report (built by `engine.runner.run_checks`/`build_report`).
        fmt: one of `FORMATS`.
        width: text only: the width in cells (default 80).
        color: text only: ANSI styles (callers pass True only for a terminal without NO_COLOR).
        bundle: the bundle path the user gave, quoted into the `netdoctor playbook` hints of
            the text and Markdown reports; None (a live check) gives the bare command.
        selection: the `--check`/`--skip-check`/`--checks-dir` arguments the report ran with,
            added to those hints so the finding numbers match.

    Raises:
        ValueError: an unknown format.
    """
    if fmt == "json":
        from netdoctor.report.json import render_json

        return render_json(report)
    if fmt == "markdown":
        from netdoctor.report.markdown import render_markdown

        return render_markdown(report, bundle=bundle, selection=selection)
    if fmt == "text":
        from netdoctor.report.console import render_text

        return render_text(
            report, width=width or 80, color=color, bundle=bundle, selection=selection
        )
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def terminal(stream: TextIO) -> tuple[int, bool]:
    """(width, color) for writing to `stream`: the terminal's width (COLUMNS wins; 80 when not
    a terminal), and colour only on a terminal and never when NO_COLOR is set to any value."""
    import os
    import shutil

    width = shutil.get_terminal_size((80, 24)).columns
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return width, tty and "NO_COLOR" not in os.environ
