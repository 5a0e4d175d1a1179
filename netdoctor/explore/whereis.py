"""`whereis`: who holds an IP address — the pods, the node, the ENI (and how the ENI holds it:
primary, secondary, or inside a delegated prefix), the ENI's owner, the subnet; for an address
nobody holds, the subnet or VPC CIDR it falls in, or that it is outside the VPC.

The ENI owner comes from what EC2 records on the ENI: `InterfaceType` (nat_gateway,
network_load_balancer, vpc_endpoint, trunk, branch, lambda, …), `RequesterId` and the
description each AWS service writes (`aws-K8S-i-…` for ENIs the VPC CNI made for an instance,
`ELB app/…` for an ALB, `Amazon EKS …` for the control plane's cross-account ENIs, …).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netdoctor.facts import leaks
from netdoctor.facts.addresses import ip_in, ip_in_eni, parse_ip
from netdoctor.facts.views import EniView, pod_ref
from netdoctor.snapshot.snapshot import Snapshot

# The VPC CNI names the ENIs it creates `aws-K8S-<instance id>` (ipamd, awsutils.go).
_TYPES = {
    "nat_gateway": "NAT gateway",
    "network_load_balancer": "network load balancer",
    "gateway_load_balancer": "gateway load balancer",
    "gateway_load_balancer_endpoint": "gateway load balancer endpoint",
    "vpc_endpoint": "VPC endpoint",
    "trunk": "trunk ENI (security groups for pods)",
    "branch": "branch ENI (security groups for pods)",
    "lambda": "Lambda",
    "efa": "EFA",
    "transit_gateway": "transit gateway attachment",
}
_DESCRIPTIONS = (
    ("ELB app/", "application load balancer"),
    ("ELB net/", "network load balancer"),
    ("ELB ", "classic load balancer"),
    ("Amazon EKS ", "EKS control plane"),
    ("AWS Lambda VPC ENI", "Lambda"),
    ("Interface for NAT Gateway", "NAT gateway"),
    ("VPC Endpoint Interface", "VPC endpoint"),
    ("aws-k8s-trunk-eni", "trunk ENI (security groups for pods)"),
    ("aws-k8s-branch-eni", "branch ENI (security groups for pods)"),
)


class BadAddress(ValueError):
    """The text is not an IPv4 or IPv6 address."""


@dataclass(frozen=True)
class Match:
    """One thing that holds the address."""

    kind: str
    """`pod`, `node`, `eni`."""
    id: str
    detail: str


@dataclass
class WhereIs:
    """What the bundle knows of one address."""

    ip: str
    matches: list[Match] = field(default_factory=list)
    within: list[str] = field(default_factory=list)
    """`subnet/ID (CIDR)` and `vpc/ID (CIDR)` the address falls in; empty when outside."""

    def as_json(self) -> dict[str, object]:
        return {
            "ip": self.ip,
            "matches": [{"kind": m.kind, "id": m.id, "detail": m.detail} for m in self.matches],
            "within": self.within,
        }


def eni_owner(eni: EniView, live: set[str]) -> str:
    """Who made the ENI, from its type, description and requester; `leaked` for a detached VPC
    CNI ENI whose instance is gone (`facts.leaks`, the rule pod-ip-capacity uses too)."""
    instance = leaks.made_for(eni)
    if instance is not None:
        if leaks.leaked_for(eni, live) is not None:
            return f"VPC CNI, leaked: made for {instance}, which is gone"
        return f"VPC CNI (secondary ENI of {instance})"
    if eni.interface_type in _TYPES:
        return _TYPES[eni.interface_type]
    for prefix, owner in _DESCRIPTIONS:
        if eni.description.startswith(prefix):
            return owner
    if eni.instance_id:
        return f"instance {eni.instance_id}"
    if eni.requester_managed and eni.requester_id:
        return f"an AWS service (requester {eni.requester_id})"
    return "unattached ENI"


def _how_held(ip: str, eni: EniView) -> str:
    if ip == eni.primary_ip:
        return "primary address"
    if ip in eni.secondary_ips or ip in eni.ipv6_addresses:
        return "secondary address"
    prefix = next((p for p in (*eni.prefixes, *eni.ipv6_prefixes) if ip_in(ip, [p])), None)
    return f"in delegated prefix {prefix}"


def locate(snap: Snapshot, text: str) -> WhereIs:
    """Everything the bundle says holds `text`. Raises BadAddress for a non-address."""
    address = parse_ip(text.strip())
    if address is None:
        raise BadAddress(f"{text!r} is not an IP address")
    ip = str(address)
    views = snap.views
    found = WhereIs(ip)
    for pod in snap.pods:
        held = (pod.status.podIP, *(p.ip for p in pod.status.podIPs or ()))
        if ip not in held or pod.status.phase in ("Succeeded", "Failed"):
            continue
        node = pod.spec.nodeName or "no node"
        how = "hostNetwork: the node's address" if pod.spec.hostNetwork else "pod IP"
        found.matches.append(Match("pod", pod_ref(pod), f"{how}, on {node}"))
    for view in views.nodes:
        if view.internal_ip == ip:
            found.matches.append(Match("node", view.ref, f"InternalIP of {view.instance_id}"))
    instances = leaks.live_instances(snap.views)
    nat_of_eni = {
        address.NetworkInterfaceId: nat.NatGatewayId
        for nat in snap.nat_gateways
        for address in nat.NatGatewayAddresses or ()
        if address.NetworkInterfaceId
    }
    for eni in views.enis:
        if not ip_in_eni(ip, eni):
            continue
        owner = eni_owner(eni, instances)
        if eni.eni_id in nat_of_eni:
            owner = f"NAT gateway {nat_of_eni[eni.eni_id]}"
        attached = f"attached to {eni.instance_id}" if eni.instance_id else eni.status or ""
        parts = [_how_held(ip, eni), owner, attached]
        if eni.subnet_id:
            parts.append(f"subnet {eni.subnet_id}")
        found.matches.append(Match("eni", eni.eni_id, "; ".join(p for p in parts if p)))
    for subnet in snap.subnets:
        if ip_in(ip, [subnet.CidrBlock]):
            found.within.append(f"subnet/{subnet.SubnetId} ({subnet.CidrBlock})")
    for vpc in snap.vpcs:
        cidr = next((c for c in vpc.cidrs() if ip_in(ip, [c])), None)
        if cidr:
            found.within.append(f"vpc/{vpc.VpcId} ({cidr})")
    return found
