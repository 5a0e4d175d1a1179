"""Max-pods arithmetic of the VPC CNI (eni-max-pods.txt, max-pods-calculator.sh).

One place for the formulas, shared by the checks and `netdoctor max-pods`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX_SIZE = 16  # a /28 prefix holds 16 IPv4 addresses
_BURSTABLE = re.compile(r"^t\d")  # t2, t3, t3a, t4g: no trunk ENI (trn1 is not burstable)


@dataclass(frozen=True)
class InstanceLimits:
    """Networking limits of one EC2 instance type."""

    instance_type: str
    max_enis: int
    """ENIs on the default network card (max-pods counts only that card)."""
    ipv4_per_eni: int
    hypervisor: str
    """`nitro`, `xen`, or empty when EC2 does not say (bare metal)."""
    bare_metal: bool
    vcpus: int
    source: str
    """Where the figures came from: `bundle` or `offline table`."""

    @property
    def nitro(self) -> bool:
        """Built on the Nitro system (bare metal counts): prefix delegation and trunking work."""
        return self.hypervisor == "nitro" or (self.bare_metal and self.hypervisor != "xen")

    @property
    def family(self) -> str:
        """The instance family, e.g. `m5` for `m5.large`."""
        return self.instance_type.split(".", 1)[0]

    @property
    def can_trunk(self) -> bool:
        """Can hold a trunk ENI for security groups for pods: Nitro and not the `t` family."""
        return self.nitro and not _BURSTABLE.match(self.family)


@dataclass(frozen=True)
class MaxPodsInput:
    """The aws-node settings that change max-pods."""

    prefix_delegation: bool = False
    custom_networking: bool = False
    max_eni: int | None = None


def usable_enis(limits: InstanceLimits, settings: MaxPodsInput) -> int:
    """ENIs that can carry pod IPs: MAX_ENI caps them; custom networking skips the primary."""
    enis = limits.max_enis
    if settings.max_eni is not None and settings.max_eni > 0:
        enis = min(enis, settings.max_eni)
    if settings.custom_networking:
        enis -= 1
    return max(enis, 0)


def eni_max_pods(limits: InstanceLimits, settings: MaxPodsInput = MaxPodsInput()) -> int:
    """The ENI/IP ceiling on pods: ENIs × (IPs per ENI − 1) [× 16 with prefixes] + 2."""
    per_eni = limits.ipv4_per_eni - 1
    if settings.prefix_delegation:
        per_eni *= PREFIX_SIZE
    return usable_enis(limits, settings) * max(per_eni, 0) + 2


def recommended_cap(limits: InstanceLimits) -> int:
    """The calculator's cap: 250 above 30 vCPUs, else 110 (kubelet's default)."""
    return 250 if limits.vcpus > 30 else 110


def recommended_max_pods(limits: InstanceLimits, settings: MaxPodsInput = MaxPodsInput()) -> int:
    """What max-pods-calculator.sh prints without --show-max-allowed."""
    return min(recommended_cap(limits), eni_max_pods(limits, settings))


AUTO_MODE_LABEL = ("eks.amazonaws.com/compute-type", "auto")
KARPENTER_LABEL = "karpenter.sh/nodepool"
MANAGED_NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"


def max_pods_origin(labels: Mapping[str, str], os_image: str | None) -> str:
    """Who set the node's kubelet max-pods, as far as its labels and OS image tell.

    Sources: Karpenter sets `--max-pods` from the EC2NodeClass `kubelet.maxPods`, else from its
    own ENI count, which ignores prefix delegation (karpenter#8210); Bottlerocket from
    `settings.kubernetes.max-pods`, else its built-in table; AL2023's nodeadm from the
    NodeConfig's kubelet `maxPods`, else the instance's ENI limits; the AL2 bootstrap.sh from
    `--max-pods`/`--use-max-pods false`, else eni-max-pods.txt (the secondary-IP formula).
    """
    image = (os_image or "").lower()
    key, value = AUTO_MODE_LABEL
    if labels.get(key) == value:
        return "EKS Auto Mode (it sets max-pods itself, from the NodeClass)"
    if KARPENTER_LABEL in labels:
        return (
            f"Karpenter (NodePool {labels[KARPENTER_LABEL]}): the EC2NodeClass kubelet.maxPods, "
            "else Karpenter's own ENI count, which ignores prefix delegation (karpenter#8210)"
        )
    if image.startswith("bottlerocket"):
        return "Bottlerocket: settings.kubernetes.max-pods, else its built-in per-type table"
    if "amazon linux 2023" in image:
        return "nodeadm (AL2023): the NodeConfig's kubelet maxPods, else the instance's ENI limits"
    if "amazon linux 2" in image:
        return (
            "bootstrap.sh (AL2): --kubelet-extra-args --max-pods / --use-max-pods false, else "
            "eni-max-pods.txt (the secondary-IP formula)"
        )
    if "windows" in image:
        return "the Windows node's kubelet settings (EKS Windows AMI bootstrap)"
    return "the kubelet's --max-pods or config file; the bundle does not show who set it"
