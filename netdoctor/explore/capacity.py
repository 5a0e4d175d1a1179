"""Capacity figures per node and per subnet, for the capacity picture.

Node: pods bound to it vs kubelet max-pods vs what its ENIs can hold under the running aws-node
settings vs what its pod subnets can still give (free IPs; free aligned /28 blocks with prefix
delegation, from `facts.ipspace`, the checks' own numbers); the lowest is the binding limit.
Subnet: used vs free IPs (CIDR size − 5 AWS-reserved − free), and, with prefix delegation, how
many aligned /28 blocks are still free for new prefixes. Free is what EC2 would hand out:
AvailableIpAddressCount less the unheld addresses of CIDR reservations (`facts.ipspace`, the
checks' own count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.facts.addresses import usable_addresses
from netdoctor.facts.ipam import eni_state, pod_subnets
from netdoctor.facts.ipspace import (
    PREFIX_SIZE,
    next_top_up,
    pool_of,
    prefix_space,
    usable_free_ips,
)
from netdoctor.snapshot import aws_types as a

if TYPE_CHECKING:
    from netdoctor.facts.ipspace import SubnetPool
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.snapshot import Snapshot

FULL = 0.9  # a subnet this full (or with fewer free IPs than one /28) is shown as overloaded
TIGHT = 0.75


@dataclass(frozen=True)
class NodeCapacity:
    """Pods on one node against its two ceilings."""

    ref: str
    name: str
    instance_type: str | None
    zone: str | None
    pods: int
    """Pods bound to the node that still hold resources (not Succeeded/Failed)."""
    kubelet_max: int | None
    """`status.allocatable.pods` (else `capacity.pods`)."""
    eni_capacity: int | None
    """ENIs × (IPs per ENI − 1) [× 16 with prefixes] + 2 under the running aws-node settings."""
    subnet_free: int | None = None
    """What the node's pod subnets can still give: free IPs, or with prefix delegation free
    aligned /28 blocks (`subnet_unit` says which); None when the bundle does not say."""
    subnet_unit: str = "free IPs"
    idle_ips: int = 0
    """Pod IPs the node's ENIs already hold that no pod uses."""
    top_up: int | None = None
    """What the node's next warm-pool request asks the subnet for, in `subnet_unit` (IPs or
    /28 blocks). EC2 grants a request whole or not at all: less room than this is no room."""

    @property
    def subnet_reach(self) -> int | None:
        """Pods the node can hold counting the IPs it can still get: the pods it has, its idle
        IPs and what the subnets can give (capped by its ENIs); None when unknown."""
        if self.subnet_free is None:
            return None
        per = PREFIX_SIZE if self.subnet_unit == "free /28" else 1
        usable = self.subnet_free if not self.starved else 0
        reach = self.pods + self.idle_ips + usable * per
        return min(reach, self.eni_capacity) if self.eni_capacity is not None else reach

    @property
    def starved(self) -> bool:
        """The subnets hold less than the node's next warm-pool request: it gets nothing."""
        return (
            self.subnet_free is not None
            and self.top_up is not None
            and 0 < self.subnet_free < self.top_up
        )

    @property
    def limits(self) -> dict[str, int]:
        """The known ceilings by name: `max-pods`, `ENI/IP`, `subnet`."""
        named = {
            "max-pods": self.kubelet_max,
            "ENI/IP": self.eni_capacity,
            "subnet": self.subnet_reach,
        }
        return {name: value for name, value in named.items() if value is not None}

    @property
    def ceiling(self) -> int | None:
        """The lowest of the known ceilings: the binding limit."""
        known = self.limits
        return min(known.values()) if known else None

    @property
    def binding(self) -> str | None:
        """Which limit binds first (`max-pods`, `ENI/IP` or `subnet`); None when none is known."""
        known = self.limits
        return min(known, key=lambda name: known[name]) if known else None

    @property
    def headroom(self) -> int | None:
        """Pods the node can still take before its binding limit (negative: over it)."""
        ceiling = self.ceiling
        return None if ceiling is None else ceiling - self.pods

    @property
    def problems(self) -> list[str]:
        """Why the node stands out, empty when it does not."""
        found = []
        if (
            self.kubelet_max is not None
            and self.eni_capacity is not None
            and self.kubelet_max > self.eni_capacity
        ):
            found.append(
                f"max-pods {self.kubelet_max} > ENI/IP {self.eni_capacity}: "
                f"{self.kubelet_max - self.eni_capacity} pods could get no IP"
            )
        if self.binding == "subnet" and self.headroom is not None and self.headroom <= 0:
            asks = f" < next request {self.top_up}" if self.starved else ""
            found.append(
                f"subnet: {self.subnet_free} {self.subnet_unit}{asks}, "
                f"{self.idle_ips} idle IPs: new pods get no IP"
            )
        elif self.ceiling is not None and self.pods > self.ceiling:
            found.append(f"{self.pods} pods > {self.binding} {self.ceiling}")
        elif self.ceiling is not None and self.pods == self.ceiling:
            found.append(f"full: {self.pods} of {self.ceiling} pods, new ones stay Pending")
        return found

    @property
    def fill(self) -> float:
        """Pods over the ceiling, 0..1+ (0 when the ceiling is unknown)."""
        return self.pods / self.ceiling if self.ceiling else 0.0

    @property
    def overloaded(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True)
