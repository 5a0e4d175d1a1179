"""Instance-type limits: the bundle's describe-instance-types first, else the offline table."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from netdoctor.facts.maxpods import InstanceLimits
from netdoctor.snapshot.aws_types import InstanceTypeInfo


@cache
def offline_table() -> dict[str, InstanceLimits]:
    """The table generated from moto's EC2 data by scripts/gen_instance_types.py."""
    text = (
        resources.files("netdoctor.facts.data").joinpath("instance_types.json").read_text("utf-8")
    )
    rows = json.loads(text)["types"]
    return {
        name: InstanceLimits(name, enis, ips, hyper, metal, vcpus, "offline table")
        for name, (enis, ips, hyper, metal, vcpus) in rows.items()
    }


def from_describe(info: InstanceTypeInfo) -> InstanceLimits | None:
    """Limits from one describe-instance-types entry, or None when it lacks the ENI figures."""
    net = info.NetworkInfo
    if net is None or not net.Ipv4AddressesPerInterface:
        return None
    enis = net.MaximumNetworkInterfaces or 0
    default_card = net.DefaultNetworkCardIndex or 0
    for card in net.NetworkCards or ():
        if card.NetworkCardIndex == default_card and card.MaximumNetworkInterfaces:
            enis = card.MaximumNetworkInterfaces
    if not enis:
        return None
    vcpus = info.VCpuInfo.DefaultVCpus if info.VCpuInfo and info.VCpuInfo.DefaultVCpus else 0
    return InstanceLimits(
        instance_type=info.InstanceType,
        max_enis=enis,
        ipv4_per_eni=net.Ipv4AddressesPerInterface,
        hypervisor=(info.Hypervisor or "").lower(),
        bare_metal=bool(info.BareMetal),
        vcpus=vcpus,
        source="bundle",
    )


class InstanceCatalog:
    """Looks up instance limits, preferring what the bundle recorded."""

    def __init__(self, described: list[InstanceTypeInfo] | None = None) -> None:
        self._bundle: dict[str, InstanceLimits] = {}
        for info in described or ():
            limits = from_describe(info)
            if limits is not None:
                self._bundle[info.InstanceType] = limits

    def get(self, instance_type: str | None) -> InstanceLimits | None:
        """Limits for the type, or None for an unknown type."""
        if not instance_type:
            return None
        return self._bundle.get(instance_type) or offline_table().get(instance_type)
