"""`what-if`: would N more pods, or N more nodes, fit — headless.

Pods are placed one at a time on the eligible node with the most room left (the scheduler's
least-allocated spread, without the constraints the bundle does not hold); a node's room is
its ceiling (kubelet max-pods and the ENI/IP ceiling, `explore/capacity.py`) minus its pods.
Each node then asks its subnet for the addresses its warm pool wants at the new pod count
(`warm_pool_addresses`: WARM_ENI_TARGET / WARM_IP_TARGET / MINIMUM_IP_TARGET /
WARM_PREFIX_TARGET, as ipamd keeps them — docs/eni-and-ip-target.md of amazon-vpc-cni-k8s);
the sum per subnet is checked against AvailableIpAddressCount and, with prefix delegation,
the free aligned /28 blocks (`facts/ipspace.prefix_space`). New nodes start with the warm pool
of an empty node, spread round-robin over the subnets of the group's nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.explore.capacity import node_capacity
from netdoctor.facts.ipam import NODEGROUP_LABEL, pod_subnets
from netdoctor.facts.ipspace import prefix_space, usable_free_ips
from netdoctor.facts.maxpods import (
    PREFIX_SIZE,
    InstanceLimits,
    MaxPodsInput,
    eni_max_pods,
    usable_enis,
)
from netdoctor.facts.platform import Ipam

if TYPE_CHECKING:
    from netdoctor.facts.cni import CniSettings
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.aws_types import Subnet
    from netdoctor.snapshot.snapshot import Snapshot

NODEPOOL_LABEL = "karpenter.sh/nodepool"


class WhatIfError(ValueError):
    """The question cannot be asked of this bundle (unknown node group, instance type…)."""


@dataclass(frozen=True)
class Demand:
    """Addresses a node holds in its subnet for a pod count under the warm-pool settings."""

    addresses: int
    prefixes: int


@dataclass
class Answer:
    """The verdict: `fits`, and every limit hit (the first one first)."""

    fits: bool
    limits: list[dict[str, str]]
    nodes: list[dict[str, object]] = field(default_factory=list)
    subnets: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "fits": self.fits,
            "limits": self.limits,
            "nodes": self.nodes,
            "subnets": self.subnets,
            "notes": self.notes,
        }


def _positive(value: int | None) -> int:
    return value if value is not None and value > 0 else 0


def warm_pool_addresses(
    cni: CniSettings, limits: InstanceLimits, settings: MaxPodsInput, pods: int
) -> Demand:
    """Subnet addresses (and /28 prefixes) a node of this type holds once ipamd has topped up
    its warm pool with `pods` pods holding VPC IPs: ENI primaries plus secondary IPs (or 16
    per prefix). WARM_IP_TARGET/MINIMUM_IP_TARGET override WARM_ENI_TARGET; in prefix mode
    WARM_PREFIX_TARGET applies when neither is set. Capped at the node's ENI/slot limits."""
    enis_max = max(usable_enis(limits, settings), 1)
    slots_per_eni = max(limits.ipv4_per_eni - 1, 1)
    warm_ip = _positive(cni.number("WARM_IP_TARGET"))
    minimum = _positive(cni.number("MINIMUM_IP_TARGET"))
    warm_eni = _positive(cni.number("WARM_ENI_TARGET"))
    if settings.prefix_delegation:
        if warm_ip or minimum:
            prefixes = math.ceil(max(pods + warm_ip, minimum) / PREFIX_SIZE)
        else:
            warm_prefix = _positive(cni.number("WARM_PREFIX_TARGET"))
            spare = warm_prefix if warm_prefix else max(warm_eni, 1) * slots_per_eni
            prefixes = math.ceil(pods / PREFIX_SIZE) + spare
        prefixes = min(max(prefixes, 1), enis_max * slots_per_eni)
        enis = min(math.ceil(prefixes / slots_per_eni), enis_max)
        return Demand(enis + PREFIX_SIZE * prefixes, prefixes)
    if warm_ip or minimum:
        secondary = max(pods + warm_ip, minimum)
        secondary = min(secondary, enis_max * slots_per_eni)
        enis = max(math.ceil(secondary / slots_per_eni), 1)
        return Demand(enis + secondary, 0)
    enis = min(math.ceil((pods + max(warm_eni, 1) * slots_per_eni) / slots_per_eni), enis_max)
    return Demand(enis * limits.ipv4_per_eni, 0)