class SubnetCapacity:
    """Used and free addresses of one subnet."""

    ref: str
    subnet_id: str
    cidr: str | None
    zone: str | None
    usable: int | None
    """CIDR size − 5 addresses AWS reserves."""
    free: int | None
    """Free addresses EC2 would hand out: `AvailableIpAddressCount` less the unheld addresses
    of explicit reservations (and of prefix reservations without prefix delegation)."""
    nodes: int
    """Nodes whose primary subnet this is."""
    reserved: int = 0
    """Free addresses CIDR reservations withhold (`AvailableIpAddressCount` − `free`)."""
    prefix_blocks: int | None = None
    """Aligned /28 blocks in the CIDR (only computed with prefix delegation on)."""
    free_prefix_blocks: int | None = None
    """Of those, blocks holding no ENI address or prefix and no reserved address."""

    @property
    def used(self) -> int | None:
        if self.usable is None or self.free is None:
            return None
        return max(self.usable - self.free, 0)

    @property
    def fill(self) -> float | None:
        """Used share of the usable addresses, 0..1."""
        if self.used is None or not self.usable:
            return None
        return min(self.used / self.usable, 1.0)

    @property
    def overloaded(self) -> bool:
        if self.free_prefix_blocks == 0:
            return True
        if self.fill is None or self.free is None:
            return False
        return self.fill >= FULL or self.free < 16

    @property
    def tight(self) -> bool:
        return not self.overloaded and self.fill is not None and self.fill >= TIGHT


def node_capacity(snap: Snapshot) -> list[NodeCapacity]:
    """One row per node: overloaded first, then the least headroom first."""
    views = snap.views
    rows = []
    pools: dict[tuple[str | None, ...], SubnetPool] = {}  # nodes share their subnets' pool
    for view in views.nodes:
        free, unit = _subnet_room(views, view, pools)
        state = eni_state(views, view) if view.limits is not None else None
        top = next_top_up(views, view)
        asks = (
            None
            if top is None or not (top.prefixes or top.addresses)
            else (top.prefixes if unit == "free /28" else top.addresses)
        )
        rows.append(
            NodeCapacity(
                ref=view.ref,
                name=view.name,
                instance_type=view.instance_type,
                zone=view.zone,
                pods=len(view.pods),
                kubelet_max=view.kubelet_max_pods,
                eni_capacity=views.eni_capacity(view),
                subnet_free=free,
                subnet_unit=unit,
                idle_ips=state.idle_ips if state is not None else 0,
                top_up=asks,
            )
        )
    rows.sort(key=lambda r: (not r.overloaded, _room(r), -r.fill, r.name))
    return rows


def _room(row: NodeCapacity) -> int:
    return row.headroom if row.headroom is not None else 1 << 30


def _subnet_room(
    views: Views, view: NodeView, pools: dict[tuple[str | None, ...], SubnetPool]
) -> tuple[int | None, str]:
    """(free IPs, "free IPs") of the node's pod subnets, or with prefix delegation (free
    aligned /28 blocks, "free /28"); None when the subnets or their free counts are unknown.
    `pools` caches each set of subnets' pool (its /28 space is costly: one scan per subnet,
    not one per node)."""
    subnets = pod_subnets(views, view)
    if not subnets or any(s.AvailableIpAddressCount is None for s in subnets):
        return None, "free IPs"
    key = tuple(s.SubnetId for s in subnets)
    pool = pools.get(key)
    if pool is None:
        pool = pools[key] = pool_of(views, subnets)
    if views.node_max_pods_input(view).prefix_delegation:
        return pool.free_blocks(views), "free /28"
    return pool.free, "free IPs"


def _in_cluster_vpc(subnet: a.Subnet, vpc_id: str | None) -> bool:
    return vpc_id is None or subnet.VpcId in (None, vpc_id)


def subnet_capacity(snap: Snapshot) -> list[SubnetCapacity]:
    """One row per subnet of the cluster's VPC, fullest first."""
    views = snap.views
    prefix_delegation = views.cni.prefix_delegation
    node_counts: dict[str, int] = {}
    for view in views.nodes:
        if view.subnet is not None:
            node_counts[view.subnet.SubnetId] = node_counts.get(view.subnet.SubnetId, 0) + 1
    rows = []
    for subnet in snap.subnets:
        if not _in_cluster_vpc(subnet, views.vpc_id):
            continue
        space = prefix_space(views, subnet)
        room = space if prefix_delegation else None
        free = usable_free_ips(space, subnet, prefixes=prefix_delegation)
        raw = subnet.AvailableIpAddressCount
        rows.append(
            SubnetCapacity(
                ref=f"subnet/{subnet.SubnetId}",
                subnet_id=subnet.SubnetId,
                cidr=subnet.CidrBlock,
                zone=subnet.AvailabilityZone,
                usable=usable_addresses(subnet.CidrBlock),
                free=free,
                reserved=raw - free if raw is not None and free is not None else 0,
                nodes=node_counts.get(subnet.SubnetId, 0),
                prefix_blocks=room.blocks if room else None,
                free_prefix_blocks=room.free_blocks if room else None,
            )
        )
    rows.sort(key=lambda r: (-(r.fill or 0.0), r.subnet_id))
    return rows
