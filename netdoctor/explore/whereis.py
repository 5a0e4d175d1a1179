"""`whereis`: what in the bundle holds an IP address, headless.

    >>> locate(snap, "192.168.96.20").matches   # pod, node, ENI (prefix), subnet, VPC

For one address: the pods whose `podIP`/`podIPs` it is, the nodes with it as an address, the
ENIs holding it (primary, secondary, inside a delegated /28 or IPv6 /80 prefix) with who owns
each ENI, and the subnet and VPC CIDR it falls in. An address nothing holds still gets its
subnet/VPC, or a note that it lies outside every CIDR the bundle knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.facts.addresses import ip_in, ip_in_eni, parse_ip
from netdoctor.snapshot import files as f
from netdoctor.snapshot.aws_types import Subnet, Vpc

if TYPE_CHECKING:
    from netdoctor.facts.views import EniView, Views
    from netdoctor.snapshot.snapshot import Snapshot

VPC_CNI_DESCRIPTION = "aws-K8S-"
"""Description prefix of the secondary ENIs the VPC CNI creates (`aws-K8S-i-…`)."""
INSTANCE_TAG = "node.k8s.amazonaws.com/instance_id"
"""Tag the VPC CNI puts on its ENIs naming the instance it made them for."""

OWNER_LABELS = {
    "vpc-cni": "VPC CNI",
    "branch": "branch ENI (security groups for pods)",
    "trunk": "trunk ENI (security groups for pods)",
    "nat_gateway": "NAT gateway",
    "load_balancer": "load balancer",
    "vpc_endpoint": "VPC endpoint",
    "eks_control_plane": "EKS control plane",
    "lambda": "Lambda",
    "leaked": "leaked VPC CNI ENI (its instance is gone)",
    "instance": "EC2 instance",
    "unknown": "unknown",
}
"""Owner key → the words shown to a reader."""

_LOAD_BALANCER_TYPES = {"network_load_balancer", "gateway_load_balancer"}
_ENDPOINT_TYPES = {"vpc_endpoint", "gateway_load_balancer_endpoint", "interface_endpoint"}


@dataclass(frozen=True)
class Match:
    """One thing that holds (or contains) the address."""

    kind: str
    """`pod`, `node`, `eni`, `subnet` or `vpc`."""
    id: str
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Location:
    """Everything the bundle says about one address."""

    ip: str
    matches: list[Match]
    notes: list[str]

    def as_dict(self) -> dict[str, object]:
        return {
            "ip": self.ip,
            "matches": [{"kind": m.kind, "id": m.id, **m.details} for m in self.matches],
            "notes": list(self.notes),
        }


def eni_owner(views: Views, eni: EniView) -> str:
    """Who made the ENI (a key of OWNER_LABELS), from InterfaceType, RequesterId and the
    description AWS services write. `leaked` only when the bundle lists instances and the VPC
    CNI ENI's instance is not among them."""
    kind = eni.interface_type
    description = eni.description
    if kind in ("branch", "trunk", "nat_gateway", "lambda"):
        return kind
    if (
        kind in _LOAD_BALANCER_TYPES
        or description.startswith("ELB ")
        or (eni.requester_id == "amazon-elb")
    ):
        return "load_balancer"
    if kind in _ENDPOINT_TYPES or description.startswith("VPC Endpoint Interface"):
        return "vpc_endpoint"
    if description.startswith("Amazon EKS "):
        return "eks_control_plane"
    if description.startswith("AWS Lambda VPC ENI"):
        return "lambda"
    made_for = cni_instance(eni)
    if made_for is not None:
        known = views.snap.has(f.AWS_INSTANCES)
        if known and made_for not in views.instances_by_id and eni.status != "in-use":
            return "leaked"
        return "vpc-cni"
    if eni.instance_id:
        return "instance"
    return "unknown"


def cni_instance(eni: EniView) -> str | None:
    """The instance a VPC CNI ENI was made for (tag, else `aws-K8S-i-…` description)."""
    tagged = eni.tags.get(INSTANCE_TAG)
    if tagged:
        return tagged
    if eni.description.startswith(VPC_CNI_DESCRIPTION + "i-"):
        return eni.description[len(VPC_CNI_DESCRIPTION) :]
    return None


