"""Pilot tests of the capacity picture: overloaded nodes and subnets stand out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual.widgets import DataTable

from netdoctor.frontends.tui.screens.capacity import CapacityScreen
from netdoctor.frontends.tui.screens.inspector import InspectorScreen
from tests.tui.conftest import BAD_NODE, BROKEN, sample_app, settle

SIZE = (120, 40)


def _styles(text) -> set[str]:
    return {str(span.style) for span in text.spans} | {str(text.style)}


async def test_capacity_bars_show_nodes_and_subnets_with_the_overloaded_in_red() -> None:
    app = sample_app(only=("tui-quiet",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CapacityScreen)
        nodes = screen.query_one("#node-capacity", DataTable)
        assert nodes.row_count == 3
        name, bars = nodes.get_row(f"node/{BAD_NODE}")
        assert name.plain.splitlines() == [
            BAD_NODE,
            "m6i.large · eu-central-1a",
            "max-pods 58 > ENI/IP 29: 29 pods could get no IP",
            "subnet: 12 free IPs",
        ]
        assert "bold red" in _styles(name)
        lines = bars.plain.splitlines()
        assert [line.split()[0] for line in lines] == ["pods", "max-pods", "ENI/IP", "subnet"]
        assert [line.split()[2] for line in lines] == ["10", "58", "29", "29"]
        assert lines[2].endswith("◀")  # ENI/IP binds first (the subnet's 12 + 10 idle reach 29)
        # Drawn to one scale (58): the ENI/IP bar is half the max-pods bar.
        assert lines[1].count("█") == 36 and lines[2].count("█") == 18
        healthy, _ = nodes.get_row("node/ip-192-168-157-85.eu-central-1.compute.internal")
        assert "bold red" not in _styles(healthy)

        subnets = screen.query_one("#subnet-capacity", DataTable)
        first, usage, room = subnets.get_row_at(0)
        assert first.plain.splitlines()[0] == "subnet-0c3e4e30d4d93c4b6"
        assert usage.plain.splitlines()[1] == "8,175 used · 12 free of 8,187"
        assert "100%" in usage.plain and "bold red" in _styles(usage)
        assert room.plain == "—"  # prefix delegation is off
        assert "2 overloaded (red)" in str(screen.query_one("#capacity-notes").render())

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InspectorScreen)
        assert app.screen.ref == f"node/{BAD_NODE}"


async def test_opening_capacity_again_shows_each_node_and_subnet_the_same() -> None:
    app = sample_app(only=("tui-quiet",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = []
        for _ in range(3):
            await pilot.press("c")
            await settle(pilot)
            nodes = app.screen.query_one("#node-capacity", DataTable)
            subnets = app.screen.query_one("#subnet-capacity", DataTable)
            shown.append(
                (
                    nodes.get_row(f"node/{BAD_NODE}")[0].plain,
                    subnets.get_row_at(0)[0].plain,
                )
            )
            await pilot.press("escape")
            await settle(pilot)
    assert shown[0][0].splitlines()[1] == "m6i.large · eu-central-1a"
    assert len(shown[0][1].splitlines()) == 2
    assert shown == [shown[0]] * 3


async def test_with_prefix_delegation_subnets_show_free_28_blocks(tmp_path: Path) -> None:
    bundle = tmp_path / "pd"
    shutil.copytree(BROKEN, bundle)
    daemonsets = bundle / "k8s" / "daemonsets.json"
    doc = json.loads(daemonsets.read_text())
    for ds in doc["items"]:
        if ds["metadata"]["name"] == "aws-node":
            env = ds["spec"]["template"]["spec"]["containers"][0]["env"]
            for var in env:
                if var["name"] == "ENABLE_PREFIX_DELEGATION":
                    var["value"] = "true"
    daemonsets.write_text(json.dumps(doc))
    app = sample_app(bundle, only=("tui-quiet",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        subnets = app.screen.query_one("#subnet-capacity", DataTable)
        _, _, room = subnets.get_row("subnet/subnet-0c3e4e30d4d93c4b6")
        # A /19 holds 512 aligned /28 blocks. Taken: the first and the last (AWS-reserved
        # addresses) and the 13 blocks that the subnet's 21 ENI addresses fall in (the node's
        # two ENIs and the EKS control-plane ENI; some share a block): 512 - 15 = 497.
        assert room.plain.splitlines() == ["497 of 512", "free /28"]


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bundles"


async def _capacity_of(bundle: Path, checks: tuple[str, ...]):
    from netdoctor.frontends.tui.app import make_app

    app = make_app(bundle, only=checks, plugins=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CapacityScreen)
        nodes = screen.query_one("#node-capacity", DataTable)
        return [(row, *nodes.get_row(row.ref)) for row in screen.rows]


async def test_the_node_whose_subnet_ran_dry_is_on_top_and_red_with_the_subnet_binding() -> None:
    node = "node/ip-192-168-192-10.eu-central-1.compute.internal"
    rows = await _capacity_of(
        FIXTURES / "pod-ip-capacity" / "fail-ip-assign-subnet-exhausted", ("pod-ip-capacity",)
    )
    first, name, bars = rows[0]
    assert first.ref == node  # the node the critical finding names
    assert first.binding == "subnet" and first.headroom == 0
    assert "bold red" in _styles(name)
    assert "subnet: 7 free IPs < next request 10" in name.plain
    subnet_line = bars.plain.splitlines()[3]
    assert subnet_line.startswith("subnet") and subnet_line.endswith("◀")
    # not `pods 22 / max-pods 29 / ENI/IP 29` with nothing in red: the subnet is the limit
    assert subnet_line.split()[2] == "22"


async def test_no_free_28_under_prefix_delegation_is_the_binding_limit_not_a_roomy_eni() -> None:
    node = "node/ip-192-168-210-20.eu-central-1.compute.internal"
    rows = await _capacity_of(
        FIXTURES / "prefix-delegation" / "fail-fragmented-subnet-pods-stuck",
        ("pod-ip-capacity", "prefix-delegation"),
    )
    first, name, bars = rows[0]
    assert first.ref == node
    assert first.subnet_unit == "free /28" and first.subnet_free == 0
    assert first.binding == "subnet" and first.headroom == 0
    assert "bold red" in _styles(name) and "0 free /28" in name.plain
    lines = bars.plain.splitlines()
    assert lines[2].split()[2] == "434" and not lines[2].endswith("◀")  # ENI/IP not the limit
    assert lines[3].endswith("◀")


async def test_a_node_a_critical_finding_names_is_listed_first_in_red() -> None:
    # ENI attachment fails on this node: the numbers alone leave it roomy, the finding does not.
    node = "node/ip-192-168-157-85.eu-central-1.compute.internal"
    rows = await _capacity_of(
        FIXTURES / "pod-ip-capacity" / "fail-ip-assign-eni-attach-failing", ("pod-ip-capacity",)
    )
    first, name, _ = rows[0]
    assert first.ref == node and "bold red" in _styles(name)
    assert all("bold red" not in _styles(other) for _, other, _ in rows[1:])
