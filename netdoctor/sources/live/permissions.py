"""What capture reads, and the permission each bundle file needs: the vocabulary of `missing`.

This module imports neither `kubernetes` nor `boto3`: the CLI uses it to explain a skipped check
("grant ec2:DescribeVpcEndpoints") for any captured bundle, live or recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from netdoctor.snapshot import files as f

CONFIGMAP_NAME = "amazon-vpc-cni"
"""The VPC resource controller's settings."""
AWS_AUTH_NAME = "aws-auth"
"""The IAM-to-Kubernetes map: capture keeps only its role ARNs and groups (`redact.py`)."""
CONFIGMAP_NAMES = (CONFIGMAP_NAME, AWS_AUTH_NAME)
"""The ConfigMaps capture reads, each by name: no other ConfigMap is ever fetched."""
CONFIGMAP_NAMESPACE = "kube-system"
DISCOVERY_PATH = "/apis"
"""The one discovery request: which API groups (CRDs) the cluster serves."""


@dataclass(frozen=True, slots=True)
class AwsCall:
    """One AWS API operation that fills one bundle file."""

    file: str
    service: str
    """boto3 service name: `ec2`, `eks`, `elbv2`."""
    operation: str
    """API operation name as botocore names it: `DescribeSubnets`."""

    @property
    def iam_action(self) -> str:
        """`ec2:DescribeSubnets`, `elasticloadbalancing:DescribeTargetGroups`."""
        return f"{IAM_PREFIX[self.service]}:{self.operation}"


IAM_PREFIX = {"ec2": "ec2", "eks": "eks", "elbv2": "elasticloadbalancing"}
"""boto3 service name → IAM action prefix."""

AWS_CALLS: tuple[AwsCall, ...] = (
    AwsCall(f.AWS_CLUSTER, "eks", "DescribeCluster"),
    AwsCall(f.AWS_VPCS, "ec2", "DescribeVpcs"),
    AwsCall(f.AWS_VPC_DNS_SUPPORT, "ec2", "DescribeVpcAttribute"),
    AwsCall(f.AWS_VPC_DNS_HOSTNAMES, "ec2", "DescribeVpcAttribute"),
    AwsCall(f.AWS_SUBNETS, "ec2", "DescribeSubnets"),
    AwsCall(f.AWS_ROUTE_TABLES, "ec2", "DescribeRouteTables"),
    AwsCall(f.AWS_NAT_GATEWAYS, "ec2", "DescribeNatGateways"),
    AwsCall(f.AWS_INTERNET_GATEWAYS, "ec2", "DescribeInternetGateways"),
    AwsCall(f.AWS_INSTANCES, "ec2", "DescribeInstances"),
    AwsCall(f.AWS_INSTANCE_TYPES, "ec2", "DescribeInstanceTypes"),
    AwsCall(f.AWS_NETWORK_INTERFACES, "ec2", "DescribeNetworkInterfaces"),
    AwsCall(f.AWS_SECURITY_GROUPS, "ec2", "DescribeSecurityGroups"),
    AwsCall(f.AWS_VPC_ENDPOINTS, "ec2", "DescribeVpcEndpoints"),
    AwsCall(f.AWS_LOAD_BALANCERS, "elbv2", "DescribeLoadBalancers"),
    AwsCall(f.AWS_TARGET_GROUPS, "elbv2", "DescribeTargetGroups"),
    AwsCall(f.AWS_NETWORK_ACLS, "ec2", "DescribeNetworkAcls"),
    AwsCall(f.AWS_PREFIX_LISTS, "ec2", "DescribeManagedPrefixLists"),
    AwsCall(f.AWS_PREFIX_LISTS, "ec2", "GetManagedPrefixListEntries"),
    AwsCall(f.AWS_SUBNET_CIDR_RESERVATIONS, "ec2", "DescribeSubnets"),
    AwsCall(f.AWS_SUBNET_CIDR_RESERVATIONS, "ec2", "GetSubnetCidrReservations"),
    AwsCall(f.AWS_NODEGROUPS, "eks", "ListNodegroups"),
    AwsCall(f.AWS_NODEGROUPS, "eks", "DescribeNodegroup"),
    AwsCall(f.AWS_ACCESS_ENTRIES, "eks", "ListAccessEntries"),
    AwsCall(f.AWS_INSIGHTS, "eks", "ListInsights"),
    AwsCall(f.AWS_INSIGHTS, "eks", "DescribeInsight"),
)
"""Every AWS file and the operations that fill it, in BUNDLE-FORMAT.md order (a file merged
from a list and a describe of each item takes two: the prefix lists and their entries, the node
groups, the insights)."""

AWS_CALLS_BY_FILE: dict[str, AwsCall] = {}
"""Each file's first operation (the one a denied capture names)."""
for _call in AWS_CALLS:
    AWS_CALLS_BY_FILE.setdefault(_call.file, _call)


def k8s_permission(bundle_file: str) -> str:
    """`list pods`, `get configmaps/amazon-vpc-cni in kube-system` … for a k8s bundle file."""
    from netdoctor.snapshot.kinds import KINDS_BY_FILE

    kind = KINDS_BY_FILE[bundle_file]
    if bundle_file == f.K8S_CONFIGMAPS:
        names = " and ".join(f"configmaps/{name}" for name in CONFIGMAP_NAMES)
        return f"get {names} in {CONFIGMAP_NAMESPACE}"
    scope = f" in {kind.bundle_namespace}" if kind.bundle_namespace else ""
    return f"list {kind.resource}{scope}"


def permission_for(bundle_file: str) -> str:
    """The grant that fills `bundle_file`: `IAM ec2:DescribeSubnets` or `RBAC list pods`."""
    if bundle_file in AWS_CALLS_BY_FILE:
        return f"IAM {AWS_CALLS_BY_FILE[bundle_file].iam_action}"
    return f"RBAC {k8s_permission(bundle_file)}"


def needs_note(bundle_file: str) -> str:
    """` (needs IAM ec2:DescribeSubnets)`: appended to access-denied reasons in `missing`."""
    return f" (needs {permission_for(bundle_file)})"
