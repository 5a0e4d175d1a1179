"""Capacity view: per node, pods vs kubelet max-pods vs ENI/IP capacity vs what its subnets can
still give, sorted by the binding limit's headroom (nodes a critical finding names first);
per subnet, used vs free IPs (and free /28 blocks with prefix delegation). Overloaded rows are
red. Columns shrink with the terminal so the numbers are never cut."""

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
MIN_BAR, MIN_NAME = 8, 24
NUMBERS = 6
OK, WARN, BAD = "green", "yellow", "red"
TIGHT = 3
"""A node this few pods from its binding limit is shown yellow."""


def widths(total: int) -> tuple[int, int]:
    """(name column, bar) cells for a terminal `total` cells wide: the numbers always fit, the
    bars and names give way first."""
    fixed = 9 + 1 + NUMBERS + 3 + 2 * 2 * 2 + 2  # label, gap, number, ◀, padding, scrollbar
    name = max(MIN_NAME, min(NAME, total - fixed - 24))  # bars keep 24 cells before names shrink
    bar_width = max(MIN_BAR, min(BAR, total - fixed - name))
    return name, bar_width


@dataclass
class CapacityComputed(Message):
    """The capacity rows are ready."""

    nodes: list[NodeCapacity]
    subnets: list[SubnetCapacity]
    prefix_delegation: bool
    notes: list[str]


