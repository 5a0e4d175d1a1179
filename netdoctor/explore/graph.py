"""Indexes over one snapshot that the chain walk needs beyond `snap.views`.

Everything is typed (the snapshot's msgspec shapes) and built once, on first use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from netdoctor.facts.views import EniView, NodeView
from netdoctor.snapshot import aws_types as a
from netdoctor.snapshot import k8s_types as k

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot

Key = tuple[str, str]  # (namespace, name)
T = TypeVar("T")


def _key(meta: k.ObjectMeta | k.PodMeta) -> Key:
    return (meta.namespace or "default", meta.name)


def selector_matches(selector: dict[str, str] | None, labels: dict[str, str] | None) -> bool:
    """A Service selector against pod labels; an empty selector selects nothing."""
    if not selector:
        return False
    have = labels or {}
    return all(have.get(key) == value for key, value in selector.items())


class ResourceGraph:
    """Lookups by id and name over one snapshot, for the inspector's chain walk."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.views = snap.views

    # --- Kubernetes ----------------------------------------------------------------------

    @cached_property
    def pods_by_key(self) -> dict[Key, k.Pod]:
        return {_key(p.metadata): p for p in self.snap.pods}

    @cached_property
    def pods_by_name(self) -> dict[str, list[k.Pod]]:
        found: dict[str, list[k.Pod]] = defaultdict(list)
        for pod in self.snap.pods:
            found[pod.metadata.name].append(pod)
        return dict(found)

    @cached_property
    def services_by_key(self) -> dict[Key, k.Service]:
        return {_key(s.metadata): s for s in self.snap.services}

    @cached_property
    def ingresses_by_key(self) -> dict[Key, k.Ingress]:
        return {_key(i.metadata): i for i in self.snap.ingresses}

    @cached_property
    def tgbs_by_key(self) -> dict[Key, k.TargetGroupBinding]:
        return {_key(t.metadata): t for t in self.snap.target_group_bindings}

    @cached_property
    def daemonsets_by_key(self) -> dict[Key, k.DaemonSet]:
        return {_key(d.metadata): d for d in self.snap.daemonsets}

    @cached_property
    def sgps_by_key(self) -> dict[Key, k.SecurityGroupPolicy]:
        return {_key(s.metadata): s for s in self.snap.security_group_policies}

    @cached_property
    def eniconfigs_by_name(self) -> dict[str, k.ENIConfig]:
        return {c.metadata.name: c for c in self.snap.eniconfigs}

    @cached_property
    def cninodes_by_name(self) -> dict[str, k.CNINode]:
        return {c.metadata.name: c for c in self.snap.cninodes}

    def find_namespaced(self, index: Mapping[Key, T], name: str, namespace: str | None) -> T | None:
        """The object by (namespace, name); without a namespace, the only one of that name."""
        if namespace is not None:
            return index.get((namespace, name))
        matches = [obj for (_, n), obj in index.items() if n == name]
        return matches[0] if len(matches) == 1 else None

    def pods_for_service(self, service: k.Service) -> list[k.Pod]:
        """Pods in the service's namespace that its selector matches."""
        namespace = service.metadata.namespace or "default"
        return [
            p
            for p in self.snap.pods
            if (p.metadata.namespace or "default") == namespace
            and selector_matches(service.spec.selector, p.metadata.labels)
        ]

    def ingresses_for_service(self, service: k.Service) -> list[k.Ingress]:
        namespace, name = _key(service.metadata)
        return [
            ing
            for ing in self.snap.ingresses
            if (ing.metadata.namespace or "default") == namespace
            and any(b.service_name == name for b in ing.backends())
        ]

    def tgbs_for_service(self, service: k.Service) -> list[k.TargetGroupBinding]:
        namespace, name = _key(service.metadata)
        return [
            t
            for t in self.snap.target_group_bindings
            if (t.metadata.namespace or "default") == namespace
            and t.spec.serviceRef is not None
            and t.spec.serviceRef.name == name
        ]

    def tgbs_for_ingress(self, ingress: k.Ingress) -> list[k.TargetGroupBinding]:
        """TGBs the load balancer controller made for the ingress (stack labels), else the ones
        bound to its backend services."""
        namespace, name = _key(ingress.metadata)
        stacked = [
            t
            for t in self.snap.target_group_bindings
            if (t.metadata.labels or {}).get("ingress.k8s.aws/stack-namespace") == namespace
            and (t.metadata.labels or {}).get("ingress.k8s.aws/stack-name") == name
        ]
        if stacked:
            return stacked
        services = {b.service_name for b in ingress.backends() if b.service_name}
        return [
            t
            for t in self.snap.target_group_bindings
            if (t.metadata.namespace or "default") == namespace
            and t.spec.serviceRef is not None
            and t.spec.serviceRef.name in services
        ]

    # --- AWS -----------------------------------------------------------------------------

    @cached_property
    def enis_by_id(self) -> dict[str, EniView]:
        return {e.eni_id: e for e in self.views.enis}

    @cached_property
    def route_tables_by_id(self) -> dict[str, a.RouteTable]:
        return {t.RouteTableId: t for t in self.snap.route_tables}

    @cached_property
    def node_by_instance(self) -> dict[str, NodeView]:
        return {v.instance_id: v for v in self.views.nodes if v.instance_id}

    @cached_property
    def internet_gateways_by_id(self) -> dict[str, a.InternetGateway]:
        return {g.InternetGatewayId: g for g in self.snap.internet_gateways}

    @cached_property
    def vpcs_by_id(self) -> dict[str, a.Vpc]:
        return {v.VpcId: v for v in self.snap.vpcs}

    @cached_property
    def target_groups(self) -> dict[str, a.TargetGroup]:
        """Target groups by ARN and by name."""
        found: dict[str, a.TargetGroup] = {}
        for tg in self.snap.target_groups:
            if tg.TargetGroupName:
                found[tg.TargetGroupName] = tg
            found[tg.TargetGroupArn] = tg
        return found

    @cached_property
    def load_balancers(self) -> dict[str, a.LoadBalancer]:
        """Load balancers by ARN and by name."""
        found: dict[str, a.LoadBalancer] = {}
        for lb in self.snap.load_balancers:
            if lb.LoadBalancerName:
                found[lb.LoadBalancerName] = lb
            found[lb.LoadBalancerArn] = lb
        return found

    def route_tables_via(self, gateway_id: str) -> list[a.RouteTable]:
        """Route tables with a route to this NAT or internet gateway."""
        return [
            t
            for t in self.snap.route_tables
            if any(
                r.NatGatewayId == gateway_id or r.GatewayId == gateway_id for r in t.Routes or ()
            )
        ]

    def subnets_of(self, table: a.RouteTable) -> list[str]:
        """Subnets that use the table: explicit associations, plus the VPC's unassociated
        subnets when it is the main table."""
        found = [x.SubnetId for x in table.Associations or () if x.SubnetId]
        if any(x.Main for x in table.Associations or ()):
            found += [
                s.SubnetId
                for s in self.snap.subnets
                if s.SubnetId not in found
                and (table.VpcId is None or s.VpcId == table.VpcId)
                and not self.views.route_table_is_explicit(s.SubnetId)
            ]
        return found

    def enis_with_group(self, group_id: str) -> list[EniView]:
        return [e for e in self.views.enis if group_id in e.security_groups]
