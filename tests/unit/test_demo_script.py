"""The README's first command: `bash scripts/demo.sh` installs once (no `pip install` when
nothing changed) and ends by saying how to get `netdoctor` on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv"

pytestmark = pytest.mark.skipif(
    Path(sys.prefix).resolve() != VENV.resolve() or not (VENV / ".netdoctor-install").is_file(),
    reason="runs inside the ./.venv that scripts/test.sh made",
)


def _bash(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NETDOCTOR_DEBUG"}
    return subprocess.run(
        ["bash", "-x", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )


def test_an_installed_venv_is_not_reinstalled() -> None:
    result = _bash("-c", '. scripts/_venv.sh "[test]"; . scripts/_venv.sh ""')
    assert result.returncode == 0, result.stderr
    assert "pip install" not in result.stderr


def test_the_demo_script_ends_by_saying_where_netdoctor_lives() -> None:
    result = _bash("scripts/demo.sh", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: netdoctor demo" in result.stdout
    assert "pip install" not in result.stderr
    assert "source .venv/bin/activate" in result.stderr
    assert "pipx install ." in result.stderr
