"""ipv6-pod-prefixes: in an IPv6 cluster, nodes that cannot get the /80 their pods live in.

With `ENABLE_IPv6=true` the VPC CNI assigns each node one /80 prefix on its primary ENI, out of
its subnet's IPv6 /64, and gives every pod an address of it (EKS User Guide, "IPv6 addresses to
clusters, Pods, and services"; VPC CNI ≥ 1.10.1, prefix mode). A /64 holds 65,536 /80s, so the
subnet never runs short of prefixes; what breaks in practice is a node in a subnet without an
IPv6 CIDR (a node group placed in an IPv4-only subnet): no /80 can be assigned, and every pod
scheduled there fails its sandbox with "failed to assign an IP address to container". IPv4
exhaustion does not matter for these pods (pod-ip-capacity says so: not applicable).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, applies, files
from netdoctor.facts import ipam
from netdoctor.facts.text import clip, listing

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView
    from netdoctor.snapshot import aws_types as a
    from netdoctor.snapshot import k8s_types as k


def _ipv6_cidrs(subnet: a.Subnet) -> list[str]:
    return [
        x.Ipv6CidrBlock
        for x in subnet.Ipv6CidrBlockAssociationSet or ()
        if x.Ipv6CidrBlock
        and (x.Ipv6CidrBlockState is None or x.Ipv6CidrBlockState.State == "associated")
    ]


def _pod_ref(pod: k.Pod) -> str:
    return f"pod/{pod.metadata.namespace or 'default'}/{pod.metadata.name}"


class Ipv6PodPrefixes(Check):
    id = "ipv6-pod-prefixes"
    title = "IPv6 pod prefixes: nodes whose subnet has no IPv6 CIDR for their /80"
    needs = (files.K8S_NODES, files.K8S_PODS, files.AWS_SUBNETS)
    wants = (files.K8S_EVENTS, files.AWS_INSTANCES, files.AWS_NETWORK_INTERFACES)
    applies_to = (applies.VPC_CNI, applies.IPV6_PODS, applies.EC2_NODES)
    severity = Severity.WARNING
    provides = ("node", "subnet_id")

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        views = snap.views
        stuck: dict[str, list[tuple[k.Pod, k.Event]]] = defaultdict(list)
        for pod in snap.pods:
            if pod.status.phase == "Pending" and pod.spec.nodeName:
                events = ipam.ip_assign_failures(views, pod)
                if events:
                    event = max(events, key=lambda e: e.count or 0)
                    stuck[pod.spec.nodeName].append((pod, event))
        for view in ipam.cni_nodes(views):
            subnet = view.subnet
            if subnet is None or _ipv6_cidrs(subnet):
                continue
            yield self._no_ipv6_cidr(view, subnet, stuck.get(view.name, []))

    def _no_ipv6_cidr(
        self, view: NodeView, subnet: a.Subnet, pods: list[tuple[k.Pod, k.Event]]
    ) -> Finding:
        prefixes = [p for e in view.enis if e.device_index == 0 for p in e.ipv6_prefixes]
        evidence = [
            f"subnet/{subnet.SubnetId} ({subnet.CidrBlock}) has no associated IPv6 CIDR "
            "(Ipv6CidrBlockAssociationSet is empty)",
            "the node's primary ENI holds "
            + (f"IPv6 prefixes {', '.join(prefixes)}" if prefixes else "no IPv6 /80 prefix"),
        ]
        if pods:
            event = pods[0][1]
            count = f" (×{event.count})" if event.count else ""
            evidence.insert(0, f"FailedCreatePodSandBox{count}: {clip(event.text)}")
            evidence.insert(
                1,
                f"{len(pods)} pod(s) Pending on the node: "
                + listing([_pod_ref(p) for p, _ in pods]),
            )
            title = (
                f"{len(pods)} pod(s) on node {view.name} cannot get an IPv6 address: its subnet "
                f"{subnet.SubnetId} has no IPv6 CIDR, so the node has no /80 prefix"
            )
        else:
            title = (
                f"Node {view.name} is in subnet {subnet.SubnetId}, which has no IPv6 CIDR: no /80 "
                "prefix for its pods, every pod scheduled there will stay in ContainerCreating"
            )
        return self.finding(
            Severity.CRITICAL if pods else Severity.WARNING,
            title,
            resources=[view.ref, *(_pod_ref(p) for p, _ in pods), f"subnet/{subnet.SubnetId}"],
            evidence=evidence,
            params={"node": view.name, "subnet_id": subnet.SubnetId},
            mechanism="subnet-without-ipv6",
        )
