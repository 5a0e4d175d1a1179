"""cilium-eni-ipam: pods without an IP under Cilium's ENI IPAM, and the subnets that cause it.

With `ipam: eni` the Cilium operator attaches ENIs and secondary IPs from the node's subnets and
the agent hands them to pods; the VPC CNI does not run, so pod-ip-capacity does not apply. What
stays true is the VPC side: a subnet with no free address stops the operator, and the pods the
agent cannot serve fail their sandbox with the CNI plugin's "unable to allocate IP via local
cilium agent" (cilium plugins/cilium-cni/cmd, `allocateIPsWithCiliumAgent`); in ENI mode the
agent adds "no IPs currently available on the node, allocation will be retried once Cilium
Operator allocates more IPs". The operator keeps `spec.ipam.pre-allocate` addresses free per
node, 8 by default in ENI mode (docs.cilium.io, "ENI" IPAM): a subnet with fewer free addresses
cannot serve the next node.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, applies, files
from netdoctor.facts.text import clip, listing

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot import aws_types as a
    from netdoctor.snapshot import k8s_types as k

CILIUM_IPAM_FAILURE = "unable to allocate IP via local cilium agent"
PRE_ALLOCATE = 8


def _stuck(views: Views, pod: k.Pod) -> k.Event | None:
    """The pod's sandbox failure from Cilium's IPAM, the most repeated one."""
    found = [
        e
        for e in views.pod_events(pod)
        if e.reason == "FailedCreatePodSandBox" and CILIUM_IPAM_FAILURE in e.text
    ]
    return max(found, key=lambda e: e.count or 0) if found else None


def _node_subnets(views: Views, view: NodeView) -> list[a.Subnet]:
    """The subnets of the node's ENIs (the operator allocates there), else its own."""
    ids = list(dict.fromkeys(e.subnet_id for e in view.enis if e.subnet_id))
    if not ids and view.subnet is not None:
        ids = [view.subnet.SubnetId]
    return [views.subnets_by_id[i] for i in ids if i in views.subnets_by_id]


def _pod_ref(pod: k.Pod) -> str:
    return f"pod/{pod.metadata.namespace or 'default'}/{pod.metadata.name}"


class CiliumEniIpam(Check):
    id = "cilium-eni-ipam"
    title = "Cilium ENI IPAM: pods without an IP, subnets too short for the operator"
    needs = (files.K8S_NODES, files.K8S_PODS, files.AWS_SUBNETS)
    wants = (files.K8S_EVENTS, files.AWS_INSTANCES, files.AWS_NETWORK_INTERFACES)
    applies_to = (applies.CILIUM_ENI, applies.IPV4_PODS, applies.EC2_NODES)
    severity = Severity.WARNING
    provides = ("node", "subnet_id")

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        views = snap.views
        stuck: dict[str, list[tuple[k.Pod, k.Event]]] = defaultdict(list)
        for pod in snap.pods:
            if pod.status.phase == "Pending" and pod.spec.nodeName:
                event = _stuck(views, pod)
                if event is not None:
                    stuck[pod.spec.nodeName].append((pod, event))
        named: set[str] = set()
        for name in sorted(stuck):
            view = views.nodes_by_name.get(name)
            subnets = _node_subnets(views, view) if view is not None else []
            named.update(s.SubnetId for s in subnets)
            yield self._stuck_pods(name, stuck[name], subnets)
        for view in views.nodes:
            for subnet in _node_subnets(views, view):
                if subnet.SubnetId in named:
                    continue
                free = subnet.AvailableIpAddressCount
                if free is not None and free < PRE_ALLOCATE:
                    named.add(subnet.SubnetId)
                    yield self._short_subnet(views, subnet, free)

    def _stuck_pods(
        self, node: str, pods: list[tuple[k.Pod, k.Event]], subnets: list[a.Subnet]
    ) -> Finding:
        event = pods[0][1]
        count = f" (×{event.count})" if event.count else ""
        short = [
            s
            for s in subnets
            if s.AvailableIpAddressCount is not None and s.AvailableIpAddressCount < PRE_ALLOCATE
        ]
        evidence = [
            f"FailedCreatePodSandBox{count}: {clip(event.text)}",
            f"{len(pods)} pod(s) Pending on the node: {listing([_pod_ref(p) for p, _ in pods])}",
        ]
        evidence += [
            f"subnet/{s.SubnetId} ({s.CidrBlock}): AvailableIpAddressCount "
            f"{s.AvailableIpAddressCount}"
            for s in subnets
        ]
        if short:
            label = (
                f"the node's subnet {short[0].SubnetId} has {short[0].AvailableIpAddressCount} "
                f"free IPs, fewer than the operator's pre-allocation of {PRE_ALLOCATE}"
            )
            mechanism = "subnet-exhausted"
        elif subnets:
            label = (
                "its subnets still have free IPs: the limit is the node's ENIs or the operator "
                "(kubectl get ciliumnode NODE -o yaml shows its IPAM status)"
            )
            mechanism = "ipam-failures"
        else:
            label = "the node's subnets are not in the bundle"
            mechanism = "ipam-failures"
        params = {"node": node}
        if subnets:
            params["subnet_id"] = (short or subnets)[0].SubnetId
        return self.finding(
            Severity.CRITICAL,
            f"{len(pods)} pod(s) on node {node} cannot get an IP from Cilium's ENI IPAM: {label}",
            resources=[
                f"node/{node}",
                *(_pod_ref(p) for p, _ in pods),
                *(f"subnet/{s.SubnetId}" for s in subnets),
            ],
            evidence=evidence,
            params=params,
            mechanism=mechanism,
        )

    def _short_subnet(self, views: Views, subnet: a.Subnet, free: int) -> Finding:
        nodes = [v for v in views.nodes if subnet in _node_subnets(views, v)]
        return self.finding(
            Severity.WARNING,
            f"Subnet {subnet.SubnetId} has {free} free IPs, fewer than Cilium's pre-allocation "
            f"of {PRE_ALLOCATE} per node: the next node or ENI there gets no pod IPs",
            resources=[f"subnet/{subnet.SubnetId}", *(v.ref for v in nodes)],
            evidence=[
                f"subnet/{subnet.SubnetId} ({subnet.CidrBlock}): AvailableIpAddressCount {free}",
                f"nodes with ENIs in it: {listing([v.name for v in nodes])}",
                f"the operator keeps spec.ipam.pre-allocate ({PRE_ALLOCATE} by default) addresses "
                "free per node",
            ],
            params={"subnet_id": subnet.SubnetId},
            mechanism="subnet-short",
        )
