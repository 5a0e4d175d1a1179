"""Max-pods arithmetic of the VPC CNI (eni-max-pods.txt, max-pods-calculator.sh).

One place for the formulas, shared by the checks and `netdoctor max-pods`.
"""

from __future__ import annotations

import re
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
