"""pod-ip-capacity: pods pending or stuck in ContainerCreating because of IP limits."""

from __future__ import annotations

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, files


class PodIpCapacity(Check):
    id = "pod-ip-capacity"
    title = "Pod IP capacity: max-pods vs ENI limits, subnet free IPs, IP assignment failures"
    needs = (files.K8S_NODES, files.K8S_DAEMONSETS)
    wants = (files.AWS_INSTANCE_TYPES, files.AWS_INSTANCES)
    severity = Severity.WARNING

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        yield from self._max_pods_over_eni_capacity(snap)

    def _max_pods_over_eni_capacity(self, snap: Snapshot) -> Iterator[Finding]:
        views = snap.views
        cni = views.cni
        for view in views.nodes:
            capacity = views.eni_capacity(view)
            if capacity is None or view.kubelet_max_pods is None:
                continue
            if view.kubelet_max_pods <= capacity:
                continue
            limits = view.limits
            assert limits is not None
            yield self.finding(
                Severity.WARNING,
                f"Node {view.name} allows {view.kubelet_max_pods} pods but its ENIs hold only "
                f"{capacity} pod IPs",
                resources=[view.ref],
                evidence=[
                    f"kubelet max-pods (status.allocatable.pods) = {view.kubelet_max_pods}",
                    f"{view.instance_type}: {limits.max_enis} ENIs × {limits.ipv4_per_eni} IPv4 "
                    f"per ENI ({limits.source})",
                    f"ENI capacity under the running aws-node settings = {capacity}",
                    cni.source("ENABLE_PREFIX_DELEGATION"),
                    cni.source("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"),
                    f"the scheduler will place up to {view.kubelet_max_pods - capacity} more pods "
                    "than the node can give IPs to; they stick in ContainerCreating",
                ],
                params={
                    "node": view.name,
                    "instance_type": view.instance_type or "",
                    "max_pods": str(capacity),
                },
            )
