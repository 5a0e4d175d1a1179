"""Traffic from the internet into the cluster through a load balancer: `--from internet --to
svc/NS/NAME` (a LoadBalancer Service) or `--to ingress/NS/NAME` (an ALB Ingress).

Hops, in order: the load balancer (built at all, scheme, state) → its security groups (ALBs, and
NLBs created with security groups) → the network ACL and route table of its subnets (an
internet-facing load balancer answers through an internet gateway) → the service's ready
endpoints → the network ACL of the target's subnet → the target's security groups: a node's
on the NodePort for instance targets, the pod's (its branch ENI's with security groups for pods)
on the pod port for ip targets. What the target sees as the sender follows ELB's rules: an ALB
connects from its own addresses; an NLB keeps the client's address for instance targets and UDP
and replaces it with its own for ip targets over TCP ("Client IP preservation"), and either may
be matched by a rule naming the load balancer's security group.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from netdoctor.errors import UsageError
from netdoctor.facts import loadbalancers as lb
from netdoctor.facts import routing as r
from netdoctor.facts.addresses import Network, parse_network
from netdoctor.facts.flows import Flow, Protocol
from netdoctor.facts.paths.context import Walk
from netdoctor.facts.paths.ends import ANY_V4, INTERNET, Place, resolve_address
from netdoctor.facts.paths.filters import NAT_PORTS, acl_hop, groups_hop
from netdoctor.facts.paths.model import End, Hop, HopKind, HopVerdict, Trace
from netdoctor.facts.paths.service import Backends, backends
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.views import Views
    from netdoctor.snapshot import aws_types as a
    from netdoctor.snapshot import k8s_types as k
    from netdoctor.snapshot.snapshot import Snapshot

ACTIVE = ("active", "active_impaired")
ALB_DEFAULT_PORT = 80
CLIENT_PORTS = NAT_PORTS
"""Replies go back to the client's source port; AWS advises 1024-65535 for ACLs facing the
internet or a load balancer (Amazon VPC User Guide, network ACLs, "Ephemeral ports")."""
MAX_TARGETS = 20


@dataclass(frozen=True)
class Front:
    """What the user named, resolved to a Service, its port and how the load balancer targets
    it."""

    text: str
    ref: str
    service: k.Service | None
    port: k.ServicePort | None
    hostnames: list[str]
    scheme: str | None
    scheme_why: str
    target_type: str
    target_why: str
    alb: bool
    problem: str = ""
    """Why no load balancer can carry the traffic (a ClusterIP Service…), else ""."""


def trace_inbound(snap: Snapshot, destination: str, proto: Protocol, port: int | None) -> Trace:
    """The trace from the internet to a LoadBalancer Service or an ALB Ingress.

    Raises:
        UsageError: not `svc/NS/NAME` or `ingress/NS/NAME`, or nothing of that name.
    """
    front = _front(snap, destination, port)
    listener = port if port is not None else _listener_port(front)
    result = Trace(
        End(INTERNET, INTERNET, ANY_V4),
        End(
            destination,
            "ingress" if front.alb and front.ref.startswith("ingress/") else "service",
            front.hostnames[0] if front.hostnames else None,
        ),
        proto.value,
        None if proto is Protocol.ICMP else listener,
    )
    walk = Walk(snap, Flow(proto, result.port))
    record = _lb_hop(walk, front)
    if walk.blocked or front.service is None or front.port is None:
        result.hops = walk.hops
        return result
    lb_sgs = list(record.SecurityGroups or ()) if record is not None else None
    lb_subnets = (
        [z.SubnetId for z in (record.AvailabilityZones or ()) if z.SubnetId] if record else []
    )
    _front_filters(walk, record, lb_sgs, lb_subnets)
    if walk.blocked:
        result.hops = walk.hops
        return result
    found = backends(snap, front.service, front.port.port)
    walk.add(found.hop)
    if walk.blocked:
        result.hops = walk.hops
        return result
    result.hops = walk.hops + _target_hops(snap, front, proto, found, lb_sgs, lb_subnets)
    return result


# --- the load balancer ---------------------------------------------------------------------


def _split(text: str, kinds: tuple[str, ...]) -> tuple[str, str] | None:
    kind, _, ref = text.partition("/")
    namespace, _, name = ref.partition("/")
    if kind not in kinds or not name or "/" in name:
        return None
    return namespace, name


def _find_service(snap: Snapshot, namespace: str, name: str) -> k.Service | None:
    return next(
        (
            s
            for s in snap.services
            if s.metadata.name == name and (s.metadata.namespace or "default") == namespace
        ),
        None,
    )


def _service_port(svc: k.Service, port: int | None) -> k.ServicePort | None:
    ports = svc.spec.ports or []
    if port is None:
        return ports[0] if ports else None
    return next((p for p in ports if p.port == port), None)


def _front(snap: Snapshot, text: str, port: int | None) -> Front:
    svc_ref = _split(text, ("svc", "service"))
    if svc_ref is not None:
        if not snap.has(files.K8S_SERVICES):
            raise UsageError(f"--to {text}: {files.K8S_SERVICES} is not in the bundle")
        svc = _find_service(snap, *svc_ref)
        if svc is None:
            raise UsageError(f"--to {text}: no such service in {files.K8S_SERVICES}")
        return _service_front(text, svc, port)
    ing_ref = _split(text, ("ingress", "ing"))
    if ing_ref is None:
        raise UsageError(
            f"--to {text}: from internet, trace to svc/NAMESPACE/NAME (a LoadBalancer Service) "
            "or ingress/NAMESPACE/NAME"
        )
    if not snap.has(files.K8S_INGRESSES):
        raise UsageError(f"--to {text}: {files.K8S_INGRESSES} is not in the bundle")
    namespace, name = ing_ref
    ing = next(
        (
            i
            for i in snap.ingresses
            if i.metadata.name == name and (i.metadata.namespace or "default") == namespace
        ),
        None,
    )
    if ing is None:
        raise UsageError(f"--to {text}: no such ingress in {files.K8S_INGRESSES}")
    return _ingress_front(snap, text, ing)


def _service_front(text: str, svc: k.Service, port: int | None) -> Front:
    ref = lb.ref("svc", svc.metadata)
    wanted = _service_port(svc, port)
    hostnames = svc.status.hostnames
    kind = svc.spec.type or "ClusterIP"
    base = Front(text, ref, svc, wanted, hostnames, None, "", lb.UNKNOWN, "", alb=False)
    if port is not None and wanted is None:
        listed = ", ".join(str(p.port) for p in svc.spec.ports or ()) or "none"
        return replace(base, problem=f"{ref} has no port {port} (ports: {listed})")
    if kind != "LoadBalancer":
        return replace(
            base,
            problem=f"{ref} is of type {kind}: no load balancer fronts it, so nothing on the "
            "internet reaches it (a NodePort answers only on a node's own address)",
        )
    mode = lb.lb_mode(svc)
    if mode is None:
        return replace(
            base,
            scheme_why=f"loadBalancerClass {svc.spec.loadBalancerClass}: another controller "
            "builds its load balancer, whose rules are not known here",
        )
    scheme, why = lb.service_scheme(svc, mode)
    return replace(
        base, scheme=scheme, scheme_why=why, target_type=mode.target_type, target_why=mode.why
    )


def _ingress_front(snap: Snapshot, text: str, ing: k.Ingress) -> Front:
    ref = lb.ref("ingress", ing.metadata)
    hostnames = ing.status.hostnames
    klass = lb.ingress_class(ing)
    names = lb.backend_services(ing)
    svc = _find_service(snap, ing.metadata.namespace or "default", names[0]) if names else None
    base = Front(text, ref, svc, None, hostnames, None, "", lb.UNKNOWN, "", alb=True)
    if klass != lb.ALB_CLASS:
        return replace(
            base,
            scheme_why=f"ingress class {klass or '(none)'}: not an ALB of the AWS Load "
            "Balancer Controller; its load balancer's rules are not known here",
        )
    if svc is None:
        missing = names[0] if names else "(none)"
        return replace(base, problem=f"{ref} routes to service {missing}, which does not exist")
    backend = next((b for b in ing.backends() if b.service_name == svc.metadata.name), None)
    number = (
        backend.service.port.number
        if backend and backend.service and backend.service.port
        else None
    )
    port_name = (
        backend.service.port.name if backend and backend.service and backend.service.port else None
    )
    port = next(
        (
            p
            for p in svc.spec.ports or ()
            if (number and p.port == number) or (port_name and p.name == port_name)
        ),
        None,
    )
    scheme, why = lb.ingress_scheme(ing)
    target, _, target_why = lb.alb_target_type(ing, svc)
    return replace(
        base, port=port, scheme=scheme, scheme_why=why, target_type=target, target_why=target_why
    )


def _listener_port(front: Front) -> int | None:
    if front.alb:
        return ALB_DEFAULT_PORT
    return front.port.port if front.port is not None else None


def _record(snap: Snapshot, hostnames: list[str]) -> a.LoadBalancer | None:
    wanted = {h.lower() for h in hostnames}
    return next((b for b in snap.load_balancers if (b.DNSName or "").lower() in wanted), None)


def _lb_hop(walk: Walk, front: Front) -> a.LoadBalancer | None:
    """The load-balancer hop; returns the load balancer's record when the bundle has it."""

    def add(verdict: HopVerdict, reason: str, hop_id: str = front.ref, *missing: str) -> None:
        walk.add(Hop(HopKind.LOAD_BALANCER, hop_id, verdict, reason, missing=missing))

    if front.problem:
        add(HopVerdict.BLOCK, front.problem)
        return None
    if front.scheme is None:
        add(HopVerdict.UNKNOWN, front.scheme_why)
        return None
    if not front.hostnames:
        add(
            HopVerdict.BLOCK,
            f"{front.ref} has no load balancer: status.loadBalancer is empty, the controller "
            "has not built one (its events on the object say why)",
        )
        return None
    has_file = walk.snap.has(files.AWS_LOAD_BALANCERS)
    record = _record(walk.snap, front.hostnames) if has_file else None
    if record is None:
        scheme, why = front.scheme, front.scheme_why
        name = front.hostnames[0]
    else:
        scheme = (record.Scheme or front.scheme).lower()
        why = f"Scheme {record.Scheme} in {files.AWS_LOAD_BALANCERS}"
        name = record.LoadBalancerName or front.hostnames[0]
    if scheme != lb.INTERNET_FACING:
        add(
            HopVerdict.BLOCK,
            f"{name} is internal ({why}): its addresses are private, out of the internet's reach",
            name,
        )
        return record
    if record is None:
        missing = () if has_file else (files.AWS_LOAD_BALANCERS,)
        found = "is not described" if has_file else "is not in the bundle"
        add(
            HopVerdict.UNKNOWN,
            f"{name} should be internet-facing ({why}), but the load balancer {found}: its "
            "state, subnets and security groups are unknown",
            name,
            *missing,
        )
        return None
    state = (record.State.Code if record.State else None) or "unknown"
    if state not in ACTIVE:
        add(HopVerdict.BLOCK, f"{name} is {state}, not active", name)
        return record
    groups = record.SecurityGroups or []
    filters = (
        f"security groups {', '.join(groups)}"
        if groups
        else "no security groups: the targets' groups see the clients"
    )
    add(
        HopVerdict.PASS,
        f"internet-facing {record.Type or 'load balancer'} {name} ({state}; {filters}; "
        f"{front.target_why or 'target type ' + front.target_type})",
        name,
    )
    return record


