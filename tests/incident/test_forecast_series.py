"""Forecast series built from recorded incidents: the demo incident and one with a known trend,
both written by the incident store."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdoctor.explore.forecast import FREE_IPS, forecasts, subnet_series
from netdoctor.sources.incident.reader import open_incident
from netdoctor.sources.incident.series import frame_metrics
from tests.incident.conftest import (
    DEMO,
    SUBNET_A,
    at,
    edit_json,
    healthy_files,
    make_incident,
    set_free_ips,
)

SUBNETS = "aws/ec2-describe-subnets.json"


def _frames(path: Path) -> list[tuple[object, object]]:
    with open_incident(path) as incident:
        return [(fr.time, incident.snapshot(fr.number)) for fr in incident.frames]


def test_the_demo_series_are_the_frames_free_ips() -> None:
    frames = _frames(DEMO)
    series = subnet_series(frames)  # type: ignore[arg-type]
    a = [v for _, v in series[SUBNET_A].free_ips]
    assert a == [float(frame_metrics(s).free_ips[SUBNET_A]) for _, s in frames]  # type: ignore[arg-type]
    assert a[0] == 6 and a[4] == 0
    # The subnet ran dry in one step (6 → 0) after four flat frames: not a trend to forecast,
    # and once at 0 there is nothing left to forecast.
    assert not [f for f in forecasts(series) if f.subnet_id == SUBNET_A]


def test_a_recording_with_a_known_trend_forecasts_it(tmp_path: Path) -> None:
    base = healthy_files()
    frames = []
    for minute in range(8):  # 20 addresses a minute, one frame a minute; one burst frame
        free = 400 - 20 * minute if minute != 3 else 900
        files = at(base, f"2026-12-04T01:{minute:02d}:00Z")
        edit_json(files, SUBNETS, set_free_ips(SUBNET_A, free))
        frames.append(files)
    root = make_incident(tmp_path / "rec", frames)
    series = subnet_series(_frames(root))  # type: ignore[arg-type]
    assert [v for _, v in series[SUBNET_A].free_ips][-1] == 260
    found = {(f.subnet_id, f.unit): f.seconds for f in forecasts(series)}
    assert found[(SUBNET_A, FREE_IPS)] == pytest.approx(260 / 20 * 60)
    assert set(found) == {(SUBNET_A, FREE_IPS)}  # the other subnets stay flat: no forecast
