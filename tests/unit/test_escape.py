"""Untrusted text made safe for terminals and Markdown."""

from __future__ import annotations

from netdoctor.report.escape import markdown_code, markdown_text, printable


def test_escape_sequences_are_shown_not_executed() -> None:
    hostile = "web\x1b]0;pwned\x07-\x1b[2J\x9b31m\u202e"
    shown = printable(hostile)
    assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e")
    assert shown.startswith("web␛]0;pwned␇-␛[2J\\x9b31m")
    assert printable("a\nb") == "a␊b"
    assert printable("a\nb", newlines=True) == "a\nb"


def test_markdown_structure_in_names_is_escaped() -> None:
    assert markdown_text("# x | `y` [z](http://e)") == r"\# x \| \`y\` \[z\]\(http://e\)"
    assert markdown_text("two\nlines") == "two lines"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`x") == "`` `x ``"