def _front_filters(
    walk: Walk, record: a.LoadBalancer | None, groups: list[str] | None, subnets: list[str]
) -> None:
    """The load balancer's own groups, then its subnets' ACL and route back to the internet."""
    internet = parse_network(ANY_V4)
    assert internet is not None
    name = record.LoadBalancerName if record is not None else "the load balancer"
    if groups:
        groups_hop(walk, groups, egress=False, peer=internet, peer_groups=[], what=name or "")
        if walk.blocked:
            return
    if not subnets:
        return
    # The first subnet whose ACL or route stops the replies decides; else the first.
    probes: list[Walk] = []
    for subnet in subnets:
        probe = Walk(walk.snap, walk.flow)
        acl_hop(probe, subnet, leaving=False, peer=internet, reply_ports=CLIENT_PORTS)
        _route_hop(probe, subnet)
        probes.append(probe)
        if probe.blocked:
            break
    walk.hops += probes[-1].hops if probes[-1].blocked else probes[0].hops


def _route_hop(walk: Walk, subnet_id: str) -> None:
    egress = r.subnet_egress(walk.views, subnet_id)
    table = egress.table.RouteTableId if egress.table is not None else "?"
    if egress.kind is r.EgressKind.UNKNOWN:
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                table,
                HopVerdict.UNKNOWN,
                f"no route table known for the load balancer's subnet {subnet_id}",
                missing=() if walk.snap.has(files.AWS_ROUTE_TABLES) else (files.AWS_ROUTE_TABLES,),
            )
        )
        return
    target = egress.route.GatewayId if egress.route is not None else None
    if egress.kind is r.EgressKind.IGW:
        walk.add(
            Hop(
                HopKind.ROUTE_TABLE,
                table,
                HopVerdict.PASS,
                f"the load balancer's subnet {subnet_id} → {table}: 0.0.0.0/0 → {target}, so "
                "its replies reach the internet",
            )
        )
        return
    leads = {
        r.EgressKind.NONE: "has no 0.0.0.0/0 route",
        r.EgressKind.BLACKHOLE: "routes 0.0.0.0/0 to a blackhole",
        r.EgressKind.NAT: "routes 0.0.0.0/0 to a NAT gateway",
    }.get(egress.kind, "routes 0.0.0.0/0 elsewhere than an internet gateway")
    walk.add(
        Hop(
            HopKind.ROUTE_TABLE,
            table,
            HopVerdict.BLOCK,
            f"the load balancer's subnet {subnet_id} ({table}) {leads}: an internet-facing load "
            "balancer needs public subnets, routed to an internet gateway",
        )
    )


