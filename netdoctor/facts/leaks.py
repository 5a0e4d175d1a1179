"""ENIs the VPC CNI made for instances that are gone: they stay `available`, holding their
addresses, until someone deletes them.

ipamd creates each secondary ENI with the description `aws-K8S-<instance-id>` and the tags
`node.k8s.amazonaws.com/instance_id` and `node.k8s.amazonaws.com/createdAt`
(amazon-vpc-cni-k8s pkg/awsutils/awsutils.go, `eniDescriptionPrefix`, `eniNodeTagKey`); when the
instance terminates before ipamd detaches and deletes the ENI, it is left behind (ipamd's own
leaked-ENI cleanup only runs on a live node). One rule for `whereis` and `pod-ip-capacity`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.facts.maxpods import PREFIX_SIZE

if TYPE_CHECKING:
    from netdoctor.facts.views import EniView, Views

VPC_CNI_DESCRIPTION = re.compile(r"^aws-K8S-(i-[0-9a-f]+)$")
INSTANCE_TAG = "node.k8s.amazonaws.com/instance_id"
GONE_STATES = frozenset({"terminated", "shutting-down"})


def made_for(eni: EniView) -> str | None:
    """The instance a VPC CNI secondary ENI was made for, else None."""
    found = VPC_CNI_DESCRIPTION.match(eni.description)
    if found:
        return found[1]
    return eni.tags.get(INSTANCE_TAG) if eni.description.startswith("aws-K8S-") else None


def live_instances(views: Views) -> set[str]:
    """Instances of the bundle that are not terminated (or terminating)."""
    return {
        i.InstanceId
        for i in views.snap.instances
        if i.InstanceId and (i.State.Name if i.State else "") not in GONE_STATES
    }


def leaked_for(eni: EniView, live: set[str]) -> str | None:
    """The gone instance a detached VPC CNI ENI was made for; None when it is attached, not the
    VPC CNI's, or its instance is alive."""
    instance = made_for(eni)
    if instance is None or eni.instance_id is not None or instance in live:
        return None
    return instance


def held_addresses(eni: EniView) -> int:
    """IPv4 addresses the ENI keeps from its subnet: primary, secondaries, 16 per /28."""
    return 1 + len(eni.secondary_ips) + PREFIX_SIZE * len(eni.prefixes)


@dataclass(frozen=True)
class LeakedEni:
    eni: EniView
    instance: str
    addresses: int


def leaked_enis(views: Views) -> dict[str, list[LeakedEni]]:
    """Subnet id → the leaked VPC CNI ENIs in it."""
    live = live_instances(views)
    found: dict[str, list[LeakedEni]] = {}
    for eni in views.enis:
        instance = leaked_for(eni, live)
        if instance is not None and eni.subnet_id:
            found.setdefault(eni.subnet_id, []).append(
                LeakedEni(eni, instance, held_addresses(eni))
            )
    return found
