"""Capacity view: per node, pods vs kubelet max-pods vs ENI/IP capacity; per subnet, used vs
free IPs (and free /28 blocks with prefix delegation). Overloaded rows are red."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from netdoctor.explore import NodeCapacity, SubnetCapacity, node_capacity, subnet_capacity
from netdoctor.frontends.tui.messages import ResourceChosen
from netdoctor.frontends.tui.widgets.bars import bar
from netdoctor.frontends.tui.widgets.findings_table import cell
from netdoctor.frontends.tui.widgets.header import SnapshotHeader
from netdoctor.frontends.tui.widgets.navigation import NavTable
from netdoctor.snapshot import files as f
from netdoctor.snapshot.snapshot import Snapshot

BAR = 36
NAME = 50
OK, WARN, BAD = "green", "yellow", "red"


@dataclass
class CapacityComputed(Message):
    """The capacity rows are ready."""

    nodes: list[NodeCapacity]
    subnets: list[SubnetCapacity]
    prefix_delegation: bool
    notes: list[str]


def _num(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def node_cells(row: NodeCapacity) -> tuple[Text, Text]:
    """(name block, three bars: pods / max-pods / ENI-IP) for one node."""
    scale = max(row.pods, row.kubelet_max or 0, row.eni_capacity or 0, 1)
    bad = row.overloaded
    name = cell(row.name, NAME, f"bold {BAD}" if bad else "bold").copy()  # cells are shared
    name.append("\n")
    kind = " · ".join(x for x in (row.instance_type, row.zone) if x) or "?"
    name.append(cell(kind, NAME, "dim"))
    name.append("\n")
    name.append(cell(row.problems[0] if bad else "", NAME, BAD))
    bars = Text(no_wrap=True)
    lines = (
        ("pods    ", row.pods, BAD if row.ceiling is not None and row.pods > row.ceiling else OK),
        ("max-pods", row.kubelet_max, BAD if bad and row.kubelet_max == scale else "blue"),
        ("ENI/IP  ", row.eni_capacity, "cyan"),
    )
    for i, (label, value, style) in enumerate(lines):
        if i:
            bars.append("\n")
        bars.append(f"{label} ", style="dim")
        bars.append_text(bar(value, scale, BAR, style))
        bars.append(f" {_num(value):>6}", style=f"bold {style}" if style == BAD else "")
    return name, bars


def subnet_cells(row: SubnetCapacity) -> tuple[Text, Text, Text]:
    """(subnet, used/free bar, /28 room) for one subnet."""
    style = BAD if row.overloaded else WARN if row.tight else OK
    name = cell(row.subnet_id, NAME, f"bold {BAD}" if row.overloaded else "bold").copy()
    name.append("\n")
    nodes = f"{row.nodes} node{'s' if row.nodes != 1 else ''}" if row.nodes else ""
    name.append(cell(" · ".join(x for x in (row.cidr, row.zone, nodes) if x), NAME, "dim"))
    usage = Text(no_wrap=True)
    usage.append_text(bar(row.used, row.usable or 0, BAR, style))
    percent = f"{row.fill:.0%}" if row.fill is not None else "?"
    usage.append(f" {percent:>4}", style=f"bold {style}")
    usage.append(f"\n{_num(row.used)} used · {_num(row.free)} free of {_num(row.usable)}", "dim")
    if row.prefix_blocks is None:
        room = Text("—", style="dim")
    else:
        room_style = BAD if row.free_prefix_blocks == 0 else ""
        room = Text(f"{_num(row.free_prefix_blocks)} of {_num(row.prefix_blocks)}", room_style)
        room.append("\nfree /28 blocks", style="dim")
    return name, usage, room


class CapacityScreen(Screen):
    """A picture of pod and IP capacity; enter on a row opens the inspector."""

    CSS_PATH = "../styles/capacity.tcss"

    def __init__(self, snapshot: Snapshot, header: str, badge: str) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.header = header
        self.badge = badge

    def compose(self) -> ComposeResult:
        yield SnapshotHeader(self.badge, self.header)
        with Vertical(id="nodes-pane"):
            yield Static(
                Text.assemble(
                    ("Nodes", "bold"),
                    ("  pods on the node vs kubelet max-pods vs what its ENIs can hold", "dim"),
                ),
                classes="pane-title",
            )
            yield NavTable(id="node-capacity")
        with Vertical(id="subnets-pane"):
            yield Static(
                Text.assemble(("Subnets", "bold"), ("  used vs free IPs", "dim")),
                classes="pane-title",
                id="subnets-title",
            )
            yield NavTable(id="subnet-capacity")
        yield Static("", id="capacity-notes")
        yield Footer()

    def on_mount(self) -> None:
        nodes = self.query_one("#node-capacity", DataTable)
        nodes.add_column("Node", width=NAME)
        nodes.add_column("pods · max-pods · ENI/IP capacity", width=BAR + 16)
        subnets = self.query_one("#subnet-capacity", DataTable)
        subnets.add_column("Subnet", width=NAME)
        subnets.add_column("IPs used", width=BAR + 6)
        subnets.add_column("/28 room", width=16)
        nodes.focus()
        self.compute()

    @work(thread=True, exclusive=True, group="capacity", exit_on_error=False)
    def compute(self) -> None:
        """Join nodes, pods, ENIs and subnets off the UI thread."""
        snap = self.snapshot
        notes = [
            f"{rel} not collected: {what} cannot be shown"
            for rel, what in (
                (f.K8S_NODES, "nodes"),
                (f.AWS_SUBNETS, "subnets"),
                (f.K8S_PODS, "pod counts"),
            )
            if not snap.has(rel)
        ]
        self.post_message(
            CapacityComputed(
                node_capacity(snap),
                subnet_capacity(snap),
                snap.views.cni.prefix_delegation,
                notes,
            )
        )

    def on_capacity_computed(self, message: CapacityComputed) -> None:
        nodes = self.query_one("#node-capacity", DataTable)
        for row in message.nodes:
            nodes.add_row(*node_cells(row), height=3, key=row.ref)
        subnets = self.query_one("#subnet-capacity", DataTable)
        for subnet in message.subnets:
            subnets.add_row(*subnet_cells(subnet), height=2, key=subnet.ref)
        if message.prefix_delegation:
            self.query_one("#subnets-title", Static).update(
                Text.assemble(
                    ("Subnets", "bold"),
                    ("  used vs free IPs · prefix delegation on: free aligned /28 blocks", "dim"),
                )
            )
        overloaded = sum(r.overloaded for r in message.nodes) + sum(
            r.overloaded for r in message.subnets
        )
        summary = f"{overloaded} overloaded (red)" if overloaded else "nothing overloaded"
        self.query_one("#capacity-notes", Static).update("  ".join([summary, *message.notes]))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(ResourceChosen(event.row_key.value))
