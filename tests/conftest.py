"""Shared test helpers: paths to the fixtures and the healthy bundle, a CLI runner.

The reference corpora outside the repository (`../shared`: foreign bundles, AWS's tables) are
read only by the marked tier in tests/shared/, which skips where they are absent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
BUNDLES = FIXTURES / "bundles"
HEALTHY = FIXTURES / "healthy"
"""The healthy base bundle (scripts/fixtures/healthy.py): cluster orbit-dev, three m6i.large
nodes one per zone of eu-central-1, every check passes."""


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """Run `python -m netdoctor ARGS` in a subprocess, as a user would."""
    full_env = {**os.environ, "NO_COLOR": "", "COLUMNS": "200", **(env or {})}
    full_env.pop("NETDOCTOR_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "netdoctor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


def open_snapshot(path: Path):
    """A Snapshot over a bundle directory (the caller need not close a directory bundle)."""
    from netdoctor.snapshot.bundle import open_bundle
    from netdoctor.snapshot.snapshot import Snapshot

    return Snapshot(open_bundle(path))


def run_one(check_id: str, path: Path):
    """Run one built-in check on a bundle and return its CheckResult."""
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks

    registry = load_checks(plugins=False)
    report = run_checks(registry.select([check_id]), open_snapshot(path))
    return report.results[0]


def pytest_configure(config: pytest.Config) -> None:
    # A background job of a non-interactive shell starts with Ctrl-C (SIGINT) ignored, and every
    # process it starts inherits that: the tests that stop netdoctor with Ctrl-C need it
    # delivered. A handled (not ignored) SIGINT is reset to the default in each child.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
