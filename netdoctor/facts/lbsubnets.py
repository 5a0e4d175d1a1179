"""Where the AWS Load Balancer Controller (LBC) would put a load balancer: its subnet discovery
rules, as pure functions over the bundle (check `load-balancer-subnets`).

The rules, from the controller's docs (docs/deploy/subnet_discovery.md, "Subnet Auto-Discovery")
and source (pkg/networking/subnet_resolver.go: `ResolveViaDiscovery`,
`chooseAndValidateSubnetsPerAZ`, `validateSpecifiedSubnets`):

1. Candidates: the VPC's subnets whose role tag has the value `1` or empty — a DescribeSubnets tag
   filter, so `true` or any other value does not match. The role tag is `kubernetes.io/role/elb`
   for an internet-facing load balancer, `kubernetes.io/role/internal-elb` for an internal one.
   From v2.12.1, when no subnet carries the role tag, the candidates are the subnets whose route
   table has (internet-facing) or lacks (internal) a route to an internet gateway (feature gate
   `SubnetDiscoveryByReachability`, on by default); before, discovery fails.
2. Filtered out: subnets tagged `kubernetes.io/cluster/<another cluster>` and not for this one
   (v2.1.2 and later; the `SubnetsClusterTagCheck` gate turns it off from v2.4.2; up to v2.1.1 the
   tag for this cluster was required), and subnets with fewer than 8 available addresses.
3. One subnet per availability zone: this cluster's tag first, then the lowest subnet id.
4. None left: "unable to resolve at least one subnet"; an ALB needs two (in availability zones;
   the `ALBSingleSubnet` gate lets allowlisted accounts use one), an NLB one: "subnets count less
   than minimal required count".

Subnets named explicitly (`alb.ingress.kubernetes.io/subnets` on any Ingress of the group,
`service.beta.kubernetes.io/aws-load-balancer-subnets`) skip discovery: the controller looks them
up (ids, or `Name` tags in the VPC) and checks one per zone and the count — not their free
addresses. IngressClassParams (`spec.subnets`) can do the same for a whole IngressClass; they are
not in the bundle.

EKS Auto Mode's own load balancing (IngressClass controller `eks.amazonaws.com/alb`, Service
`loadBalancerClass: eks.amazonaws.com/nlb`) requires the same role tags (EKS User Guide, "Tag
subnets for EKS Auto Mode"); its docs do not describe a reachability fallback or a cluster tag
check, so neither is applied to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.facts import loadbalancers as lb

if TYPE_CHECKING:
    from netdoctor.facts.views import Views
    from netdoctor.snapshot import aws_types as a
    from netdoctor.snapshot import k8s_types as k
    from netdoctor.snapshot.snapshot import Snapshot

PUBLIC_ROLE_TAG = "kubernetes.io/role/elb"
INTERNAL_ROLE_TAG = "kubernetes.io/role/internal-elb"
ROLE_TAG_VALUES = ("", "1")
CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"
MIN_FREE_IPS = 8
ALB_SUBNETS_ANNOTATION = "alb.ingress.kubernetes.io/subnets"
NLB_SUBNETS_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-subnets"
GROUP_ANNOTATION = "alb.ingress.kubernetes.io/group.name"
AUTO_MODE_NLB_CLASS = "eks.amazonaws.com/nlb"
APPLICATION, NETWORK = "application", "network"
LBC, AUTO_MODE = "lbc", "auto-mode"
REACHABILITY_SINCE = "v2.12.1"
CONTROLLER_REASONS = ("FailedBuildModel", "FailedDeployModel")


@dataclass(frozen=True)
class Target:
    """A load balancer the controller builds for one Ingress or Service."""

    kind: str
    """`Ingress` or `Service` (the event's involvedObject kind)."""
    meta: k.ObjectMeta
    lb_type: str
    """`application` or `network`."""
    scheme: str
    scheme_why: str
    controller: str
    """`lbc` or `auto-mode`."""
    explicit: tuple[str, ...]
    """Subnet ids or Name tags set by annotation; empty when discovery runs."""
    explicit_from: str
    provisioned: bool
    """The object's status carries the load balancer's address."""

    @property
    def ref(self) -> str:
        return lb.ref(self.kind.lower(), self.meta)

    @property
    def namespace(self) -> str:
        return self.meta.namespace or "default"

    @property
    def label(self) -> str:
        what = "ALB" if self.lb_type == APPLICATION else "NLB"
        return f"{self.scheme} {what}"


@dataclass
class Placement:
    """What discovery finds for one scheme and load balancer type."""

    role_tag: str
    tagged: list[a.Subnet]
    """Subnets whose role tag matches (`1` or empty)."""
    mistagged: list[a.Subnet]
    """Subnets carrying the role tag with another value: the filter skips them."""
    candidates: list[a.Subnet]
    """What the controller evaluates: `tagged`, else (v2.12.1+) the reachable ones."""
    by_reachability: bool
    """No subnet carries the role tag: the candidates come from the v2.12.1+ fallback."""
    reachability_known: bool
    """The route tables were there to tell public from private."""
    other_cluster: list[a.Subnet] = field(default_factory=list)
    too_few_ips: list[a.Subnet] = field(default_factory=list)
    chosen: list[a.Subnet] = field(default_factory=list)
    needed: int = 1


def tags(subnet: a.Subnet) -> dict[str, str]:
    return {t.Key: t.Value or "" for t in subnet.Tags or () if t.Key}


def role_tag(scheme: str) -> str:
    return PUBLIC_ROLE_TAG if scheme == lb.INTERNET_FACING else INTERNAL_ROLE_TAG


def zone(subnet: a.Subnet) -> str:
    return subnet.AvailabilityZone or "?"


def routes_to_igw(views: Views, subnet_id: str) -> bool | None:
    """Whether the subnet's route table (explicit, else the VPC's main one) has any route to an
    internet gateway — the controller's public/private test; None when the table is unknown."""
    table = views.route_table_for(subnet_id)
    if table is None:
        return None
    return any((r.GatewayId or "").startswith("igw") for r in table.Routes or ())


def cluster_tag_eligible(subnet: a.Subnet, cluster: str) -> bool:
    """No `kubernetes.io/cluster/…` tag at all, or one for this cluster."""
    keys = [key for key in tags(subnet) if key.startswith(CLUSTER_TAG_PREFIX)]
    return not keys or f"{CLUSTER_TAG_PREFIX}{cluster}" in keys


def min_subnets(lb_type: str) -> int:
    """Two for an ALB, one for an NLB. (An ALB in a Local Zone or on an Outpost needs one; the
    bundle does not record a zone's type, and EKS load balancers there are rare.)"""
    return 2 if lb_type == APPLICATION else 1


def discover(views: Views, cluster: str, scheme: str, lb_type: str, controller: str) -> Placement:
    """Run the controller's discovery over the bundle's subnets."""
    key = role_tag(scheme)
    subnets = sorted(views.snap.subnets, key=lambda s: s.SubnetId)
    tagged = [s for s in subnets if key in tags(s) and tags(s)[key] in ROLE_TAG_VALUES]
    mistagged = [s for s in subnets if key in tags(s) and tags(s)[key] not in ROLE_TAG_VALUES]
    found = Placement(key, tagged, mistagged, tagged, False, True)
    if not tagged and controller == LBC:
        reach = {s.SubnetId: routes_to_igw(views, s.SubnetId) for s in subnets}
        found.by_reachability = True
        found.reachability_known = None not in reach.values()
        public = scheme == lb.INTERNET_FACING
        found.candidates = [s for s in subnets if reach[s.SubnetId] is public]
    eligible = []
    for subnet in found.candidates:
        if controller == LBC and not cluster_tag_eligible(subnet, cluster):
            found.other_cluster.append(subnet)
        elif (subnet.AvailableIpAddressCount or 0) < MIN_FREE_IPS:
            found.too_few_ips.append(subnet)
        else:
            eligible.append(subnet)
    mine = f"{CLUSTER_TAG_PREFIX}{cluster}"
    by_zone: dict[str, list[a.Subnet]] = {}
    for subnet in eligible:
        by_zone.setdefault(zone(subnet), []).append(subnet)
    found.chosen = sorted(
        (min(group, key=lambda s: (mine not in tags(s), s.SubnetId)) for group in by_zone.values()),
        key=lambda s: s.SubnetId,
    )
    found.needed = min_subnets(lb_type)
    return found


def resolve_explicit(views: Views, names: tuple[str, ...]) -> tuple[list[a.Subnet], list[str]]:
    """The bundle's subnets for annotated ids / Name tags, and the names it does not hold."""
    by_name: dict[str, a.Subnet] = {}
    for subnet in views.snap.subnets:
        name = tags(subnet).get("Name")
        if name:
            by_name.setdefault(name, subnet)
    found: list[a.Subnet] = []
    missing: list[str] = []
    for name in names:
        table = views.subnets_by_id if name.startswith("subnet-") else by_name
        hit = table.get(name)
        if hit is None:
            missing.append(name)
        elif hit not in found:
            found.append(hit)
    return found, missing


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _provisioned(status: k.LoadBalancedStatus) -> bool:
    entries = status.loadBalancer.ingress if status.loadBalancer else None
    return bool(entries)


def _group_subnets(snap: Snapshot) -> dict[str, tuple[str, str]]:
    """Explicit IngressGroup name → (subnets annotation, the Ingress that sets it)."""
    found: dict[str, tuple[str, str]] = {}
    for ing in sorted(snap.ingresses, key=lambda i: lb.ref("ingress", i.metadata)):
        annotations = ing.metadata.annotations or {}
        group, value = annotations.get(GROUP_ANNOTATION), annotations.get(ALB_SUBNETS_ANNOTATION)
        if group and value and group not in found:
            found[group] = (value, lb.ref("ingress", ing.metadata))
    return found


def targets(snap: Snapshot) -> list[Target]:
    """The ALB Ingresses (class `alb`) and the LoadBalancer Services the controller (or Auto
    Mode's) builds, in the order of the bundle."""
    found: list[Target] = []
    groups = _group_subnets(snap)
    auto_mode = bool((c := snap.cluster) and c.computeConfig and c.computeConfig.enabled)
    for ing in snap.ingresses:
        if lb.ingress_class(ing) != lb.ALB_CLASS:
            continue
        annotations = ing.metadata.annotations or {}
        value = annotations.get(ALB_SUBNETS_ANNOTATION, "")
        source = f"{ALB_SUBNETS_ANNOTATION} on {lb.ref('ingress', ing.metadata)}"
        group = annotations.get(GROUP_ANNOTATION)
        if not value and group in groups:
            value, where = groups[group]
            source = f"{ALB_SUBNETS_ANNOTATION} on {where} (IngressGroup {group})"
        scheme, why = lb.ingress_scheme(ing)
        controller = AUTO_MODE if auto_mode else LBC
        found.append(
            Target(
                "Ingress",
                ing.metadata,
                APPLICATION,
                scheme,
                why,
                controller,
                _split(value),
                source,
                _provisioned(ing.status),
            )
        )
    for svc in snap.services:
        if svc.spec.type != "LoadBalancer":
            continue
        mode = lb.lb_mode(svc)
        if svc.spec.loadBalancerClass == AUTO_MODE_NLB_CLASS:
            controller = AUTO_MODE
            mode = lb.LbMode("lbc", lb.INSTANCE, False, "")  # the same scheme annotations
        elif mode is not None and mode.controller == "lbc":
            controller = LBC
        else:
            continue  # the in-tree cloud provider or another class: other subnet rules
        scheme, why = lb.service_scheme(svc, mode)
        value = (svc.metadata.annotations or {}).get(NLB_SUBNETS_ANNOTATION, "")
        found.append(
            Target(
                "Service",
                svc.metadata,
                NETWORK,
                scheme,
                why,
                controller,
                _split(value),
                f"{NLB_SUBNETS_ANNOTATION} on {lb.ref('service', svc.metadata)}",
                _provisioned(svc.status),
            )
        )
    return found


def subnet_events(views: Views, target: Target) -> list[k.Event]:
    """The controller's warnings about this object's subnets (FailedBuildModel,
    FailedDeployModel), newest last."""
    events = views.events_for(target.kind, target.meta.namespace, target.meta.name)
    return [
        e
        for e in events
        if e.reason in CONTROLLER_REASONS and "subnet" in (e.message or "").lower()
    ]
