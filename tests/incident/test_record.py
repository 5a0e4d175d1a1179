"""`netdoctor record` against real endpoints on loopback (moto for AWS, `BundleApiServer` for
Kubernetes) whose cluster changes between frames, frames from bundles on disk, and a recorder
stopped by Ctrl-C or killed outright."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from netdoctor.frontends.serve.server import BundleApiServer
from netdoctor.sources.incident.reader import open_incident
from netdoctor.sources.incident.store import IncidentStore
from tests.conftest import HEALTHY, run_cli
from tests.incident.conftest import at, healthy_files
from tests.live.conftest import Live, make_live

PODS = "k8s/pods.json"


def _restart_serving(live: Live, objects: dict[str, list[dict[str, Any]]]) -> None:
    """Serve changed objects on the same port, as the cluster would answer the next capture."""
    port = live.server.port
    live.server.stop()
    live.objects = objects
    live.server = BundleApiServer(objects, port=port).start()


def _live_capture(live: Live):
    from netdoctor.sources.incident.recorder import Captured
    from netdoctor.sources.live import capture

    def one() -> Captured:
        result = capture(live.options(None))
        return Captured(result.path, result.cleanup)

    return one


@pytest.fixture
def cluster(moto_endpoint: str, tmp_path: Path):
    live = make_live(moto_endpoint, tmp_path, 3)
    try:
        yield live
    finally:
        live.server.stop()


def test_recording_a_changing_cluster_stores_each_change_once(cluster: Live, tmp_path) -> None:
    from netdoctor.sources.incident.recorder import record

    ec2 = cluster.session.client("ec2", region_name="eu-central-1")
    added: dict[str, str] = {}

    def between_frames(written, seconds) -> None:
        if written.name == "0001":  # a burst: a new pod, and someone adds a subnet
            objects = copy.deepcopy(cluster.objects)
            pod = copy.deepcopy(objects[PODS][-1])
            pod["metadata"]["name"] = "burst-0001"
            pod["metadata"]["uid"] = "0b6b0d1e-0000-4000-a000-000000000001"
            objects[PODS].append(pod)
            _restart_serving(cluster, objects)
            subnet = ec2.create_subnet(VpcId=cluster.world.vpc_id, CidrBlock="10.10.200.0/24")
            added["subnet"] = subnet["Subnet"]["SubnetId"]

    with IncidentStore.open(tmp_path / "incident") as store:
        result = record(
            store, _live_capture(cluster), interval=0, frames=3, on_frame=between_frames
        )
    assert [w.name for w in result.written] == ["0001", "0002", "0003"]
    assert not result.interrupted and not result.skipped
    frames = tmp_path / "incident" / "frames"

    def pods(frame: str) -> list[str]:
        return [
            p["metadata"]["name"] for p in json.loads((frames / frame / PODS).read_text())["items"]
        ]

    def subnets(frame: str) -> set[str]:
        doc = json.loads((frames / frame / "aws/ec2-describe-subnets.json").read_text())
        return {s["SubnetId"] for s in doc["Subnets"]}

    assert "burst-0001" not in pods("0001") and "burst-0001" in pods("0002")
    assert added["subnet"] not in subnets("0001") and added["subnet"] in subnets("0002")
    # What did not change is one blob shared by every frame; what changed, one blob per state.
    nodes = {(frames / f / "k8s/nodes.json").resolve() for f in ("0001", "0002", "0003")}
    assert len(nodes) == 1
    assert (frames / "0002" / PODS).resolve() == (frames / "0003" / PODS).resolve()
    assert (frames / "0001" / PODS).resolve() != (frames / "0002" / PODS).resolve()
    # The new subnet also joins the default network ACL: three new blobs.
    assert result.written[1].new_blobs == 3 and result.written[2].new_blobs == 0

    # Frame 1 in full, frame 2's new pods, subnets and ACL files, three meta.json and the index.
    def size(frame: str, rel: str) -> int:
        return (frames / frame / rel).stat().st_size

    frame_1 = sum(p.stat().st_size for p in (frames / "0001").rglob("*") if p.is_file())
    changed = size("0002", PODS) + size("0002", "aws/ec2-describe-subnets.json")
    changed += size("0002", "aws/ec2-describe-network-acls.json")
    metas = size("0002", "meta.json") + size("0003", "meta.json")
    assert result.size is not None
    assert frame_1 + changed + metas <= result.size.stored <= frame_1 + changed + metas + 1024

    with open_incident(tmp_path / "incident") as incident:
        metas = [incident.snapshot(n).info for n in (1, 2, 3)]
        from netdoctor.sources.incident.diff import diff_snapshots

        diff = diff_snapshots(incident.snapshot(1), incident.snapshot(2), (1, 2))
    assert all(m.source == "live" for m in metas)
    assert [m.captured_at for m in metas] == sorted(m.captured_at for m in metas)
    assert [c.change for c in diff.of("subnet")] == ["added"]
    assert any(c.ref.endswith("/burst-0001") for c in diff.of("pod"))


def test_record_from_bundles_on_disk_orders_them_by_time_and_packs(tmp_path: Path) -> None:
    base = healthy_files()
    sources = []
    for name, when in (("late", "2025-10-18T10:05:00Z"), ("early", "2025-10-18T10:00:00Z")):
        for rel, data in at(base, when).items():
            path = tmp_path / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        sources.append(str(tmp_path / name))
    result = run_cli("record", "--from", *sources, "-o", str(tmp_path / "incident.tar.gz"))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        str(tmp_path / "incident"),
        str(tmp_path / "incident.tar.gz"),
    ]
    assert "2 frames in" in result.err
    with open_incident(tmp_path / "incident.tar.gz") as incident:
        assert [f.captured_at for f in incident.frames] == [
            "2025-10-18T10:00:00Z",
            "2025-10-18T10:05:00Z",
        ]
    again = run_cli("record", "--from", str(HEALTHY), "-o", str(tmp_path / "incident"))
    assert again.code == 0, again.err
    assert "appending after 2 frames" in again.err
    with open_incident(tmp_path / "incident") as incident:
        assert len(incident) == 3


def _recorder(cluster: Live, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("NETDOCTOR_DEBUG", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netdoctor",
            "record",
            "--interval",
            "0.2s",
            "--kubeconfig",
            str(cluster.kubeconfig),
            "--request-timeout",
            "5",
            "--redact-ids",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for_frames(out: Path, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        frames = out / "frames"
        if frames.is_dir() and len([d for d in frames.iterdir() if d.name.isdigit()]) >= count:
            return
        if proc.poll() is not None:
            pytest.fail(f"recorder exited early: {proc.communicate()[1]}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the recorder did not write its frames in time")


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "kill-9"]
)
def test_a_stopped_or_killed_recorder_leaves_a_readable_recording(
    cluster: Live, tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "incident"
    proc = _recorder(cluster, out)
    _wait_for_frames(out, 2, proc)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    if sig is not signal.SIGKILL:  # SIGTERM stops it as Ctrl-C does
        assert proc.returncode == 0, stderr
        assert stdout.strip() == str(out) and "stopped:" in stderr
    else:
        assert proc.returncode == -signal.SIGKILL
    with open_incident(out) as incident:
        assert len(incident) >= 2
        for frame in incident.frames:  # every committed frame is a whole bundle
            assert len(incident.snapshot(frame.number).nodes) == 3
    # One redaction key for the whole recording: an unchanged cluster redacts to the same
    # bytes in every frame, so the frames share their blobs and still diff.
    first, second = (out / "frames" / n / PODS for n in ("0001", "0002"))
    assert first.resolve() == second.resolve()
    with IncidentStore.open(out) as store:  # the next recording tidies up and appends
        leftovers = [p for p in out.rglob(".tmp-*")]
        assert leftovers == []
        before = len(store.frame_names())
        store.add_bundle(HEALTHY)
        assert len(store.frame_names()) == before + 1
