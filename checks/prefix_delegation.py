"""prefix-delegation: /28 prefix assignment that cannot work, or that max-pods does not match.

Only the cases prefix delegation explains are reported here; a kubelet max-pods that is simply
above the ENI capacity belongs to `pod-ip-capacity` (the split is documented in `_ipam.py`).
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

PD = "ENABLE_PREFIX_DELEGATION"


class PrefixDelegation(Check):
    id = "prefix-delegation"
    title = "Prefix delegation: non-Nitro nodes, fragmented subnets, max-pods that ignores /28s"
    needs = (files.K8S_NODES, files.K8S_DAEMONSETS, files.AWS_SUBNETS)
    applies_to = (applies.VPC_CNI, applies.IPV4_PODS, applies.EC2_NODES)
    wants = (
        files.AWS_INSTANCE_TYPES,
        files.AWS_INSTANCES,
        files.AWS_NETWORK_INTERFACES,
        files.K8S_EVENTS,
        files.K8S_PODS,
    )
    severity = Severity.WARNING
    provides = ("node", "instance_type", "max_pods", "subnet_id", "nodegroup")

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        views = snap.views
        groups: dict[tuple[str, str, int], list[NodeView]] = defaultdict(list)
        for view, verdict in owners.owned_verdicts(views, self.id):
            # one finding per instance type (and per max-pods value where that matters)
            kubelet = 0 if verdict.cause == ipam.PD_NON_NITRO else verdict.kubelet
            groups[(verdict.cause, view.instance_type or "?", kubelet)].append(view)
        for (cause, _, _), nodes in groups.items():
            if cause == ipam.PD_NON_NITRO:
                yield self._non_nitro(views, nodes)
            elif cause == ipam.RAISED_WITHOUT_PD:
                yield self._raised_without_pd(views, nodes)
            elif cause == ipam.PD_LEFT_AT_SECONDARY:
                yield self._left_at_secondary(views, nodes)
        yield from self._fragmented_subnets(views)

    @staticmethod
    def _params(
        views: Views, view: NodeView, max_pods: int | None, subnet_id: str | None = None
    ) -> dict[str, str]:
        params = {"node": view.name}
        if max_pods is not None:
            params["max_pods"] = str(max_pods)
        if view.instance_type:
            params["instance_type"] = view.instance_type
        if view.labels.get(ipam.NODEGROUP_LABEL):
            params["nodegroup"] = view.labels[ipam.NODEGROUP_LABEL]
        subnet_id = subnet_id or (view.subnet.SubnetId if view.subnet else None)
        if subnet_id:
            params["subnet_id"] = subnet_id
        return params

    def _non_nitro(self, views: Views, nodes: list[NodeView]) -> Finding:
        first = nodes[0]
        limits = first.limits
        assert limits is not None
        capacity = views.eni_capacity(first) or 0
        over = [v for v in nodes if (v.kubelet_max_pods or 0) > capacity]
        hypervisor = limits.hypervisor or "not reported"
        evidence = [
            views.cni.source(PD),
            f"{limits.instance_type}: hypervisor {hypervisor} (describe-instance-types, "
            f"{limits.source}); /28 prefixes need a Nitro instance",
            f"aws-node falls back to secondary IPs there: {ipam.formula(views, first)}",
        ]
        evidence += [
            f"node/{v.name}: kubelet max-pods {v.kubelet_max_pods} > {capacity}; pods past "
            f"{capacity} stick in ContainerCreating"
            for v in over
        ]
        return self.finding(
            Severity.WARNING if over else Severity.INFO,
            f"Prefix delegation is on but {limits.instance_type} is not a Nitro type: "
            f"{len(nodes)} node(s) get secondary IPs only ({capacity} pods)",
            resources=[v.ref for v in nodes],
            evidence=evidence,
            params=self._params(views, first, capacity),
            mechanism="pd-non-nitro",
        )

    def _raised_without_pd(self, views: Views, nodes: list[NodeView]) -> Finding:
        first = nodes[0]
        capacity = views.eni_capacity(first) or 0
        kubelet = first.kubelet_max_pods
        return self.finding(
            Severity.WARNING,
            f"{len(nodes)} {first.instance_type} node(s) allow {kubelet} pods, a "
            f"prefix-delegation value, but prefix delegation is off: the ENIs hold {capacity}",
            resources=[v.ref for v in nodes],
            evidence=[
                views.cni.source(PD),
                owners.kubelet_line(kubelet, nodes),
                f"max-pods set by: {first.max_pods_origin}",
                f"{kubelet} is what {first.instance_type} gets with /28 prefixes; without them: "
                f"{ipam.formula(views, first)}",
                owners.overcommit_line((kubelet or 0) - capacity),
            ],
            params=self._params(views, first, capacity),
            mechanism="raised-without-pd",
        )

    def _left_at_secondary(self, views: Views, nodes: list[NodeView]) -> Finding:
        first = nodes[0]
        verdict = ipam.max_pods_verdict(views, first)
        assert verdict is not None
        return self.finding(
            Severity.INFO,
            f"Prefix delegation is on but {len(nodes)} {first.instance_type} node(s) still allow "
            f"only {verdict.kubelet} pods, the secondary-IP value",
            resources=[v.ref for v in nodes],
            evidence=[
                views.cni.source(PD),
                owners.kubelet_line(verdict.kubelet, nodes),
                f"max-pods set by: {first.max_pods_origin}",
                f"with /28 prefixes the ENIs hold {ipam.formula(views, first)}",
                f"recommended max-pods {verdict.reference} (110, or 250 above 30 vCPUs, capped "
                "by the ENI ceiling): the prefixes' extra IPs stay unused",
            ],
            params=self._params(views, first, verdict.reference),
            mechanism="pd-left-at-secondary",
        )

    def _fragmented_subnets(self, views: Views) -> Iterator[Finding | Unchecked]:
        prefix_nodes = [
            v for v in ipam.cni_nodes(views) if views.node_max_pods_input(v).prefix_delegation
        ]
        if prefix_nodes and not views.snap.has(files.AWS_NETWORK_INTERFACES):
            # The instances show only their own ENIs, not every address held in the subnet.
            yield self.unchecked(
                "free aligned /28 blocks in the pod subnets", files.AWS_NETWORK_INTERFACES
            )
        by_subnet: dict[str, list[NodeView]] = defaultdict(list)
        for view in prefix_nodes:
            for subnet in ipam.pod_subnets(views, view):
                by_subnet[subnet.SubnetId].append(view)
        for subnet_id, nodes in by_subnet.items():
            subnet = views.subnets_by_id[subnet_id]
            space = ipspace.prefix_space(views, subnet)
            events = [
                line for v in nodes for line in ipam.node_signals(views, v, ipam.INSUFFICIENT_CIDR)
            ]
            if not ipspace.fragmented(space, subnet) and not events:
                continue
            names = {v.name for v in nodes}
            stuck = [
                ipam.pod_ref(p)
                for p in views.snap.pods
                if p.spec.nodeName in names
                and p.status.phase == "Pending"
                and ipam.ip_assign_failures(views, p)
            ]
            usable = ipspace.usable_free_ips(space, subnet, prefixes=True)
            evidence = [
                f"subnet/{subnet_id} ({subnet.CidrBlock}, {subnet.AvailabilityZone}): "
                f"AvailableIpAddressCount {subnet.AvailableIpAddressCount}"
            ]
            if space is not None:
                evidence += [
                    f"{space.enis} ENIs in the subnet hold {space.addresses} single addresses "
                    f"and {space.prefixes} /28 prefixes; AWS reserves 5 addresses",
                    f"{space.free_blocks} of {space.blocks} aligned /28 blocks are entirely "
                    "free: a prefix needs 16 contiguous, aligned addresses",
                ]
                if space.explicit_blocks:
                    evidence.append(
                        f"explicit CIDR reservations touch {space.explicit_blocks} otherwise "
                        f"free block(s) and withhold {space.explicit_free_ips} addresses: EC2 "
                        "delegates no prefix from them"
                    )
                evidence += ipspace.reservation_evidence(views, subnet)
            evidence += events
            if stuck:
                evidence.append(
                    f"{len(stuck)} pod(s) on these nodes stuck on 'failed to assign an IP "
                    f"address to container': {listing(stuck)}"
                )
            evidence.append(f"prefix-delegation nodes in it: {listing(sorted(names))}")
            free = space.free_blocks if space is not None else None
            title = (
                f"Subnet {subnet_id} has {usable} free IPs but no free "
                "aligned /28 for prefix delegation"
                if free == 0
                else f"Subnet {subnet_id}: EC2 reports InsufficientCidrBlocks for /28 prefixes"
            )
            yield self.finding(
                Severity.CRITICAL if events or stuck else Severity.WARNING,
                title,
                resources=[f"subnet/{subnet_id}", *(v.ref for v in nodes)],
                evidence=evidence,
                params=self._params(views, nodes[0], ipam.recommended(views, nodes[0]), subnet_id),
                mechanism="no-free-prefix",
            )
