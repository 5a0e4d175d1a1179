"""The wheel carries the built-in checks, playbooks and demo: installed into a fresh venv and run
from another directory, netdoctor finds them."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_wheel_installed_in_a_fresh_venv_finds_builtin_checks(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("netdoctor-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    venv_python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies come from this test environment; netdoctor itself only from the wheel.
    deps = [
        p
        for p in {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
        if "site-packages" in p
    ]
    (Path(purelib) / "deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv_python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import netdoctor; print(netdoctor.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(REPO) not in where and "venv" in where
    listed = subprocess.run(
        [str(venv / "bin" / "netdoctor"), "checks", "--format", "json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    checks = orjson.loads(listed.stdout)
    assert "pod-ip-capacity" in {c["id"] for c in checks}
    assert all(c["source"].startswith("built-in") for c in checks)
    playbook = subprocess.run(
        [str(venv / "bin" / "netdoctor"), "playbook", "pod-ip-capacity"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert playbook.returncode == 0, playbook.stderr
    assert "## Fix" in playbook.stdout
    demo = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from netdoctor.sources.incident.builtin import demo_incident; print(demo_incident())",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.strip()
    assert demo.endswith("_builtin/demo-incident.tar.gz") and str(REPO) not in demo
    timeline = subprocess.run(
        [str(venv / "bin" / "netdoctor"), "check", demo, "--format", "json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert timeline.returncode == 1, timeline.stderr  # the demo incident has findings
    assert len(orjson.loads(timeline.stdout)["frames"]) == 12
    plugin = subprocess.run(
        [str(venv / "bin" / "kubectl-netdoctor"), "--version"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plugin.stdout.startswith("netdoctor ")
