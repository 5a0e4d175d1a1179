"""`netdoctor serve INCIDENT --frame N` (and `--demo`) serves one frame of a recorded incident,
as kubectl sees it: the objects of that frame, not of another."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from netdoctor.sources.incident.reader import open_incident
from tests.conftest import REPO, run_cli

DEMO = REPO / "fixtures" / "incidents" / "demo"


def _pods_of_frame(number: int) -> list[str]:
    with open_incident(DEMO) as incident, incident.open_bundle(number) as bundle:
        items = bundle.read_json("k8s/pods.json")["items"]
    return sorted(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in items)


def _served_pods(tmp_path: Path, *args: str) -> tuple[list[str], str]:
    kc = tmp_path / "serve.kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdoctor", "serve", *args, "--kubeconfig", str(kc)],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True, env={**os.environ},
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        lines = [proc.stderr.readline() for _ in range(6)]
        assert lines[-1].startswith("Press Ctrl-C"), lines
        url = yaml.safe_load(kc.read_text())["clusters"][0]["cluster"]["server"]
        conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=10)
        conn.request("GET", "/api/v1/pods")
        items = json.loads(conn.getresponse().read())["items"]
        conn.close()
    finally:
        proc.kill()
        proc.wait()
    pods = sorted(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in items)
    return pods, "".join(lines)


def test_serve_an_incident_frame(tmp_path: Path) -> None:
    first, last = _pods_of_frame(1), _pods_of_frame(12)
    assert first != last  # the frames differ, so serving the right one is visible
    pods, banner = _served_pods(tmp_path, str(DEMO), "--frame", "1")
    assert pods == first
    assert "frame 1 of 12" in banner


def test_serve_the_demo_incident_frame(tmp_path: Path) -> None:
    pods, banner = _served_pods(tmp_path, "--demo", "--frame", "12")
    assert pods == _pods_of_frame(12)
    assert "frame 12 of 12" in banner


def test_a_frame_that_does_not_exist_is_a_usage_error() -> None:
    result = run_cli("serve", str(DEMO), "--frame", "99")
    assert result.code == 2
    assert "no frame 99" in result.err and "Traceback" not in result.err


def test_frame_on_a_single_bundle_is_a_usage_error() -> None:
    result = run_cli("serve", str(REPO / "tests" / "tui" / "bundles" / "broken"), "--frame", "2")
    assert result.code == 2 and "--frame needs a recorded incident" in result.err
