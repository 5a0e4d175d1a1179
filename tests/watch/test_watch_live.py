"""`netdoctor watch` end to end over loopback: Kubernetes from `netdoctor serve` replaying an
incident's frames as watch events, AWS from a moto server.

What it proves: the first cycle lists every kind once, later cycles cost no list (changes arrive
on the open watches; one GET of the aws-node ConfigMap per cycle), a frame is recorded only when
a bundle file changed, a 410 Expired makes the watcher list again, retention keeps the recording
openable, the metrics endpoint answers, and the forecast follows a recording's known trend.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netdoctor.engine.registry import load_checks
from netdoctor.frontends.serve.kubeconfig import write_kubeconfig
from netdoctor.frontends.serve.server import BundleApiServer
from netdoctor.frontends.watch.cycle import WatchCycle
from netdoctor.frontends.watch.metrics import WatchMetrics, serve
from netdoctor.snapshot.kinds import API_KINDS
from netdoctor.sources.incident.reader import open_incident
from netdoctor.sources.incident.store import IncidentStore
from netdoctor.sources.live.capture import CaptureOptions
from netdoctor.sources.live.k8s import plan_paths
from tests.conftest import run_cli
from tests.live import aws_world, k8s_world
from tests.live.conftest import _session, reset_moto

PODS = "k8s/pods.json"
SUBNETS = "aws/ec2-describe-subnets.json"
LISTED = [k for k in API_KINDS if k.bundle_file != "k8s/configmaps.json"]
BY_NAME = sum(len(plan_paths(k, ())) for k in API_KINDS if k not in LISTED)
"""GETs of the ConfigMaps capture reads by name: the only requests of a steady cycle."""


def _burst(objects: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
    """The objects with one more pod: frame n+1 of the incident."""
    later = copy.deepcopy(objects)
    pod = copy.deepcopy(later[PODS][-1])
    pod["metadata"]["name"] = f"burst-{n:04d}"
    pod["metadata"]["uid"] = f"0b6b0d1e-0000-4000-a000-{n:012d}"
    later[PODS].append(pod)
    return later


@dataclass
class Replayed:
    world: aws_world.World
    server: BundleApiServer
    kubeconfig: Path
    session: Any

    def options(self) -> CaptureOptions:
        return CaptureOptions(kubeconfig=str(self.kubeconfig), backoff=0.01, timeout=5.0)

    def lists(self) -> int:
        """List requests the API answered (pages included), watches and the ConfigMap aside."""
        paths = {p for k in LISTED for p in plan_paths(k, ())}
        return sum(1 for r in self.server.requests if r.path in paths and "watch=" not in r.query)

    def watches(self) -> int:
        return sum(1 for r in self.server.requests if "watch=1" in r.query)


@pytest.fixture
def replayed(moto_endpoint: str, tmp_path: Path) -> Iterator[Replayed]:
    """A 3-node cluster whose API replays three frames: the base, then a pod more twice."""
    reset_moto(moto_endpoint)
    session = _session(moto_endpoint)
    world = aws_world.populate(session, "atlas", 3)
    first = k8s_world.build_objects(world)
    second = _burst(first, 1)
    server = BundleApiServer({}, frames=[first, second, _burst(second, 2)]).start()
    try:
        yield Replayed(world, server, write_kubeconfig(tmp_path / "kc", server.url), session)
    finally:
        server.stop()


def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _metrics(port: int) -> dict[str, list[tuple[dict[str, str], float]]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append((dict(s.labels), s.value))
    return out


def test_watch_lists_once_records_changes_only_and_relists_on_410(
    replayed: Replayed, tmp_path: Path
) -> None:
    checks = load_checks(plugins=False).select()
    metrics = WatchMetrics()
    exporter = serve(metrics, 0, "127.0.0.1")
    store = IncidentStore.open(tmp_path / "rec")
    cycle = WatchCycle(replayed.options(), checks, metrics, store=store)
    try:
        first = cycle.run()
        assert first.recorded is not None and first.recorded.name == "0001"
        assert PODS in first.changed and SUBNETS in first.changed
        lists = replayed.lists()
        assert lists == len(LISTED)  # one list per kind (the fixture's lists fit one page)
        _until(lambda: replayed.watches() == len(LISTED))

        quiet = cycle.run()  # nothing changed: no frame, no list, only the ConfigMap GETs
        assert (quiet.changed, quiet.recorded, quiet.kube_requests) == ([], None, BY_NAME)

        for n in (2, 3):  # each frame the API moves to arrives as watch events
            before = cycle.kube.versions()[PODS]
            assert replayed.server.advance()
            _until(lambda: cycle.kube.versions()[PODS] != before)  # noqa: B023
            changed = cycle.run()
            assert changed.changed == [PODS]
            assert changed.recorded is not None and changed.recorded.name == f"000{n}"
            assert changed.kube_requests == BY_NAME
        assert replayed.lists() == lists  # steady state: no re-list
        assert replayed.watches() == len(LISTED)  # ... and the same open watches

        replayed.server.expire_watches()  # 410 Expired on every watch: list again
        _until(lambda: replayed.lists() == 2 * len(LISTED))
        _until(lambda: replayed.watches() == 2 * len(LISTED))
        after = cycle.run()
        assert after.changed == [] and after.recorded is None  # the same state, re-listed

        samples = _metrics(exporter.server_port)
        subnets = {s[0]["subnet"] for s in samples["netdoctor_subnet_free_ips"]}
        assert set(replayed.world.private_subnets) <= subnets
        nodes = {s[0]["node"] for s in samples["netdoctor_node_pod_ip_headroom"]}
        assert nodes == {n.name for n in replayed.world.nodes}
        assert {s[0]["check"] for s in samples["netdoctor_check_status"]} == {c.id for c in checks}
        [(_, stamp)] = samples["netdoctor_last_success_timestamp_seconds"]
        assert abs(stamp - time.time()) < 30
        errors = samples.get("netdoctor_capture_errors_total", [])
        assert all(value == 0 for _, value in errors) or not errors
    finally:
        cycle.close()
        store.close()
        exporter.shutdown()
        exporter.server_close()

    with open_incident(tmp_path / "rec") as incident:
        assert len(incident) == 3
        with incident.open_bundle(3) as bundle:
            names = [p["metadata"]["name"] for p in bundle.read_json(PODS)["items"]]
    assert {"burst-0001", "burst-0002"} <= set(names)


def test_watch_command_once_records_and_retention_keeps_the_recording_open(
    replayed: Replayed, tmp_path: Path
) -> None:
    rec = tmp_path / "rec"
    args = ("watch", "--once", "--kubeconfig", str(replayed.kubeconfig), "--record", str(rec))
    first = run_cli(*args, "--retain", "1")
    assert first.code == 0, first.err
    assert "cycle 1" in first.err and "frame 0001 recorded" in first.err
    again = run_cli(*args, "--retain", "1")  # the same state: nothing to record
    assert again.code == 0 and "no file changed, no frame recorded" in again.err
    replayed.server.advance()
    changed = run_cli(*args, "--retain", "1")
    assert changed.code == 0, changed.err
    assert "frame 0002 recorded, 1 old frame removed" in changed.err
    with open_incident(rec) as incident:
        assert [fr.name for fr in incident.frames] == ["0002"]
    assert not any((rec / "blobs").rglob(".tmp-*"))
    check = run_cli("check", str(rec), "--format", "json")
    assert check.code in (0, 1), check.err  # the pruned recording still opens and checks


def test_bad_flags_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for flags, message in (
        (("--interval", "soon"), "--interval"),
        (("--retain", "7d"), "--retain needs --record"),
        (("--record", str(tmp_path / "r"), "--retain", "0"), "keep at least 1 frame"),
        (("--metrics-port", "70000"), "--metrics-port"),
    ):
        result = run_cli("watch", "--once", *flags)
        assert result.code == 2, (flags, result.err)
        assert result.err.count("\n") == 1 and message in result.err


def _with_subnet_free(frame: Path, target: Path, subnet: str, free: int, at: datetime) -> None:
    shutil.copytree(frame, target, symlinks=False)
    doc = json.loads((target / SUBNETS).read_text())
    for entry in doc["Subnets"]:
        if entry["SubnetId"] == subnet:
            entry["AvailableIpAddressCount"] = free
    (target / SUBNETS).write_text(json.dumps(doc))
    meta = json.loads((target / "meta.json").read_text())
    meta["captured_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    (target / "meta.json").write_text(json.dumps(meta))


def test_forecast_follows_the_recorded_trend(replayed: Replayed, tmp_path: Path) -> None:
    checks = load_checks(plugins=False).select()
    # One real frame to learn the files and the subnet's free count now.
    with IncidentStore.open(tmp_path / "probe") as probe:
        cycle = WatchCycle(replayed.options(), checks, WatchMetrics(), store=probe)
        try:
            cycle.run()
        finally:
            cycle.close()
    frame = tmp_path / "probe" / "frames" / "0001"
    subnet = replayed.world.private_subnets[0]
    free = next(
        s["AvailableIpAddressCount"]
        for s in json.loads((frame / SUBNETS).read_text())["Subnets"]
        if s["SubnetId"] == subnet
    )
    # Five earlier frames losing 1 address a minute, ending where moto is now.
    now = datetime.now(UTC)
    with IncidentStore.open(tmp_path / "rec") as store:
        for minutes in (50, 40, 30, 20, 10):
            staged = tmp_path / f"staged-{minutes}"
            at = now - timedelta(minutes=minutes)
            _with_subnet_free(frame, staged, subnet, free + minutes, at)
            store.add_bundle(staged)
        metrics = WatchMetrics()
        cycle = WatchCycle(replayed.options(), checks, metrics, store=store)
        try:
            cycle.run()
        finally:
            cycle.close()
    forecasts = {
        (s.labels["subnet"], s.labels["unit"]): s.value
        for family in text_string_to_metric_families(_exposition(metrics))
        for s in family.samples
        if s.name == "netdoctor_subnet_exhaustion_forecast_seconds"
    }
    assert set(forecasts) == {(subnet, "free-ips")}  # the other subnets are flat: no forecast
    assert forecasts[(subnet, "free-ips")] == pytest.approx(free * 60, rel=0.02)


def _exposition(metrics: WatchMetrics) -> str:
    from prometheus_client import generate_latest

    return generate_latest(metrics.registry).decode()


def test_watch_runs_until_ctrl_c_and_the_recording_opens_meanwhile(
    replayed: Replayed, tmp_path: Path
) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys

    rec = tmp_path / "rec"
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdoctor", "watch", "--kubeconfig", str(replayed.kubeconfig),
         "--interval", "0.3", "--record", str(rec), "--metrics-port", "0"],
        stderr=subprocess.PIPE, text=True, env={**os.environ},
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        announce = proc.stderr.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)/metrics", announce)[1])  # type: ignore[index]
        assert "frame 0001 recorded" in proc.stderr.readline()
        assert "no frame recorded" in proc.stderr.readline()
        with open_incident(rec) as incident:  # while watch runs
            assert len(incident) == 1
        replayed.server.advance()
        while "frame 0002 recorded" not in (line := proc.stderr.readline()):
            assert "cycle" in line, line
        assert "k8s/pods.json" in line
        samples = _metrics(port)
        assert samples["netdoctor_findings"] and samples["netdoctor_cycle_duration_seconds"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert "netdoctor watch: stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open_incident(rec) as incident:
        assert len(incident) == 2
    assert not (rec / ".lock").exists()


def test_a_cycle_that_reads_nothing_fails_in_one_line(moto_endpoint: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")
    result = run_cli("watch", "--once", "--kubeconfig", str(kubeconfig), "--request-timeout", "1")
    assert result.code == 2
    assert result.err.splitlines()[-1].startswith("netdoctor: ")
    assert "nothing could be read" in result.err and "Traceback" not in result.err


def test_each_cycle_frees_its_snapshot(replayed: Replayed, monkeypatch: pytest.MonkeyPatch) -> None:
    # Snapshot.load freezes the GC heap; a watch lives on, so a cycle must not leak its state.
    import weakref

    from netdoctor.frontends.watch import cycle as cycle_module
    from netdoctor.snapshot.snapshot import Snapshot

    made: list[weakref.ref[Snapshot]] = []

    class Tracked(Snapshot):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(cycle_module, "Snapshot", Tracked)
    cycle = WatchCycle(replayed.options(), load_checks(plugins=False).select(), WatchMetrics())
    try:
        for _ in range(2):
            cycle.run()
    finally:
        cycle.close()
    assert len(made) == 2 and all(ref() is None for ref in made)