def _held(view: NodeView) -> Demand | None:
    """What the node's pod ENIs hold now (primaries, secondaries, 16 per prefix); None when
    the bundle lists none of its ENIs."""
    enis = [e for e in view.enis if e.interface_type == "interface" and e.network_card == 0]
    if not enis:
        return None
    prefixes = sum(len(e.prefixes) for e in enis)
    singles = sum(1 + len(e.secondary_ips) for e in enis)
    return Demand(singles + PREFIX_SIZE * prefixes, prefixes)


def _group(view: NodeView) -> str | None:
    return view.labels.get(NODEGROUP_LABEL) or view.labels.get(NODEPOOL_LABEL)


def _vpc_ips_apply(views: Views) -> tuple[bool, str | None]:
    platform = views.platform
    if platform.ipam is Ipam.OVERLAY:
        return False, f"{platform.label} gives pods addresses outside the VPC"
    if platform.ip_family == "ipv6":
        return False, "IPv6 pods: every pod gets an address from the node's /80 prefix"
    return True, None


def _subnet_limits(
    views: Views, demand: dict[str, Demand], subnets: dict[str, Subnet], answer: Answer
) -> None:
    prefix_mode = views.cni.prefix_delegation
    for subnet_id, need in sorted(demand.items()):
        subnet = subnets[subnet_id]
        space = prefix_space(views, subnet)
        free = usable_free_ips(space, subnet, prefixes=prefix_mode)
        row: dict[str, object] = {
            "id": subnet_id,
            "cidr": subnet.CidrBlock,
            "zone": subnet.AvailabilityZone,
            "free_ips": free,
            "needed_ips": need.addresses,
        }
        if free is not None and need.addresses > free:
            answer.limits.append(
                {
                    "kind": "subnet",
                    "id": subnet_id,
                    "message": f"subnet {subnet_id} ({subnet.CidrBlock}) needs "
                    f"{need.addresses} more IPs after the warm-pool top-up, {free} are free",
                }
            )
        if prefix_mode and need.prefixes:
            row["needed_prefixes"] = need.prefixes
            row["free_prefix_blocks"] = space.free_blocks if space else None
            if space is not None and need.prefixes > space.free_blocks:
                answer.limits.append(
                    {
                        "kind": "subnet-prefixes",
                        "id": subnet_id,
                        "message": f"subnet {subnet_id} needs {need.prefixes} aligned /28 "
                        f"blocks, {space.free_blocks} are free",
                    }
                )
        if free is None:
            answer.notes.append(f"subnet {subnet_id}: free IPs unknown, not checked")
        answer.subnets.append(row)


