"""Horizontal bars drawn with block characters, for the capacity picture."""

from __future__ import annotations

from rich.text import Text

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int | None, scale: int, width: int, style: str, empty: str = "grey35") -> Text:
    """A bar `width` cells wide whose filled part is value/scale, to an eighth of a cell; the
    rest is a `░` track, so the picture survives a terminal without colour."""
    text = Text(no_wrap=True, overflow="crop")
    if value is None or scale <= 0:
        text.append("·" * width, style="dim")
        return text
    eighths = round(max(0, min(value, scale)) / scale * width * 8)
    if value > 0 and eighths == 0:
        eighths = 1  # never draw a non-zero value as nothing
    full, part = divmod(eighths, 8)
    text.append("█" * full, style=style)
    if part and full < width:
        text.append(_EIGHTHS[part], style=style)
        full += 1
    text.append("░" * (width - full), style=empty)
    return text
