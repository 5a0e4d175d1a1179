"""Wording helpers for evidence lines: one line, bounded, lists shortened."""

from __future__ import annotations


def clip(text: str, limit: int = 300) -> str:
    """One line of at most `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def listing(items: list[str], limit: int = 5) -> str:
    """`a, b, c and 2 more`."""
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown
