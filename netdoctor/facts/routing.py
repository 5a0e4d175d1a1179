"""Routing facts shared by `egress-snat-route` and `private-endpoint-access`.

How a subnet's traffic leaves for the internet, read from its route table (the explicit
association, else its VPC's main table); whether a NAT gateway can itself reach an internet
gateway; which public IP a node's traffic leaves with. Nothing here guesses: a fact the bundle
does not hold comes back as `unknown`/None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from netdoctor.facts.access import known_id
from netdoctor.facts.addresses import Network
from netdoctor.facts.flows import covers
from netdoctor.facts.prefixlists import prefix_list_match
from netdoctor.facts.views import DEFAULT_ROUTE
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.views import Host, NodeView, Views
    from netdoctor.snapshot.aws_types import NatGateway, Route, RouteTable
    from netdoctor.snapshot.snapshot import Snapshot

AVAILABLE = "available"
BLACKHOLE = "blackhole"
# Route targets that lead to other private networks: peering, transit gateway, VPN gateway.
PRIVATE_NETWORK_TARGETS = ("pcx-", "tgw-", "vgw-")


class EgressKind(StrEnum):
    """Where a subnet's `0.0.0.0/0` route leads."""

    UNKNOWN = "unknown"
    """No route table known for the subnet."""
    NONE = "none"
    """The table has no `0.0.0.0/0` route."""
    BLACKHOLE = "blackhole"
    """The route's target is gone (state `blackhole`)."""
    IGW = "igw"
    NAT = "nat"
    OTHER = "other"
    """Transit gateway, peering, ENI, VPN gateway…: the internet may or may not be behind it."""


@dataclass(frozen=True)
class Egress:
    """A subnet's way to the internet, as its route table says."""

    subnet_id: str
    table: RouteTable | None
    explicit: bool
    """True when the subnet has its own association; False when the VPC's main table applies."""
    route: Route | None
    kind: EgressKind
    nat: NatGateway | None = None
    """The NAT gateway the route names, when the bundle describes it."""

    @property
    def table_id(self) -> str | None:
        return self.table.RouteTableId if self.table else None

    @property
    def target(self) -> str | None:
        return self.route.target if self.route else None

    def table_text(self) -> str:
        """`rtb-… (explicit association)` or `rtb-… (VPC main table: no explicit association)`."""
        how = (
            "explicit association"
            if self.explicit
            else "the VPC's main table: no explicit association"
        )
        return f"{self.table_id} ({how})"

    def route_text(self) -> str:
        """The default route as evidence: `subnet/… → route table rtb-… (explicit association):
        0.0.0.0/0 → nat-… (state active)`."""
        if self.route is None:
            return (
                f"subnet/{self.subnet_id} → route table {self.table_text()}: "
                f"no {DEFAULT_ROUTE} route"
            )
        state = self.route.State or "unknown"
        return (
            f"subnet/{self.subnet_id} → route table {self.table_text()}: "
            f"{DEFAULT_ROUTE} → {self.route.target} (state {state})"
        )


def route_table(
    views: Views, subnet_id: str, vpc_hint: str | None = None
) -> tuple[RouteTable | None, bool]:
    """(table, explicit) for a subnet, by the one rule of `Views.route_table_for`."""
    if not known_id(subnet_id, "subnet-"):
        return None, False
    return views.route_table_for(subnet_id, vpc_hint), views.route_table_is_explicit(subnet_id)


def subnet_egress(views: Views, subnet_id: str, vpc_hint: str | None = None) -> Egress:
    """Read the subnet's default route."""
    table, explicit = route_table(views, subnet_id, vpc_hint)
    if table is None:
        return Egress(subnet_id, None, False, None, EgressKind.UNKNOWN)
    route = views.default_route(table)
    if route is None:
        return Egress(subnet_id, table, explicit, None, EgressKind.NONE)
    if (route.State or "").lower() == BLACKHOLE:
        return Egress(subnet_id, table, explicit, route, EgressKind.BLACKHOLE)
    if route.NatGatewayId:
        nat = views.nat_gateways_by_id.get(route.NatGatewayId)
        return Egress(subnet_id, table, explicit, route, EgressKind.NAT, nat)
    # An IGW id that no file describes is still an IGW.
    if (route.GatewayId or "").startswith("igw-"):
        return Egress(subnet_id, table, explicit, route, EgressKind.IGW)
    return Egress(subnet_id, table, explicit, route, EgressKind.OTHER)


# --- NAT gateways ------------------------------------------------------------------------


def nat_is_public(nat: NatGateway) -> bool:
    """Public NAT gateways (the default) need an internet gateway; private ones do not."""
    return (nat.ConnectivityType or "public").lower() == "public"


def nat_public_ips(nat: NatGateway) -> list[str]:
    """The NAT gateway's public (Elastic) IPs."""
    return [a.PublicIp for a in nat.NatGatewayAddresses or () if a.PublicIp]


