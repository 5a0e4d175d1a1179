"""Seconds until a subnet runs out of pod IPs, at the trend of recorded frames.

Method (robust to a single burst or a scale-down between frames):

1. Keep the points of the last `window` seconds (default 1 h) before the newest point.
2. Slope: the Theil–Sen estimator, the median of the slopes between every pair of points with
   different timestamps. Up to ~29 % of the points can be outliers without moving it.
3. Intercept: the median of `value − slope × t` over the points (Siegel/Theil–Sen convention).
4. No forecast (None) with fewer than 3 points, when the slope is not negative (flat or rising:
   nothing runs out), or when the value is already 0 or below (exhausted: the checks report
   that, there is nothing to forecast).
5. Otherwise the fitted line reaches 0 at `t0 = −intercept / slope`; the forecast is
   `t0 − newest timestamp`, at least 0.

The values are the capacity view's own numbers (`explore.capacity.subnet_capacity`): free IPs
are the subnet's `AvailableIpAddressCount`; free /28 blocks (prefix delegation only) come from
`facts.ipspace.prefix_space`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from netdoctor.explore.capacity import subnet_capacity

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot

WINDOW = 3600.0
"""Seconds of history the fit uses by default."""
MIN_POINTS = 3

FREE_IPS = "free-ips"
FREE_BLOCKS = "free-28-blocks"


def theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(slope, intercept) of the Theil–Sen line through (t, value) points; None when no two
    points have different times."""
    slopes = [
        (v2 - v1) / (t2 - t1)
        for i, (t1, v1) in enumerate(points)
        for t2, v2 in points[i + 1 :]
        if t2 != t1
    ]
    if not slopes:
        return None
    slope = statistics.median(slopes)
    intercept = statistics.median(v - slope * t for t, v in points)
    return slope, intercept


def seconds_until_zero(
    points: Iterable[tuple[float, float]], window: float = WINDOW
) -> float | None:
    """Seconds from the newest point until the robust trend of the points in the last `window`
    seconds reaches 0; None with fewer than 3 points, a flat or rising trend, or a value
    already at 0. Points are (unix seconds, free addresses or free /28 blocks)."""
    ordered = sorted(points)
    if not ordered:
        return None
    newest_t, newest_v = ordered[-1]
    recent = [(t, v) for t, v in ordered if t >= newest_t - window]
    if len(recent) < MIN_POINTS or newest_v <= 0:
        return None
    fit = theil_sen(recent)
    if fit is None or fit[0] >= 0:
        return None
    slope, intercept = fit
    return max(-intercept / slope - newest_t, 0.0)


@dataclass
class SubnetSeries:
    """One subnet's free addresses and free /28 blocks across frames."""

    subnet_id: str
    free_ips: list[tuple[float, float]] = field(default_factory=list)
    free_blocks: list[tuple[float, float]] = field(default_factory=list)
    """Only from frames where prefix delegation is on."""


def add_snapshot(series: dict[str, SubnetSeries], when: float, snap: Snapshot) -> None:
    """Append one frame's numbers (taken at unix time `when`) to the per-subnet series."""
    for row in subnet_capacity(snap):
        entry = series.setdefault(row.subnet_id, SubnetSeries(row.subnet_id))
        if row.free is not None:
            entry.free_ips.append((when, float(row.free)))
        if row.free_prefix_blocks is not None:
            entry.free_blocks.append((when, float(row.free_prefix_blocks)))


def prune(series: dict[str, SubnetSeries], before: float) -> None:
    """Drop points older than unix time `before` (a running watch keeps only its window)."""
    for entry in series.values():
        entry.free_ips[:] = [p for p in entry.free_ips if p[0] >= before]
        entry.free_blocks[:] = [p for p in entry.free_blocks if p[0] >= before]


def subnet_series(
    frames: Iterable[tuple[datetime | float | None, Snapshot]],
) -> dict[str, SubnetSeries]:
    """Per-subnet series from (capture time, Snapshot) frames, e.g. an incident's frames:
    `[(fr.time, incident.snapshot(fr.number)) for fr in incident.frames]`. Frames without a
    capture time are left out: they have no place on the time axis."""
    series: dict[str, SubnetSeries] = {}
    for when, snap in frames:
        if when is None:
            continue
        add_snapshot(series, when.timestamp() if isinstance(when, datetime) else when, snap)
    return series


@dataclass(frozen=True)
class Forecast:
    """Seconds until one subnet's free addresses (`unit` free-ips) or free /28 blocks
    (`unit` free-28-blocks) run out."""

    subnet_id: str
    unit: str
    seconds: float


def forecasts(series: dict[str, SubnetSeries], window: float = WINDOW) -> list[Forecast]:
    """Every finite forecast: per subnet one for free IPs and, with prefix delegation, one for
    free /28 blocks. Subnets with a flat or rising trend get none."""
    found = []
    for subnet_id in sorted(series):
        entry = series[subnet_id]
        for unit, points in ((FREE_IPS, entry.free_ips), (FREE_BLOCKS, entry.free_blocks)):
            seconds = seconds_until_zero(points, window)
            if seconds is not None:
                found.append(Forecast(subnet_id, unit, seconds))
    return found
