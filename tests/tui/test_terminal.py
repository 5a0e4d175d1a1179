"""The real thing in a real terminal: `python -m netdoctor tui BUNDLE` under tmux."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.tui.conftest import BROKEN, CHECKS, REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

WAIT = 15.0  # seconds, at most, for any one screen to show


def _tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout


def _alive(session: str) -> bool:
    probe = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True)
    return probe.returncode == 0


def _wait_for(session: str, *texts: str) -> str:
    """Poll the pane until every text shows; fail with the last screen if it never does."""
    deadline = time.monotonic() + WAIT
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if all(text in screen for text in texts):
            return screen
        time.sleep(0.1)  # polling a real terminal: there is no worker to await here
    raise AssertionError(f"never saw {texts!r}; the screen was:\n{screen}")


def test_tui_in_tmux_opens_a_finding_and_its_playbook_commands() -> None:
    session = f"netdoctor-test-{uuid.uuid4().hex[:8]}"
    command = (
        f"{sys.executable} -m netdoctor tui {BROKEN} --checks-dir {CHECKS} "
        "--check tui-sample --check tui-skip"
    )
    _tmux(
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        "160",
        "-y",
        "48",
        "-c",
        str(REPO_ROOT),
        # pytest may have loaded GNU readline, which exports COLUMNS=80 and LINES=24 into the
        # C environment tmux inherits: they would pin the app to 80×24.
        "env",
        "-u",
        "NO_COLOR",
        "-u",
        "COLUMNS",
        "-u",
        "LINES",
        "TERM=xterm-256color",
        *command.split(),
    )
    try:
        # Checks report in any order (cheapest first): wait for the skipped one's panel too.
        triage = _wait_for(
            session, "RECORDED", "6 findings", "CRITICAL", "collect it: kubectl get security"
        )
        assert "cluster orbit-dev · eu-central-1 · captured 2025-10-18T07:55:11Z" in triage
        assert "vpc-cni v1.20.1 (secondary-ip) · IPv4" in triage  # the platform the checks saw
        assert "collect it: kubectl get securitygrouppolicies.vpcresources.k8s.aws" in triage
        _tmux("send-keys", "-t", session, "Enter")
        # The playbook (kept beside the plug-in check) with its commands filled in.
        detail = _wait_for(session, "Evidence", "Sample playbook for the TUI tests", "Confirm")
        assert "AvailableIpAddressCount = 12" in detail
        assert "subnet/subnet-0c3e4e30d4d93c4b6" in detail
        assert "aws ec2 describe-subnets --subnet-ids subnet-0c3e4e30d4d93c4b6" in detail
        assert "kubectl describe node ip-192-168-107-189.eu-central-1.compute.internal" in detail
        _tmux("send-keys", "-t", session, "Escape")
        _wait_for(session, "6 findings")
        _tmux("send-keys", "-t", session, "q")
        # q quits the app; the pane's command ends and tmux closes the session.
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and _alive(session):
            time.sleep(0.1)
        assert not _alive(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