def more_pods(
    snap: Snapshot,
    pods: int,
    namespace: str | None = None,
    node_group: str | None = None,
    subnet: str | None = None,
) -> Answer:
    """Would `pods` more pods fit on the nodes (of the group / subnet / where the namespace
    already runs)? Raises WhatIfError when the filter matches no node."""
    views = snap.views
    vpc_ips, why_not = _vpc_ips_apply(views)
    chosen = list(views.nodes)
    if node_group is not None:
        chosen = [v for v in chosen if _group(v) == node_group]
    if subnet is not None:
        chosen = [v for v in chosen if subnet in {s.SubnetId for s in pod_subnets(views, v)}]
    if namespace is not None:
        used = {
            p.spec.nodeName for p in snap.pods if (p.metadata.namespace or "default") == namespace
        }
        chosen = [v for v in chosen if v.name in used]
    if not chosen:
        wanted = node_group or subnet or namespace or ""
        raise WhatIfError(f"no node matches {wanted!r} in this bundle")
    capacity = {row.name: row for row in node_capacity(snap)}
    room: dict[str, int] = {}
    for view in chosen:
        row = capacity[view.name]
        ceiling = row.ceiling if vpc_ips else row.kubelet_max
        room[view.name] = max((ceiling or 0) - row.pods, 0)
    placed = dict.fromkeys(room, 0)
    for _ in range(pods):
        best = max(room, key=lambda name: (room[name] - placed[name], name))
        if room[best] - placed[best] <= 0:
            break
        placed[best] += 1
    answer = Answer(True, [])
    if why_not:
        answer.notes.append(f"VPC IP limits do not apply: {why_not}")
    total = sum(placed.values())
    if total < pods:
        answer.limits.append(
            {
                "kind": "nodes",
                "id": ",".join(sorted(room)),
                "message": f"only {total} of {pods} pods fit on the {len(room)} eligible "
                "node(s): max-pods or the ENI/IP ceiling is reached",
            }
        )
    demand: dict[str, Demand] = {}
    subnets: dict[str, Subnet] = {}
    for view in chosen:
        row = capacity[view.name]
        answer.nodes.append(
            {
                "name": view.name,
                "instance_type": view.instance_type,
                "pods": row.pods,
                "max_pods": row.kubelet_max,
                "eni_ip_ceiling": row.eni_capacity,
                "room": room[view.name],
                "added": placed[view.name],
            }
        )
        homes = pod_subnets(views, view)
        if not vpc_ips or not placed[view.name] or view.limits is None or not homes:
            continue
        settings = views.node_max_pods_input(view)
        with_ip = sum(1 for p in view.pods if not p.spec.hostNetwork)
        before = _held(view) or warm_pool_addresses(views.cni, view.limits, settings, with_ip)
        after = warm_pool_addresses(views.cni, view.limits, settings, with_ip + placed[view.name])
        home = homes[0]
        subnets[home.SubnetId] = home
        old = demand.get(home.SubnetId, Demand(0, 0))
        demand[home.SubnetId] = Demand(
            old.addresses + max(after.addresses - before.addresses, 0),
            old.prefixes + max(after.prefixes - before.prefixes, 0),
        )
    if vpc_ips:
        _subnet_limits(views, demand, subnets, answer)
    answer.fits = not answer.limits
    return answer


def more_nodes(
    snap: Snapshot, count: int, instance_type: str, node_group: str | None = None
) -> Answer:
    """Would `count` new nodes of `instance_type` fit in the subnets of the group's nodes
    (all nodes' subnets without a group)? Raises WhatIfError for an unknown type or group."""
    views = snap.views
    limits = views.catalog.get(instance_type)
    if limits is None:
        raise WhatIfError(f"unknown instance type {instance_type!r}")
    chosen = [v for v in views.nodes if node_group is None or _group(v) == node_group]
    if not chosen:
        raise WhatIfError(f"no node of node group {node_group!r} in this bundle")
    homes: dict[str, Subnet] = {}
    for view in chosen:
        for home in pod_subnets(views, view)[:1]:
            homes.setdefault(home.SubnetId, home)
    answer = Answer(True, [])
    settings = views.max_pods_input
    if settings.prefix_delegation and not limits.nitro:
        settings = MaxPodsInput(False, settings.custom_networking, settings.max_eni)
    answer.nodes.append(
        {
            "instance_type": instance_type,
            "new_nodes": count,
            "eni_ip_ceiling": eni_max_pods(limits, settings),
        }
    )
    vpc_ips, why_not = _vpc_ips_apply(views)
    if not vpc_ips:
        answer.notes.append(f"VPC IP limits do not apply: {why_not}")
        return answer
    if not homes:
        raise WhatIfError("the bundle does not say which subnets the nodes use")
    per_node = warm_pool_addresses(views.cni, limits, settings, 0)
    # A new node's own primary IP is the first ENI's primary address, already counted.
    order = sorted(homes)
    demand: dict[str, Demand] = {}
    for i in range(count):
        subnet_id = order[i % len(order)]
        old = demand.get(subnet_id, Demand(0, 0))
        demand[subnet_id] = Demand(
            old.addresses + per_node.addresses, old.prefixes + per_node.prefixes
        )
    answer.notes.append(
        f"each new {instance_type} holds {per_node.addresses} IPs"
        + (f" ({per_node.prefixes} /28 prefixes)" if per_node.prefixes else "")
        + " once its warm pool is filled"
    )
    _subnet_limits(views, demand, homes, answer)
    answer.fits = not answer.limits
    return answer


__all__ = ["Answer", "WhatIfError", "more_nodes", "more_pods", "warm_pool_addresses"]
