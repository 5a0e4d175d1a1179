"""An EKS cluster's AWS side, built with boto3 in a moto server, and its aws-CLI bundle files.

`populate(session, ...)` creates a VPC with public and private subnets in two zones, an internet
gateway, a NAT gateway, route tables, security groups, node instances of several types with
secondary IPs, an EKS cluster with endpoint settings, and an ALB with a target group. A decoy VPC
with its own instance, load balancer and target group proves that capture stays in its VPC.

`write_source_files(session, world, root)` writes the aws/ files the way an engineer would with
the aws CLI, independently of netdoctor's collector: the reference a capture is compared with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

REGION = "eu-central-1"
ZONES = ("eu-central-1a", "eu-central-1b")
NODE_TYPES = ("m5.large", "t3.medium", "c5.xlarge")
AMI = "ami-12c6146b"  # one of moto's built-in AMIs
CALLER_CIDR = "203.0.113.0/24"
ACCOUNT = "123456789012"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform-admin"
NAT_PUBLIC_IP = "198.51.100.7"


@dataclass
class Node:
    """One node instance."""

    instance_id: str
    instance_type: str
    zone: str
    private_ip: str
    subnet_id: str
    eni_ids: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"ip-{self.private_ip.replace('.', '-')}.{REGION}.compute.internal"


@dataclass
class World:
    """The ids `populate` created."""

    cluster: str
    vpc_id: str
    vpc_cidr: str
    public_subnets: list[str]
    private_subnets: list[str]
    igw_id: str
    nat_id: str
    route_tables: list[str]
    cluster_sg: str
    alb_sg: str
    nodes: list[Node]
    lb_arn: str
    tg_arn: str
    decoy_vpc_id: str
    decoy_instance_id: str
    decoy_tg_arn: str
    node_role: str = ""
    nodegroup: str = ""

    @property
    def access_entries(self) -> list[str]:
        """The principals with an access entry (served by `eks_extras`)."""
        return [self.node_role, ADMIN_ROLE]

    @property
    def insights(self) -> list[dict[str, Any]]:
        """The cluster's insights as describe-insight gives them (served by `eks_extras`)."""
        status = {"status": "WARNING", "reason": "Deprecated API usage detected"}
        return [
            {
                "id": "11111111-2222-3333-4444-555555555555",
                "name": "Kubelet version skew",
                "category": "UPGRADE_READINESS",
                "kubernetesVersion": "1.32",
                "description": "Checks the version of kubelet on nodes.",
                "insightStatus": {"status": "PASSING", "reason": "No issue detected."},
                "recommendation": "Upgrade the nodes.",
                "resources": [],
            },
            {
                "id": "66666666-7777-8888-9999-000000000000",
                "name": "Deprecated APIs removed in Kubernetes v1.32",
                "category": "UPGRADE_READINESS",
                "kubernetesVersion": "1.32",
                "description": "Checks for usage of deprecated APIs.",
                "insightStatus": status,
                "recommendation": "Move the clients to flowcontrol.apiserver.k8s.io/v1.",
                "resources": [{"insightStatus": status, "kubernetesResourceUri": "/apis/x"}],
            },
        ]


_CLIENTS: dict[tuple[int, str], Any] = {}


def client(session: Any, service: str) -> Any:
    """A cached client of `session` (creating one re-reads the service model: ~0.3 s for ec2)."""
    key = (id(session), service)
    if key not in _CLIENTS:
        _CLIENTS[key] = session.client(service, region_name=REGION)
    return _CLIENTS[key]


