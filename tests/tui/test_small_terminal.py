"""Usable at 80×24 (as k9s is): at least five finding rows with readable titles, the side
panes collapsed, the replay panes out of the way, capacity numbers whole, the keys that matter
in the footer. Snapshots at 80×24 and 160×48."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Footer

from netdoctor.frontends.tui.screens.capacity import CapacityScreen
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable
from tests.incident.test_replay_tui import ready, replay_app
from tests.tui.conftest import sample_app, settle

SMALL = (80, 24)
LARGE = (160, 48)


def _rows_in_view(table: FindingsTable) -> int:
    return min(table.row_count, table.scrollable_content_region.height - 1)  # minus the header


async def test_triage_at_80x24_shows_five_findings_with_readable_titles() -> None:
    app = sample_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FindingsTable)
        assert _rows_in_view(table) >= 5
        from textual.widgets.data_table import ColumnKey

        assert table.columns[ColumnKey("title")].width >= 24
        assert not app.screen.query_one("#checks-pane").display
        footer_keys = {k for k, b in app.screen.active_bindings.items() if b.binding.show}
        assert {"slash", "s", "q", "colon", "c"} <= footer_keys
        assert app.screen.query_one(Footer).display


async def test_replay_at_80x24_keeps_five_finding_rows() -> None:
    app = replay_app(start=None)
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        assert not app.screen.query_one("#replay-panes").display
        table = app.screen.query_one(FindingsTable)
        assert table.display and table.scrollable_content_region.height - 1 >= 5


async def test_capacity_numbers_are_whole_at_80_columns() -> None:
    app = sample_app(only=("tui-quiet",))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CapacityScreen)
        nodes = app.screen.query_one("#node-capacity", DataTable)
        width = sum(c.get_render_width(nodes) for c in nodes.columns.values())
        assert width <= SMALL[0]
        for row in range(nodes.row_count):
            bars = nodes.get_row_at(row)[1]
            for line in bars.plain.splitlines():
                assert line.split()[2].replace(",", "").isdigit(), line
        subnets = app.screen.query_one("#subnet-capacity", DataTable)
        usage = subnets.get_row_at(1)[1].plain.splitlines()[1]
        assert usage.endswith("free of 8,187") and "…" not in usage


async def _capacity(pilot) -> None:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
def test_triage_snapshot(snap_compare, size) -> None:
    assert snap_compare(sample_app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
def test_capacity_snapshot(snap_compare, size) -> None:
    assert snap_compare(sample_app(), terminal_size=size, run_before=_capacity)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
def test_replay_snapshot(snap_compare, size) -> None:
    assert snap_compare(replay_app(), terminal_size=size, run_before=ready)
