"""Elastic network interfaces: the model and the two shapes the aws CLI prints them in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netdoctor.tooling.synth import clock

if TYPE_CHECKING:
    from netdoctor.tooling.synth.topology import Subnet


def private_dns(ip: str, region: str) -> str:
    """EC2's private DNS name of an address (`ip-10-0-1-5.eu-central-1.compute.internal`)."""
    suffix = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip.replace('.', '-')}.{suffix}"


def public_dns(ip: str, region: str) -> str:
    """EC2's public DNS name of an address."""
    suffix = (
        "compute-1.amazonaws.com" if region == "us-east-1" else f"{region}.compute.amazonaws.com"
    )
    return f"ec2-{ip.replace('.', '-')}.{suffix}"


@dataclass(eq=False)
class Attachment:
    """How an ENI is attached: to an instance of ours, or to an AWS-managed service."""

    attachment_id: str
    device_index: int
    attach_time: int | None
    owner: str
    instance_id: str | None = None
    delete_on_termination: bool = True


@dataclass(eq=False)
class Eni:
    """One network interface with the addresses and prefixes it holds."""

    id: str
    mac: str
    subnet: Subnet
    primary_ip: str
    description: str
    groups: list[tuple[str, str]]
    attachment: Attachment | None
    interface_type: str = "interface"
    secondary_ips: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    requester_id: str | None = None
    requester_managed: bool = False
    source_dest_check: bool = True
    public_ip: str | None = None
    eip: tuple[str, str] | None = None
    """(AllocationId, AssociationId) when an Elastic IP is associated."""

    @property
    def pod_addresses(self) -> list[str]:
        """Every address this ENI can give pods: its secondary IPs, or all of its /28 prefixes."""
        if self.prefixes:
            out: list[str] = []
            for prefix in self.prefixes:
                a, b, c, d = (int(x) for x in prefix.split("/")[0].split("."))
                out.extend(f"{a}.{b}.{c}.{d + i}" for i in range(16))
            return out
        return self.secondary_ips


def _association(eni: Eni, account: str, region: str) -> dict[str, Any] | None:
    if eni.public_ip is None:
        return None
    if eni.eip is not None:
        return {
            "AllocationId": eni.eip[0],
            "AssociationId": eni.eip[1],
            "IpOwnerId": account,
            "PublicDnsName": public_dns(eni.public_ip, region),
            "PublicIp": eni.public_ip,
        }
    return {
        "IpOwnerId": "amazon",
        "PublicDnsName": public_dns(eni.public_ip, region),
        "PublicIp": eni.public_ip,
    }


def _addresses(eni: Eni, account: str, region: str) -> list[dict[str, Any]]:
    first: dict[str, Any] = {}
    assoc = _association(eni, account, region)
    if assoc is not None:
        first["Association"] = assoc
    first.update(
        Primary=True,
        PrivateDnsName=private_dns(eni.primary_ip, region),
        PrivateIpAddress=eni.primary_ip,
    )
    out = [first]
    out.extend(
        {"Primary": False, "PrivateDnsName": private_dns(ip, region), "PrivateIpAddress": ip}
        for ip in eni.secondary_ips
    )
    return out


def _groups(eni: Eni) -> list[dict[str, str]]:
    return [{"GroupId": gid, "GroupName": name} for gid, name in eni.groups]


def describe_eni(eni: Eni, account: str, region: str) -> dict[str, Any]:
    """One `NetworkInterfaces` entry as `aws ec2 describe-network-interfaces` prints it."""
    out: dict[str, Any] = {}
    assoc = _association(eni, account, region)
    if assoc is not None:
        out["Association"] = assoc
    att = eni.attachment
    if att is not None:
        a: dict[str, Any] = {}
        if att.attach_time is not None:
            a["AttachTime"] = clock.aws_millis(att.attach_time)
        a.update(
            AttachmentId=att.attachment_id,
            DeleteOnTermination=att.delete_on_termination,
            DeviceIndex=att.device_index,
        )
        if att.instance_id is not None:
            a.update(NetworkCardIndex=0, InstanceId=att.instance_id)
        a.update(InstanceOwnerId=att.owner, Status="attached")
        out["Attachment"] = a
    out.update(
        AvailabilityZone=eni.subnet.az,
        Description=eni.description,
        Groups=_groups(eni),
        InterfaceType=eni.interface_type,
        Ipv6Addresses=[],
        MacAddress=eni.mac,
        NetworkInterfaceId=eni.id,
        OwnerId=account,
        PrivateDnsName=private_dns(eni.primary_ip, region),
        PrivateIpAddress=eni.primary_ip,
        PrivateIpAddresses=_addresses(eni, account, region),
    )
    if eni.prefixes:
        out["Ipv4Prefixes"] = [{"Ipv4Prefix": p} for p in eni.prefixes]
    if eni.requester_id is not None:
        out["RequesterId"] = eni.requester_id
    out.update(
        RequesterManaged=eni.requester_managed,
        SourceDestCheck=eni.source_dest_check,
        Status="in-use" if att is not None else "available",
        SubnetId=eni.subnet.id,
        TagSet=eni.tags,
        VpcId=eni.subnet.vpc_id,
    )
    return out


def instance_eni(eni: Eni, account: str, region: str) -> dict[str, Any]:
    """The same ENI as nested in `aws ec2 describe-instances` output."""
    att = eni.attachment
    assert att is not None and att.attach_time is not None
    out: dict[str, Any] = {}
    assoc = _association(eni, account, region)
    if assoc is not None:
        out["Association"] = {
            k: v for k, v in assoc.items() if k in ("IpOwnerId", "PublicDnsName", "PublicIp")
        }
    out.update(
        Attachment={
            "AttachTime": clock.aws_offset(att.attach_time),
            "AttachmentId": att.attachment_id,
            "DeleteOnTermination": att.delete_on_termination,
            "DeviceIndex": att.device_index,
            "Status": "attached",
            "NetworkCardIndex": 0,
        },
        Description=eni.description,
        Groups=_groups(eni),
        Ipv6Addresses=[],
        MacAddress=eni.mac,
        NetworkInterfaceId=eni.id,
        OwnerId=account,
        PrivateDnsName=private_dns(eni.primary_ip, region),
        PrivateIpAddress=eni.primary_ip,
        PrivateIpAddresses=_addresses(eni, account, region),
        SourceDestCheck=eni.source_dest_check,
        Status="in-use",
        SubnetId=eni.subnet.id,
        VpcId=eni.subnet.vpc_id,
        InterfaceType=eni.interface_type,
    )
    if eni.prefixes:
        out["Ipv4Prefixes"] = [{"Ipv4Prefix": p} for p in eni.prefixes]
    return out
