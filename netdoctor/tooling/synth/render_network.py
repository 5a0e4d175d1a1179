"""The VPC, subnets, gateways, security groups and EKS cluster as the aws CLI prints them."""

from __future__ import annotations

import base64
from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.topology import Topology, tags


def describe_vpcs(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-vpcs`."""
    return {
        "Vpcs": [
            {
                "CidrBlock": topo.vpc_cidrs[0][1],
                "DhcpOptionsId": topo.dhcp_id,
                "State": "available",
                "VpcId": topo.vpc_id,
                "OwnerId": topo.ctx.account,
                "InstanceTenancy": "default",
                "CidrBlockAssociationSet": [
                    {"AssociationId": a, "CidrBlock": c, "CidrBlockState": {"State": "associated"}}
                    for a, c in topo.vpc_cidrs
                ],
                "IsDefault": False,
                "Tags": tags(f"{topo.ctx.cluster}-vpc"),
            }
        ]
    }


def describe_vpc_attribute(topo: Topology, attribute: str) -> dict[str, Any]:
    """`aws ec2 describe-vpc-attribute --attribute enableDnsSupport|enableDnsHostnames`."""
    value = not (attribute == "enableDnsHostnames" and "private-dns-off" in topo.ctx.seeding)
    return {"VpcId": topo.vpc_id, attribute[0].upper() + attribute[1:]: {"Value": value}}


def describe_subnets(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-subnets`, with free counts as left by every ENI."""
    acct, region = topo.ctx.account, topo.ctx.region
    return {
        "Subnets": [
            {
                "AvailabilityZone": s.az,
                "AvailabilityZoneId": s.az_id,
                "AvailableIpAddressCount": s.alloc.free,
                "CidrBlock": s.cidr,
                "DefaultForAz": False,
                "MapPublicIpOnLaunch": s.kind == "public",
                "MapCustomerOwnedIpOnLaunch": False,
                "State": "available",
                "SubnetId": s.id,
                "VpcId": s.vpc_id,
                "OwnerId": acct,
                "AssignIpv6AddressOnCreation": False,
                "Ipv6CidrBlockAssociationSet": [],
                "Tags": s.tags,
                "SubnetArn": f"arn:aws:ec2:{region}:{acct}:subnet/{s.id}",
                "EnableDns64": False,
                "Ipv6Native": False,
                "PrivateDnsNameOptionsOnLaunch": {
                    "HostnameType": "ip-name",
                    "EnableResourceNameDnsARecord": False,
                    "EnableResourceNameDnsAAAARecord": False,
                },
                "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
            }
            for s in topo.subnets
        ]
    }


def describe_route_tables(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-route-tables`."""
    out = []
    for t in topo.route_tables:
        if t.main:
            assocs = [
                {
                    "Main": True,
                    "RouteTableAssociationId": t.association_ids[0],
                    "RouteTableId": t.id,
                    "AssociationState": {"State": "associated"},
                }
            ]
        else:
            assocs = [
                {
                    "Main": False,
                    "RouteTableAssociationId": a,
                    "RouteTableId": t.id,
                    "SubnetId": s.id,
                    "AssociationState": {"State": "associated"},
                }
                for a, s in zip(t.association_ids, t.subnets, strict=True)
            ]
        out.append(
            {
                "Associations": assocs,
                "PropagatingVgws": [],
                "RouteTableId": t.id,
                "Routes": t.routes,
                "Tags": [*tags(t.name), *t.extra_tags],
                "VpcId": topo.vpc_id,
                "OwnerId": topo.ctx.account,
            }
        )
    return {"RouteTables": out}


def describe_nat_gateways(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-nat-gateways`."""
    created = clock.aws_millis(topo.cluster_created + 3600)
    out = []
    for n in topo.nats:
        item: dict[str, Any] = {"CreateTime": created}
        if n.failed:
            msg = f"Elastic IP address [{n.allocation_id}] is already associated"
            item.update(
                FailureCode="Resource.AlreadyAssociated",
                FailureMessage=msg,
                NatGatewayAddresses=[
                    {
                        "AllocationId": n.allocation_id,
                        "IsPrimary": True,
                        "FailureMessage": msg,
                        "Status": "failed",
                    }
                ],
            )
        else:
            assert n.eni is not None
            item["NatGatewayAddresses"] = [
                {
                    "AllocationId": n.allocation_id,
                    "NetworkInterfaceId": n.eni.id,
                    "PrivateIp": n.eni.primary_ip,
                    "PublicIp": n.public_ip,
                    "AssociationId": n.association_id,
                    "IsPrimary": True,
                    "Status": "succeeded",
                }
            ]
        item.update(
            NatGatewayId=n.id,
            State="failed" if n.failed else "available",
            SubnetId=n.subnet.id,
            VpcId=topo.vpc_id,
            Tags=[*tags(n.name), *n.extra_tags],
            ConnectivityType="public",
        )
        out.append(item)
    return {"NatGateways": out}


def describe_internet_gateways(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-internet-gateways`."""
    return {
        "InternetGateways": [
            {
                "Attachments": [{"State": "available", "VpcId": topo.vpc_id}],
                "InternetGatewayId": topo.igw_id,
                "OwnerId": topo.ctx.account,
                "Tags": tags(f"{topo.ctx.cluster}-vpc-igw"),
            }
        ]
    }


def describe_security_groups(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-security-groups`."""
    return {
        "SecurityGroups": [
            {
                "GroupId": g.id,
                "IpPermissionsEgress": g.egress,
                **({"Tags": g.tags} if g.tags else {}),
                "VpcId": topo.vpc_id,
                "OwnerId": topo.ctx.account,
                "GroupName": g.name,
                "Description": g.description,
                "IpPermissions": g.ingress,
            }
            for g in topo.security_groups
        ]
    }


def describe_vpc_endpoints(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-vpc-endpoints`: the S3 gateway endpoint of the private route tables."""
    policy = (
        '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        '"Action":"*","Resource":"*"}]}'
    )
    return {
        "VpcEndpoints": [
            {
                "VpcEndpointId": topo.s3_endpoint_id,
                "VpcEndpointType": "Gateway",
                "VpcId": topo.vpc_id,
                "ServiceName": f"com.amazonaws.{topo.ctx.region}.s3",
                "State": "available",
                "PolicyDocument": policy,
                "RouteTableIds": [t.id for t in topo.route_tables[2:]],
                "SubnetIds": [],
                "Groups": [],
                "PrivateDnsEnabled": False,
                "RequesterManaged": False,
                "NetworkInterfaceIds": [],
                "DnsEntries": [],
                "CreationTimestamp": clock.aws_millis(topo.cluster_created - 3600),
                "Tags": [],
                "OwnerId": topo.ctx.account,
            }
        ]
    }


def _fake_ca(topo: Topology) -> str:
    r = topo.ctx.rng("ca")
    body = base64.b64encode(r.getrandbits(8 * 780).to_bytes(780, "big")).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
    return base64.b64encode(pem.encode()).decode()


def describe_cluster(topo: Topology) -> dict[str, Any]:
    """`aws eks describe-cluster --name CLUSTER`."""
    ctx = topo.ctx
    private_only = "private-dns-off" in ctx.seeding
    oidc = topo.endpoint_host.split(".")[0]
    return {
        "cluster": {
            "name": ctx.cluster,
            "arn": f"arn:aws:eks:{ctx.region}:{ctx.account}:cluster/{ctx.cluster}",
            "createdAt": clock.eks(topo.cluster_created, 565000),
            "version": "1.31",
            "endpoint": f"https://{topo.endpoint_host}",
            "roleArn": f"arn:aws:iam::{ctx.account}:role/{ctx.cluster}-cluster-role",
            "resourcesVpcConfig": {
                "subnetIds": [az[0].id for az in topo.private],
                "securityGroupIds": [topo.additional_sg.id],
                "clusterSecurityGroupId": topo.cluster_sg.id,
                "vpcId": topo.vpc_id,
                "endpointPublicAccess": not private_only,
                "endpointPrivateAccess": True,
                "publicAccessCidrs": ["0.0.0.0/0"],
            },
            "kubernetesNetworkConfig": {"serviceIpv4Cidr": topo.service_cidr, "ipFamily": "ipv4"},
            "logging": {
                "clusterLogging": [
                    {
                        "types": [
                            "api",
                            "audit",
                            "authenticator",
                            "controllerManager",
                            "scheduler",
                        ],
                        "enabled": False,
                    }
                ]
            },
            "identity": {
                "oidc": {"issuer": f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{oidc}"}
            },
            "status": "ACTIVE",
            "certificateAuthority": {"data": _fake_ca(topo)},
            "platformVersion": "eks.30",
            "tags": {"Environment": "synth", "ManagedBy": "netdoctor-synth"},
            "health": {"issues": []},
            "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
            "upgradePolicy": {"supportType": "STANDARD"},
        }
    }
