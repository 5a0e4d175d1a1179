"""Typed shapes of the AWS bundle files: only the fields netdoctor reads.

Field names are the AWS CLI's own (PascalCase; EKS uses camelCase). Timestamps stay untyped:
real recordings store them as strings, `str(datetime)` or placebo objects.
"""

from __future__ import annotations

import msgspec

from netdoctor.snapshot.k8s_types import Struct


class Tag(Struct):
    Key: str = ""
    Value: str | None = None


def tag_map(tags: list[Tag] | None) -> dict[str, str]:
    """AWS `[{Key, Value}]` tags as a dict."""
    return {t.Key: t.Value or "" for t in tags or ()}


# --- EKS ---------------------------------------------------------------------------------


class VpcConfig(Struct):
    subnetIds: list[str] | None = None
    securityGroupIds: list[str] | None = None
    clusterSecurityGroupId: str | None = None
    vpcId: str | None = None
    endpointPublicAccess: bool | None = None
    endpointPrivateAccess: bool | None = None
    publicAccessCidrs: list[str] | None = None


class KubernetesNetworkConfig(Struct):
    serviceIpv4Cidr: str | None = None
    serviceIpv6Cidr: str | None = None
    ipFamily: str | None = None


class ComputeConfig(Struct):
    """EKS Auto Mode: `enabled` when EKS runs the nodes' networking and storage itself."""

    enabled: bool | None = None
    nodePools: list[str] | None = None


class HealthIssue(Struct):
    code: str | None = None
    message: str | None = None
    resourceIds: list[str] | None = None


class ClusterHealth(Struct):
    issues: list[HealthIssue] | None = None


class AccessConfig(Struct):
    """How IAM principals are mapped to Kubernetes identities: `API` (access entries only),
    `API_AND_CONFIG_MAP` (both), `CONFIG_MAP` (the aws-auth ConfigMap only)."""

    authenticationMode: str | None = None


class Cluster(Struct):
    name: str | None = None
    arn: str | None = None
    version: str | None = None
    endpoint: str | None = None
    status: str | None = None
    resourcesVpcConfig: VpcConfig = msgspec.field(default_factory=VpcConfig)
    kubernetesNetworkConfig: KubernetesNetworkConfig | None = None
    computeConfig: ComputeConfig | None = None
    health: ClusterHealth | None = None
    accessConfig: AccessConfig | None = None


class DescribeCluster(Struct):
    cluster: Cluster


# --- VPC ---------------------------------------------------------------------------------


class CidrBlockAssociation(Struct):
    CidrBlock: str | None = None


class CidrBlockState(Struct):
    State: str | None = None


class Ipv6CidrBlockAssociation(Struct):
    Ipv6CidrBlock: str | None = None
    Ipv6CidrBlockState: CidrBlockState | None = None


class Vpc(Struct):
    VpcId: str = ""
    CidrBlock: str | None = None
    CidrBlockAssociationSet: list[CidrBlockAssociation] | None = None
    Ipv6CidrBlockAssociationSet: list[Ipv6CidrBlockAssociation] | None = None
    IsDefault: bool | None = None
    Tags: list[Tag] | None = None

    def cidrs(self) -> list[str]:
        """Every IPv4 CIDR of the VPC, primary first."""
        found = [self.CidrBlock] if self.CidrBlock else []
        for assoc in self.CidrBlockAssociationSet or ():
            if assoc.CidrBlock and assoc.CidrBlock not in found:
                found.append(assoc.CidrBlock)
        return found


class DescribeVpcs(Struct):
    Vpcs: list[Vpc]


class AttributeBooleanValue(Struct):
    Value: bool | None = None


class DescribeVpcAttribute(Struct):
    VpcId: str | None = None
    EnableDnsSupport: AttributeBooleanValue | None = None
    EnableDnsHostnames: AttributeBooleanValue | None = None


class Subnet(Struct):
    SubnetId: str = ""
    VpcId: str | None = None
    CidrBlock: str | None = None
    AvailabilityZone: str | None = None
    AvailabilityZoneId: str | None = None
    AvailableIpAddressCount: int | None = None
    MapPublicIpOnLaunch: bool | None = None
    Ipv6CidrBlockAssociationSet: list[Ipv6CidrBlockAssociation] | None = None
    Ipv6Native: bool | None = None
    Tags: list[Tag] | None = None


class DescribeSubnets(Struct):
    Subnets: list[Subnet]


class RouteTableAssociation(Struct):
    Main: bool | None = None
    SubnetId: str | None = None
    GatewayId: str | None = None