# --- the targets ---------------------------------------------------------------------------


def _sender(
    views: Views, front: Front, proto: Protocol, subnets: list[str]
) -> tuple[Network | None, str]:
    """The source address the targets see, and how it was decided."""
    if (
        not front.alb
        and front.service is not None
        and lb.client_ip_preserved(front.service, front.target_type, proto.value)
    ):
        net = parse_network(ANY_V4)
        return net, "the NLB keeps the client's address (client IP preservation)"
    cidrs = [s.CidrBlock for s in views.snap.subnets if s.SubnetId in subnets and s.CidrBlock]
    if cidrs:
        return parse_network(cidrs[0]), f"the load balancer's own address in {cidrs[0]}"
    return None, "the load balancer's addresses are unknown (its subnets are not in the bundle)"


def _target_places(snap: Snapshot, front: Front, addresses: list[str]) -> list[Place]:
    from netdoctor.facts.access import node_ip

    views = snap.views
    if front.target_type == lb.IP:
        return [resolve_address(views, ip) for ip in addresses[:MAX_TARGETS]]
    places: list[Place] = []
    for view in views.nodes[:MAX_TARGETS]:
        if view.instance is None:
            continue  # Fargate or not an EC2 instance: not an instance target
        ip = node_ip(view)
        if ip:
            place = resolve_address(views, ip)
            place.end = End(view.name, "node", ip)
            places.append(place)
    return places


