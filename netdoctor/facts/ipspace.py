"""Subnet space for pod IPs: free aligned /28 blocks, the warm pool's next request, and the
pools of subnets that groups of nodes draw pod IPs from. Shared by `pod-ip-capacity`,
`prefix-delegation` and `custom-networking` (who reports which subnet: see `_ipam.py`).

Nothing here guesses: a fact the bundle does not hold comes back as None.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.facts.addresses import AWS_RESERVED, ipv4_int, ipv4_network
from netdoctor.facts.ipam import cni_nodes, eni_state, pod_subnets
from netdoctor.facts.maxpods import PREFIX_SIZE as PREFIX_SIZE  # re-exported: checks size top-ups

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.aws_types import Subnet, SubnetCidrReservation


# --- aligned /28 prefixes in a subnet -------------------------------------------------------


@dataclass(frozen=True)
class PrefixSpace:
    """Free aligned /28 blocks in a subnet, computed from the ENIs that live in it."""

    blocks: int
    """/28 blocks in the subnet CIDR."""
    free_blocks: int
    """Blocks with no address taken and none reserved by AWS."""
    addresses: int
    """Single addresses held by ENIs in the subnet."""
    prefixes: int
    """/28 prefixes held by ENIs in the subnet."""
    enis: int
    explicit_blocks: int = 0
    """Blocks an explicit reservation touches: EC2 never delegates them as prefixes."""
    prefix_reserved_blocks: int = 0
    """Free blocks inside prefix reservations (EC2 delegates prefixes from these first)."""
    explicit_free_ips: int = 0
    """Addresses of explicit reservations no ENI holds: counted in AvailableIpAddressCount but
    never auto-assigned, neither as secondary IPs nor as prefixes."""
    prefix_reserved_free_ips: int = 0
    """Addresses of prefix reservations no ENI holds: only usable as delegated /28s."""
    reservations_known: bool = True
    """False when the bundle lacks the reservations file (then none were subtracted)."""


def prefix_space(views: Views, subnet: Subnet) -> PrefixSpace | None:
    """Aligned /28 blocks of the subnet that nothing holds: the CIDR minus every address and
    prefix of the ENIs in it and the 5 addresses AWS reserves. A subnet smaller than a /28 has
    none. None when the CIDR is unreadable or the ENIs counted hold addresses that
    AvailableIpAddressCount says are free (stale or partial data, so the count would be wrong).
    The one implementation: the checks, the capacity view and `what-if` all call it."""
    net = ipv4_network(subnet.CidrBlock)
    if net is None:
        return None
    enis = views.enis_by_subnet.get(subnet.SubnetId, [])
    if net.prefixlen > 28:
        return PrefixSpace(0, 0, 0, 0, len(enis))
    base, size = int(net.network_address), net.num_addresses
    occupied = {0, (size - 1) >> 4}  # reserved: the first four addresses and the last one
    singles: set[int] = set()
    prefixes: set[tuple[int, int]] = set()
    for eni in enis:
        for text in (eni.primary_ip, *eni.secondary_ips):
            offset = _offset(text, base, size)
            if offset is not None:
                singles.add(offset)
                occupied.add(offset >> 4)
        for text in eni.prefixes:
            block = _block(text, base, size)
            if block is not None:
                prefixes.add(block)
                occupied.update(range(block[0] >> 4, (block[0] + block[1] + 15) >> 4))
    held = len(singles) + sum(length for _, length in prefixes)
    available = subnet.AvailableIpAddressCount
    if available is not None and size - AWS_RESERVED - held < available:
        return None
    blocks = size >> 4
    taken = set(singles)
    for start, length in prefixes:
        taken.update(range(start, start + length))
    known = views.reservations_by_subnet
    kept = _reserved(known.get(subnet.SubnetId, []) if known is not None else [], base, size)
    explicit_blocks = {o >> 4 for o in kept["explicit"]} - occupied
    prefix_blocks = {o >> 4 for o in kept["prefix"]} - occupied - explicit_blocks
    return PrefixSpace(
        blocks,
        blocks - len(occupied) - len(explicit_blocks),
        len(singles),
        len(prefixes),
        len(enis),
        explicit_blocks=len(explicit_blocks),
        prefix_reserved_blocks=len(prefix_blocks),
        explicit_free_ips=len(kept["explicit"] - taken),
        prefix_reserved_free_ips=len(kept["prefix"] - kept["explicit"] - taken),
        reservations_known=known is not None,
    )


def _reserved(
    reservations: Iterable[SubnetCidrReservation], base: int, size: int
) -> dict[str, set[int]]:
    """Offsets inside the subnet of its `explicit` and `prefix` reservations (AWS's own five
    reserved addresses left out: they are never free anyway)."""
    kept: dict[str, set[int]] = {"explicit": set(), "prefix": set()}
    never = {0, 1, 2, 3, size - 1}
    for reservation in reservations:
        kind = reservation.ReservationType
        block = _block(reservation.Cidr or "", base, size)
        if kind in kept and block is not None:
            start, length = block
            kept[kind].update(o for o in range(start, min(start + length, size)) if o not in never)
    return kept


def usable_free_ips(space: PrefixSpace | None, subnet: Subnet, *, prefixes: bool) -> int | None:
    """Free addresses EC2 would hand out: AvailableIpAddressCount minus the unheld addresses of
    explicit reservations, and (for secondary IPs, `prefixes=False`) of prefix reservations too.
    The one place a subnet's free count is corrected for reservations."""
    free = subnet.AvailableIpAddressCount
    if free is None or space is None:
        return free
    withheld = space.explicit_free_ips + (0 if prefixes else space.prefix_reserved_free_ips)
    return max(free - withheld, 0)


