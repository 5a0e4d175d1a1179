"""trunk-node-label: nodes that cannot serve security groups for pods, and the pods that wait.

With `ENABLE_POD_ENI=true`, ipamd marks a node ready for a trunk ENI (the label
`vpc.amazonaws.com/has-trunk-attached` before VPC CNI 1.15, the CNINode feature
`SecurityGroupsForPods` from 1.15), but only while an ENI slot is free; the VPC resource
controller then attaches the trunk and advertises `vpc.amazonaws.com/pod-eni`. Nodes without the
marker, without a free slot, or of a type that cannot trunk never get that capacity, and pods
matched by a SecurityGroupPolicy stay Pending on `Insufficient vpc.amazonaws.com/pod-eni`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.engine.api import (
    Check,
    Finding,
    Iterator,
    Mechanism,
    Severity,
    Snapshot,
    Unchecked,
    applies,
    files,
)
from netdoctor.facts import signatures

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView
    from netdoctor.snapshot import k8s_types as k

TRUNK_LABEL = "vpc.amazonaws.com/has-trunk-attached"
SGP_FEATURE = "SecurityGroupsForPods"
POD_ENI = "vpc.amazonaws.com/pod-eni"
INSUFFICIENT = f"Insufficient {POD_ENI}"
CNINODE_SINCE = (1, 15, 0)
TRUNK_EVENTS = (
    "TrunkENICreationFailed",
    "NodeTrunkFailedInit",
    "Unsupported",
    "NodeTrunkInitiated",
)
COMPUTE_TYPE = "eks.amazonaws.com/compute-type"  # fargate, auto, hybrid: no trunk ENIs here


@dataclass
class NodeState:
    """What stands between one node and `vpc.amazonaws.com/pod-eni` capacity."""

    view: NodeView
    pod_eni: int | None
    """`status.allocatable["vpc.amazonaws.com/pod-eni"]`, None when absent."""
    cause: str | None = None
    """Why the node gets no branch ENIs (None: nothing found, or not judged)."""


def _count(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """A pod's nodeSelector admits a node with these labels."""
    return all(labels.get(key) == value for key, value in selector.items())


def _serves_sgp(view: NodeView) -> bool:
    """Linux EC2 nodes the CNI manages: Windows, Fargate, Auto Mode and hybrid nodes are not."""
    labels = view.labels
    if labels.get("kubernetes.io/os", "linux") != "linux":
        return False
    return labels.get(COMPUTE_TYPE, "ec2") == "ec2"