def _target_hops(
    snap: Snapshot,
    front: Front,
    proto: Protocol,
    found: Backends,
    lb_sgs: list[str] | None,
    lb_subnets: list[str],
) -> list[Hop]:
    assert front.port is not None
    if front.target_type == lb.INSTANCE:
        port = front.port.nodePort
        if port is None:
            return [
                Hop(
                    HopKind.LOAD_BALANCER,
                    front.ref,
                    HopVerdict.BLOCK,
                    f"instance targets need a NodePort, but {front.ref} port {front.port.port} "
                    "has none (allocateLoadBalancerNodePorts: false?)",
                )
            ]
    else:
        port = found.port
    sender, how = _sender(snap.views, front, proto, lb_subnets)
    flow = Flow(proto, None if proto is Protocol.ICMP else port)
    places = _target_places(snap, front, found.addresses)
    if sender is None or not places:
        what = "no node with an EC2 instance" if not places else how
        return [
            Hop(
                HopKind.SECURITY_GROUP,
                "?",
                HopVerdict.UNKNOWN,
                f"the targets cannot be judged: {what}",
                "ingress",
            )
        ]
    walks: list[Walk] = []
    for place in places:
        walk = Walk(snap, flow)
        if place.subnet_id not in lb_subnets:
            acl_hop(walk, place.subnet_id, leaving=False, peer=sender, reply_ports=CLIENT_PORTS)
        groups_hop(
            walk,
            place.groups,
            egress=False,
            peer=sender,
            peer_groups=list(lb_sgs) if lb_sgs is not None else None,
            missing=place.missing,
            what=f"{front.target_type} target {place.end.text} ({how})",
        )
        walks.append(walk)
    order = {HopVerdict.BLOCK: 0, HopVerdict.UNKNOWN: 1, HopVerdict.PASS: 2}
    chosen = min(walks, key=lambda w: min((order[h.verdict] for h in w.hops), default=1))
    return chosen.hops