def reservation_evidence(views: Views, subnet: Subnet) -> list[str]:
    """One line per reservation of the subnet, or one saying they were not collected."""
    known = views.reservations_by_subnet
    if known is None:
        return [
            f"subnet/{subnet.SubnetId}: CIDR reservations not collected (no "
            "aws/ec2-describe-subnet-cidr-reservations.json); free counts assume none"
        ]
    return [
        f"subnet/{subnet.SubnetId}: {r.ReservationType} reservation "
        f"{r.SubnetCidrReservationId} {r.Cidr}" + (f" ({r.Description})" if r.Description else "")
        for r in known.get(subnet.SubnetId, [])
    ]


def _offset(text: str | None, base: int, size: int) -> int | None:
    value = ipv4_int(text)
    if value is None:
        return None
    return value - base if 0 <= value - base < size else None


def _block(text: str, base: int, size: int) -> tuple[int, int] | None:
    address, _, length = text.partition("/")
    value = ipv4_int(address)
    if value is None or not length.isdigit() or int(length) > 32:
        return None
    span = 1 << (32 - int(length))
    start = (value & ~(span - 1)) - base
    return (start, span) if 0 <= start < size else None


def fragmented(space: PrefixSpace | None, subnet: Subnet) -> bool:
    """No free aligned /28 although AvailableIpAddressCount (less explicit reservations)
    could hold one."""
    free = usable_free_ips(space, subnet, prefixes=True)
    return space is not None and space.free_blocks == 0 and free is not None and free >= 16


# --- warm pool -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TopUp:
    """What ipamd asks EC2 for the next time the node's warm pool runs low."""

    addresses: int
    prefixes: int
    """/28 prefixes in that request (0 in secondary-IP mode)."""
    reason: str


def next_top_up(views: Views, view: NodeView) -> TopUp | None:
    """The node's next warm-pool request under WARM_ENI_TARGET / WARM_IP_TARGET /
    MINIMUM_IP_TARGET / WARM_PREFIX_TARGET; nothing at its ENI limit; None when unknown."""
    limits = view.limits
    if limits is None:
        return None
    state = eni_state(views, view)
    if state is not None and state.at_limit:
        return TopUp(0, 0, "at its ENI limit, it asks for nothing more")
    cni = views.cni
    warm_ip = _positive(cni.number("WARM_IP_TARGET"))
    minimum = _positive(cni.number("MINIMUM_IP_TARGET"))
    warm_eni = max(cni.number("WARM_ENI_TARGET") or 0, 1)
    per_eni = limits.ipv4_per_eni
    if views.node_max_pods_input(view).prefix_delegation:
        warm_prefix = _positive(cni.number("WARM_PREFIX_TARGET"))
        if warm_ip:
            count, why = math.ceil(warm_ip / PREFIX_SIZE), f"WARM_IP_TARGET={warm_ip}"
        elif minimum:
            count, why = 1, f"MINIMUM_IP_TARGET={minimum} without WARM_IP_TARGET, one at a time"
        elif warm_prefix:
            count, why = warm_prefix, f"WARM_PREFIX_TARGET={warm_prefix}"
        else:
            # ipamd's isDatastorePoolTooLow reads WARM_PREFIX_TARGET, not WARM_ENI_TARGET, under
            # prefix delegation; unset (0) it tops up only when no address is free, a prefix
            # at a time.
            count, why = (
                1,
                "WARM_PREFIX_TARGET unset (WARM_ENI_TARGET does not apply with prefixes)",
            )
        return TopUp(count * PREFIX_SIZE, count, f"{why}: {count} /28 prefix(es)")
    if warm_ip:
        return TopUp(warm_ip, 0, f"WARM_IP_TARGET={warm_ip}: {warm_ip} IPs")
    if minimum:
        return TopUp(1, 0, f"MINIMUM_IP_TARGET={minimum} without WARM_IP_TARGET: one IP at a time")
    amount = warm_eni * per_eni
    return TopUp(
        amount,
        0,
        f"WARM_ENI_TARGET={warm_eni}: whole {limits.instance_type} ENIs, {amount} IPs",
    )


def _positive(value: int | None) -> int | None:
    return value if value is not None and value > 0 else None


# --- subnet pools --------------------------------------------------------------------------


