"""The JSON report of BUNDLE-FORMAT.md section 3 (docs/report.schema.json): exact data, never
rewritten for a terminal (a consumer gets the names exactly as the bundle holds them)."""

from __future__ import annotations

import re

import orjson

from netdoctor.models import Report

# JSON escapes C0 controls itself; DEL, the C1 range (`\x9b` is a one-byte CSI some terminals
# obey even UTF-8 encoded) and bidi overrides are written as \u escapes too: the same data for a
# JSON reader, inert when the JSON is printed to a terminal.
_INERT = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def dumps(data: object) -> str:
    """`data` as indented JSON text with a trailing newline, terminal-inert (see `_INERT`)."""
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    return _INERT.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "\n"


def render_json(report: Report) -> str:
    """The report as indented JSON text (with a trailing newline)."""
    return dumps(report.model_dump(mode="json"))