class Route(Struct):
    DestinationCidrBlock: str | None = None
    DestinationIpv6CidrBlock: str | None = None
    DestinationPrefixListId: str | None = None
    GatewayId: str | None = None
    NatGatewayId: str | None = None
    TransitGatewayId: str | None = None
    VpcPeeringConnectionId: str | None = None
    NetworkInterfaceId: str | None = None
    InstanceId: str | None = None
    EgressOnlyInternetGatewayId: str | None = None
    CarrierGatewayId: str | None = None
    LocalGatewayId: str | None = None
    CoreNetworkArn: str | None = None
    State: str | None = None
    Origin: str | None = None

    @property
    def target(self) -> str:
        """Where the route sends traffic: the first target id set, or `?`."""
        for value in (
            self.NatGatewayId,
            self.GatewayId,
            self.TransitGatewayId,
            self.VpcPeeringConnectionId,
            self.EgressOnlyInternetGatewayId,
            self.NetworkInterfaceId,
            self.InstanceId,
            self.CarrierGatewayId,
            self.LocalGatewayId,
            self.CoreNetworkArn,
        ):
            if value:
                return value
        return "?"


class RouteTable(Struct):
    RouteTableId: str = ""
    VpcId: str | None = None
    Associations: list[RouteTableAssociation] | None = None
    Routes: list[Route] | None = None


class DescribeRouteTables(Struct):
    RouteTables: list[RouteTable]


class NatGatewayAddress(Struct):
    PublicIp: str | None = None
    PrivateIp: str | None = None
    AllocationId: str | None = None
    NetworkInterfaceId: str | None = None


class NatGateway(Struct):
    NatGatewayId: str = ""
    SubnetId: str | None = None
    VpcId: str | None = None
    State: str | None = None
    ConnectivityType: str | None = None
    FailureCode: str | None = None
    FailureMessage: str | None = None
    NatGatewayAddresses: list[NatGatewayAddress] | None = None


class DescribeNatGateways(Struct):
    NatGateways: list[NatGateway]


class InternetGatewayAttachment(Struct):
    VpcId: str | None = None
    State: str | None = None


class InternetGateway(Struct):
    InternetGatewayId: str = ""
    Attachments: list[InternetGatewayAttachment] | None = None


class DescribeInternetGateways(Struct):
    InternetGateways: list[InternetGateway]


# --- instances and ENIs ------------------------------------------------------------------


class GroupIdentifier(Struct):
    GroupId: str = ""
    GroupName: str | None = None


class IpAssociation(Struct):
    """The public (Elastic) IP associated with an ENI or one of its private IPs."""

    PublicIp: str | None = None


class PrivateIp(Struct):
    """One entry of `PrivateIpAddresses` (named apart from the `PrivateIpAddress` field)."""

    PrivateIpAddress: str | None = None
    Primary: bool | None = None
    Association: IpAssociation | None = None


class Ipv4Prefix(Struct):
    Ipv4Prefix: str | None = None


class Ipv6Address(Struct):
    Ipv6Address: str | None = None


class Ipv6Prefix(Struct):
    Ipv6Prefix: str | None = None


class Attachment(Struct):
    InstanceId: str | None = None
    DeviceIndex: int | None = None
    NetworkCardIndex: int | None = None
    Status: str | None = None


class InstanceNetworkInterface(Struct):
    NetworkInterfaceId: str = ""
    SubnetId: str | None = None
    InterfaceType: str | None = None
    Attachment: Attachment | None = None
    PrivateIpAddresses: list[PrivateIp] | None = None
    Ipv4Prefixes: list[Ipv4Prefix] | None = None
    Ipv6Addresses: list[Ipv6Address] | None = None
    Ipv6Prefixes: list[Ipv6Prefix] | None = None
    Association: IpAssociation | None = None
    Groups: list[GroupIdentifier] | None = None


class Placement(Struct):
    AvailabilityZone: str | None = None


class InstanceState(Struct):
    Name: str | None = None


class IamInstanceProfile(Struct):
    Arn: str | None = None


class Instance(Struct):
    InstanceId: str = ""
    InstanceType: str | None = None
    Placement: Placement | None = None
    PrivateIpAddress: str | None = None
    PrivateDnsName: str | None = None
    PublicIpAddress: str | None = None
    SubnetId: str | None = None
    VpcId: str | None = None
    State: InstanceState | None = None
    Hypervisor: str | None = None
    SecurityGroups: list[GroupIdentifier] | None = None
    NetworkInterfaces: list[InstanceNetworkInterface] | None = None
    Tags: list[Tag] | None = None
    LaunchTime: str | None = None
    IamInstanceProfile: IamInstanceProfile | None = None

    @property
    def zone(self) -> str | None:
        """The instance's availability zone."""
        return self.Placement.AvailabilityZone if self.Placement else None