def _selector_matches(selector: k.LabelSelector, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (an empty selector matches everything)."""
    for key, value in (selector.matchLabels or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.matchExpressions or ():
        present, values = expr.key in labels, expr.values or []
        ok = {
            "In": present and labels.get(expr.key) in values,
            "NotIn": not present or labels.get(expr.key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(expr.operator, False)
        if not ok:
            return False
    return True


def _matching_policy(
    pod: k.Pod, policies: list[k.SecurityGroupPolicy]
) -> k.SecurityGroupPolicy | None:
    """The first SecurityGroupPolicy in the pod's namespace whose pod selector matches it.

    Policies that select by service account are skipped: ServiceAccount labels are not in the
    bundle."""
    labels = pod.metadata.labels or {}
    for sgp in policies:
        spec = sgp.spec
        if sgp.metadata.namespace != pod.metadata.namespace or spec.serviceAccountSelector:
            continue
        if spec.podSelector is not None and _selector_matches(spec.podSelector, labels):
            return sgp
    return None


class TrunkNodeLabel(Check):
    id = "trunk-node-label"
    title = "Security groups for pods: trunk markers, trunk-capable types, ENI slots, pending pods"
    needs = (files.K8S_NODES, files.K8S_DAEMONSETS)
    applies_to = (applies.VPC_CNI, applies.EC2_NODES)
    wants = (
        files.K8S_CNINODES,
        files.K8S_PODS,
        files.K8S_EVENTS,
        files.K8S_SECURITY_GROUP_POLICIES,
        files.AWS_INSTANCES,
        files.AWS_INSTANCE_TYPES,
        files.AWS_NETWORK_INTERFACES,
    )
    severity = Severity.WARNING
    provides = ("node", "instance_id", "instance_type")
    mechanisms = (Mechanism(f"pods Pending for want of {POD_ENI}", (files.K8S_PODS,)),)

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        states = [
            NodeState(v, _count((v.node.status.allocatable or {}).get(POD_ENI, "")))
            for v in snap.views.nodes
            if _serves_sgp(v)
        ]
        version = snap.views.cni.version
        # From VPC CNI 1.15 the CNINode feature is the marker (unknown version: the label will do).
        marked_by_cninode = [
            s
            for s in states
            if (version >= CNINODE_SINCE if version else s.view.labels.get(TRUNK_LABEL) != "true")
        ]
        if snap.views.cni.pod_eni and marked_by_cninode and not snap.has(files.K8S_CNINODES):
            yield self.unchecked(f"CNINode feature {SGP_FEATURE}", files.K8S_CNINODES)
        if snap.views.cni.pod_eni:
            for state in states:
                yield from self._node(snap, state)
        yield from self._pending_pods(snap, states)

    @staticmethod
    def _params(views: list[NodeView]) -> dict[str, str]:
        params = {"node": " ".join(v.name for v in views)}
        ids = [v.instance_id for v in views if v.instance_id]
        types = sorted({v.instance_type for v in views if v.instance_type})
        if ids:
            params["instance_id"] = " ".join(ids)
        if types:
            params["instance_type"] = " ".join(types)
        return params

    @staticmethod
    def _common(snap: Snapshot, state: NodeState) -> list[str]:
        events = snap.views.events_for("Node", None, state.view.name)
        allocatable = "absent" if state.pod_eni is None else str(state.pod_eni)
        return [
            snap.views.cni.source("ENABLE_POD_ENI"),
            f"node/{state.view.name} allocatable {POD_ENI}: {allocatable}",
            *(f"node event {e.reason}: {e.text}" for e in events if e.reason in TRUNK_EVENTS),
        ]

    def _node(self, snap: Snapshot, state: NodeState) -> Iterator[Finding]:
        view, limits, cni = state.view, state.view.limits, snap.views.cni
        if limits is None:
            return  # unknown instance type: never guess
        kind = f"{view.instance_type} ({limits.source})"
        if not limits.can_trunk:
            why = "not a Nitro instance" if not limits.nitro else "t-family types have no trunk"
            state.cause = f"{view.instance_type} cannot hold a trunk ENI ({why})"
            yield self.finding(
                Severity.WARNING,
                f"Node {view.name} ({view.instance_type}) cannot hold a trunk ENI: "
                "pods with security groups never schedule there",
                resources=[view.ref],
                evidence=[
                    f"{kind}: hypervisor {limits.hypervisor or 'unknown'}; {why}",
                    *self._common(snap, state),
                ],
                params=self._params([view]),
                mechanism="no-trunk-type",
            )
            return
        enis = view.enis
        trunk = next((e for e in enis if e.interface_type == "trunk"), None)
        slots = min(limits.max_enis, cni.max_eni) if cni.max_eni else limits.max_enis
        used = [
            e for e in enis if e.network_card == 0 and e.interface_type not in ("trunk", "branch")
        ]
        if enis and trunk is None and len(used) >= slots:
            state.cause = f"all {slots} ENI slots in use, no trunk ENI"
            yield self.finding(
                Severity.WARNING,
                f"Node {view.name} uses all {slots} ENI slots, so no trunk ENI can attach",
                resources=[view.ref],
                evidence=[
                    f"{len(used)} ENIs attached: "
                    + ", ".join(f"{e.eni_id} (device {e.device_index})" for e in used),
                    f"{kind}: {limits.max_enis} ENIs; {cni.source('MAX_ENI')}",
                    f"no ENI of type trunk; {cni.source('WARM_ENI_TARGET')}",
                    "ipamd logs 'No slot available for a trunk ENI to be attached.' and never "
                    "marks the node",
                    *self._common(snap, state),
                ],
                params=self._params([view]),
                mechanism="eni-slots-full",
            )
            return
        marker = self._marker(snap, view)
        if marker is None:
            return
        what, facts = marker
        state.cause = f"no {what}"
        trunk_fact = (
            f"trunk ENI {trunk.eni_id} is attached"
            if trunk
            else f"no trunk ENI among its {len(enis)} ENIs ({slots - len(used)} slot(s) free)"
            if enis
            else "its ENIs are not in the bundle"
        )
        yield self.finding(
            Severity.WARNING,
            f"Node {view.name} lacks {what} (VPC CNI {cni.version_text}): the resource "
            f"controller gives it no {POD_ENI}",
            resources=[view.ref],
            evidence=[*facts, trunk_fact, *self._common(snap, state)],
            params=self._params([view]),
            mechanism="trunk-marker-missing",
        )

    @staticmethod
    def _marker(snap: Snapshot, view: NodeView) -> tuple[str, list[str]] | None:
        """(the missing marker, facts) when the node lacks the marker its CNI version uses."""
        version = snap.views.cni.version
        label = view.labels.get(TRUNK_LABEL)
        label_fact = f"label {TRUNK_LABEL}={label}" if label else f"no label {TRUNK_LABEL}"
        has_cninodes = snap.has(files.K8S_CNINODES) or snap.not_installed(files.K8S_CNINODES)
        cninode = snap.views.cninodes_by_name.get(view.name)
        features = cninode.spec.feature_names if cninode else []
        cninode_fact = (
            f"cninode/{view.name} features: {', '.join(features) or 'none'}"
            if cninode
            else f"no CNINode object named {view.name}"
        )
        if version is not None and version < CNINODE_SINCE:
            if label == "true":
                return None
            return f"the label {TRUNK_LABEL}=true", [label_fact]
        if SGP_FEATURE in features or not has_cninodes:
            return None  # marked, or the CNINodes were not collected
        if version is not None:
            return f"the CNINode feature {SGP_FEATURE}", [cninode_fact]
        if label == "true":
            return None  # version unknown: either marker will do
        return f"both {TRUNK_LABEL}=true and the CNINode feature {SGP_FEATURE}", [
            label_fact,
            cninode_fact,
        ]

    def _pending_pods(
        self, snap: Snapshot, states: list[NodeState]
    ) -> Iterator[Finding | Unchecked]:
        policies = snap.security_group_policies
        groups: dict[tuple[str, str | None], list[tuple[k.Pod, str]]] = defaultdict(list)
        for pod in snap.pods:
            message = self._insufficient_pod_eni(snap, pod)
            if message is None:
                continue
            sgp = _matching_policy(pod, policies)
            ns = pod.metadata.namespace or "default"
            groups[(ns, sgp.metadata.name if sgp else None)].append((pod, message))
        if groups and not snap.has(files.K8S_SECURITY_GROUP_POLICIES):
            yield self.unchecked(
                "the SecurityGroupPolicy that selects each pending pod",
                files.K8S_SECURITY_GROUP_POLICIES,
            )
        cni = snap.views.cni
        starved = [s for s in states if not s.pod_eni] or states
        mechanism = (
            "pod-eni-off"
            if not cni.pod_eni
            else "pods-pending"
            if any(not s.pod_eni for s in states)
            else "branch-enis-exhausted"
        )
        node_facts = [
            f"node/{s.view.name}: {POD_ENI} {'absent' if s.pod_eni is None else s.pod_eni}"
            + (f"; {s.cause}" if s.cause else "")
            for s in states[:10]
        ]
        for (ns, sgp_name), pods in sorted(
            groups.items(), key=lambda g: (g[0][0], g[0][1] is None, g[0][1] or "")
        ):
            pod_refs = [f"pod/{ns}/{p.metadata.name}" for p, _ in pods]
            by = f"SecurityGroupPolicy {ns}/{sgp_name}" if sgp_name else "a SecurityGroupPolicy"
            sgp_refs = [f"securitygrouppolicy/{ns}/{sgp_name}"] if sgp_name else []
            how = [] if sgp_name else self._unresolved_match(ns, pods[0][0], policies)
            selector = pods[0][0].spec.nodeSelector or {}
            offering = [s for s in states if s.pod_eni]
            eligible = [s for s in offering if _selects(selector, s.view.labels)]
            if not offering:
                why = f"no node offers {POD_ENI}"
            elif not eligible:
                # Nodes do offer branch ENIs: the pods' own selector keeps them off those nodes.
                shown = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
                why = (
                    f"their nodeSelector {shown} excludes the {len(offering)} node(s) "
                    f"offering {POD_ENI}"
                )
                how = [
                    *how,
                    f"nodes offering {POD_ENI}: " + ", ".join(s.view.name for s in offering[:10]),
                ]
            else:
                why = (
                    f"the {len(eligible)} node(s) they may use that offer {POD_ENI} have none free"
                )
            yield self.finding(
                Severity.CRITICAL,
                f"{len(pods)} pod(s) matched by {by} are Pending: {why}",
                resources=[*sgp_refs, *pod_refs],
                evidence=[
                    f"{pod_refs[0]}: {pods[0][1]}",
                    cni.source("ENABLE_POD_ENI")
                    if cni.found
                    else "no aws-node DaemonSet in k8s/daemonsets.json: ENABLE_POD_ENI unknown",
                    *how,
                    *signatures.branch_failures(snap.views, pods[0][0]),
                    *node_facts,
                ],
                params=self._params([s.view for s in starved]),
                mechanism=mechanism,
            )

    @staticmethod
    def _unresolved_match(
        namespace: str, pod: k.Pod, policies: list[k.SecurityGroupPolicy]
    ) -> list[str]:
        """Evidence for pods no pod selector matched: service-account policies may have."""
        facts = [f"the SecurityGroupPolicy webhook added a {POD_ENI} request to the pod"]
        for sgp in policies:
            selector = sgp.spec.serviceAccountSelector
            if sgp.metadata.namespace != namespace or selector is None:
                continue
            wanted = ",".join(f"{key}={val}" for key, val in (selector.matchLabels or {}).items())
            facts.append(
                f"securitygrouppolicy/{namespace}/{sgp.metadata.name} selects service accounts "
                f"labelled {wanted or '(expressions)'}; the pod runs as service account "
                f"{pod.spec.serviceAccountName or 'default'}"
            )
        return facts

    @staticmethod
    def _insufficient_pod_eni(snap: Snapshot, pod: k.Pod) -> str | None:
        """The scheduler's message when the pod waits for pod-eni capacity, else None."""
        if pod.status.phase != "Pending" or pod.spec.nodeName:
            return None
        for cond in pod.status.conditions or ():
            if (
                cond.type == "PodScheduled"
                and cond.status == "False"
                and INSUFFICIENT in (cond.message or "")
            ):
                return f"PodScheduled=False {cond.reason or ''}: {cond.message}".replace(" :", ":")
        for event in snap.views.pod_events(pod):
            if event.reason == "FailedScheduling" and INSUFFICIENT in event.text:
                return f"event FailedScheduling: {event.text}"
        return None
