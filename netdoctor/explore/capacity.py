"""Capacity figures per node and per subnet, for the capacity picture.

Node: pods bound to it vs kubelet max-pods vs what its ENIs can hold under the running aws-node
settings. Subnet: used vs free IPs (CIDR size − 5 AWS-reserved − AvailableIpAddressCount), and,
with prefix delegation, how many aligned /28 blocks are still free for new prefixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.facts.addresses import usable_addresses
from netdoctor.facts.ipspace import prefix_space
from netdoctor.snapshot import aws_types as a

if TYPE_CHECKING:
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

    @property
    def ceiling(self) -> int | None:
        """The lower of the known ceilings."""
        known = [x for x in (self.kubelet_max, self.eni_capacity) if x is not None]
        return min(known) if known else None

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
        if self.ceiling is not None and self.pods > self.ceiling:
            found.append(f"{self.pods} pods > ceiling {self.ceiling}")
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
    """`AvailableIpAddressCount`."""
    nodes: int
    """Nodes whose primary subnet this is."""
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
    """One row per node: overloaded first, then fullest first."""
    views = snap.views
    rows = [
        NodeCapacity(
            ref=view.ref,
            name=view.name,
            instance_type=view.instance_type,
            zone=view.zone,
            pods=len(view.pods),
            kubelet_max=view.kubelet_max_pods,
            eni_capacity=views.eni_capacity(view),
        )
        for view in views.nodes
    ]
    rows.sort(key=lambda r: (not r.overloaded, -r.fill, r.name))
    return rows


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
        room = prefix_space(views, subnet) if prefix_delegation else None
        rows.append(
            SubnetCapacity(
                ref=f"subnet/{subnet.SubnetId}",
                subnet_id=subnet.SubnetId,
                cidr=subnet.CidrBlock,
                zone=subnet.AvailabilityZone,
                usable=usable_addresses(subnet.CidrBlock),
                free=subnet.AvailableIpAddressCount,
                nodes=node_counts.get(subnet.SubnetId, 0),
                prefix_blocks=room.blocks if room else None,
                free_prefix_blocks=room.free_blocks if room else None,
            )
        )
    rows.sort(key=lambda r: (-(r.fill or 0.0), r.subnet_id))
    return rows
