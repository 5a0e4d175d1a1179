"""CNI failure signatures: which event or node-condition text means what, and whether the
bundle's current state still bears it out. One home for the exact strings; the checks
(`cni-health`, `pod-ip-capacity`, `trunk-node-label`) ask here.

Sources of the exact texts (looked up in the components' code and issues):

* kubelet / container runtime, node condition `Ready=False` reason `KubeletNotReady`:
  `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady
  message:Network plugin returns error: cni plugin not initialized` (containerd; karpenter
  #1391, bottlerocket #3076); dockershim `… network plugin is not ready: cni config
  uninitialized` (vpc-cni #284, #1278); pod event `NetworkNotReady`.
* aws-node probes: kubelet event reason `Unhealthy`, `Readiness probe failed: …` /
  `Liveness probe failed: …`, whose output is the grpc-health-probe's
  (aws/amazon-vpc-cni-k8s cmd/grpc-health-probe/main.go): `timeout: failed to connect service
  %q within %v`, `error: failed to connect service at %q`, `timeout: health rpc did not
  complete within %v`, `error: health rpc failed`, `service unhealthy (responded with %q)`.
* IAM: ipamd's `checkAPIErrorAndBroadcastEvent` (aws/amazon-vpc-cni-k8s
  pkg/awsutils/awsutils.go) sends a Warning event on the aws-node pod, reason
  `MissingIAMPermissions`, message `Unauthorized operation: failed to call %v due to missing
  permissions. Please refer https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/iam-policy.md
  to attach relevant policy to IAM role`, on the EC2 error code `UnauthorizedOperation`.
  `AccessDenied` is the STS/IAM error code (an IRSA or Pod Identity role that cannot be assumed).
* Subnet exhaustion: EC2 error code `InsufficientFreeAddressesInSubnet` (pkg/ipamd/ipamd.go);
  the EKS node monitoring agent maps that ipamd.log line to `IPAMDNoIPs`, message `There are no
  available IP addresses for IPAMD to assign to pods` (aws/eks-node-monitoring-agent
  monitors/networking).
* Security groups for pods (aws/amazon-vpc-resource-controller-k8s): `BranchAllocationFailed`
  `failed to allocate branch ENI to pod: %v`; `SecurityGroupRequested` `Pod will get the
  following Security Groups %v` / `Pod will get the instance security group as the pod didn't
  match any Security Group from SecurityGroupPolicy` (vpc-cni #1288, #3066).
  While the controller attaches the branch ENI, the CNI's first ADD fails (`failed to assign an
  IP address to container`, "failed to get ip") and kubelet retries until it succeeds: a red
  herring once the pod runs (vpc-cni #3575, #3066).
* EKS node monitoring agent, condition `NetworkingReady` (pkg/reasons): healthy reason
  `NetworkingIsReady`; problem reasons `IPAMDNoIPs`, `IPAMDNotReady`, `IPAMDNotRunning`,
  `IPAMDRepeatedlyRestart`, `IPAMDInconsistentState`, `InterfaceNotUp`, `InterfaceNotRunning`,
  `KubeProxyNotReady`, `MissingDefaultRoutes`, `MissingIPRoutes`, `MissingIPRules`,
  `ConntrackExceeded`, `PPSExceeded`, `BandwidthInExceeded`, `BandwidthOutExceeded`, …
  The agent never clears a condition once set (agent #215, #250): a `False` condition whose
  `lastTransitionTime` precedes evidence of health is stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from netdoctor.facts.text import clip

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.k8s_types import Event, NodeCondition, Pod

# --- exact strings ---------------------------------------------------------------------------

NETWORK_PLUGIN_NOT_READY = "NetworkPluginNotReady"
CNI_NOT_INITIALIZED = "cni plugin not initialized"
CNI_CONFIG_UNINITIALIZED = "cni config uninitialized"
RUNTIME_NETWORK_NOT_READY = "runtime network not ready"
NETWORK_NOT_READY_EVENT = "NetworkNotReady"

UNHEALTHY = "Unhealthy"
PROBE_FAILED = ("Readiness probe failed", "Liveness probe failed")
GRPC_PROBE_TEXTS = (
    "failed to connect service",
    "health rpc did not complete",
    "health rpc failed",
    "service unhealthy (responded with",
)

MISSING_IAM = "MissingIAMPermissions"
IAM_ERROR_CODES = ("UnauthorizedOperation", "AccessDenied")
_FAILED_CALL = re.compile(r"failed to call (\S+) due to missing permissions")

INSUFFICIENT_FREE_ADDRESSES = "InsufficientFreeAddressesInSubnet"

BRANCH_ALLOCATION_FAILED = "BranchAllocationFailed"
SECURITY_GROUP_REQUESTED = "SecurityGroupRequested"
SGP_MATCHED = "Pod will get the following Security Groups"
SGP_NOT_MATCHED = "didn't match any Security Group from SecurityGroupPolicy"
IP_ASSIGN_FAILURE = "failed to assign an IP address to container"
FAILED_GET_IP = "failed to get ip"

NETWORKING_READY = "NetworkingReady"
NMA_HEALTHY = "NetworkingIsReady"
IPAMD_NO_IPS = "IPAMDNoIPs"
NMA_IPAMD_DOWN = ("IPAMDNotReady", "IPAMDNotRunning")

AWS_NODE = "aws-node"


# --- time ------------------------------------------------------------------------------------


def when(value: object) -> datetime | None:
    """An RFC 3339 timestamp as Kubernetes prints it, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def event_last_seen(event: Event) -> datetime | None:
    """The last time the event was seen (either event API shape)."""
    return (
        when(event.lastTimestamp) or when(event.eventTime) or when(event.metadata.creationTimestamp)
    )


