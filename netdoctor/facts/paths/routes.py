"""The routing hops: the subnet's route table (longest prefix match, prefix lists included),
then where its route leads: the VPC itself (`local`), a NAT gateway and its own subnet's route,
an internet gateway (which needs a public address on the sender), a transit gateway, a peering
connection, a VPN gateway, a VPC endpoint, an appliance."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from netdoctor.facts import routing as r
from netdoctor.facts.addresses import Network, is_public, parse_network
from netdoctor.facts.paths.filters import NAT_PORTS, acl_hop
from netdoctor.facts.paths.model import Hop, HopKind, HopVerdict, Playbook
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.paths.context import Walk
    from netdoctor.snapshot.aws_types import NatGateway, Route

EGRESS_PLAYBOOK = "egress-snat-route"
BEYOND = (
    "what lies beyond is not in a netdoctor bundle (its route tables, ACLs and security groups)"
)


class Exit(StrEnum):
    LOCAL = "local"
    """Stays in the VPC: the destination's subnet and ENI decide the rest."""
    INTERNET = "internet"
    """Left through an internet gateway (or egress-only gateway)."""
    SERVICE = "service"
    """Reached an AWS service through a gateway VPC endpoint."""
    LEFT_VPC = "left-vpc"
    """Handed to a transit gateway, peering connection or VPN gateway: the VPC's part passed,
    the rest is another network's."""
    STOPPED = "stopped"
    """Blocked, or unknown beyond this point."""


@dataclass(frozen=True)
class Sender:
    """Who the route table forwards for: its private address and public ones."""

    address: str | None
    public_ips: tuple[str, ...] = ()
    why_no_public: str = ""
    """Why the sender has no public address (for the internet gateway hop)."""
    no_public_playbook: Playbook | None = None


@dataclass(frozen=True)
class Routed:
    exit: Exit
    public_ip: str | None = None
    """The public address the traffic reached the internet with."""


def _route_text(route: Route, matched: str | None) -> str:
    dest = route.DestinationPrefixListId or route.DestinationCidrBlock or "?"
    if route.DestinationPrefixListId and matched:
        dest = f"{dest} (entry {matched})"
    return f"{dest} → {route.target} (state {route.State or 'unknown'})"


def route(
    walk: Walk,
    subnet_id: str | None,
    target: Network,
    sender: Sender,
    *,
    depth: int = 0,
    via_nat: NatGateway | None = None,
) -> Routed:
    """Add the route-table hop of `subnet_id` and the hops its route leads to."""
    snap = walk.snap
    if not subnet_id:
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                "?",
                HopVerdict.UNKNOWN,
                "the sender's subnet is unknown",
                missing=(files.AWS_NETWORK_INTERFACES,),
            )
        )
        return Routed(Exit.STOPPED)
    if not snap.has(files.AWS_ROUTE_TABLES):
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                subnet_id,
                HopVerdict.UNKNOWN,
                "route tables are not in the bundle",
                missing=(files.AWS_ROUTE_TABLES,),
            )
        )
        return Routed(Exit.STOPPED)
    table, explicit = r.route_table(walk.views, subnet_id, walk.vpc_id)
    if table is None:
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                subnet_id,
                HopVerdict.UNKNOWN,
                f"no route table of the bundle governs subnet {subnet_id}",
            )
        )
        return Routed(Exit.STOPPED)
    how = "explicit association" if explicit else "the VPC's main table"
    where = f"subnet {subnet_id} → {table.RouteTableId} ({how})"
    choice = r.route_for(snap, table, target)
    if choice.unresolved:
        lacking = () if snap.has(files.AWS_PREFIX_LISTS) else (files.AWS_PREFIX_LISTS,)
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                table.RouteTableId,
                HopVerdict.UNKNOWN,
                f"{where}: routes to prefix list(s) {', '.join(choice.unresolved)} whose "
                "entries are not in the bundle might match",
                missing=lacking,
            )
        )
        return Routed(Exit.STOPPED)
    found = choice.route
    if via_nat is not None:
        fix = Playbook(EGRESS_PLAYBOOK, "nat-misplaced")
        no_route, dead = fix, fix
    else:
        no_route = Playbook(EGRESS_PLAYBOOK, "no-default-route")
        dead = Playbook(EGRESS_PLAYBOOK, "blackhole-default-route")
    if found is None:
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                table.RouteTableId,
                HopVerdict.BLOCK,
                f"{where}: no route covers {target}",
                playbook=no_route,
            )
        )
        return Routed(Exit.STOPPED)
    text = f"{where}: {_route_text(found, choice.matched)}"
    if (found.State or "").lower() == r.BLACKHOLE:
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                table.RouteTableId,
                HopVerdict.BLOCK,
                f"{text}: the target no longer exists",
                playbook=dead,
            )
        )
        return Routed(Exit.STOPPED)
    walk.add(Hop(HopKind.ROUTE_TABLE, table.RouteTableId, HopVerdict.PASS, text))
    return _target(walk, found, target, sender, subnet_id, depth, via_nat)