@dataclass
class SubnetPool:
    """Subnets a set of nodes draws pod IPs from, with what one warm-pool round needs."""

    subnets: tuple[Subnet, ...]
    nodes: list[tuple[NodeView, TopUp]] = field(default_factory=list)
    withheld: tuple[int, int] = (0, 0)
    """Free addresses in (explicit, prefix) CIDR reservations of its subnets: never handed
    out / handed out only as delegated /28s."""

    @property
    def free(self) -> int:
        """Free addresses EC2 would hand out for this pool's nodes (reservations deducted)."""
        explicit, prefix = self.withheld
        total = sum(s.AvailableIpAddressCount or 0 for s in self.subnets) - explicit
        return max(total - (0 if self.prefix_demand else prefix), 0)

    @property
    def demand(self) -> int:
        """Addresses one top-up round of every node asks for."""
        return sum(top.addresses for _, top in self.nodes)

    @property
    def prefix_demand(self) -> int:
        return sum(top.prefixes for _, top in self.nodes)

    def spaces(self, views: Views) -> list[PrefixSpace | None]:
        return [prefix_space(views, s) for s in self.subnets]

    def free_blocks(self, views: Views) -> int:
        """Free aligned /28s; AvailableIpAddressCount // 16 where the ENIs cannot say (an
        upper bound, so a shortage found with it is real)."""
        return sum(
            space.free_blocks if space is not None else (s.AvailableIpAddressCount or 0) // 16
            for s, space in zip(self.subnets, self.spaces(views), strict=True)
        )

    def fragmented(self, views: Views) -> bool:
        """Prefix nodes draw on it and no subnet has a free /28 although free IPs remain."""
        return self.prefix_demand > 0 and all(
            fragmented(space, s) for s, space in zip(self.subnets, self.spaces(views), strict=True)
        )

    def short(self, views: Views) -> bool:
        """Fewer free IPs (or /28s) than one warm-pool round of its nodes; an empty subnet
        always counts (a new node could not even get its primary IP)."""
        if self.free < max(self.demand, 1):
            return True
        return self.prefix_demand > 0 and self.free_blocks(views) < self.prefix_demand


def pool_of(views: Views, subnets: Iterable[Subnet]) -> SubnetPool:
    """A pool of these subnets with the free addresses of their CIDR reservations withheld."""
    subnets = tuple(subnets)
    spaces = [prefix_space(views, s) for s in subnets]
    withheld = (
        sum(sp.explicit_free_ips for sp in spaces if sp is not None),
        sum(sp.prefix_reserved_free_ips for sp in spaces if sp is not None),
    )
    return SubnetPool(subnets, withheld=withheld)


def subnet_pools(
    views: Views,
    nodes: Iterable[NodeView],
    subnets_of: Callable[[Views, NodeView], list[Subnet]],
) -> list[SubnetPool]:
    """Group nodes by the subnets their pod IPs come from; nodes whose subnets or instance
    type the bundle lacks are left out (never guessed)."""
    pools: dict[tuple[str, ...], SubnetPool] = {}
    for view in nodes:
        subnets = subnets_of(views, view)
        top = next_top_up(views, view)
        if not subnets or top is None:
            continue
        if any(s.AvailableIpAddressCount is None for s in subnets):
            continue  # a free count the bundle does not give is not zero
        key = tuple(s.SubnetId for s in subnets)
        if key not in pools:
            pools[key] = pool_of(views, subnets)
        pool = pools[key]
        pool.nodes.append((view, top))
    return list(pools.values())


def short_pools(views: Views) -> list[SubnetPool]:
    """The pools of aws-node's nodes (`_ipam.pod_subnets`) that are short for one warm-pool
    round; a fragmented pool is left out (prefix-delegation reports it)."""
    pools = subnet_pools(views, cni_nodes(views), pod_subnets)
    return [p for p in pools if p.short(views) and not p.fragmented(views)]


def pool_evidence(views: Views, pool: SubnetPool) -> list[str]:
    """Evidence lines for a pool: its free IPs (and /28s) against one warm-pool round."""
    lines = []
    for subnet, space in zip(pool.subnets, pool.spaces(views), strict=True):
        line = (
            f"subnet/{subnet.SubnetId} ({subnet.CidrBlock}, {subnet.AvailabilityZone}): "
            f"AvailableIpAddressCount {subnet.AvailableIpAddressCount}"
        )
        if pool.prefix_demand and space is not None:
            line += f", {space.free_blocks} of {space.blocks} aligned /28 blocks free"
        lines.append(line)
        if views.reservations_by_subnet is not None:
            lines.extend(reservation_evidence(views, subnet))
    if views.reservations_by_subnet is None:
        lines.append(
            "subnet CIDR reservations not collected (no "
            "aws/ec2-describe-subnet-cidr-reservations.json): free counts assume none"
        )
    for view, top in pool.nodes[:5]:
        lines.append(f"node/{view.name} ({view.instance_type}): next top-up {top.reason}")
    if len(pool.nodes) > 5:
        lines.append(f"… and {len(pool.nodes) - 5} more nodes")
    need = f"{pool.demand} IPs"
    if pool.prefix_demand:
        need += f" in {pool.prefix_demand} aligned /28 prefixes"
    lines.append(
        f"one warm-pool round of these {len(pool.nodes)} node(s) needs {need}; "
        f"{pool.free} IPs are free"
    )
    return lines