def pod_started(pod: Pod) -> datetime | None:
    """When the pod's sandbox got its network: the first container start, else startTime."""
    starts = [
        when(s.state.running.startedAt)
        for s in pod.status.containerStatuses or ()
        if s.state is not None and s.state.running is not None
    ]
    found = [s for s in starts if s is not None]
    return min(found) if found else when(pod.status.startTime)


# --- aws-node pods -----------------------------------------------------------------------------


def is_aws_node(pod: Pod) -> bool:
    """A pod of the aws-node DaemonSet (kube-system, label k8s-app=aws-node or its name)."""
    labels = pod.metadata.labels or {}
    return pod.metadata.namespace == "kube-system" and (
        labels.get("k8s-app") == AWS_NODE or pod.metadata.name.startswith(AWS_NODE + "-")
    )


def aws_node_pods(views: Views) -> list[Pod]:
    return [p for p in views.snap.pods if is_aws_node(p)]


def container_ready(pod: Pod, name: str = AWS_NODE) -> bool | None:
    """The named container's `ready` (None when the status does not say)."""
    for status in pod.status.containerStatuses or ():
        if status.name == name:
            return status.ready
    return None


def probe_failures(views: Views, pod: Pod) -> list[Event]:
    """The pod's `Unhealthy` readiness/liveness probe events."""
    return [
        e
        for e in views.pod_events(pod)
        if e.reason == UNHEALTHY and e.text.startswith(PROBE_FAILED)
    ]


def iam_denials(views: Views, pod: Pod) -> list[Event]:
    """The aws-node pod's `MissingIAMPermissions` events, or events quoting an IAM error code."""
    return [
        e
        for e in views.pod_events(pod)
        if e.reason == MISSING_IAM or any(code in e.text for code in IAM_ERROR_CODES)
    ]


def denied_calls(events: list[Event]) -> list[str]:
    """The EC2 API calls the events name (`ec2:AssignPrivateIpAddresses`…), sorted."""
    return sorted({m[1] for e in events if (m := _FAILED_CALL.search(e.text))})


# --- node conditions -----------------------------------------------------------------------------


def cni_not_ready(view: NodeView) -> NodeCondition | None:
    """The node's `Ready=False` condition when it says the CNI has not initialized."""
    for condition in view.node.status.conditions or ():
        text = condition.message or ""
        if (
            condition.type == "Ready"
            and condition.status != "True"
            and (
                NETWORK_PLUGIN_NOT_READY in text
                or CNI_NOT_INITIALIZED in text
                or CNI_CONFIG_UNINITIALIZED in text
            )
        ):
            return condition
    return None


def nma_networking(view: NodeView) -> NodeCondition | None:
    """The node monitoring agent's `NetworkingReady` condition when it reports a problem."""
    for condition in view.node.status.conditions or ():
        if condition.type == NETWORKING_READY and condition.status == "False":
            return condition
    return None


