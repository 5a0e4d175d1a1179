"""Fixtures for the recorded-incident tests: the demo incident, incidents built from copies of
the healthy bundle, a test check with fixed output for the TUI tests, and (for the
recording tests) the live tests' moto server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, HEALTHY

# The live tests' moto server (session) and per-test AWS environment pointing at it.
from tests.live.conftest import moto_endpoint, moto_server  # noqa: F401

HERE = Path(__file__).resolve().parent
DEMO = FIXTURES / "incidents" / "demo"
CHECKS = HERE / "checks"
"""incident-stuck-pods: one finding per node with pods stuck in ContainerCreating, one for
pods Pending unscheduled. Output other engineers' check changes cannot move."""

SUBNET_A = "subnet-0c3e4e30d4d93c4b6"
"""The demo's zone-a node subnet (a /27 there; the healthy bundle's private-a)."""
NODE_A = "ip-192-168-96-5.eu-central-1.compute.internal"
"""The demo's zone-a node, renumbered into the /27."""
NODE_D = "ip-192-168-96-25.eu-central-1.compute.internal"
"""The node that joins at frame 5, on the subnet's last six addresses."""


def healthy_files() -> dict[str, bytes]:
    """Every file of the healthy bundle, bundle path → bytes."""
    return {
        p.relative_to(HEALTHY).as_posix(): p.read_bytes() for p in HEALTHY.rglob("*") if p.is_file()
    }


def edit_json(files: dict[str, bytes], rel: str, change: Callable[[Any], None]) -> None:
    """Apply `change` to one file's parsed JSON, written back as the CLI would (4 spaces)."""
    doc = json.loads(files[rel])
    change(doc)
    files[rel] = (json.dumps(doc, indent=4) + "\n").encode()


def at(files: dict[str, bytes], captured_at: str) -> dict[str, bytes]:
    """A copy of the files whose meta.json carries `captured_at`."""
    copy = dict(files)
    edit_json(copy, "meta.json", lambda meta: meta.update(captured_at=captured_at))
    return copy


def make_incident(root: Path, frames: Iterable[dict[str, bytes]]) -> Path:
    """An incident directory with these frames, written by the store."""
    from netdoctor.sources.incident.store import IncidentStore

    with IncidentStore.open(root) as store:
        for files in frames:
            store.add_frame(files)
    return root


def set_free_ips(subnet_id: str, count: int) -> Callable[[Any], None]:
    def change(doc: Any) -> None:
        for subnet in doc["Subnets"]:
            if subnet["SubnetId"] == subnet_id:
                subnet["AvailableIpAddressCount"] = count

    return change


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots depend on timing."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False)