def populate(session: Any, cluster: str, n_nodes: int, cidr_octet: int = 10) -> World:
    """Build the world for `cluster` with `n_nodes` node instances in VPC 10.<octet>.0.0/16."""
    ec2 = client(session, "ec2")
    cidr = f"10.{cidr_octet}.0.0/16"
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    _tag(ec2, vpc, f"{cluster}-vpc")
    public, private = [], []
    for i, zone in enumerate(ZONES):
        pub = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.{cidr_octet}.{i}.0/24", AvailabilityZone=zone
        )["Subnet"]["SubnetId"]
        priv = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.{cidr_octet}.{64 + 32 * i}.0/19", AvailabilityZone=zone
        )["Subnet"]["SubnetId"]
        _tag(ec2, pub, f"{cluster}-public-{zone}")
        _tag(ec2, priv, f"{cluster}-private-{zone}")
        public.append(pub)
        private.append(priv)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = ec2.allocate_address(Domain="vpc", Address=NAT_PUBLIC_IP)["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public[0], AllocationId=eip)["NatGateway"]["NatGatewayId"]
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for subnet in public:
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=subnet)
    for subnet in private:
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=subnet)
    cluster_sg = ec2.create_security_group(
        GroupName=f"eks-cluster-sg-{cluster}", Description="EKS cluster", VpcId=vpc
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=cluster_sg,
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": cluster_sg}]},
            {
                "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                "IpRanges": [{"CidrIp": cidr}],
            },
        ],
    )  # fmt: skip
    alb_sg = ec2.create_security_group(GroupName=f"{cluster}-alb", Description="ALB", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=alb_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ],
    )  # fmt: skip
    nodes = _run_nodes(ec2, cluster, private, cluster_sg, n_nodes)

    eks = client(session, "eks")
    eks.create_cluster(
        name=cluster,
        version="1.31",
        roleArn="arn:aws:iam::123456789012:role/eks-cluster",
        resourcesVpcConfig={
            "subnetIds": private,
            "securityGroupIds": [cluster_sg],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": [CALLER_CIDR],
        },
    )
    node_role = f"arn:aws:iam::{ACCOUNT}:role/{cluster}-node"
    nodegroup = f"{cluster}-general"
    eks.create_nodegroup(
        clusterName=cluster, nodegroupName=nodegroup, nodeRole=node_role, subnets=private,
        instanceTypes=list(NODE_TYPES[:1]),
    )  # fmt: skip

    elbv2 = client(session, "elbv2")
    lb_arn = elbv2.create_load_balancer(
        Name=f"k8s-{cluster}-web", Subnets=public, SecurityGroups=[alb_sg],
        Scheme="internet-facing", Type="application",
    )["LoadBalancers"][0]["LoadBalancerArn"]  # fmt: skip
    tg_arn = elbv2.create_target_group(
        Name=f"k8s-{cluster}-web-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip",
    )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip

    decoy = _decoy(ec2, elbv2, cluster, cidr_octet)
    return World(
        cluster=cluster,
        vpc_id=vpc,
        vpc_cidr=cidr,
        public_subnets=public,
        private_subnets=private,
        igw_id=igw,
        nat_id=nat,
        route_tables=[public_rt, private_rt],
        cluster_sg=cluster_sg,
        alb_sg=alb_sg,
        nodes=nodes,
        lb_arn=lb_arn,
        tg_arn=tg_arn,
        node_role=node_role,
        nodegroup=nodegroup,
        **decoy,
    )


def _tag(ec2: Any, resource: str, name: str) -> None:
    ec2.create_tags(Resources=[resource], Tags=[{"Key": "Name", "Value": name}])


def _run_nodes(ec2: Any, cluster: str, subnets: list[str], sg: str, count: int) -> list[Node]:
    nodes: list[Node] = []
    for i in range(count):
        zone_index = i % len(ZONES)
        instance_type = NODE_TYPES[i % len(NODE_TYPES)]
        instance = ec2.run_instances(
            ImageId=AMI,
            MinCount=1,
            MaxCount=1,
            InstanceType=instance_type,
            SubnetId=subnets[zone_index],
            SecurityGroupIds=[sg],
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [
                        {"Key": "eks:cluster-name", "Value": cluster},
                        {"Key": f"kubernetes.io/cluster/{cluster}", "Value": "owned"},
                    ],
                }
            ],
        )["Instances"][0]
        primary = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
        ec2.assign_private_ip_addresses(
            NetworkInterfaceId=primary, SecondaryPrivateIpAddressCount=3
        )
        node = Node(
            instance_id=instance["InstanceId"],
            instance_type=instance_type,
            zone=ZONES[zone_index],
            private_ip=instance["PrivateIpAddress"],
            subnet_id=subnets[zone_index],
            eni_ids=[primary],
        )
        if i < 2:  # a warm second ENI, as WARM_ENI_TARGET=1 leaves on a busy node
            eni = ec2.create_network_interface(
                SubnetId=subnets[zone_index], Groups=[sg], SecondaryPrivateIpAddressCount=4
            )["NetworkInterface"]["NetworkInterfaceId"]
            ec2.attach_network_interface(
                NetworkInterfaceId=eni, InstanceId=node.instance_id, DeviceIndex=1
            )
            node.eni_ids.append(eni)
        nodes.append(node)
    return nodes


