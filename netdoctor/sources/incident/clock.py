"""Durations and frame times as people type and read them: `30s`, `15m`, `1h30m`, `10:04:30`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from netdoctor.errors import UsageError

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


def parse_duration(text: str) -> float:
    """`30s`, `15m`, `1h30m`, `90` (seconds) → seconds.

    Raises:
        UsageError: not a duration, or not positive.
    """
    match = _DURATION.match(text.strip().lower())
    if not match or not any(match.groups()):
        raise UsageError(f"not a duration: {text!r} (try 30s, 15m or 1h)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise UsageError(f"duration must be positive: {text!r}")
    return total


def format_duration(seconds: float) -> str:
    """90 → `1m30s`; 3600 → `1h`; 0.5 → `0.5s`."""
    if seconds < 60:
        return f"{seconds:g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts)


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 time (naive → UTC), or None when absent or unparseable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def clock(value: datetime | None) -> str:
    """`10:04:30` in the frame's own offset; `?` when unknown."""
    return value.strftime("%H:%M:%S") if value else "?"


def offset(start: datetime | None, value: datetime | None) -> str:
    """`+4m30s` from the first frame; `` when either time is unknown."""
    if start is None or value is None:
        return ""
    seconds = (value - start).total_seconds()
    return "+0s" if seconds == 0 else ("+" if seconds > 0 else "-") + format_duration(abs(seconds))


def resolve_time(spec: str, first: datetime) -> datetime:
    """A point in time from `--frame`: RFC 3339, `HH:MM[:SS]` on the first frame's day, or
    `+DURATION` after the first frame.

    Raises:
        UsageError: none of those forms.
    """
    spec = spec.strip()
    if spec.startswith("+"):
        return first + timedelta(seconds=parse_duration(spec[1:]))
    if re.match(r"^\d{1,2}:\d{2}(:\d{2})?$", spec):
        parts = [int(p) for p in spec.split(":")] + [0]
        try:
            return first.replace(hour=parts[0], minute=parts[1], second=parts[2], microsecond=0)
        except ValueError:
            raise UsageError(f"not a time of day: {spec!r}") from None
    value = parse_time(spec)
    if value is None:
        raise UsageError(
            f"--frame {spec!r}: expected a frame number, a time (RFC 3339 or HH:MM:SS) "
            "or +DURATION after the first frame"
        )
    return value
