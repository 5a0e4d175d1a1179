"""`--retain` and `--interval` parsing, which frames retention removes, the store removing them
while the recording stays openable, and the watcher's backoff."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from netdoctor.errors import UsageError
from netdoctor.frontends.watch.retention import Retention, parse_interval, parse_retention
from netdoctor.sources.incident.reader import open_incident
from netdoctor.sources.incident.store import IncidentStore
from netdoctor.sources.live.kube_watch import Backoff

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FRAMES = [
    ("0001", "2026-03-01T12:00:00Z"),
    ("0002", "2026-03-05T12:00:00Z"),
    ("0003", "2026-03-09T12:00:00Z"),
    ("0004", "2026-03-10T11:59:00Z"),
]


def test_parse_retention_and_interval() -> None:
    assert parse_retention("7d") == Retention(max_age=7 * 86400)
    assert parse_retention("12h") == Retention(max_age=43200)
    assert parse_retention("100") == Retention(keep_last=100)
    assert parse_interval("60s") == parse_interval("1m") == parse_interval("60") == 60
    assert parse_interval("0.5") == 0.5
    for bad in ("0", "7x", "-1d", ""):
        with pytest.raises(UsageError):
            parse_retention(bad)
    for bad in ("0", "soon", "-5"):
        with pytest.raises(UsageError):
            parse_interval(bad)


def test_retention_by_age_and_count_never_drops_the_newest() -> None:
    assert Retention(max_age=3 * 86400).doomed(FRAMES, NOW) == ["0001", "0002"]
    assert Retention(keep_last=2).doomed(FRAMES, NOW) == ["0001", "0002"]
    assert Retention(keep_last=10).doomed(FRAMES, NOW) == []
    assert Retention(max_age=1).doomed(FRAMES[-1:], NOW) == []  # the newest always stays
    assert Retention(max_age=1).doomed(FRAMES, NOW) == ["0001", "0002", "0003"]


def _frame(root: Path, pods: str) -> dict[str, bytes]:
    return {
        "meta.json": b'{"captured_at": "2026-03-10T11:00:00Z"}',
        "k8s/pods.json": pods.encode(),
        "k8s/nodes.json": b'{"items": []}',
    }


def test_removing_frames_keeps_shared_blobs_and_the_recording_open(tmp_path: Path) -> None:
    root = tmp_path / "rec"
    with IncidentStore.open(root) as store:
        for pods in ('{"items": [1]}', '{"items": [2]}', '{"items": [3]}'):
            store.add_frame(_frame(root, pods))
        blobs_before = sum(1 for p in (root / "blobs").rglob("*") if p.is_file())
        assert store.remove_frames(["0001", "0002", "nonsense", "0009"]) == 2
        with open_incident(root) as incident:  # readers see the remaining frame at once
            assert [f.name for f in incident.frames] == ["0003"]
            with incident.open_bundle(1) as bundle:
                assert bundle.read_json("k8s/nodes.json") == {"items": []}
                assert bundle.read_json("k8s/pods.json") == {"items": [3]}
        blobs_after = sum(1 for p in (root / "blobs").rglob("*") if p.is_file())
        assert blobs_before - blobs_after == 2  # the two pods blobs only frames 1-2 used
        assert store.add_frame(_frame(root, '{"items": [4]}')).name == "0004"


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(first=1.0, cap=4.0)
    delays = [backoff.next() for _ in range(5)]
    for delay, ceiling in zip(delays, (1, 2, 4, 4, 4), strict=True):
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert backoff.next() <= 1.0
