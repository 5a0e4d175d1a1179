"""private-endpoint-access: the exact findings of every fixture and the healthy bundle (real-world
data: tests/shared).

Fixtures are built by scripts/fixtures/private_endpoint_access.py from the project's healthy base:
three nodes in private subnets a, b, c behind the NAT gateways of their AZs (public IPs
3.66.152.165, 3.65.136.117, 3.65.49.249), on the EKS cluster security group and a node security
group that the cluster's additional security group admits on 443.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netdoctor.models import Severity, Status
from netdoctor.tooling.fixtures import base
from netdoctor.tooling.fixtures.docs import stable_id
from tests.checks._support import (
    Expect,
    assert_findings,
    by_zone,
    copy_fixture,
    edit_json,
    fixture_names,
)
from tests.conftest import BUNDLES, HEALTHY, run_one

CHECK = "private-endpoint-access"
FIXTURES = BUNDLES / CHECK

B = base()
NAME_A, NAME_B, NAME_C = by_zone(B.nodes)
NODE_A, NODE_B, NODE_C = (f"node/{name}" for name in (NAME_A, NAME_B, NAME_C))
SUBNET_A, SUBNET_B, SUBNET_C = by_zone(B.private_subnets)
RTB_A, RTB_B, RTB_C = by_zone(B.private_route_tables)
_, NAT_B, NAT_C = by_zone(B.nat_gateways)
VPC = B.vpc_id
CLUSTER_SG = B.cluster_sg
EXTRA_SG = "sg-0906cbc9dd0f5c576"  # the cluster's additional security group (securityGroupIds)
BASE_NODE_SG = "sg-055de5d53eb037320"  # the base's node security group, which EXTRA_SG admits
BAD_NODE_SG = stable_id("sg", "bad-node-sg")
CLUSTER = f"cluster/{B.cluster}"
BATCH_SG = stable_id("sg", "bad-batch-node-sg")
BATCH_INSTANCE = stable_id("i", "ip-192-168-96-4.eu-central-1.compute.internal")

CASES: dict[str, list[Expect]] = {
    "fail-dns-hostnames-off": [
        Expect(
            Severity.CRITICAL,
            "Private endpoint access is on but the VPC's enableDnsHostnames is off",
            (CLUSTER, f"vpc/{VPC}"),
            (
                "endpointPublicAccess=false, endpointPrivateAccess=true",
                f"{VPC}: enableDnsHostnames=false",
                f"{VPC}: enableDnsSupport=true",
                "public access is off, so there is no public path to fall back on",
            ),
            {"vpc_id": VPC},
        )
    ],
    "fail-nat-ips-outside-cidrs": [
        Expect(
            Severity.CRITICAL,
            "Nodes reach the public API endpoint from 2 IP(s) outside publicAccessCidrs",
            # nat-a's IP 3.66.152.165 is allowed: only the NAT gateways of AZ b and c are named
            (CLUSTER, f"nat-gateway/{NAT_B}", NODE_B, f"nat-gateway/{NAT_C}", NODE_C),
            (
                "endpointPrivateAccess=false",
                f"{NAT_B}: public IP 3.65.136.117 not in publicAccessCidrs; egress of node(s) "
                f"{NAME_B}",
                f"{NAT_C}: public IP 3.65.49.249 not in publicAccessCidrs",
            ),
            # the whole new list: current CIDRs plus the missing NAT IPs
            {
                "public_access_cidrs": "203.0.113.0/24,3.66.152.165/32,"
                "3.65.136.117/32,3.65.49.249/32"
            },
        ),
        Expect(
            Severity.INFO,
            "Public endpoint admits only 2 CIDR(s)",
            (CLUSTER,),
            (
                "allowed: 203.0.113.0/24",
                "allowed: 3.66.152.165/32",
                "nodes use the public endpoint too",
            ),
        ),
    ],
    "fail-cluster-sg-no-443": [
        Expect(
            Severity.CRITICAL,
            f"Cluster security group {CLUSTER_SG} admits no HTTPS (443) from node security group "
            f"{BAD_NODE_SG}: 3 node(s)",
            # the endpoint's ENIs carry both cluster security groups: neither admits the nodes
            (
                f"security-group/{CLUSTER_SG}",
                f"security-group/{EXTRA_SG}",
                f"security-group/{BAD_NODE_SG}",
                NODE_A,
                NODE_B,
                NODE_C,
            ),
            (
                f"the private endpoint's ENIs carry {CLUSTER_SG}, {EXTRA_SG}",
                f"{CLUSTER_SG} inbound: all traffic from {CLUSTER_SG}; tcp 8080-8080 from "
                "sg-017454ef60645162e",
                f"{EXTRA_SG} inbound: tcp 443-443 from {BASE_NODE_SG}",
                f"{NAME_A} (192.168.107.189, {BAD_NODE_SG})",
            ),
            {"cluster_sg_id": CLUSTER_SG, "node_sg_id": BAD_NODE_SG},
        )
    ],
    "fail-cluster-sg-unregistered": [
        Expect(
            Severity.CRITICAL,
            f"Cluster security group {CLUSTER_SG} admits no HTTPS (443) from node security group "
            f"{BATCH_SG}: 1 unregistered instance(s) cannot reach the private endpoint",
            # the nodes on the base's groups are admitted: only the instance that never joined
            (
                f"security-group/{CLUSTER_SG}",
                f"security-group/{EXTRA_SG}",
                f"security-group/{BATCH_SG}",
                f"instance/{BATCH_INSTANCE}",
            ),
            (
                "instances of the cluster not registered as nodes: "
                f"{BATCH_INSTANCE} (192.168.96.4, {BATCH_SG}; launched "
                "2025-10-18T07:15:11+00:00, 40 min before capture)",
            ),
            {"cluster_sg_id": CLUSTER_SG, "node_sg_id": BATCH_SG},
        )
    ],
    "fail-no-public-path": [
        Expect(
            Severity.CRITICAL,
            f"Nodes in subnet {SUBNET_A} have no NAT or internet gateway path to the public-only "
            "API endpoint: 1 node(s)",
            (f"subnet/{SUBNET_A}", f"route-table/{RTB_A}", NODE_A, CLUSTER),
            (f"route table {RTB_A} (explicit association): no 0.0.0.0/0 route",),
            {"subnet_ids": SUBNET_A, "route_table_ids": RTB_A},
        ),
        Expect(
            Severity.CRITICAL,
            f"Nodes in subnet {SUBNET_C} have no NAT or internet gateway path",
            (f"subnet/{SUBNET_C}", f"route-table/{RTB_C}", NODE_C, CLUSTER),
            (
                f"0.0.0.0/0 → {B.internet_gateway} (state active), but instance "
                f"{B.instances['eu-central-1c']} has no public IP",
            ),
            {"subnet_ids": SUBNET_C, "route_table_ids": RTB_C},
        ),
    ],
    "fail-private-endpoints-missing": [
        Expect(
            Severity.CRITICAL,
            "Nodes without internet egress lack VPC endpoints for ec2, ecr.api, sts",
            (
                f"vpc/{VPC}",
                f"subnet/{SUBNET_A}",
                f"subnet/{SUBNET_B}",
                f"subnet/{SUBNET_C}",
                NODE_A,
                NODE_B,
                NODE_C,
            ),
            (
                f"VPC endpoints in {VPC}: ecr.api (Interface), ecr.dkr (Interface), s3 (Gateway)",
                "ec2: no endpoint",
                "ecr.api: vpce-0900d2e0d00000002 has private DNS off",
                "sts: no endpoint",
            ),
            {
                "subnet_ids": f"{SUBNET_A} {SUBNET_B} {SUBNET_C}",
                "route_table_ids": f"{RTB_A} {RTB_B} {RTB_C}",
                # ecr.api exists (private DNS off: modify it), so only ec2 and sts are created
                "interface_endpoints": "ec2 sts",
            },
        )
    ],
    "fail-public-cidrs-restricted": [
        Expect(
            Severity.INFO,
            "Public endpoint admits only 1 CIDR(s): callers outside them",
            (CLUSTER,),
            (
                "allowed: 198.51.100.0/24",
                "nodes in the VPC use the private endpoint and are not affected",
            ),
        )
    ],
    # Only EKS's describe-cluster health names the deleted security group.
    "fail-eks-cluster-sg-gone": [
        Expect(
            Severity.WARNING,
            "EKS reports Ec2SecurityGroupNotFound on cluster/orbit-dev",
            (CLUSTER, f"security-group/{EXTRA_SG}"),
            (
                f"The security group {EXTRA_SG} associated with the cluster was not found",
                "No other finding of private-endpoint-access names the resources EKS names",
            ),
            params={"vpc_id": "$VPC_ID"},
        )
    ],
    # healthy look-alikes
    "pass-private-endpoint": [],
    "pass-private-airgapped": [],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_gives_exactly_these_findings(name: str) -> None:
    result = run_one(CHECK, FIXTURES / name)
    assert_findings(result, CASES[name])


def test_every_fixture_folder_is_in_the_table() -> None:
    folders = {n for n in fixture_names(CHECK) if not n.startswith("skip-")}
    assert folders == set(CASES)


def test_healthy_example_passes() -> None:
    """Public and private endpoint, publicAccessCidrs 0.0.0.0/0, DNS on, nodes on the cluster
    security group and on a node security group the additional cluster security group admits."""
    result = run_one(CHECK, HEALTHY)
    assert result.status is Status.PASS, result.findings


def test_skips_without_describe_cluster_and_names_the_file() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-cluster")
    assert result.status is Status.SKIP
    assert "aws/eks-describe-cluster.json" in result.reason


def _vpc_config(doc: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = doc["cluster"]["resourcesVpcConfig"]
    return config


def test_dns_off_with_a_usable_public_endpoint_is_a_warning(tmp_path: Path) -> None:
    """Public access on and every NAT IP allowed: in-VPC callers fall back to the public
    endpoint through NAT, which works; the finding is latent, not critical."""
    bundle = copy_fixture(CHECK, "fail-dns-hostnames-off", tmp_path)
    edit_json(
        bundle,
        "aws/eks-describe-cluster.json",
        lambda doc: _vpc_config(doc).update(endpointPublicAccess=True),
    )
    result = run_one(CHECK, bundle)
    assert [(f.severity, f.title.split(":")[0]) for f in result.findings] == [
        (
            Severity.WARNING,
            "Private endpoint access is on but the VPC's enableDnsHostnames is off",
        )
    ]
    assert any("through NAT: it works" in line for line in result.findings[0].evidence)


def test_dns_attribute_recorded_for_another_vpc_proves_nothing(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-dns-hostnames-off", tmp_path)
    edit_json(
        bundle,
        "aws/ec2-describe-vpc-attribute-enable-dns-hostnames.json",
        lambda doc: doc.update(VpcId="vpc-0ffffffffffffffff"),
    )
    assert run_one(CHECK, bundle).status is Status.PASS


def test_cluster_security_group_missing_from_the_bundle_is_not_judged(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)
    edit_json(
        bundle,
        "aws/ec2-describe-security-groups.json",
        lambda doc: doc.update(
            SecurityGroups=[g for g in doc["SecurityGroups"] if g["GroupId"] != CLUSTER_SG]
        ),
    )
    assert run_one(CHECK, bundle).status is Status.PASS


def test_a_prefix_list_source_on_443_counts_as_admitting(tmp_path: Path) -> None:
    """The bundle does not hold prefix-list entries, so a 443 rule from one cannot be faulted."""
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)
    rule = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [],
        "Ipv6Ranges": [],
        "PrefixListIds": [{"PrefixListId": "pl-0a1b2c3d4e5f60718"}],
        "UserIdGroupPairs": [],
    }

    def add_rule(doc: dict[str, Any]) -> None:
        group = next(g for g in doc["SecurityGroups"] if g["GroupId"] == CLUSTER_SG)
        group["IpPermissions"].append(rule)

    edit_json(bundle, "aws/ec2-describe-security-groups.json", add_rule)
    assert run_one(CHECK, bundle).status is Status.PASS


def test_a_443_rule_from_the_node_subnet_cidr_admits_the_nodes(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)

    def add_rule(doc: dict[str, Any]) -> None:
        group = next(g for g in doc["SecurityGroups"] if g["GroupId"] == CLUSTER_SG)
        group["IpPermissions"].append(
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "192.168.96.0/19"}],  # private-a only
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        )

    edit_json(bundle, "aws/ec2-describe-security-groups.json", add_rule)
    result = run_one(CHECK, bundle)
    assert [f.resources for f in result.findings] == [
        (
            f"security-group/{CLUSTER_SG}",
            f"security-group/{EXTRA_SG}",
            f"security-group/{BAD_NODE_SG}",
            NODE_B,
            NODE_C,
        )
    ]


def test_without_nodes_no_instance_is_taken_for_unregistered(tmp_path: Path) -> None:
    """nodes.json absent: the nodes' instances are not "unregistered", the 443 mechanism for
    nodes is unchecked instead."""
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)
    (bundle / "k8s/nodes.json").unlink()
    result = run_one(CHECK, bundle)
    assert result.findings == []
    assert "cluster security group admits the nodes on 443" in [
        u.mechanism for u in result.unchecked
    ]
