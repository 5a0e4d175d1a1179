"""cni-health: the CNI itself is down on a node, or ipamd cannot call EC2.

Reads the signatures of `netdoctor.facts.signatures`, each only while the bundle's current state
still bears it out:

* a node `Ready=False` with `NetworkPluginNotReady` / `cni plugin not initialized` (any CNI:
  the runtime says no CNI config was written; with the VPC CNI, aws-node never became ready);
* an aws-node pod not Ready now whose readiness/liveness probes fail (grpc-health-probe text);
* `MissingIAMPermissions` (EC2 `UnauthorizedOperation`) or `AccessDenied` events on aws-node
  pods, unless pods on that node got IPs after the last one;
* the EKS node monitoring agent's `NetworkingReady=False`: stale (info) when pods got IPs after
  its lastTransitionTime, else reported (IPAMDNoIPs current is `pod-ip-capacity`'s to report).

Old probe failures of an aws-node pod that is Ready now, and old NetworkNotReady events of a
node that is Ready now, are history: no finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdoctor.engine.api import (
    Check,
    Finding,
    Iterator,
    Mechanism,
    Severity,
    Snapshot,
    Unchecked,
    files,
)
from netdoctor.facts import signatures as sig
from netdoctor.facts.text import clip, listing

if TYPE_CHECKING:
    from netdoctor.facts.views import Views
    from netdoctor.snapshot.k8s_types import Pod

CNI_POLICY = "AmazonEKS_CNI_Policy"


def _pod_ref(pod: Pod) -> str:
    return f"pod/{pod.metadata.namespace or 'default'}/{pod.metadata.name}"


class CniHealth(Check):
    id = "cni-health"
    title = "CNI health: CNI not initialized, aws-node probes failing, ipamd IAM denials, NMA"
    needs = (files.K8S_NODES,)
    wants = (files.K8S_PODS, files.K8S_EVENTS, files.K8S_DAEMONSETS)
    severity = Severity.WARNING
    provides = ("node",)
    mechanisms = (
        Mechanism(
            "aws-node probe failures and IAM denials (events on aws-node pods)",
            (files.K8S_PODS, files.K8S_EVENTS),
        ),
    )

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        views = snap.views
        denied_nodes: set[str] = set()
        yield from self._iam(views, denied_nodes)
        yield from self._not_ready(views, denied_nodes)
        yield from self._nma(views)

    # --- IAM ------------------------------------------------------------------------------

    def _iam(self, views: Views, denied_nodes: set[str]) -> Iterator[Finding]:
        current: list[tuple[Pod, list[str]]] = []
        calls: set[str] = set()
        for pod in sig.aws_node_pods(views):
            events = sig.iam_denials(views, pod)
            if not events:
                continue
            node = views.nodes_by_name.get(pod.spec.nodeName or "")
            last = max((t for e in events if (t := sig.event_last_seen(e))), default=None)
            if (
                node is not None
                and last is not None
                and sig.container_ready(pod)
                and sig.got_ips_since(node, last)
            ):
                continue  # fixed since: pods on the node got IPs after the last denial
            newest = max(events, key=lambda e: e.count or 0)
            count = f" (×{newest.count})" if newest.count else ""
            current.append(
                (pod, [f"{_pod_ref(pod)} event {newest.reason}{count}: {clip(newest.text)}"])
            )
            calls.update(sig.denied_calls(events))
        if not current:
            return
        nodes = sorted({p.spec.nodeName for p, _ in current if p.spec.nodeName})
        denied_nodes.update(nodes)
        accounts = sorted({p.spec.serviceAccountName or "aws-node" for p, _ in current})
        what = listing(sorted(calls) or ["EC2"])
        evidence = [line for _, lines in current for line in lines][:5]
        evidence += [
            f"aws-node runs as service account kube-system/{', '.join(accounts)}: its IRSA "
            "annotation (eks.amazonaws.com/role-arn) or EKS Pod Identity association names the "
            "role ipamd uses, else the node role; neither is in the bundle",
            f"that role needs {CNI_POLICY} (or the IPv6 policy): after moving the CNI to IRSA "
            "or Pod Identity, the new role often lacks it while the node role lost it",
        ]
        yield self.finding(
            Severity.CRITICAL,
            f"ipamd is denied {what} on {len(nodes)} node(s): the aws-node IAM role lacks "
            f"{CNI_POLICY}, so nodes cannot add pod IPs",
            resources=[*(f"node/{n}" for n in nodes), *(_pod_ref(p) for p, _ in current)],
            evidence=evidence,
            params={"node": " ".join(nodes)} if nodes else {},
            mechanism="cni-iam",
        )

    # --- CNI not initialized / aws-node not ready ------------------------------------------

    def _not_ready(self, views: Views, denied_nodes: set[str]) -> Iterator[Finding]:
        by_node: dict[str, list[Pod]] = {}
        for pod in sig.aws_node_pods(views):
            by_node.setdefault(pod.spec.nodeName or "", []).append(pod)
        platform = views.platform
        for view in views.nodes:
            condition = sig.cni_not_ready(view)
            pods = by_node.get(view.name, [])
            unready = [p for p in pods if sig.container_ready(p) is False]
            if condition is None and not unready:
                continue
            evidence = []
            if condition is not None:
                evidence.append(
                    f"node/{view.name} condition Ready={condition.status} "
                    f"({condition.reason or ''}): {clip(condition.message or '')}"
                )
            for pod in unready or pods:
                state = "not Ready" if pod in unready else "Ready"
                evidence.append(f"{_pod_ref(pod)} (aws-node) is {state}")
                failures = sig.probe_failures(views, pod)
                if failures and pod in unready:
                    newest = max(failures, key=lambda e: e.count or 0)
                    count = f" (×{newest.count})" if newest.count else ""
                    evidence.append(f"event Unhealthy{count}: {clip(newest.text)}")
            if condition is not None and not pods and platform.aws_node:
                evidence.append(f"no aws-node pod on node/{view.name} in k8s/pods.json")
            waiting = [
                p
                for p in view.pods
                if any(e.reason == sig.NETWORK_NOT_READY_EVENT for e in views.pod_events(p))
                and p.status.phase == "Pending"
            ]
            if waiting:
                evidence.append(
                    f"{len(waiting)} pod(s) Pending with NetworkNotReady: "
                    + listing([_pod_ref(p) for p in waiting])
                )
            if condition is not None:
                cni = "aws-node (VPC CNI)" if platform.aws_node else platform.label
                title = (
                    f"Node {view.name} is NotReady: the CNI is not initialized ({cni} has not "
                    "written its network config), so no pod can start there"
                )
                severity, mechanism = Severity.CRITICAL, "cni-not-initialized"
            else:
                title = (
                    f"aws-node on node {view.name} is not ready: ipamd does not answer its "
                    "health probe, so new pods there cannot get an IP"
                )
                severity, mechanism = Severity.WARNING, "aws-node-not-ready"
            yield self.finding(
                severity,
                title,
                resources=[
                    view.ref,
                    *(_pod_ref(p) for p in unready),
                    *(_pod_ref(p) for p in waiting),
                ],
                evidence=evidence,
                params={"node": view.name},
                mechanism=mechanism,
                cause=self.cause_hint(self.id, view.ref) if view.name in denied_nodes else None,
            )

    # --- node monitoring agent ---------------------------------------------------------------

    def _nma(self, views: Views) -> Iterator[Finding]:
        for view in views.nodes:
            verdict = sig.judge_nma(views, view)
            if verdict is None:
                continue
            cond = verdict.condition
            reason = cond.reason or "unknown"
            line = (
                f"node/{view.name} condition {cond.type}=False ({reason}) since "
                f"{cond.lastTransitionTime or 'unknown'}: {clip(cond.message or '')}"
            )
            if verdict.stale:
                yield self.finding(
                    Severity.INFO,
                    f"Node {view.name}: {cond.type}=False ({reason}) is stale: the node has "
                    "recovered, but the node monitoring agent never clears a condition",
                    resources=[view.ref],
                    evidence=[
                        line,
                        *verdict.evidence,
                        "the agent latches the condition until its pod restarts "
                        "(eks-node-monitoring-agent #215, #250); node auto-repair may replace "
                        "this healthy node",
                    ],
                    params={"node": view.name},
                    mechanism="nma-stale",
                )
            elif reason != sig.IPAMD_NO_IPS:  # current IPAMDNoIPs: pod-ip-capacity names the limit
                yield self.finding(
                    Severity.WARNING,
                    f"Node {view.name}: the node monitoring agent reports {cond.type}=False "
                    f"({reason})",
                    resources=[view.ref],
                    evidence=[line, *verdict.evidence],
                    params={"node": view.name},
                    mechanism="nma-networking",
                    cause=self.cause_hint(self.id, view.ref),
                )
