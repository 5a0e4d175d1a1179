"""The exhaustion forecast's robust fit on synthetic series (explore/forecast.py)."""

from __future__ import annotations

import random

import pytest

from netdoctor.explore.forecast import SubnetSeries, prune, seconds_until_zero, theil_sen


def _line(start: float, per_second: float, n: int, step: float = 60.0) -> list[tuple[float, float]]:
    return [(1_700_000_000 + i * step, start + per_second * i * step) for i in range(n)]


def test_a_steady_decline_forecasts_the_true_time_to_zero() -> None:
    points = _line(1000, -0.5, 20)  # 30 free addresses a minute
    newest_t, newest_v = points[-1]
    assert seconds_until_zero(points) == pytest.approx(newest_v / 0.5)
    assert newest_t > 0


def test_outliers_and_noise_do_not_move_the_forecast_much() -> None:
    rng = random.Random(16)
    points = [(t, v + rng.uniform(-3, 3)) for t, v in _line(2000, -0.25, 40)]
    points[10] = (points[10][0], 9000.0)  # a scale-down releasing addresses for one frame
    points[25] = (points[25][0], 0.0)  # a bad read
    points[30] = (points[30][0], 5000.0)
    truth = (2000 - 0.25 * 39 * 60) / 0.25
    got = seconds_until_zero(points)
    assert got is not None and got == pytest.approx(truth, rel=0.05)
    # Least squares would be thrown far off by the same points.
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    ls = sum((t - mt) * (v - mv) for t, v in points) / sum((t - mt) ** 2 for t, _ in points)
    assert abs(ls + 0.25) > 10 * abs(theil_sen(points)[0] + 0.25)  # type: ignore[index]


@pytest.mark.parametrize("per_second", [0.0, 0.1])
def test_a_flat_or_rising_trend_has_no_forecast(per_second: float) -> None:
    assert seconds_until_zero(_line(500, per_second, 10)) is None


def test_too_few_points_or_already_exhausted_have_no_forecast() -> None:
    assert seconds_until_zero([]) is None
    assert seconds_until_zero(_line(500, -1, 2)) is None
    assert seconds_until_zero([(0, 10), (0, 9), (0, 8)]) is None  # one instant: no slope
    assert seconds_until_zero(_line(60, -0.5, 5)) is None  # reaches 0 at the newest point


def test_only_the_window_counts() -> None:
    old = _line(10_000, 1.0, 30)  # rising an hour ago
    t0 = old[-1][0] + 7200
    recent = [(t0 + i * 60, 600 - 10 * i) for i in range(6)]
    assert seconds_until_zero(old + recent, window=600) == pytest.approx(550 / (10 / 60))
    assert seconds_until_zero(old + recent, window=10**9) is None


def test_prune_keeps_only_recent_points() -> None:
    series = {"s": SubnetSeries("s", _line(10, -0.01, 5), _line(3, 0, 5))}
    prune(series, before=1_700_000_000 + 120)
    assert [t for t, _ in series["s"].free_ips] == [1_700_000_000 + 60 * i for i in (2, 3, 4)]
    assert len(series["s"].free_blocks) == 3
