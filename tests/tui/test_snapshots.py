"""Screenshots of the four main screens (pytest-textual-snapshot). After a deliberate change to
the look, regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` and review
the SVGs. Each waits for every worker first, so no spinner or half-filled table is captured."""

from __future__ import annotations

from tests.tui.conftest import sample_app, settle

SIZE = (120, 40)


async def _open_first_finding(pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _inspect_first_resource(pilot) -> None:
    await _open_first_finding(pilot)
    await pilot.press("enter")  # the resources list has the focus; its first entry is a subnet
    await settle(pilot)


async def _capacity(pilot) -> None:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


def test_triage(snap_compare) -> None:
    assert snap_compare(sample_app(), terminal_size=SIZE, run_before=settle)


def test_finding_detail(snap_compare) -> None:
    assert snap_compare(sample_app(), terminal_size=SIZE, run_before=_open_first_finding)


def test_inspector(snap_compare) -> None:
    assert snap_compare(sample_app(), terminal_size=SIZE, run_before=_inspect_first_resource)


def test_capacity(snap_compare) -> None:
    assert snap_compare(sample_app(), terminal_size=SIZE, run_before=_capacity)