def _target(
    walk: Walk,
    found: Route,
    target: Network,
    sender: Sender,
    subnet_id: str,
    depth: int,
    via_nat: NatGateway | None,
) -> Routed:
    gateway = found.GatewayId or ""
    if gateway == "local":
        return Routed(Exit.LOCAL)
    if found.NatGatewayId:
        return _nat(walk, found.NatGatewayId, target, sender, subnet_id, depth, via_nat)
    if gateway.startswith("igw-"):
        return _igw(walk, gateway, target, sender, via_nat)
    if found.EgressOnlyInternetGatewayId:
        walk.add(
            Hop(
                HopKind.EGRESS_ONLY_GATEWAY,
                found.EgressOnlyInternetGatewayId,
                HopVerdict.PASS,
                "IPv6 out through the egress-only internet gateway",
            )
        )
        return Routed(Exit.INTERNET, sender.address)
    handoff = _handoff(found, gateway, target)
    if handoff is not None:
        walk.add(handoff)
        return Routed(Exit.LEFT_VPC)
    if gateway.startswith("vpce-"):
        return _vpc_endpoint(walk, gateway)
    walk.add(
        Hop(
            HopKind.APPLIANCE,
            found.target,
            HopVerdict.UNKNOWN,
            f"routed to {found.target} (an instance, ENI or other gateway): what it forwards "
            f"is not in the bundle",
        )
    )
    return Routed(Exit.STOPPED)


def _handoff(found: Route, gateway: str, target: Network) -> Hop | None:
    """The hop that hands the traffic to another network, or None for other targets.

    The VPC's part of the path passed: the route chose this gateway, the way centralised egress
    through a transit gateway or a peered database is meant to work (egress-snat-route treats a
    default route to one as healthy too). The hop passes and names the edge; `Trace.leaves_at`
    tells the reader the verdict covers the VPC only."""
    if found.TransitGatewayId:
        kind, hop_id, what = HopKind.TRANSIT_GATEWAY, found.TransitGatewayId, "transit gateway"
    elif found.VpcPeeringConnectionId:
        kind, hop_id, what = HopKind.PEERING, found.VpcPeeringConnectionId, "peering connection"
    elif gateway.startswith("vgw-"):
        kind, hop_id, what = HopKind.VPN_GATEWAY, gateway, "VPN gateway"
    else:
        return None
    return Hop(
        kind,
        hop_id,
        HopVerdict.PASS,
        f"leaves the VPC for {target} through {what} {hop_id}; {BEYOND}",
    )


def _vpc_endpoint(walk: Walk, endpoint_id: str) -> Routed:
    snap = walk.snap
    if not snap.has(files.AWS_VPC_ENDPOINTS):
        walk.add(
            Hop(
                HopKind.VPC_ENDPOINT,
                endpoint_id,
                HopVerdict.UNKNOWN,
                "VPC endpoints are not in the bundle",
                missing=(files.AWS_VPC_ENDPOINTS,),
            )
        )
        return Routed(Exit.STOPPED)
    endpoint = next((e for e in snap.vpc_endpoints if e.VpcEndpointId == endpoint_id), None)
    if endpoint is None:
        walk.add(
            Hop(
                HopKind.VPC_ENDPOINT,
                endpoint_id,
                HopVerdict.UNKNOWN,
                f"{endpoint_id} is not described in {files.AWS_VPC_ENDPOINTS}",
            )
        )
        return Routed(Exit.STOPPED)
    kind = endpoint.VpcEndpointType or "Gateway"
    state = (endpoint.State or "available").lower()
    if kind == "GatewayLoadBalancer":
        walk.add(
            Hop(
                HopKind.APPLIANCE,
                endpoint_id,
                HopVerdict.UNKNOWN,
                f"inspected by the firewall appliances behind {endpoint_id} "
                f"({endpoint.ServiceName}): their rules are not in the bundle",
            )
        )
        return Routed(Exit.STOPPED)
    if state != "available":
        walk.add(
            Hop(
                HopKind.VPC_ENDPOINT,
                endpoint_id,
                HopVerdict.BLOCK,
                f"gateway endpoint {endpoint_id} ({endpoint.ServiceName}) is {state}",
            )
        )
        return Routed(Exit.STOPPED)
    walk.add(
        Hop(
            HopKind.VPC_ENDPOINT,
            endpoint_id,
            HopVerdict.PASS,
            f"gateway endpoint {endpoint_id} to {endpoint.ServiceName} (state {state})",
        )
    )
    return Routed(Exit.SERVICE)


