"""private-endpoint-access: the exact findings of every fixture, the healthy example, odd real data.

Fixtures are built by scripts/fixtures/private_endpoint_access.py from the shared healthy-basic
example: three nodes in private subnets a, b, c behind the NAT gateways of their AZs (public IPs
3.64.118.27, 18.156.201.44, 52.58.190.12), all on the EKS cluster security group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netdoctor.models import Severity, Status
from tests.checks._support import (
    Expect,
    assert_findings,
    assert_script_rebuilds_fixtures,
    copy_fixture,
    edit_json,
    fixture_names,
    over_foreign_bundles,
)
from tests.conftest import BUNDLES, FOREIGN, HEALTHY, run_one

CHECK = "private-endpoint-access"
FIXTURES = BUNDLES / CHECK

NODE_A = "node/ip-192-168-102-239.eu-central-1.compute.internal"
NODE_B = "node/ip-192-168-130-71.eu-central-1.compute.internal"
NODE_C = "node/ip-192-168-170-158.eu-central-1.compute.internal"
SUBNET_A, SUBNET_B, SUBNET_C = (
    "subnet-0a81eedc195edfd24",
    "subnet-0d1f40d92342224d7",
    "subnet-0eb49bf981cb3b0cc",
)
RTB_A, RTB_B, RTB_C = "rtb-0d9841098930aa3f4", "rtb-0c61f0172f15cd42b", "rtb-0cc278a46ec1cb278"
NAT_B, NAT_C = "nat-05342af368e3d55fd", "nat-0c064b6ab6df3aae8"
VPC = "vpc-03490cf1a30e36de4"
CLUSTER_SG = "sg-0cab24e4f8ae2d5dc"
CLUSTER = "cluster/atlas-demo"

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
            # nat-a's IP 3.64.118.27 is allowed: only the NAT gateways of AZ b and c are named
            (CLUSTER, f"nat-gateway/{NAT_B}", NODE_B, f"nat-gateway/{NAT_C}", NODE_C),
            (
                "endpointPrivateAccess=false",
                f"{NAT_B}: public IP 18.156.201.44 not in publicAccessCidrs; egress of node(s) "
                "ip-192-168-130-71.eu-central-1.compute.internal",
                f"{NAT_C}: public IP 52.58.190.12 not in publicAccessCidrs",
            ),
            # the whole new list: current CIDRs plus the missing NAT IPs
            {
                "public_access_cidrs": "203.0.113.0/24,3.64.118.27/32,"
                "18.156.201.44/32,52.58.190.12/32"
            },
        ),
        Expect(
            Severity.INFO,
            "Public endpoint admits only 2 CIDR(s)",
            (CLUSTER,),
            (
                "allowed: 203.0.113.0/24",
                "allowed: 3.64.118.27/32",
                "nodes use the public endpoint too",
            ),
        ),
    ],
    "fail-cluster-sg-no-443": [
        Expect(
            Severity.CRITICAL,
            f"Cluster security group {CLUSTER_SG} admits no HTTPS (443) from node security group "
            "sg-0bad5ec0000000443: 3 node(s)",
            (
                f"security-group/{CLUSTER_SG}",
                "security-group/sg-0bad5ec0000000443",
                NODE_A,
                NODE_B,
                NODE_C,
            ),
            (
                f"{CLUSTER_SG} inbound: all traffic from {CLUSTER_SG}; tcp 8080-8080 from "
                "sg-0283bff84387bf802",
                "ip-192-168-102-239.eu-central-1.compute.internal (192.168.102.239, "
                "sg-0bad5ec0000000443)",
            ),
            {"cluster_sg_id": CLUSTER_SG, "node_sg_id": "sg-0bad5ec0000000443"},
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
                "0.0.0.0/0 → igw-0a6ff73d6f6d31f11 (state active), but instance "
                "i-085d5f2c854455484 has no public IP",
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


def test_committed_fixtures_are_what_the_script_builds() -> None:
    assert_script_rebuilds_fixtures(CHECK)


def test_healthy_example_passes() -> None:
    """Public and private endpoint, publicAccessCidrs 0.0.0.0/0, DNS on, nodes on the cluster
    security group."""
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
        (f"security-group/{CLUSTER_SG}", "security-group/sg-0bad5ec0000000443", NODE_B, NODE_C)
    ]


@over_foreign_bundles
def test_foreign_bundles_never_error_nor_name_redacted_ids(bundle: Path) -> None:
    result = run_one(CHECK, bundle)
    assert result.status is not Status.ERROR, result.reason
    for finding in result.findings:
        for ref in finding.resources:
            name = ref.partition("/")[2]
            assert not name.endswith("-"), ref  # e.g. hardeneks' redacted `sg-`, `vpc-`


def test_private_only_cluster_without_nodes_is_partial_for_want_of_them() -> None:
    """custodian-eks-private-default-vpc: private-only endpoint, DNS on, the cluster security
    group absent from the SG file, no nodes file: nothing can be proven wrong, but the node
    mechanisms did not run, so it is not a pass."""
    result = run_one(CHECK, FOREIGN / "custodian-eks-private-default-vpc")
    assert result.status is Status.PARTIAL, result.findings
    assert {u.mechanism: u.missing[0] for u in result.unchecked} == {
        "cluster security group admits the nodes on 443": "k8s/nodes.json",
        "VPC endpoints for nodes without internet egress": "k8s/nodes.json",
    }


def test_restricted_public_cidrs_in_the_aws_cli_example_are_listed() -> None:
    """awscli-examples: public and private endpoint, publicAccessCidrs one /32."""
    result = run_one(CHECK, FOREIGN / "awscli-examples")
    assert [(f.severity, f.resources) for f in result.findings] == [
        (Severity.INFO, ("cluster/my-eks-cluster",))
    ]
    assert "allowed: 22.19.18.2/32" in result.findings[0].evidence