def eni_role(ip: str, eni: EniView) -> str:
    """How the ENI holds the address: `primary`, `secondary`, `ipv6`, or `prefix <CIDR>`."""
    if ip == eni.primary_ip:
        return "primary"
    if ip in eni.secondary_ips:
        return "secondary"
    if ip in eni.ipv6_addresses:
        return "ipv6"
    for prefix in (*eni.prefixes, *eni.ipv6_prefixes):
        if ip_in(ip, (prefix,)):
            return f"prefix {prefix}"
    return "unknown"


def _subnet_cidrs(subnet: Subnet) -> list[str]:
    found = [subnet.CidrBlock] if subnet.CidrBlock else []
    found += [x.Ipv6CidrBlock for x in subnet.Ipv6CidrBlockAssociationSet or () if x.Ipv6CidrBlock]
    return found


def _vpc_cidrs(vpc: Vpc) -> list[str]:
    v6 = [x.Ipv6CidrBlock for x in vpc.Ipv6CidrBlockAssociationSet or () if x.Ipv6CidrBlock]
    return [*vpc.cidrs(), *v6]


def _containing(ip: str, cidrs: list[str]) -> str | None:
    return next((c for c in cidrs if ip_in(ip, (c,))), None)


def locate(snap: Snapshot, ip: str) -> Location:
    """Every pod, node, ENI, subnet and VPC of the bundle that holds or contains `ip`.
    Raises ValueError when `ip` is not an IPv4 or IPv6 address."""
    address = parse_ip(ip)
    if address is None:
        raise ValueError(f"not an IP address: {ip!r}")
    ip = str(address)
    views = snap.views
    matches: list[Match] = []
    nodes_named: set[str] = set()
    for pod in snap.pods:
        held = {pod.status.podIP, *(p.ip for p in pod.status.podIPs or ())}
        if ip in held:
            details = {"node": pod.spec.nodeName or "", "phase": pod.status.phase or ""}
            if pod.spec.hostNetwork:
                details["host_network"] = "true"
            namespace = pod.metadata.namespace or "default"
            matches.append(Match("pod", f"{namespace}/{pod.metadata.name}", details))
    for view in views.nodes:
        addresses = {a.address for a in view.node.status.addresses or ()}
        if ip in addresses:
            nodes_named.add(view.name)
            matches.append(Match("node", view.name, {"instance": view.instance_id or ""}))
    node_of_instance = {v.instance_id: v.name for v in views.nodes if v.instance_id}
    for eni in views.enis:
        if not ip_in_eni(ip, eni):
            continue
        owner = eni_owner(views, eni)
        details = {
            "role": eni_role(ip, eni),
            "owner": owner,
            "owner_label": OWNER_LABELS[owner],
            "interface_type": eni.interface_type,
            "status": eni.status or "",
            "subnet": eni.subnet_id or "",
            "instance": eni.instance_id or cni_instance(eni) or "",
            "node": node_of_instance.get(eni.instance_id or "", ""),
            "description": eni.description,
        }
        matches.append(Match("eni", eni.eni_id, details))
    notes: list[str] = []
    subnet = next((s for s in snap.subnets if _containing(ip, _subnet_cidrs(s))), None)
    if subnet is not None:
        matches.append(
            Match(
                "subnet",
                subnet.SubnetId,
                {
                    "cidr": _containing(ip, _subnet_cidrs(subnet)) or "",
                    "zone": subnet.AvailabilityZone or "",
                    "vpc": subnet.VpcId or "",
                },
            )
        )
    vpc = next((v for v in snap.vpcs if _containing(ip, _vpc_cidrs(v))), None)
    if vpc is not None:
        matches.append(Match("vpc", vpc.VpcId, {"cidr": _containing(ip, _vpc_cidrs(vpc)) or ""}))
    if not any(m.kind in ("pod", "node", "eni") for m in matches):
        notes.append("no pod, node or ENI in the bundle holds this address")
    if subnet is None and vpc is None:
        if snap.vpcs:
            notes.append("outside the VPC: in no subnet and no VPC CIDR of the bundle")
        elif snap.subnets:
            notes.append(
                f"in no subnet of the bundle (VPC CIDRs unknown: {f.AWS_VPCS} not in the bundle)"
            )
        else:
            notes.append(f"subnets and VPCs unknown: {f.AWS_SUBNETS} and {f.AWS_VPCS} missing")
    elif subnet is None and vpc is not None:
        notes.append(f"in VPC {vpc.VpcId} but in none of its subnets in the bundle")
    return Location(ip, matches, notes)