def _nat(
    walk: Walk,
    nat_id: str,
    target: Network,
    sender: Sender,
    subnet_id: str,
    depth: int,
    via_nat: NatGateway | None,
) -> Routed:
    views = walk.views
    nat = views.nat_gateways_by_id.get(nat_id)
    if via_nat is not None:
        walk.add(
            Hop(
                HopKind.NAT_GATEWAY,
                via_nat.NatGatewayId,
                HopVerdict.BLOCK,
                f"the NAT gateway's own subnet {subnet_id} routes {target} to another NAT "
                f"gateway ({nat_id}), not to an internet gateway",
                playbook=Playbook(EGRESS_PLAYBOOK, "nat-misplaced"),
            )
        )
        return Routed(Exit.STOPPED)
    if nat is None:
        lacking = () if walk.snap.has(files.AWS_NAT_GATEWAYS) else (files.AWS_NAT_GATEWAYS,)
        walk.add(
            Hop(
                HopKind.NAT_GATEWAY,
                nat_id,
                HopVerdict.UNKNOWN,
                f"{nat_id} is not described in the bundle",
                missing=lacking,
            )
        )
        return Routed(Exit.STOPPED)
    problem = r.nat_state_problem(nat)
    if problem:
        walk.add(
            Hop(
                HopKind.NAT_GATEWAY,
                nat_id,
                HopVerdict.BLOCK,
                f"{nat_id} is {problem}",
                playbook=Playbook(EGRESS_PLAYBOOK, "nat-unavailable"),
            )
        )
        return Routed(Exit.STOPPED)
    public = r.nat_is_public(nat)
    ips = tuple(r.nat_public_ips(nat)) if public else ()
    private_ip = next((a.PrivateIp for a in nat.NatGatewayAddresses or () if a.PrivateIp), None)
    kind = "public" if public else "private"
    walk.add(
        Hop(
            HopKind.NAT_GATEWAY,
            nat_id,
            HopVerdict.PASS,
            f"{kind} NAT gateway {nat_id} (state {nat.State or 'unknown'}) in subnet "
            f"{nat.SubnetId}: translates {sender.address} to "
            f"{', '.join(ips) or private_ip or 'its address'}",
        )
    )
    if depth >= 2 or not nat.SubnetId:
        return Routed(Exit.STOPPED)
    sender_net = parse_network(sender.address)
    if sender_net is not None:
        acl_hop(walk, nat.SubnetId, leaving=False, peer=sender_net)
    acl_hop(walk, nat.SubnetId, leaving=True, peer=target, reply_ports=NAT_PORTS)
    why = "" if public else f"{nat_id} is a private NAT gateway: it has no public address"
    translated = Sender(private_ip, ips, why, Playbook(EGRESS_PLAYBOOK, "nat-misplaced"))
    return route(walk, nat.SubnetId, target, translated, depth=depth + 1, via_nat=nat)


def _igw(
    walk: Walk, igw_id: str, target: Network, sender: Sender, via_nat: NatGateway | None
) -> Routed:
    snap = walk.snap
    if snap.has(files.AWS_INTERNET_GATEWAYS):
        igw = next((g for g in snap.internet_gateways if g.InternetGatewayId == igw_id), None)
        attached = igw is not None and any(
            (a.State or "").lower() in ("available", "attached")
            and (walk.vpc_id is None or a.VpcId == walk.vpc_id)
            for a in igw.Attachments or ()
        )
        if not attached:
            walk.add(
                Hop(
                    HopKind.INTERNET_GATEWAY,
                    igw_id,
                    HopVerdict.BLOCK,
                    f"{igw_id} is not attached to {walk.vpc_id or 'the VPC'}",
                    playbook=Playbook(EGRESS_PLAYBOOK, "blackhole-default-route"),
                )
            )
            return Routed(Exit.STOPPED)
    public = next((ip for ip in sender.public_ips if is_public(ip)), None)
    if public is None:
        why = sender.why_no_public or f"{sender.address} has no public IP"
        walk.add(
            Hop(
                HopKind.INTERNET_GATEWAY,
                igw_id,
                HopVerdict.BLOCK,
                f"{why}: an internet gateway only translates public addresses",
                playbook=sender.no_public_playbook,
            )
        )
        return Routed(Exit.STOPPED)
    walk.add(
        Hop(
            HopKind.INTERNET_GATEWAY,
            igw_id,
            HopVerdict.PASS,
            f"{sender.address} leaves as public {public}"
            + (" (the NAT gateway's Elastic IP)" if via_nat is not None else ""),
        )
    )
    return Routed(Exit.INTERNET, public)
