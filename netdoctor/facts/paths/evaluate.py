"""`trace`: the hops a flow from a source to a destination crosses, each judged from the bundle.

Order of the hops for a flow that leaves the source's ENI:
service (svc/…) → snat (pods) → security group egress of the sending ENI → network ACL of its
subnet → its route table → NAT gateway (its subnet's ACL and route table) → internet gateway,
or, inside the VPC, the network ACL of the destination's subnet → security group ingress of the
destination's ENI. `--to api` adds the endpoint-access hops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdoctor.errors import UsageError
from netdoctor.facts.addresses import Network, parse_network
from netdoctor.facts.flows import Flow, Protocol, covers
from netdoctor.facts.paths import endpoint
from netdoctor.facts.paths.context import Walk
from netdoctor.facts.paths.ends import (
    API,
    INTERNET,
    Place,
    resolve_address,
    resolve_destination,
    resolve_source,
)
from netdoctor.facts.paths.filters import acl_hop, groups_hop
from netdoctor.facts.paths.inbound import trace_inbound
from netdoctor.facts.paths.model import End, Hop, HopKind, HopVerdict, Playbook, Trace
from netdoctor.facts.paths.routes import EGRESS_PLAYBOOK, Exit, Routed, Sender, route
from netdoctor.facts.paths.service import backends
from netdoctor.facts.paths.snat import Wire, snat
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot

DEFAULT_PORT = 443
CLUSTER_SG_FIX = Playbook(endpoint.PLAYBOOK, "cluster-sg-443")
MAX_BACKENDS = 20


def trace(
    snap: Snapshot,
    source: str,
    destination: str,
    *,
    port: int | None = None,
    protocol: str = "tcp",
) -> Trace:
    """Trace `protocol`/`port` from `source` to `destination` (the `--from`/`--to` grammar).

    Raises:
        UsageError: a source or destination the bundle does not know, a bad port or protocol.
    """
    try:
        proto = Protocol(protocol)
    except ValueError:
        raise UsageError(f"--protocol {protocol}: expected tcp, udp or icmp") from None
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"--port {port}: expected 1-65535")
    if source == INTERNET:
        return trace_inbound(snap, destination, proto, port)
    views = snap.views
    src = resolve_source(views, source)
    dst = resolve_destination(views, destination)
    if proto is Protocol.ICMP:
        chosen = None
    elif dst.service is not None:
        chosen = port
    else:
        chosen = port if port is not None else DEFAULT_PORT
    result = Trace(src.end, dst.end, proto.value, chosen)
    if dst.service is not None:
        result.hops, result.port = _to_service(snap, src, dst, proto, chosen)
        return result
    walk = Walk(snap, Flow(proto, chosen))
    if dst.end.kind == API:
        _to_api(walk, src)
    else:
        _path(walk, src, dst)
    result.hops = walk.hops
    return result


def _target_of(place: Place) -> Network:
    net = parse_network(place.end.address if place.ip is None else place.ip)
    if net is None:  # resolve_destination only returns parseable ends
        raise UsageError(f"--to {place.end.text}: no address")
    return net


def _public_ips(place: Place, wire: Wire) -> tuple[str, ...]:
    """The sender's public addresses, when its wire address is the one they map to."""
    found: list[str] = []
    instance = place.node.instance if place.node is not None else None
    if (
        instance is not None
        and instance.PublicIpAddress
        and wire.address == instance.PrivateIpAddress
    ):
        found.append(instance.PublicIpAddress)
    eni = wire.eni
    if eni is not None and wire.address == eni.primary_ip:
        found += [ip for ip in eni.public_ips if ip not in found]
    return tuple(found)


def _sender(walk: Walk, place: Place, wire: Wire) -> Sender:
    ips = _public_ips(place, wire)
    if place.host_network or wire.translated:
        what = "node" if place.node is not None else "sender"
        return Sender(
            wire.address,
            ips,
            f"{what} IP {wire.address} has no public IP",
            Playbook(EGRESS_PLAYBOOK, "igw-no-public-ip"),
        )
    if walk.views.cni.external_snat:
        return Sender(
            wire.address,
            ips,
            f"AWS_VPC_K8S_CNI_EXTERNALSNAT=true leaves pod IP {wire.address} "
            "untranslated, and a pod IP has no public IP",
            Playbook(EGRESS_PLAYBOOK, "external-snat-igw"),
        )
    return Sender(wire.address, ips, f"pod IP {wire.address} has no public IP")