def nat_state_problem(nat: NatGateway) -> str | None:
    """`failed (InsufficientFreeAddressesInSubnet: …)` when the NAT is not available, else None."""
    state = (nat.State or "").lower()
    if not state or state == AVAILABLE:
        return None
    why = ": ".join(x for x in (nat.FailureCode, nat.FailureMessage) if x)
    return f"{state} ({why})" if why else state


def nat_upstream(views: Views, nat: NatGateway) -> Egress | None:
    """The egress of the subnet the NAT gateway sits in, or None when that is unknowable."""
    if not known_id(nat.SubnetId, "subnet-"):
        return None
    assert nat.SubnetId is not None
    upstream = subnet_egress(views, nat.SubnetId, nat.VpcId)
    return None if upstream.kind is EgressKind.UNKNOWN else upstream


def nat_upstream_broken(upstream: Egress | None) -> bool:
    """True when the NAT's own subnet provably cannot reach an internet gateway: no default
    route, a blackhole, or a default route into another NAT gateway (a private subnet)."""
    return upstream is not None and upstream.kind in (
        EgressKind.NONE,
        EgressKind.BLACKHOLE,
        EgressKind.NAT,
    )


def healthy_nats(views: Views) -> list[NatGateway]:
    """Public NAT gateways that are available and sit in a subnet routed to an internet gateway."""
    found = []
    for nat in views.nat_gateways_by_id.values():
        if not nat_is_public(nat) or (nat.State or "").lower() != AVAILABLE:
            continue
        upstream = nat_upstream(views, nat)
        if upstream is not None and upstream.kind is EgressKind.IGW:
            found.append(nat)
    return found


def candidate_nat(views: Views, subnet_id: str) -> NatGateway | None:
    """A healthy NAT gateway to route the subnet to: the same AZ's first, else any."""
    nats = healthy_nats(views)
    subnet = views.subnets_by_id.get(subnet_id)
    zone = subnet.AvailabilityZone if subnet else None

    def nat_zone(nat: NatGateway) -> str | None:
        home = views.subnets_by_id.get(nat.SubnetId or "")
        return home.AvailabilityZone if home else None

    same_zone = [n for n in nats if zone and nat_zone(n) == zone]
    choice = same_zone or nats
    return choice[0] if choice else None


# --- nodes -------------------------------------------------------------------------------


def node_vpc_id(view: Host) -> str | None:
    """The node's VPC, from its instance."""
    return view.instance.VpcId if view.instance is not None else None


def node_subnet_id(view: Host) -> str | None:
    """The subnet of the node's primary ENI."""
    if view.instance is not None and view.instance.SubnetId:
        return view.instance.SubnetId
    primary = next((e for e in view.enis if e.device_index == 0), None)
    return primary.subnet_id if primary else None


def pod_subnet_ids(view: NodeView) -> list[str]:
    """The subnets of every ENI on the node (primary first): with external SNAT a pod's traffic
    leaves through the route table of the subnet its own ENI is in."""
    found: list[str] = []
    primary = node_subnet_id(view)
    for subnet_id in (primary, *(e.subnet_id for e in view.enis)):
        if subnet_id and subnet_id not in found:
            found.append(subnet_id)
    return found


@dataclass(frozen=True)
class InternetPath:
    """Whether a node's own traffic reaches the internet, and with which public IPs."""

    reachable: bool | None
    """True, False, or None when the bundle cannot tell (TGW, unknown NAT, no instance…)."""
    egress: Egress
    public_ips: tuple[str, ...] = ()
    why: str = ""
    """Evidence for an unreachable path."""


def internet_path(views: Views, view: Host) -> InternetPath | None:
    """The node's (or unregistered instance's) path to the internet from its primary subnet;
    None without a subnet."""
    subnet_id = node_subnet_id(view)
    if not subnet_id:
        return None
    egress = subnet_egress(views, subnet_id, node_vpc_id(view))
    kind = egress.kind
    if kind is EgressKind.NONE:
        return InternetPath(False, egress, why=egress.route_text())
    if kind is EgressKind.BLACKHOLE:
        return InternetPath(
            False, egress, why=f"{egress.route_text()}: the target no longer exists"
        )
    if kind is EgressKind.IGW:
        public_ip = view.instance.PublicIpAddress if view.instance else None
        if view.instance is None:
            return InternetPath(None, egress)
        if public_ip:
            return InternetPath(True, egress, (public_ip,))
        return InternetPath(
            False,
            egress,
            why=f"{egress.route_text()}, but instance {view.instance.InstanceId} has no public IP: "
            "an internet gateway only translates public IPs",
        )
    if kind is EgressKind.NAT and egress.nat is not None:
        nat = egress.nat
        problem = nat_state_problem(nat)
        if problem:
            return InternetPath(
                False, egress, why=f"{egress.route_text()}; {nat.NatGatewayId} is {problem}"
            )
        if not nat_is_public(nat):
            return InternetPath(None, egress)
        upstream = nat_upstream(views, nat)
        if nat_upstream_broken(upstream):
            assert upstream is not None
            return InternetPath(
                False,
                egress,
                why=f"{egress.route_text()}; the NAT gateway's own {upstream.route_text()}",
            )
        if upstream is None:
            return InternetPath(None, egress)
        return InternetPath(True, egress, tuple(nat_public_ips(nat)))
    return InternetPath(None, egress)


