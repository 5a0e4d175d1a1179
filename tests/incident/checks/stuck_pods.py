"""A test check for the replay TUI tests: its output depends only on the pods of a frame."""

from __future__ import annotations

from collections import defaultdict

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, files


class IncidentStuckPods(Check):
    id = "incident-stuck-pods"
    title = "Pods stuck in ContainerCreating or unscheduled"
    needs = (files.K8S_PODS,)

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        stuck: dict[str, list[str]] = defaultdict(list)
        unscheduled = []
        for pod in snap.pods:
            ref = f"pod/{pod.metadata.namespace}/{pod.metadata.name}"
            waiting = [
                s.state.waiting.reason
                for s in pod.status.containerStatuses or ()
                if s.state and s.state.waiting
            ]
            if "ContainerCreating" in waiting and pod.spec.nodeName:
                stuck[pod.spec.nodeName].append(ref)
            elif pod.status.phase == "Pending" and not pod.spec.nodeName:
                unscheduled.append(ref)
        for node, pods in sorted(stuck.items()):
            yield self.finding(
                Severity.CRITICAL,
                f"{len(pods)} pod(s) stuck in ContainerCreating on node {node}",
                resources=[f"node/{node}", *pods],
                evidence=[f"{len(pods)} pods waiting with reason ContainerCreating"],
            )
        if unscheduled:
            yield self.finding(
                Severity.WARNING,
                f"{len(unscheduled)} pod(s) not scheduled",
                resources=unscheduled,
                evidence=["phase Pending without a node"],
            )
