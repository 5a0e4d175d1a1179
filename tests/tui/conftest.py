"""Fixtures for the TUI tests: small bundles of our own, plug-in checks with fixed output, and
helpers that wait for the app's workers instead of sleeping."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "bundles" / "broken"
"""The healthy base (scripts/fixtures/tui_broken.py) with node ip-192-168-107-189 at max-pods 58 on
an m6i.large (ENI capacity 29: pod-ip-capacity fails), subnet-0c3e4e30d4d93c4b6 down to 12 free
IPs, and no securitygrouppolicies.json (tui-skip skips)."""
BAD_JSON = HERE / "bundles" / "bad-json"
"""A bundle whose k8s/nodes.json is not JSON."""
CHECKS = HERE / "checks"
"""tui-sample (6 findings: 2 critical, 2 warning, 2 info), tui-crash, tui-skip, tui-quiet, and
the tui-sample playbook beside them."""
MANY = HERE / "checks_many"
"""tui-many: 3,000 findings with long unicode names."""

BAD_NODE = "ip-192-168-107-189.eu-central-1.compute.internal"
SAMPLE_IDS = ("tui-sample", "tui-crash", "tui-skip", "tui-quiet")


def sample_app(bundle: Path = BROKEN, only: tuple[str, ...] = SAMPLE_IDS, **options):
    """The app over the test plug-ins only: output that other checks' changes cannot move."""
    from netdoctor.frontends.tui.app import make_app

    options.setdefault("checks_dirs", [CHECKS])
    options.setdefault("builtin", False)
    options.setdefault("plugins", False)
    return make_app(bundle, only=only, **options)


async def settle(pilot) -> None:
    """Wait until no worker runs and every message they posted has been handled. A worker
    that failed is the app's business (its error screen), not the wait's."""
    from textual.worker import WorkerFailed

    app = pilot.app
    for _ in range(20):
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                return


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots depend on timing."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False)


REPO_ROOT = HERE.parent.parent