def _num(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def node_style(row: NodeCapacity, critical: bool = False) -> str:
    """Red: over or at its binding limit, overloaded, or named by a critical finding; yellow:
    a few pods from it; green otherwise."""
    room = row.headroom
    if critical or row.overloaded or (room is not None and room <= 0):
        return BAD
    return WARN if room is not None and room <= TIGHT else OK


def node_cells(
    row: NodeCapacity, critical: bool = False, name_width: int = NAME, bar_width: int = BAR
) -> tuple[Text, Text]:
    """(name block, four bars: pods / max-pods / ENI-IP / what the subnet still gives) for one
    node, the binding limit marked and coloured."""
    reach = row.subnet_reach
    scale = max(row.pods, row.kubelet_max or 0, row.eni_capacity or 0, reach or 0, 1)
    colour = node_style(row, critical)
    bad = colour == BAD
    name = cell(row.name, name_width, f"bold {BAD}" if bad else "bold").copy()  # shared cells
    name.append("\n")
    kind = " · ".join(x for x in (row.instance_type, row.zone) if x) or "?"
    name.append(cell(kind, name_width, "dim"))
    name.append("\n")
    if row.problems:
        why = row.problems[-1] if row.binding == "subnet" else row.problems[0]
    elif critical:
        why = "named by a critical finding"
    elif row.binding is not None and row.headroom is not None:
        why = f"binding: {row.binding}, room for {row.headroom} more pods"
    else:
        why = "limits unknown"
    name.append(cell(why, name_width, colour if bad or colour == WARN else "dim"))
    name.append("\n")
    if row.subnet_free is not None and not why.startswith("subnet:"):
        asks = f" (next request {row.top_up})" if row.starved else ""
        name.append(cell(f"subnet: {row.subnet_free:,} {row.subnet_unit}{asks}", name_width, "dim"))
    bars = Text(no_wrap=True)
    lines = (
        ("pods    ", row.pods, colour),
        ("max-pods", row.kubelet_max, "blue"),
        ("ENI/IP  ", row.eni_capacity, "cyan"),
        ("subnet  ", reach, "magenta"),
    )
    for i, (label, value, style) in enumerate(lines):
        if i:
            bars.append("\n")
        binding = label.strip() == row.binding
        mark = colour if binding and colour != OK else style
        bars.append(f"{label} ", style="bold" if binding else "dim")
        bars.append_text(bar(value, scale, bar_width, mark))
        number = f" {_num(value):>{NUMBERS}}"
        bars.append(number, style=f"bold {mark}" if binding else "")
        if binding:
            bars.append(" ◀", style=f"bold {mark}")
    return name, bars


def subnet_cells(
    row: SubnetCapacity, name_width: int = NAME, bar_width: int = BAR
) -> tuple[Text, Text, Text]:
    """(subnet, used/free bar, /28 room) for one subnet."""
    style = BAD if row.overloaded else WARN if row.tight else OK
    name = cell(row.subnet_id, name_width, f"bold {BAD}" if row.overloaded else "bold").copy()
    name.append("\n")
    nodes = f"{row.nodes} node{'s' if row.nodes != 1 else ''}" if row.nodes else ""
    name.append(cell(" · ".join(x for x in (row.cidr, row.zone, nodes) if x), name_width, "dim"))
    usage = Text(no_wrap=True)
    usage.append_text(bar(row.used, row.usable or 0, bar_width, style))
    percent = f"{row.fill:.0%}" if row.fill is not None else "?"
    usage.append(f" {percent:>4}", style=f"bold {style}")
    reserved = f" ({_num(row.reserved)} reserved)" if row.reserved else ""
    usage.append(
        f"\n{_num(row.used)} used{reserved} · {_num(row.free)} free of {_num(row.usable)}", "dim"
    )
    if row.prefix_blocks is None:
        room = Text("—", style="dim")
    else:
        room_style = BAD if row.free_prefix_blocks == 0 else ""
        room = Text(f"{_num(row.free_prefix_blocks)} of {_num(row.prefix_blocks)}", room_style)
        room.append("\nfree /28", style="dim")
    return name, usage, room


class CapacityScreen(Screen):
    """A picture of pod and IP capacity; enter on a row opens the inspector."""

    CSS_PATH = "../styles/capacity.tcss"

    def __init__(
        self, snapshot: Snapshot, header: str, badge: str, critical: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.header = header
        self.badge = badge
        self.critical = critical
        """Refs (`node/NAME`) a critical finding names: listed first, in red."""
        self.rows: list[NodeCapacity] = []
        """The node rows in the order shown."""

    def compose(self) -> ComposeResult:
        yield SnapshotHeader(self.badge, self.header)
        with Vertical(id="nodes-pane"):
            yield Static(
                Text.assemble(
                    ("Nodes", "bold"),
                    (
                        "  pods vs max-pods vs ENI/IP vs what the subnet can still give; "
                        "◀ the binding limit",
                        "dim",
                    ),
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
        name, bar_width = widths(self.app.size.width)
        self.name_width, self.bar_width = name, bar_width
        nodes = self.query_one("#node-capacity", DataTable)
        nodes.add_column("Node", width=name)
        nodes.add_column("pods · max-pods · ENI/IP · subnet", width=bar_width + 9 + NUMBERS + 3)
        subnets = self.query_one("#subnet-capacity", DataTable)
        subnets.add_column("Subnet", width=name)
        self.subnet_bar = max(MIN_BAR, bar_width - 6)  # the subnet table as wide as the nodes'
        subnets.add_column("IPs used", width=max(self.subnet_bar + 6, 30))
        subnets.add_column("/28 room", width=12)
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
        # Nodes a critical finding names first: the capacity view and the findings agree.
        self.rows = sorted(message.nodes, key=lambda row: row.ref not in self.critical)
        for row in self.rows:
            cells = node_cells(row, row.ref in self.critical, self.name_width, self.bar_width)
            nodes.add_row(*cells, height=4, key=row.ref)
        subnets = self.query_one("#subnet-capacity", DataTable)
        for subnet in message.subnets:
            subnets.add_row(
                *subnet_cells(subnet, self.name_width, self.subnet_bar), height=2, key=subnet.ref
            )
        if message.prefix_delegation:
            self.query_one("#subnets-title", Static).update(
                Text.assemble(
                    ("Subnets", "bold"),
                    ("  used vs free IPs · prefix delegation on: free aligned /28 blocks", "dim"),
                )
            )
        overloaded = sum(node_style(r, r.ref in self.critical) == BAD for r in message.nodes) + sum(
            r.overloaded for r in message.subnets
        )
        summary = f"{overloaded} overloaded (red)" if overloaded else "nothing overloaded"
        self.query_one("#capacity-notes", Static).update("  ".join([summary, *message.notes]))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(ResourceChosen(event.row_key.value))