class Reservation(Struct):
    Instances: list[Instance] | None = None


class DescribeInstances(Struct):
    Reservations: list[Reservation]


class NetworkCard(Struct):
    NetworkCardIndex: int | None = None
    MaximumNetworkInterfaces: int | None = None


class NetworkInfo(Struct):
    MaximumNetworkInterfaces: int | None = None
    Ipv4AddressesPerInterface: int | None = None
    DefaultNetworkCardIndex: int | None = None
    NetworkCards: list[NetworkCard] | None = None


class VCpuInfo(Struct):
    DefaultVCpus: int | None = None


class InstanceTypeInfo(Struct):
    InstanceType: str = ""
    Hypervisor: str | None = None
    BareMetal: bool | None = None
    VCpuInfo: VCpuInfo | None = None
    NetworkInfo: NetworkInfo | None = None


class DescribeInstanceTypes(Struct):
    InstanceTypes: list[InstanceTypeInfo]


class NetworkInterface(Struct):
    NetworkInterfaceId: str = ""
    SubnetId: str | None = None
    VpcId: str | None = None
    AvailabilityZone: str | None = None
    InterfaceType: str | None = None
    Status: str | None = None
    Description: str | None = None
    PrivateIpAddress: str | None = None
    Attachment: Attachment | None = None
    PrivateIpAddresses: list[PrivateIp] | None = None
    Ipv4Prefixes: list[Ipv4Prefix] | None = None
    Ipv6Addresses: list[Ipv6Address] | None = None
    Ipv6Prefixes: list[Ipv6Prefix] | None = None
    Association: IpAssociation | None = None
    RequesterId: str | None = None
    RequesterManaged: bool | None = None
    Groups: list[GroupIdentifier] | None = None
    TagSet: list[Tag] | None = None


class DescribeNetworkInterfaces(Struct):
    NetworkInterfaces: list[NetworkInterface]


class IpRange(Struct):
    CidrIp: str | None = None


class Ipv6Range(Struct):
    CidrIpv6: str | None = None


class UserIdGroupPair(Struct):
    GroupId: str | None = None


class PrefixListId(Struct):
    PrefixListId: str | None = None


class IpPermission(Struct):
    IpProtocol: str | None = None
    FromPort: int | None = None
    ToPort: int | None = None
    IpRanges: list[IpRange] | None = None
    Ipv6Ranges: list[Ipv6Range] | None = None
    UserIdGroupPairs: list[UserIdGroupPair] | None = None
    PrefixListIds: list[PrefixListId] | None = None

    def covers_port(self, port: int) -> bool:
        """True when the rule admits TCP traffic to `port`."""
        if self.IpProtocol in ("-1", "all"):
            return True
        if self.IpProtocol not in ("tcp", "6"):
            return False
        low = self.FromPort if self.FromPort is not None else 0
        high = self.ToPort if self.ToPort is not None else 65535
        return low <= port <= high


class SecurityGroup(Struct):
    GroupId: str = ""
    GroupName: str | None = None
    VpcId: str | None = None
    IpPermissions: list[IpPermission] | None = None
    IpPermissionsEgress: list[IpPermission] | None = None


class DescribeSecurityGroups(Struct):
    SecurityGroups: list[SecurityGroup]


class VpcEndpoint(Struct):
    VpcEndpointId: str = ""
    VpcEndpointType: str | None = None
    VpcId: str | None = None
    ServiceName: str | None = None
    State: str | None = None
    RouteTableIds: list[str] | None = None
    SubnetIds: list[str] | None = None
    PrivateDnsEnabled: bool | None = None


class DescribeVpcEndpoints(Struct):
    VpcEndpoints: list[VpcEndpoint]


class LoadBalancerState(Struct):
    Code: str | None = None


class LoadBalancerZone(Struct):
    ZoneName: str | None = None
    SubnetId: str | None = None


class LoadBalancer(Struct):
    LoadBalancerArn: str = ""
    LoadBalancerName: str | None = None
    DNSName: str | None = None
    Scheme: str | None = None
    VpcId: str | None = None
    Type: str | None = None
    State: LoadBalancerState | None = None
    SecurityGroups: list[str] | None = None
    AvailabilityZones: list[LoadBalancerZone] | None = None


class DescribeLoadBalancers(Struct):
    LoadBalancers: list[LoadBalancer]


