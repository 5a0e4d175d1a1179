"""`netdoctor capture` and `netdoctor check --live` as a user runs them, in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

PODS = "/api/v1/pods"


def results(stdout: str) -> list[dict]:
    return json.loads(stdout)["results"]


def test_capture_command_writes_an_archive_that_check_reads(live, tmp_path: Path) -> None:
    env = {"KUBECONFIG": str(live.kubeconfig)}

    captured = run_cli("capture", "-q", cwd=tmp_path, env=env)

    assert captured.code == 0, captured.err
    path = tmp_path / captured.out.strip()
    assert path.name.startswith("netdoctor-capture-") and path.name.endswith(".tar.gz")
    assert path.is_file() and captured.err == ""
    checked = run_cli("check", str(path), "--format", "json", "--fail-on", "never")
    assert checked.code == 0, checked.err
    assert json.loads(checked.out)["snapshot"]["source"] == "live"


def test_check_live_gives_the_same_results_as_the_source_bundle(live, tmp_path: Path) -> None:
    env = {"KUBECONFIG": str(live.kubeconfig)}
    source = live.source_bundle()

    on_live = run_cli("check", "--live", "--format", "json", "--fail-on", "never", env=env)
    on_source = run_cli("check", str(source), "--format", "json", "--fail-on", "never")

    assert on_live.code == on_source.code == 0, on_live.err
    assert results(on_live.out) == results(on_source.out)
    assert any(r["status"] == "fail" for r in results(on_source.out))
    assert "capture: k8s/nodes.json: 3 items, 1 page" in on_live.err
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_bundle_and_live_together_is_a_usage_error(tmp_path: Path, capsys) -> None:
    from netdoctor.frontends.cli import main

    both = main(["check", str(tmp_path), "--live"])
    both_err = capsys.readouterr().err
    neither = main(["check"])
    neither_err = capsys.readouterr().err

    assert (both, neither) == (2, 2)
    assert "either BUNDLE or --live" in both_err
    assert "give a BUNDLE, or --live" in neither_err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_leaves_no_half_bundle(live, tmp_path: Path, signum: int) -> None:
    live.server.add_fault(PODS, delay=30, forever=True)  # the capture hangs on pods
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    out = tmp_path / "out"
    env = {
        **os.environ,
        "KUBECONFIG": str(live.kubeconfig),
        "TMPDIR": str(private_tmp),
        "NO_COLOR": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdoctor", "capture", "-o", str(out), "--request-timeout", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while not any(r.path == "/api/v1/nodes" for r in live.server.requests):
            assert time.monotonic() < deadline, "capture never listed nodes"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.5)  # pods is hanging, other files are being written
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")]
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    assert list(private_tmp.iterdir()) == []