def path_gaps(views: Views, paths: list[tuple[Host, InternetPath]]) -> list[str]:
    """The absent files that leave some node's internet path unknown (`paths` as
    `internet_path` gave them): the nodes, their instances (subnet, public IP), the route
    tables, the NAT gateways the routes name."""
    snap = views.snap
    gaps: list[str] = []

    def lacks(*rels: str) -> None:
        gaps.extend(rel for rel in rels if not snap.has(rel) and rel not in gaps)

    if not snap.has(files.K8S_NODES):
        lacks(files.K8S_NODES)
    placed = {view.name for view, _ in paths}
    sources = (files.AWS_INSTANCES, files.AWS_NETWORK_INTERFACES)
    if any(view.name not in placed for view in views.nodes) and not any(map(snap.has, sources)):
        lacks(*sources)
    for view, path in paths:
        kind = path.egress.kind
        if kind is EgressKind.UNKNOWN:
            lacks(files.AWS_ROUTE_TABLES)
        elif kind is EgressKind.NAT and path.egress.nat is None:
            lacks(files.AWS_NAT_GATEWAYS)
        elif kind is EgressKind.IGW and view.instance is None:
            lacks(files.AWS_INSTANCES)
    return gaps


@dataclass
class SubnetUse:
    """A subnet that some nodes' traffic leaves through, with its egress and those nodes."""

    egress: Egress
    nodes: list[NodeView] = field(default_factory=list)
    pod_only: bool = True
    """True when only pod ENIs use it (external SNAT), not any node's primary ENI."""

    @property
    def id(self) -> str:
        return self.egress.subnet_id

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.nodes]

    @property
    def refs(self) -> list[str]:
        return [v.ref for v in self.nodes]


def subnets_in_use(views: Views, external_snat: bool) -> dict[str, SubnetUse]:
    """Each node's primary subnet, plus (external SNAT) the subnets of its other ENIs, whose
    route tables then carry pod traffic."""
    found: dict[str, SubnetUse] = {}
    for view in views.nodes:
        primary = node_subnet_id(view)
        ids = pod_subnet_ids(view) if external_snat else [primary] if primary else []
        for subnet_id in ids:
            use = found.get(subnet_id)
            if use is None:
                egress = subnet_egress(views, subnet_id, node_vpc_id(view))
                use = found[subnet_id] = SubnetUse(egress)
            use.nodes.append(view)
            if subnet_id == primary:
                use.pod_only = False
    return found


# --- longest prefix match (trace) ---------------------------------------------------------


@dataclass(frozen=True)
class RouteChoice:
    """The route a table picks for a destination network."""

    route: Route | None
    matched: str | None = None
    """The CIDR that matched: the route's, or the prefix-list entry's."""
    unresolved: tuple[str, ...] = ()
    """Prefix lists whose entries the bundle lacks and that might hold a more specific match."""


def _route_rank(route: Route) -> int:
    """Among routes of equal prefix: static beats prefix-list beats propagated (Amazon VPC
    User Guide, "How route priority works")."""
    if route.Origin == "EnableVgwRoutePropagation":
        return 0
    return 1 if route.DestinationPrefixListId else 2


def route_for(snap: Snapshot, table: RouteTable, target: Network) -> RouteChoice:
    """The most specific route of `table` whose destination (a CIDR, or an entry of its
    prefix list) holds all of `target`."""
    best: tuple[int, int, Route, str] | None = None
    unresolved: list[str] = []
    for route in table.Routes or ():
        cidr: str | None = route.DestinationCidrBlock or route.DestinationIpv6CidrBlock
        if route.DestinationPrefixListId:
            cidr = prefix_list_match(snap, route.DestinationPrefixListId, target)
            if cidr is None:
                # An AWS service's prefix list (a gateway endpoint's) holds public ranges only.
                gateway = (route.GatewayId or "").startswith("vpce-")
                if not (gateway and not target.is_global):
                    unresolved.append(route.DestinationPrefixListId)
                continue
        if not cidr or not covers(cidr, target):
            continue
        key = (int(cidr.rsplit("/", 1)[-1]), _route_rank(route))
        if best is None or key > best[:2]:
            best = (*key, route, cidr)
    if best is None:
        return RouteChoice(None, None, tuple(unresolved))
    length = best[0]
    # A list could only outrank the match with a longer entry; /32 (or /128) cannot be beaten.
    beaten = unresolved if length < target.max_prefixlen else []
    return RouteChoice(best[2], best[3], tuple(beaten))