def _decoy(ec2: Any, elbv2: Any, cluster: str, cidr_octet: int) -> dict[str, str]:
    """Another team's VPC in the same account and region: never part of the capture."""
    vpc = ec2.create_vpc(CidrBlock=f"172.{16 + cidr_octet % 16}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc, CidrBlock=f"172.{16 + cidr_octet % 16}.0.0/24", AvailabilityZone=ZONES[0]
    )["Subnet"]["SubnetId"]
    instance = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="m5.large", SubnetId=subnet
    )["Instances"][0]["InstanceId"]
    tg = elbv2.create_target_group(
        Name=f"decoy-{cluster}-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    return {"decoy_vpc_id": vpc, "decoy_instance_id": instance, "decoy_tg_arn": tg}


# ---------------------------------------------------------------------------------------------
# The reference aws/ files, as the aws CLI would write them (files.COLLECT_COMMANDS).


def _cli_json(doc: Any) -> str:
    doc = {k: v for k, v in doc.items() if k not in ("ResponseMetadata", "NextToken")}

    def default(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(doc, indent=4, default=default) + "\n"


def write_source_files(session: Any, world: World, root: Path) -> None:
    """Write `root/aws/*.json` for `world` with plain describe calls."""
    ec2, eks, elbv2 = (client(session, s) for s in ("ec2", "eks", "elbv2"))
    vpc = [{"Name": "vpc-id", "Values": [world.vpc_id]}]
    aws = root / "aws"
    aws.mkdir(parents=True, exist_ok=True)
    types = sorted({n.instance_type for n in world.nodes})
    lbs = elbv2.describe_load_balancers()
    lbs["LoadBalancers"] = [x for x in lbs["LoadBalancers"] if x["VpcId"] == world.vpc_id]
    tgs = elbv2.describe_target_groups()
    tgs["TargetGroups"] = [x for x in tgs["TargetGroups"] if x.get("VpcId") == world.vpc_id]
    documents = {
        "eks-describe-cluster": eks.describe_cluster(name=world.cluster),
        "ec2-describe-vpcs": ec2.describe_vpcs(VpcIds=[world.vpc_id]),
        "ec2-describe-vpc-attribute-enable-dns-support": ec2.describe_vpc_attribute(
            VpcId=world.vpc_id, Attribute="enableDnsSupport"
        ),
        "ec2-describe-vpc-attribute-enable-dns-hostnames": ec2.describe_vpc_attribute(
            VpcId=world.vpc_id, Attribute="enableDnsHostnames"
        ),
        "ec2-describe-subnets": ec2.describe_subnets(Filters=vpc),
        "ec2-describe-route-tables": ec2.describe_route_tables(Filters=vpc),
        "ec2-describe-nat-gateways": ec2.describe_nat_gateways(Filter=vpc),
        "ec2-describe-internet-gateways": ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [world.vpc_id]}]
        ),
        "ec2-describe-instances": ec2.describe_instances(Filters=vpc),
        "ec2-describe-instance-types": ec2.describe_instance_types(InstanceTypes=types),
        "ec2-describe-network-interfaces": ec2.describe_network_interfaces(Filters=vpc),
        "ec2-describe-security-groups": ec2.describe_security_groups(Filters=vpc),
        "ec2-describe-vpc-endpoints": ec2.describe_vpc_endpoints(Filters=vpc),
        "elbv2-describe-load-balancers": lbs,
        "elbv2-describe-target-groups": tgs,
    }
    for name, doc in documents.items():
        (aws / f"{name}.json").write_text(_cli_json(doc), encoding="utf-8")
