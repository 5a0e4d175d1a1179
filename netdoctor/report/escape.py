"""Make untrusted text safe to show: names, messages and annotations come from whoever can
create a pod or tag a resource, and must never reach a terminal as escape sequences, a Rich
console as markup, or a Markdown document as structure.

Every renderer (text, Markdown, TUI, log lines) passes bundle-derived strings through these.
"""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, and the C1 range (0x80-0x9f: `\x9b` is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates can reorder what a reader sees (CVE-2021-42574 style).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␟
    return f"\\x{code:02x}"


def printable(text: str, *, newlines: bool = False) -> str:
    """`text` with every control character shown visibly (ESC as `␛`, C1 as `\\x9b`) so it
    can neither move the cursor nor retitle a window; newlines kept only when asked."""
    pattern = _CONTROL if newlines else _CONTROL_ANY
    return _BIDI.sub("�", pattern.sub(_visible, text))


def markdown_text(text: str) -> str:
    """`text` for a Markdown paragraph or list item: printable, one line, every character
    Markdown would interpret escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", printable(" ".join(text.split())))


def markdown_cell(text: str) -> str:
    """`text` for a Markdown table cell: as `markdown_text` (pipes and newlines included)."""
    return markdown_text(text)


def markdown_code(text: str) -> str:
    """`text` as inline code: backticks in it lengthen the fence, so it cannot break out."""
    safe = printable(" ".join(text.split()))
    longest = max((len(run) for run in re.findall(r"`+", safe)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if safe.startswith("`") or safe.endswith("`") else ""
    return f"{fence}{pad}{safe}{pad}{fence}"
