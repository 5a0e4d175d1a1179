"""Write the report to a file named after the cluster and the time (no Textual here)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from netdoctor.models import Report
from netdoctor.report.render import render

FORMATS = {"markdown": ".md", "json": ".json"}


def report_path(report: Report, fmt: str, directory: Path, now: datetime) -> Path:
    """`netdoctor-report-<cluster>-<YYYYmmdd-HHMMSS>.md` in `directory`, never overwriting."""
    cluster = re.sub(r"[^A-Za-z0-9._-]+", "-", report.snapshot.cluster or "unknown").strip("-")
    stem = f"netdoctor-report-{cluster or 'unknown'}-{now:%Y%m%d-%H%M%S}"
    path = directory / f"{stem}{FORMATS[fmt]}"
    counter = 2
    while path.exists():
        path = directory / f"{stem}-{counter}{FORMATS[fmt]}"
        counter += 1
    return path


def export_report(
    report: Report,
    fmt: str,
    directory: Path | None = None,
    now: datetime | None = None,
    bundle: str | None = None,
    selection: Sequence[str] = (),
) -> Path:
    """Write the report; returns the path written (`bundle`: the path the TUI opened, and
    `selection` its check-selection arguments, for the `netdoctor playbook` commands in it).

    Raises:
        OSError: the file cannot be written.
    """
    path = report_path(report, fmt, directory or Path.cwd(), now or datetime.now())
    # exactly as `netdoctor check --format FMT` prints it
    text = render(report, fmt, bundle=bundle, selection=selection)
    path.write_text(text, encoding="utf-8")
    return path
