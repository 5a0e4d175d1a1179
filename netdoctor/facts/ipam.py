"""IP-capacity facts: the max-pods verdict of a node, its ENI usage, where its pod IPs come
from, and the signatures of IP exhaustion in events and node conditions. Shared by the checks
(`pod-ip-capacity`, `prefix-delegation`, `custom-networking`), the capacity view and `what-if`.

The checks split the verdicts so one root cause gets one finding (`checks/_ipam.py`):

* kubelet max-pods above what the node's ENIs can hold (`max_pods_verdict`):
  - prefix delegation on, instance type not Nitro → `prefix-delegation`: aws-node falls back
    to secondary IPs there, so the fix is the instance type or the setting, not only max-pods;
  - custom networking on, max-pods equal to the value *without* custom networking →
    `custom-networking` ("not lowered for the unused primary ENI");
  - prefix delegation off, max-pods equal to a prefix-delegation value of the type (its
    ceiling, or the 110/250 recommendation) → `prefix-delegation` ("raised without PD");
  - any other excess → `pod-ip-capacity` (mechanism a).
* max-pods left at the secondary-IP value while prefixes work → `prefix-delegation` (info).
* Subnets (`_ipam_space.subnet_pools`): too few free IPs for the warm pool →
  `pod-ip-capacity`; no free aligned /28 although AvailableIpAddressCount looks fine →
  `prefix-delegation`; ENIConfig subnets under custom networking → `custom-networking` (same
  arithmetic, ENIConfig fix).
* Pods actually failing (Too many pods, failed IP assignment) → `pod-ip-capacity`, critical,
  naming the limit hit; a node or subnet named there is not reported again as latent.

Nothing here guesses: a fact the bundle does not hold comes back as None.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from netdoctor.facts.maxpods import (
    PREFIX_SIZE,
    eni_max_pods,
    recommended_cap,
    recommended_max_pods,
    usable_enis,
)
from netdoctor.facts.text import clip
from netdoctor.facts.views import pod_ref as pod_ref  # re-exported for the checks
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.aws_types import Subnet
    from netdoctor.snapshot.k8s_types import Event, Pod

# max_pods_verdict causes
OVER_CAPACITY = "over-capacity"
PD_NON_NITRO = "pd-non-nitro"
CN_NOT_LOWERED = "cn-not-lowered"
RAISED_WITHOUT_PD = "raised-without-pd"
PD_LEFT_AT_SECONDARY = "pd-left-at-secondary"

# Exact texts (DOMAIN.md A1, A5, A8, B1, B2).
ASSIGN_IP_FAILURE = "failed to assign an IP address to container"
TOO_MANY_PODS = "Too many pods"
OUT_OF_PODS = "OutOfpods"
INSUFFICIENT_CIDR = "InsufficientCidrBlocks"
IPAMD_NO_IPS = "IPAMDNoIPs"
CNI_SUBNET_TAG = "kubernetes.io/role/cni"


# aws-node's own node affinity keeps it off these nodes: EKS runs their pod networking itself
# (Fargate, Auto Mode), or another CNI does (hybrid nodes); Windows IPAM is the VPC resource
# controller's. The aws-node settings say nothing about them.
NOT_AWS_NODE_COMPUTE = ("fargate", "hybrid", "auto")


def cni_nodes(views: Views) -> list[NodeView]:
    """The nodes aws-node runs on (Linux, not Fargate, Auto Mode or hybrid)."""
    return [v for v in views.nodes if runs_aws_node(v)]


def runs_aws_node(view: NodeView) -> bool:
    labels = view.labels
    os_name = labels.get("kubernetes.io/os") or labels.get("beta.kubernetes.io/os") or "linux"
    compute = labels.get("eks.amazonaws.com/compute-type", "")
    return os_name == "linux" and compute not in NOT_AWS_NODE_COMPUTE


# --- max-pods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaxPodsVerdict:
    """What is wrong with a node's kubelet max-pods."""

    cause: str
    kubelet: int
    capacity: int
    """The ENI/IP ceiling under the settings that apply on the node."""
    reference: int
    """The value that explains the cause: the non-custom-networking value, the
    prefix-delegation value, or the recommended value for the node."""


VPC_CNI_CONFIGMAP = "amazon-vpc-cni"
WINDOWS_PD_KEY = "enable-windows-prefix-delegation"


def windows_prefix_delegation(views: Views) -> bool | None:
    """The VPC resource controller's Windows prefix delegation (`amazon-vpc-cni` ConfigMap);
    None when the ConfigMaps were not collected."""
    snap = views.snap
    if not snap.has(files.K8S_CONFIGMAPS):
        return None
    for cm in snap.configmaps:
        if cm.metadata.name == VPC_CNI_CONFIGMAP and cm.metadata.namespace == "kube-system":
            return (cm.data or {}).get(WINDOWS_PD_KEY, "").strip().lower() == "true"
    return False


