"""custom-networking: ENIConfigs that cannot serve the nodes that select them, and max-pods
not lowered for the primary ENI that custom networking leaves unused.

Only ENIConfigs some node selects are judged: an ENIConfig no node selects has no effect.
Under custom networking the ENIConfig subnets are the pod subnets, so their warm-pool shortage
is reported here (with the ENIConfig fix), not by `pod-ip-capacity` (see `_ipam.py`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from netdoctor.engine.api import (
    Check,
    Finding,
    Iterator,
    Severity,
    Snapshot,
    Unchecked,
    applies,
    files,
)
from netdoctor.facts import ipam, ipspace
from netdoctor.facts.text import listing

from . import _ipam as owners

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.k8s_types import ENIConfig

CUSTOM = "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"
ZONE_LABEL = "topology.kubernetes.io/zone"


class CustomNetworking(Check):
    id = "custom-networking"
    title = "Custom networking: the ENIConfig each node selects, its subnet and groups, max-pods"
    needs = (files.K8S_NODES, files.K8S_DAEMONSETS, files.K8S_ENICONFIGS)
    applies_to = (applies.VPC_CNI, applies.EC2_NODES)
    wants = (
        files.AWS_SUBNETS,
        files.AWS_INSTANCES,
        files.AWS_INSTANCE_TYPES,
        files.AWS_NETWORK_INTERFACES,
        files.K8S_PODS,
    )
    severity = Severity.WARNING
    provides = ("node", "zone", "eniconfig", "instance_type", "max_pods", "nodegroup", "vpc_id")

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        views = snap.views
        if not views.cni.custom_networking:
            return
        if not snap.has(files.AWS_SUBNETS):
            yield self.unchecked("ENIConfig subnets: zone and free IPs", files.AWS_SUBNETS)
        selected: dict[str, list[NodeView]] = defaultdict(list)
        for view in ipam.cni_nodes(views):
            selected[views.eniconfig_selection(view)[0]].append(view)
        without_groups: list[tuple[ENIConfig, list[NodeView]]] = []
        for name, nodes in selected.items():
            config = views.eniconfigs_by_name.get(name)
            if config is None:
                yield self._missing(views, name, nodes)
                continue
            yield from self._subnet_problems(views, config, nodes)
            if not config.spec.securityGroups:
                without_groups.append((config, nodes))
        if without_groups:
            yield self._without_security_groups(views, without_groups)
        yield from self._short_subnets(views)
        yield from self._max_pods_not_lowered(views)

    def _params(self, views: Views, view: NodeView, eniconfig: str) -> dict[str, str]:
        params = {"node": view.name, "eniconfig": eniconfig}
        if view.zone:
            params["zone"] = view.zone
        if views.vpc_id:
            params["vpc_id"] = views.vpc_id
        return params | ipam.sizing_params(views, view)

    def _missing(self, views: Views, name: str, nodes: list[NodeView]) -> Finding:
        _, source = views.eniconfig_selection(nodes[0])
        known = sorted(views.eniconfigs_by_name)
        evidence = [
            views.cni.source(CUSTOM),
            f"the node(s) select ENIConfig {name!r} ({source}); no ENIConfig has that name",
            f"ENIConfigs in the bundle: {listing(known) if known else 'none'}",
            views.cni.source("ENI_CONFIG_LABEL_DEF"),
            "ipamd logs 'No ENIConfig could be found for this node' and attaches no pod ENI: "
            "every pod that is not host-network stays in ContainerCreating",
        ]
        zones = {v.zone for v in ipam.cni_nodes(views) if v.zone}
        if views.cni.eni_config_label != ZONE_LABEL and zones & set(known):
            evidence.append(
                f"the ENIConfigs are named after zones ({listing(sorted(zones & set(known)))})"
                f" but ENI_CONFIG_LABEL_DEF is not {ZONE_LABEL}"
            )
        return self.finding(
            Severity.CRITICAL,
            f"{len(nodes)} node(s) select ENIConfig {name!r}, which does not exist: their pods "
            "cannot get IPs",
            resources=[v.ref for v in nodes],
            evidence=evidence,
            params=self._params(views, nodes[0], name),
            mechanism="eniconfig-missing",
        )

    def _subnet_problems(
        self, views: Views, config: ENIConfig, nodes: list[NodeView]
    ) -> Iterator[Finding]:
        name, subnet_id = config.metadata.name, config.spec.subnet
        ref = f"eniconfig/{name}"
        if not subnet_id:
            yield self.finding(
                Severity.CRITICAL,
                f"ENIConfig {name} has no spec.subnet: the {len(nodes)} node(s) selecting it "
                "get no pod ENIs",
                resources=[ref, *(v.ref for v in nodes)],
                evidence=[f"eniconfig/{name}: spec.subnet is empty", views.cni.source(CUSTOM)],
                params=self._params(views, nodes[0], name),
                mechanism="eniconfig-no-subnet",
            )
            return
        if not views.snap.subnets:
            return  # describe-subnets not collected: the AZ cannot be judged
        subnet = views.subnets_by_id.get(subnet_id)
        if subnet is None:
            yield self.finding(
                Severity.CRITICAL,
                f"ENIConfig {name} names subnet {subnet_id}, which is not among the VPC's subnets: "
                f"the {len(nodes)} node(s) selecting it get no pod ENIs",
                resources=[ref, f"subnet/{subnet_id}", *(v.ref for v in nodes)],
                evidence=[
                    f"eniconfig/{name}: spec.subnet {subnet_id}",
                    f"aws/ec2-describe-subnets.json lists {len(views.snap.subnets)} subnets of "
                    f"the VPC; {subnet_id} is not one of them (mistyped, deleted, or another VPC)",
                ],
                params=self._params(views, nodes[0], name),
                mechanism="eniconfig-subnet-unknown",
            )
            return
        zone = subnet.AvailabilityZone
        wrong = [v for v in nodes if v.zone and zone and v.zone != zone]
        if wrong:
            yield self.finding(
                Severity.CRITICAL,
                f"ENIConfig {name} uses subnet {subnet_id} in {subnet.AvailabilityZone} for "
                f"{len(wrong)} node(s) in {listing(sorted({v.zone or '' for v in wrong}))}",
                resources=[ref, f"subnet/{subnet_id}", *(v.ref for v in wrong)],
                evidence=[
                    f"eniconfig/{name}: spec.subnet {subnet_id} ({subnet.CidrBlock}) is in "
                    f"{subnet.AvailabilityZone}",
                    *(f"node/{v.name} is in {v.zone}" for v in wrong[:5]),
                    "an ENI can only attach to an instance in its own zone: these nodes get no "
                    "pod ENIs",
                ],
                params=self._params(views, wrong[0], name),
                mechanism="eniconfig-subnet-other-zone",
            )

    def _without_security_groups(
        self, views: Views, configs: list[tuple[ENIConfig, list[NodeView]]]
    ) -> Finding:
        names = [c.metadata.name for c, _ in configs]
        nodes = [v for _, group in configs for v in group]
        seen = sorted(
            {
                f"{e.eni_id} ({', '.join(e.security_groups) or 'no groups'})"
                for config, group in configs
                for v in group
                for e in v.enis
                if e.subnet_id == config.spec.subnet and e.device_index != 0
            }
        )
        evidence = [f"eniconfig/{n}: spec.securityGroups is empty" for n in names[:5]] + [
            f"VPC CNI {views.cni.version_text}: since v1.8 pod ENIs then take the node's primary "
            "ENI security groups (amazon-vpc-cni-k8s #1124); earlier versions, and trunk ENIs "
            "before resource-controller #189 was fixed, got the VPC default group",
        ]
        if seen:
            evidence.append(f"pod ENIs created from them now carry: {listing(seen)}")
        return self.finding(
            Severity.INFO,
            f"{len(names)} ENIConfig(s) set no securityGroups: the pod ENIs of their "
            f"{len(nodes)} node(s) get groups nobody chose",
            resources=[*(f"eniconfig/{n}" for n in names), *(v.ref for v in nodes)],
            evidence=evidence,
            params=self._params(views, nodes[0], names[0]),
            mechanism="eniconfig-no-security-groups",
        )

    def _short_subnets(self, views: Views) -> Iterator[Finding]:
        for pool in ipspace.short_pools(views):
            subnet = pool.subnets[0]
            first = pool.nodes[0][0]
            eniconfigs = sorted({views.eniconfig_selection(v)[0] for v, _ in pool.nodes})
            yield self.finding(
                Severity.WARNING,
                f"ENIConfig subnet {subnet.SubnetId} has {pool.free} free IPs, less than one "
                f"warm-pool round of its {len(pool.nodes)} node(s) needs ({pool.demand})",
                resources=[
                    *(f"eniconfig/{n}" for n in eniconfigs),
                    f"subnet/{subnet.SubnetId}",
                    *(v.ref for v, _ in pool.nodes),
                ],
                evidence=[
                    f"ENIConfig(s) {listing(eniconfigs)} put pod ENIs in subnet/{subnet.SubnetId}",
                    *ipspace.pool_evidence(views, pool),
                ],
                params=self._params(views, first, eniconfigs[0]),
                mechanism="eniconfig-subnet-short",
            )

    def _max_pods_not_lowered(self, views: Views) -> Iterator[Finding]:
        groups: dict[tuple[str, int], list[NodeView]] = defaultdict(list)
        for view, verdict in owners.owned_verdicts(views, self.id):
            groups[(view.instance_type or "?", verdict.kubelet)].append(view)
        for (instance_type, kubelet), nodes in groups.items():
            first = nodes[0]
            capacity = views.eni_capacity(first) or 0
            yield self.finding(
                Severity.WARNING,
                f"{len(nodes)} {instance_type} node(s) allow {kubelet} pods, the value without "
                f"custom networking; with the primary ENI unused they hold {capacity}",
                resources=[v.ref for v in nodes],
                evidence=[
                    views.cni.source(CUSTOM),
                    owners.kubelet_line(kubelet, nodes),
                    f"{kubelet} counts the primary ENI; custom networking leaves it for the node "
                    f"itself: {ipam.formula(views, first)}",
                    owners.overcommit_line(kubelet - capacity),
                ],
                params=self._params(views, first, views.eniconfig_selection(first)[0]),
                mechanism="max-pods-not-lowered",
            )