class TargetGroup(Struct):
    TargetGroupArn: str = ""
    TargetGroupName: str | None = None
    Protocol: str | None = None
    Port: int | None = None
    VpcId: str | None = None
    TargetType: str | None = None
    LoadBalancerArns: list[str] | None = None


class DescribeTargetGroups(Struct):
    TargetGroups: list[TargetGroup]


# --- network ACLs and managed prefix lists (trace) -----------------------------------------


class PortRange(Struct):
    From: int | None = None
    To: int | None = None


class IcmpTypeCode(Struct):
    Type: int | None = None
    Code: int | None = None


class NetworkAclEntry(Struct):
    RuleNumber: int | None = None
    Protocol: str | None = None
    """IANA number as text: `-1` all, `6` tcp, `17` udp, `1` icmp."""
    RuleAction: str | None = None
    Egress: bool | None = None
    CidrBlock: str | None = None
    Ipv6CidrBlock: str | None = None
    PortRange: PortRange | None = None
    IcmpTypeCode: IcmpTypeCode | None = None


class NetworkAclAssociation(Struct):
    NetworkAclAssociationId: str | None = None
    NetworkAclId: str | None = None
    SubnetId: str | None = None


class NetworkAcl(Struct):
    NetworkAclId: str = ""
    VpcId: str | None = None
    IsDefault: bool | None = None
    Associations: list[NetworkAclAssociation] | None = None
    Entries: list[NetworkAclEntry] | None = None


class DescribeNetworkAcls(Struct):
    NetworkAcls: list[NetworkAcl]


class PrefixListEntry(Struct):
    Cidr: str | None = None
    Description: str | None = None


class ManagedPrefixList(Struct):
    """describe-managed-prefix-lists, with `Entries` added from get-managed-prefix-list-entries
    (capture and collect-bundle.sh merge them: the describe call alone holds no CIDRs)."""

    PrefixListId: str = ""
    PrefixListName: str | None = None
    AddressFamily: str | None = None
    State: str | None = None
    OwnerId: str | None = None
    Entries: list[PrefixListEntry] | None = None


class DescribeManagedPrefixLists(Struct):
    PrefixLists: list[ManagedPrefixList]


class SubnetCidrReservation(Struct):
    """One subnet CIDR reservation: `prefix` (EC2 assigns it only as delegated prefixes) or
    `explicit` (EC2 never assigns it on its own)."""

    SubnetCidrReservationId: str = ""
    SubnetId: str = ""
    Cidr: str | None = None
    ReservationType: str | None = None
    Description: str | None = None


class GetSubnetCidrReservations(Struct):
    """get-subnet-cidr-reservations of every subnet of the VPC, merged into one document."""

    SubnetIpv4CidrReservations: list[SubnetCidrReservation] | None = None
    SubnetIpv6CidrReservations: list[SubnetCidrReservation] | None = None


# --- EKS node groups, access entries, insights ----------------------------------------------


class NodegroupResources(Struct):
    autoScalingGroups: list[dict[str, str]] | None = None
    remoteAccessSecurityGroup: str | None = None


class Nodegroup(Struct):
    """One managed node group (describe-nodegroup's `nodegroup`)."""

    nodegroupName: str | None = None
    nodegroupArn: str | None = None
    status: str | None = None
    nodeRole: str | None = None
    subnets: list[str] | None = None
    instanceTypes: list[str] | None = None
    amiType: str | None = None
    capacityType: str | None = None
    resources: NodegroupResources | None = None
    health: ClusterHealth | None = None
    labels: dict[str, str] | None = None


class DescribeNodegroups(Struct):
    """describe-nodegroup of every node group of the cluster, merged into one document."""

    nodegroups: list[Nodegroup]


class ListAccessEntries(Struct):
    """The principal ARNs that have an access entry in the cluster."""

    accessEntries: list[str]


class InsightStatus(Struct):
    status: str | None = None
    """PASSING, WARNING, ERROR or UNKNOWN."""
    reason: str | None = None


class InsightResource(Struct):
    insightStatus: InsightStatus | None = None
    kubernetesResourceUri: str | None = None
    arn: str | None = None


class Insight(Struct):
    """One cluster insight: list-insights' summary, with describe-insight's details
    (`recommendation`, `resources`) for those not PASSING."""

    id: str | None = None
    name: str | None = None
    category: str | None = None
    """UPGRADE_READINESS or MISCONFIGURATION."""
    kubernetesVersion: str | None = None
    description: str | None = None
    insightStatus: InsightStatus | None = None
    recommendation: str | None = None
    resources: list[InsightResource] | None = None


class ListInsights(Struct):
    insights: list[Insight]