def max_pods_verdict(views: Views, view: NodeView) -> MaxPodsVerdict | None:
    """Judge the node's kubelet max-pods against its ENIs; None when fine or unknown."""
    limits, kubelet = view.limits, view.kubelet_max_pods
    if limits is None or kubelet is None or not runs_aws_node(view):
        return None
    configured = views.max_pods_input
    settings = views.node_max_pods_input(view)
    capacity = eni_max_pods(limits, settings)
    cap = recommended_cap(limits)

    def verdict(cause: str, reference: int) -> MaxPodsVerdict:
        return MaxPodsVerdict(cause, kubelet, capacity, reference)

    if configured.prefix_delegation and not limits.nitro:
        return verdict(PD_NON_NITRO, capacity)
    if kubelet > capacity:
        if settings.custom_networking:
            without = eni_max_pods(limits, replace(settings, custom_networking=False))
            if kubelet in (without, min(cap, without)):
                return verdict(CN_NOT_LOWERED, without)
        if not settings.prefix_delegation and limits.nitro:
            with_pd = eni_max_pods(limits, replace(settings, prefix_delegation=True))
            if kubelet in (with_pd, min(cap, with_pd)):
                return verdict(RAISED_WITHOUT_PD, kubelet)
        return verdict(OVER_CAPACITY, capacity)
    if settings.prefix_delegation:
        secondary = {
            eni_max_pods(limits, replace(settings, prefix_delegation=False, custom_networking=cn))
            for cn in (False, True)
        }
        recommended = min(cap, capacity)
        if kubelet in secondary and kubelet < recommended:
            return verdict(PD_LEFT_AT_SECONDARY, recommended)
    return None


def recommended(views: Views, view: NodeView) -> int | None:
    """The max-pods to configure: the ENI ceiling under the node's settings, capped at 110
    (250 above 30 vCPUs) like max-pods-calculator.sh; None for an unknown type."""
    if view.limits is None:
        return None
    return recommended_max_pods(view.limits, views.node_max_pods_input(view))


NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"
"""The label EKS puts on every node of a managed node group."""


def sizing_params(views: Views, view: NodeView) -> dict[str, str]:
    """The playbook values that resize a node: `instance_type`, the `max_pods` to set
    (`recommended`) and the managed `nodegroup` to roll, each only when the bundle gives it."""
    params: dict[str, str] = {}
    if view.instance_type:
        params["instance_type"] = view.instance_type
    nodegroup = view.labels.get(NODEGROUP_LABEL)
    if nodegroup:
        params["nodegroup"] = nodegroup
    value = recommended(views, view)
    if value is not None:
        params["max_pods"] = str(value)
    return params


def formula(views: Views, view: NodeView) -> str:
    """The ENI arithmetic behind the node's capacity, with the numbers filled in."""
    limits = view.limits
    if limits is None:
        return "instance type unknown"
    settings = views.node_max_pods_input(view)
    enis = usable_enis(limits, settings)
    per = f"({limits.ipv4_per_eni} − 1)" + (" × 16" if settings.prefix_delegation else "")
    why = []
    if settings.custom_networking:
        why.append("primary ENI unused")
    if settings.max_eni:
        why.append(f"MAX_ENI={settings.max_eni}")
    note = f" ({', '.join(why)})" if why else ""
    return (
        f"{enis} ENIs{note} × {per} + 2 = {eni_max_pods(limits, settings)} "
        f"({limits.instance_type}: {limits.max_enis} ENIs, {limits.ipv4_per_eni} IPv4 per ENI, "
        f"{limits.source})"
    )


# --- ENIs on a node ------------------------------------------------------------------------


@dataclass(frozen=True)
class EniState:
    """How full a node's ENIs are."""

    attached: int
    """ENIs attached on the default network card (each takes one of the instance's slots)."""
    max_enis: int
    """The instance's ENI limit, or MAX_ENI when lower."""
    pod_enis: int
    """Attached ENIs that hold pod IPs (not the primary one under custom networking)."""
    usable_pod_enis: int
    slots_used: int
    """Secondary IPs (or /28 prefixes) allocated on the pod ENIs."""
    slots_total: int
    prefix_mode: bool
    pod_ips: int
    """Addresses those slots give pods (16 per prefix)."""
    pods_with_ip: int
    """Pods on the node holding one of them (host-network pods hold none)."""

    @property
    def can_attach(self) -> bool:
        return self.attached < self.max_enis and self.pod_enis < self.usable_pod_enis

    @property
    def at_limit(self) -> bool:
        """No ENI can be added and every slot on the pod ENIs is taken."""
        return not self.can_attach and self.slots_used >= self.slots_total

    @property
    def idle_ips(self) -> int:
        """Allocated pod addresses no pod holds."""
        return max(self.pod_ips - self.pods_with_ip, 0)

    def describe(self) -> list[str]:
        unit = "/28 prefix slots" if self.prefix_mode else "secondary IP slots"
        return [
            f"{self.attached} of {self.max_enis} ENIs attached ({self.pod_enis} hold pod IPs, "
            f"at most {self.usable_pod_enis} can)",
            f"{self.slots_used} of {self.slots_total} {unit} on those ENIs allocated, giving "
            f"{self.pod_ips} pod IPs; {self.pods_with_ip} pod(s) on the node hold one",
        ]


