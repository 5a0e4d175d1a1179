"""`--retain 7d|N`: which frames of a recording `netdoctor watch` keeps.

`7d`, `12h`, `30m`, `90s`: frames captured longer ago than that go; `N` (a bare number): only
the newest N frames stay. The newest frame always stays, so the recording always opens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from netdoctor.errors import UsageError
from netdoctor.sources.incident.clock import parse_time

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_AGE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")


@dataclass(frozen=True)
class Retention:
    """Keep frames younger than `max_age` seconds, or the newest `keep_last` frames."""

    max_age: float | None = None
    keep_last: int | None = None

    def doomed(self, frames: list[tuple[str, str | None]], now: datetime) -> list[str]:
        """The frame names to remove, from (name, captured_at) oldest first; never the newest."""
        if len(frames) <= 1:
            return []
        older = frames[:-1]
        if self.keep_last is not None:
            return [name for name, _ in frames[: max(0, len(frames) - self.keep_last)]]
        assert self.max_age is not None
        doomed = []
        for name, captured_at in older:
            when = parse_time(captured_at)
            if when is not None and (now - when).total_seconds() > self.max_age:
                doomed.append(name)
        return doomed


def parse_retention(text: str) -> Retention:
    """`7d` → keep 7 days; `100` → keep 100 frames.

    Raises:
        UsageError: neither a positive count nor a duration like 7d, 12h, 30m.
    """
    value = text.strip().lower()
    if value.isdigit():
        if int(value) < 1:
            raise UsageError("--retain: keep at least 1 frame")
        return Retention(keep_last=int(value))
    match = _AGE.match(value)
    if not match or float(match[1]) <= 0:
        raise UsageError(
            f"--retain: expected a frame count (100) or an age like 7d, 12h, 30m; got {text!r}"
        )
    return Retention(max_age=float(match[1]) * _UNITS[match[2]])


def parse_interval(text: str) -> float:
    """`60s`, `5m`, `1h` or plain seconds (`60`, `0.5`) → seconds.

    Raises:
        UsageError: not a positive duration.
    """
    value = text.strip().lower()
    try:
        seconds = float(value)
    except ValueError:
        match = _AGE.match(value)
        if not match:
            raise UsageError(
                f"--interval: expected seconds or a duration like 60s, 5m; got {text!r}"
            ) from None
        seconds = float(match[1]) * _UNITS[match[2]]
    if not seconds > 0:
        raise UsageError(f"--interval must be positive, got {text!r}")
    return seconds
