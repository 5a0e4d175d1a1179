"""The JSON report of BUNDLE-FORMAT.md section 3."""

from __future__ import annotations

import orjson

from netdoctor.models import Report


def render_json(report: Report) -> str:
    """The report as indented JSON text (with a trailing newline)."""
    return orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode() + "\n"