def got_ips_since(view: NodeView, since: datetime) -> list[Pod]:
    """Pods on the node (not host-network) holding an IP whose network came up after `since`."""
    found = []
    for pod in view.pods:
        started = pod_started(pod)
        if pod.spec.hostNetwork or not pod.status.podIP or started is None:
            continue
        if started > since:
            found.append(pod)
    return found


@dataclass(frozen=True)
class NmaVerdict:
    """What the bundle says of one node's `NetworkingReady=False` condition."""

    condition: NodeCondition
    stale: bool
    evidence: tuple[str, ...]


def judge_nma(views: Views, view: NodeView) -> NmaVerdict | None:
    """Whether the node's NetworkingReady=False still holds. Stale when pods on the node got IPs
    after the condition's lastTransitionTime, or (IPAMD reasons) when the node's aws-node pod is
    Ready now and started after it. None when the node has no such condition."""
    condition = nma_networking(view)
    if condition is None:
        return None
    since = when(condition.lastTransitionTime)
    if since is None:
        return NmaVerdict(condition, False, ("the condition has no lastTransitionTime",))
    reason = condition.reason or ""
    evidence: list[str] = []
    later = got_ips_since(view, since)
    if later and (reason == IPAMD_NO_IPS or reason in NMA_IPAMD_DOWN):
        names = ", ".join(p.metadata.name for p in later[:5])
        evidence.append(
            f"{len(later)} pod(s) on the node got an IP after {condition.lastTransitionTime}: "
            f"{names}"
        )
    if reason in NMA_IPAMD_DOWN:
        for pod in aws_node_pods(views):
            started = pod_started(pod)
            if (
                pod.spec.nodeName == view.name
                and container_ready(pod)
                and started is not None
                and started > since
            ):
                evidence.append(
                    f"pod/kube-system/{pod.metadata.name} (aws-node) is Ready, running since "
                    f"{started.isoformat().replace('+00:00', 'Z')}"
                )
    stuck = [
        p
        for p in view.pods
        if p.status.phase == "Pending"
        and any(
            e.reason == "FailedCreatePodSandBox" and IP_ASSIGN_FAILURE in e.text
            for e in views.pod_events(p)
        )
    ]
    if stuck:
        return NmaVerdict(
            condition,
            False,
            (f"{len(stuck)} pod(s) on the node are stuck without an IP now",),
        )
    return NmaVerdict(condition, bool(evidence), tuple(evidence))


# --- security groups for pods ----------------------------------------------------------------


def sgp_transient(views: Views, pod: Pod) -> bool:
    """A pod of a SecurityGroupPolicy that runs now with an IP: its earlier IP-assignment
    failures were the branch ENI still attaching (vpc-cni #3575), not a fault."""
    if pod.status.phase != "Running" or not pod.status.podIP:
        return False
    events = views.pod_events(pod)
    return any(e.reason == SECURITY_GROUP_REQUESTED and SGP_MATCHED in e.text for e in events)


def branch_failures(views: Views, pod: Pod) -> list[str]:
    """Evidence lines for the resource controller's branch-ENI events on a pod."""
    return [
        f"event {e.reason}: {clip(e.text)}"
        for e in views.pod_events(pod)
        if e.reason == BRANCH_ALLOCATION_FAILED
        or (e.reason == SECURITY_GROUP_REQUESTED and SGP_NOT_MATCHED in e.text)
    ]


def subnet_exhaustion_events(views: Views, view: NodeView) -> list[str]:
    """Evidence lines: events about the node, its pods or its aws-node pod that quote
    `InsufficientFreeAddressesInSubnet` (corroborates a subnet found exhausted)."""
    events = list(views.events_for("Node", None, view.name))
    for pod in views.snap.pods:
        if pod.spec.nodeName == view.name:
            events += views.pod_events(pod)
    lines = []
    for event in events:
        if INSUFFICIENT_FREE_ADDRESSES in event.text:
            target = event.target
            count = f" ×{event.count}" if event.count else ""
            lines.append(
                f"{(target.kind or '').lower()}/{target.name} event {event.reason}{count}: "
                f"{clip(event.text)}"
            )
    return lines
