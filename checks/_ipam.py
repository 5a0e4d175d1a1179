"""Which IP-capacity check reports which max-pods verdict, and their shared wording.

One root cause gets one finding with one piece of advice (the facts are in
`netdoctor.facts.ipam`):

* kubelet max-pods above what the node's ENIs can hold:
  - prefix delegation on, instance type not Nitro → `prefix-delegation`;
  - custom networking on, max-pods equal to the value *without* custom networking →
    `custom-networking` ("not lowered for the unused primary ENI");
  - prefix delegation off, max-pods equal to a prefix-delegation value → `prefix-delegation`;
  - any other excess → `pod-ip-capacity`.
* max-pods left at the secondary-IP value while prefixes work → `prefix-delegation` (info).
* Subnets: too few free IPs for the warm pool → `pod-ip-capacity`; no free aligned /28 →
  `prefix-delegation`; ENIConfig subnets → `custom-networking`.
* Pods actually failing → `pod-ip-capacity`, critical, naming the limit hit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdoctor.facts import ipam
from netdoctor.facts.text import listing

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views

POD_IP_CAPACITY = "pod-ip-capacity"
PREFIX_DELEGATION = "prefix-delegation"
CUSTOM_NETWORKING = "custom-networking"

OWNER = {
    ipam.OVER_CAPACITY: POD_IP_CAPACITY,
    ipam.PD_NON_NITRO: PREFIX_DELEGATION,
    ipam.CN_NOT_LOWERED: CUSTOM_NETWORKING,
    ipam.RAISED_WITHOUT_PD: PREFIX_DELEGATION,
    ipam.PD_LEFT_AT_SECONDARY: PREFIX_DELEGATION,
}
"""max-pods verdict cause → the check that reports it."""


def owned_verdicts(views: Views, owner: str) -> list[tuple[NodeView, ipam.MaxPodsVerdict]]:
    """The nodes (in bundle order) whose max-pods verdict the check `owner` reports."""
    found: list[tuple[NodeView, ipam.MaxPodsVerdict]] = []
    for view in views.nodes:
        verdict = ipam.max_pods_verdict(views, view)
        if verdict is not None and OWNER[verdict.cause] == owner:
            found.append((view, verdict))
    return found


def kubelet_line(kubelet: int | None, nodes: list[NodeView]) -> str:
    """The evidence line that names the nodes' kubelet max-pods."""
    names = listing([v.name for v in nodes])
    return f"kubelet max-pods (status.allocatable.pods) = {kubelet} on {names}"


def overcommit_line(excess: int) -> str:
    """The evidence line for a max-pods `excess` pods above what the ENIs can address."""
    return (
        f"the scheduler can place {excess} more pods per node than the ENIs can give IPs to; "
        "those stick in ContainerCreating"
    )