def eni_state(views: Views, view: NodeView) -> EniState | None:
    """The node's ENI usage; None when the instance type or its ENIs are not in the bundle."""
    limits = view.limits
    if limits is None or not view.enis:
        return None
    settings = views.node_max_pods_input(view)
    attached = [e for e in view.enis if e.network_card == 0 and e.interface_type != "branch"]
    pods = [
        e
        for e in attached
        if e.interface_type == "interface"
        and not (settings.custom_networking and e.device_index == 0)
    ]
    max_enis = limits.max_enis
    if settings.max_eni and settings.max_eni > 0:
        max_enis = min(max_enis, settings.max_eni)
    prefixes = sum(len(e.prefixes) for e in pods)
    secondary = sum(len(e.secondary_ips) for e in pods)
    return EniState(
        attached=len(attached),
        max_enis=max_enis,
        pod_enis=len(pods),
        usable_pod_enis=usable_enis(limits, settings),
        slots_used=secondary + prefixes,
        slots_total=len(pods) * max(limits.ipv4_per_eni - 1, 0),
        prefix_mode=settings.prefix_delegation,
        pod_ips=secondary + PREFIX_SIZE * prefixes,
        pods_with_ip=sum(1 for p in view.pods if p.status.podIP and not p.spec.hostNetwork),
    )


# --- where a node's pod IPs come from ------------------------------------------------------


def eniconfig_subnet_id(views: Views, view: NodeView) -> str | None:
    """The subnet of the ENIConfig the node selects (custom networking), or None."""
    name, _ = views.eniconfig_selection(view)
    config = views.eniconfigs_by_name.get(name)
    return (config.spec.subnet or None) if config else None


def subnet_discovery(views: Views) -> bool:
    """ENABLE_SUBNET_DISCOVERY in effect (VPC CNI >= 1.18; an unknown version counts)."""
    cni = views.cni
    return cni.flag("ENABLE_SUBNET_DISCOVERY") and (cni.version is None or cni.version >= (1, 18))


def pod_subnets(views: Views, view: NodeView) -> list[Subnet]:
    """Subnets new pod IPs of the node come from: the ENIConfig's under custom networking;
    else the node's subnet plus, with subnet discovery, the `kubernetes.io/role/cni` subnets of
    its VPC and zone. Empty when the bundle does not say."""
    if views.cni.custom_networking:
        subnet_id = eniconfig_subnet_id(views, view)
        subnet = views.subnets_by_id.get(subnet_id) if subnet_id else None
        return [subnet] if subnet else []
    if view.subnet is None:
        return []
    found = [view.subnet]
    if subnet_discovery(views):
        home = view.subnet
        for subnet in views.snap.subnets:
            tags = {t.Key for t in subnet.Tags or ()}
            if (
                subnet is not home
                and CNI_SUBNET_TAG in tags
                and subnet.VpcId == home.VpcId
                and subnet.AvailabilityZone == home.AvailabilityZone
            ):
                found.append(subnet)
    return found


# --- events and conditions -----------------------------------------------------------------


def ip_assign_failures(views: Views, pod: Pod) -> list[Event]:
    """The pod's `FailedCreatePodSandBox … failed to assign an IP address` events."""
    return [
        e
        for e in views.pod_events(pod)
        if e.reason == "FailedCreatePodSandBox" and ASSIGN_IP_FAILURE in e.text
    ]


def too_many_pods(views: Views, pod: Pod) -> str | None:
    """The scheduler's `Too many pods` message for a pending pod, from its PodScheduled
    condition or a FailedScheduling event."""
    for condition in pod.status.conditions or ():
        message = condition.message or ""
        if condition.type == "PodScheduled" and TOO_MANY_PODS in message:
            return message
    for event in views.pod_events(pod):
        if event.reason == "FailedScheduling" and TOO_MANY_PODS in event.text:
            return event.text
    return None


def node_signals(views: Views, view: NodeView, reason: str) -> list[str]:
    """Node conditions and Node events carrying `reason` (e.g. IPAMDNoIPs from the EKS node
    monitoring agent, InsufficientCidrBlocks), as evidence lines. A healthy condition such as
    `NetworkingReady=True` (reason NetworkingIsReady) never matches."""
    found = []
    for condition in view.node.status.conditions or ():
        if condition.reason == reason and condition.status != "True":
            found.append(
                f"node/{view.name} condition {condition.type}={condition.status} "
                f"({reason}): {condition.message or ''}".rstrip(": ")
            )
    for event in views.events_for("Node", None, view.name):
        if event.reason == reason or reason in event.text:
            count = f" ×{event.count}" if event.count else ""
            found.append(f"node/{view.name} event {event.reason}{count}: {clip(event.text)}")
    return found
