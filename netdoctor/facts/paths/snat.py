"""The `snat` hop: which address a pod's traffic carries when it leaves the node.

The VPC CNI translates a pod's IPv4 address to the primary IP of the node's primary ENI when
the destination is outside every CIDR of the VPC, unless AWS_VPC_K8S_CNI_EXTERNALSNAT is on or
AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS covers it (EKS User Guide, "Enable outbound internet access
for Pods"). IPv6 is never translated. Pods with security groups for pods leave through their
own branch ENI, untranslated (EKS User Guide, "Assign security groups to individual Pods":
such pods need private subnets with a NAT gateway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.facts.access import node_ip
from netdoctor.facts.addresses import Network
from netdoctor.facts.flows import covers, net_text
from netdoctor.facts.paths.ends import BRANCH, Place, eni_holding
from netdoctor.facts.paths.model import Hop, HopKind, HopVerdict
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.paths.context import Walk
    from netdoctor.facts.views import EniView

EXTERNAL_SNAT = "AWS_VPC_K8S_CNI_EXTERNALSNAT"
EXCLUDE_SNAT = "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS"


@dataclass(frozen=True)
class Wire:
    """The sender as the network sees it: its address and the ENI the packet leaves by."""

    address: str | None
    eni: EniView | None
    translated: bool = False
    """True when the CNI replaced the pod IP with the node's."""


def snat(walk: Walk, source: Place, network: Network) -> Wire:
    """Add the `snat` hop (pods only) and return the sender on the wire."""
    target = net_text(network)
    untouched = Wire(source.ip, source.eni)
    if source.host_network:
        return untouched
    node = source.node
    hop_id = f"node/{node.name}" if node else f"pod/{source.end.text}"
    cni = walk.views.cni

    def hop(verdict: HopVerdict, reason: str, *missing: str) -> None:
        walk.add(Hop(HopKind.SNAT, hop_id, verdict, reason, missing=missing))

    if not walk.snap.has(files.K8S_DAEMONSETS):
        hop(HopVerdict.UNKNOWN, "the aws-node settings are not in the bundle", files.K8S_DAEMONSETS)
        return untouched
    if not cni.found:
        hop(HopVerdict.UNKNOWN, "no aws-node DaemonSet: another CNI decides the source address")
        return untouched
    if cni.flag("ENABLE_IPv6"):
        hop(HopVerdict.PASS, f"ENABLE_IPv6=true: pod address {source.ip} is not translated")
        return untouched
    if source.eni is not None and source.eni.interface_type == BRANCH:
        hop(
            HopVerdict.PASS,
            f"security groups for pods: {source.ip} leaves through branch ENI "
            f"{source.eni.eni_id}, untranslated",
        )
        return untouched
    vpc = walk.vpc_cidrs
    if vpc is None:
        hop(HopVerdict.UNKNOWN, "the VPC's CIDRs are not in the bundle", files.AWS_VPCS)
        return untouched
    inside = next((c for c in vpc if covers(c, network)), None)
    if inside:
        hop(HopVerdict.PASS, f"{target} is inside VPC CIDR {inside}: pod IP {source.ip} kept")
        return untouched
    if cni.external_snat:
        hop(HopVerdict.PASS, f"{cni.source(EXTERNAL_SNAT)}: pod IP {source.ip} leaves untranslated")
        return untouched
    excluded = next((c for c in cni.exclude_snat_cidrs if covers(c, network)), None)
    if excluded:
        hop(
            HopVerdict.PASS,
            f"{EXCLUDE_SNAT} holds {excluded}, which covers {target}: pod IP {source.ip} kept",
        )
        return untouched
    if node is None:
        hop(
            HopVerdict.UNKNOWN,
            f"pod {source.end.text} is on no node of the bundle",
            files.K8S_NODES,
        )
        return untouched
    address = node_ip(node)
    primary = eni_holding(walk.views, address)
    hop(
        HopVerdict.PASS,
        f"{target} is outside the VPC CIDRs {', '.join(vpc)} and not excluded "
        f"({cni.source(EXCLUDE_SNAT)}): pod IP {source.ip} becomes node IP {address}",
    )
    return Wire(address, primary, translated=True)