def _path(
    walk: Walk,
    src: Place,
    dst: Place,
    *,
    target: Network | None = None,
    dst_groups: list[str] | None = None,
    ingress_fix: Playbook | None = None,
) -> Routed:
    """The hops from `src` to `dst` (or to the network `target`)."""
    target = target if target is not None else _target_of(dst)
    wire = snat(walk, src, target)
    groups = wire.eni.security_groups if wire.eni is not None else None
    known_dst = dst_groups if dst_groups is not None else dst.groups
    vpc = walk.vpc_cidrs or []
    outside = not any(covers(c, target) for c in vpc) and walk.vpc_cidrs is not None
    peer_groups = [] if outside else known_dst
    groups_hop(
        walk,
        groups,
        egress=True,
        peer=target,
        peer_groups=peer_groups,
        missing=src.missing,
        what=src.end.text,
    )
    src_subnet = wire.eni.subnet_id if wire.eni is not None else src.subnet_id
    dst_subnet = dst.subnet_id if dst.eni is not None or dst.node is not None else None
    same_subnet = src_subnet is not None and src_subnet == dst_subnet
    if not same_subnet:
        acl_hop(walk, src_subnet, leaving=True, peer=target)
    routed = route(walk, src_subnet, target, _sender(walk, src, wire))
    if routed.exit is not Exit.LOCAL:
        return routed
    sender = parse_network(wire.address)
    if dst.ip is None or sender is None:
        walk.add(
            Hop(
                HopKind.SECURITY_GROUP,
                "?",
                HopVerdict.UNKNOWN,
                f"{target} is a network, not one address: no single ENI's groups decide",
                "ingress",
            )
        )
        return routed
    if not same_subnet and dst_subnet is not None:
        acl_hop(walk, dst_subnet, leaving=False, peer=sender)
    elif dst_subnet is None:
        acl_hop(walk, None, leaving=False, peer=sender)
    groups_hop(
        walk,
        known_dst,
        egress=False,
        peer=sender,
        peer_groups=list(groups) if groups is not None else None,
        missing=dst.missing,
        what=dst.end.text,
        **({"fix": ingress_fix} if ingress_fix else {}),
    )
    return routed


def _to_api(walk: Walk, src: Place) -> None:
    plan = endpoint.plan(walk)
    if plan.private is None or plan.access is None:
        return
    if plan.private:
        if plan.enis:
            eni = plan.enis[0]
            dst = Place(End(API, "api", eni.primary_ip), eni.primary_ip, eni=eni)
            _path(walk, src, dst, dst_groups=plan.groups, ingress_fix=CLUSTER_SG_FIX)
            return
        walk.add(
            Hop(
                HopKind.ENDPOINT_ACCESS,
                f"cluster/{plan.access.name}",
                HopVerdict.UNKNOWN,
                "the private endpoint's ENIs (description 'Amazon EKS "
                f"{plan.access.name}') are not in the bundle: its address is unknown",
                missing=_missing_enis(walk),
            )
        )
        sender = parse_network(src.ip)
        if sender is not None:
            groups_hop(
                walk,
                plan.groups,
                egress=False,
                peer=sender,
                peer_groups=src.groups,
                what="the private endpoint",
                fix=CLUSTER_SG_FIX,
            )
        return
    internet = parse_network("0.0.0.0/0")
    assert internet is not None
    routed = _path(walk, src, Place(End(API, "api", None), None), target=internet)
    if walk.blocked:
        return
    endpoint.public_cidrs(walk, plan.access, routed.public_ip)


def _missing_enis(walk: Walk) -> tuple[str, ...]:
    return () if walk.snap.has(files.AWS_NETWORK_INTERFACES) else (files.AWS_NETWORK_INTERFACES,)


def _to_service(
    snap: Snapshot, src: Place, dst: Place, proto: Protocol, port: int | None
) -> tuple[list[Hop], int | None]:
    """The service hop, then the path to one ready endpoint: the first that blocks, else the
    first unknown, else the first."""
    assert dst.service is not None
    found = backends(snap, dst.service, port)
    if not found.addresses:
        return [found.hop], found.port
    flow = Flow(proto, None if proto is Protocol.ICMP else found.port)
    walks = []
    for address in found.addresses[:MAX_BACKENDS]:
        walk = Walk(snap, flow)
        _path(walk, src, resolve_address(snap.views, address))
        walks.append(walk)
    order = {HopVerdict.BLOCK: 0, HopVerdict.UNKNOWN: 1, HopVerdict.PASS: 2}

    def worst(walk: Walk) -> int:
        return min((order[h.verdict] for h in walk.hops), default=1)

    chosen = min(walks, key=worst)
    return [found.hop, *chosen.hops], flow.port
