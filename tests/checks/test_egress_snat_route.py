"""egress-snat-route: the exact findings of every fixture and the healthy bundle (real-world
data: tests/shared).

Fixtures are built by scripts/fixtures/egress_snat_route.py from the project's healthy base:
three m6i.large nodes, one per private subnet (a, b, c), each routed to the NAT gateway of its AZ.
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

CHECK = "egress-snat-route"
FIXTURES = BUNDLES / CHECK

B = base()
NAME_A, NAME_B, NAME_C = by_zone(B.nodes)
NODE_A, NODE_B, NODE_C = (f"node/{name}" for name in (NAME_A, NAME_B, NAME_C))
SUBNET_A, SUBNET_B, SUBNET_C = by_zone(B.private_subnets)
RTB_A, RTB_B, RTB_C = by_zone(B.private_route_tables)
RTB_MAIN = B.main_route_table
NAT_A, NAT_B, NAT_C = by_zone(B.nat_gateways)
IGW = B.internet_gateway
NAT_SUBNET_C = stable_id("subnet", "bad-nat-subnet-c")  # the script's new subnet

CASES: dict[str, list[Expect]] = {
    "fail-external-snat-igw": [
        Expect(
            Severity.CRITICAL,
            f"External SNAT is on but subnet {SUBNET_A} routes 0.0.0.0/0 to {IGW}: pods on 1 node",
            (f"subnet/{SUBNET_A}", f"route-table/{RTB_A}", f"internet-gateway/{IGW}", NODE_A),
            (
                "AWS_VPC_K8S_CNI_EXTERNALSNAT=true (aws-node env)",
                f"route table {RTB_A} (explicit association): 0.0.0.0/0 → {IGW} (state active)",
                f"{NAME_A} (192.168.107.189)",
            ),
            # the fix routes the subnet through the healthy NAT gateway of its own AZ
            {"route_table_id": RTB_A, "nat_gateway_id": NAT_A, "subnet_id": SUBNET_A},
        )
    ],
    "fail-public-subnet-no-public-ip": [
        Expect(
            Severity.CRITICAL,
            f"Subnet {SUBNET_A} routes 0.0.0.0/0 to {IGW} but 1 node(s) in it have no public IP",
            (f"subnet/{SUBNET_A}", f"route-table/{RTB_A}", f"internet-gateway/{IGW}", NODE_A),
            (
                f"instance {B.instances['eu-central-1a']} has private IP 192.168.107.189 and no "
                "public IP",
                "AWS_VPC_K8S_CNI_EXTERNALSNAT=false (aws-node env)",
            ),
            {"nat_gateway_id": NAT_A},
        )
    ],
    "fail-no-default-route": [
        Expect(
            Severity.CRITICAL,
            f"Subnet {SUBNET_B} has no 0.0.0.0/0 route: nodes and pods on 1 node(s)",
            (f"subnet/{SUBNET_B}", f"route-table/{RTB_B}", NODE_B),
            (
                f"route table {RTB_B} (explicit association): no 0.0.0.0/0 route",
                f"{RTB_B} routes: 192.168.0.0/16 → local, pl-6ea54007 → {B.s3_endpoint}",
                "VPC endpoints: s3; no ecr.api, ecr.dkr endpoint",
            ),
            {"route_table_id": RTB_B, "nat_gateway_id": NAT_B},
        ),
        Expect(
            Severity.CRITICAL,
            f"Subnet {SUBNET_C} has no 0.0.0.0/0 route",
            # no explicit association: the VPC's main table applies
            (f"subnet/{SUBNET_C}", f"route-table/{RTB_MAIN}", NODE_C),
            (f"route table {RTB_MAIN} (the VPC's main table: no explicit association)",),
            {"route_table_id": RTB_MAIN, "nat_gateway_id": NAT_C},
        ),
    ],
    "fail-nat-failed": [
        Expect(
            Severity.CRITICAL,
            f"NAT gateway {NAT_B} is failed: subnet {SUBNET_B} (1 node(s)) has no internet egress",
            (f"subnet/{SUBNET_B}", f"route-table/{RTB_B}", f"nat-gateway/{NAT_B}", NODE_B),
            (
                f"{NAT_B}: State='failed', FailureCode='InsufficientFreeAddressesInSubnet', "
                "FailureMessage='Subnet has insufficient free addresses to create this NAT "
                "gateway'",
            ),
            # no healthy NAT in AZ b: the fix suggests the one in AZ a
            {"nat_gateway_id": NAT_A},
        )
    ],
    "fail-blackhole-routes": [
        Expect(
            Severity.CRITICAL,
            f"Subnet {SUBNET_C} sends 0.0.0.0/0 to a blackhole ({NAT_C})",
            (f"subnet/{SUBNET_C}", f"route-table/{RTB_C}", NODE_C),
            (f"0.0.0.0/0 → {NAT_C} (state blackhole)",),
            {"route_table_id": RTB_C, "nat_gateway_id": NAT_A},
        ),
        Expect(
            Severity.WARNING,
            f"Route table {RTB_A} has blackhole routes to 10.20.0.0/16",
            (f"route-table/{RTB_A}", f"subnet/{SUBNET_A}", NODE_A),
            (f"{RTB_A}: 10.20.0.0/16 → {stable_id('pcx', 'bad-dead-peering')} (state blackhole)",),
        ),
    ],
    "fail-nat-in-private-subnet": [
        Expect(
            Severity.CRITICAL,
            f"NAT gateway {NAT_B} sits in subnet {SUBNET_B}, whose route table has no internet "
            "gateway route: 1 node(s)",
            (f"nat-gateway/{NAT_B}", f"subnet/{SUBNET_B}", f"route-table/{RTB_B}", NODE_B),
            (
                f"{NAT_B}: State='available', SubnetId={SUBNET_B}, public IPs 3.65.136.117",
                f"the NAT gateway's own subnet/{SUBNET_B} → route table {RTB_B} (explicit "
                f"association): 0.0.0.0/0 → {NAT_B}",
            ),
            {"route_table_id": RTB_B, "nat_gateway_id": NAT_A},
        ),
        Expect(
            Severity.CRITICAL,
            f"NAT gateway {NAT_C} sits in subnet {NAT_SUBNET_C}",
            (
                f"nat-gateway/{NAT_C}",
                f"subnet/{NAT_SUBNET_C}",
                f"route-table/{RTB_MAIN}",
                f"subnet/{SUBNET_C}",
                NODE_C,
            ),
            (
                f"the NAT gateway's own subnet/{NAT_SUBNET_C} → route table {RTB_MAIN} "
                "(the VPC's main table: no explicit association): no 0.0.0.0/0 route",
                f"subnet/{SUBNET_C} → route table {RTB_C} (explicit association): "
                f"0.0.0.0/0 → {NAT_C} (state active)",
            ),
            # the table to change is the nodes' one
            {"route_table_id": RTB_C, "subnet_id": SUBNET_C},
        ),
    ],
    "fail-snat-peered-cidrs": [
        Expect(
            Severity.INFO,
            "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS misses 172.16.0.0/12, 10.99.0.0/16",
            (
                f"route-table/{RTB_A}",
                f"route-table/{RTB_B}",
                f"route-table/{RTB_C}",
                f"subnet/{SUBNET_A}",
                f"subnet/{SUBNET_B}",
                f"subnet/{SUBNET_C}",
            ),
            (
                "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=10.20.0.0/16 (aws-node env)",
                f"{RTB_A}: 172.16.0.0/12 → {stable_id('tgw', 'transit-gateway')} (state active)",
                f"{RTB_A}: 10.99.0.0/16 → {stable_id('vgw', 'vpn-gateway')} (state active)",
            ),
            # the current exclusion plus the missing ones, ready for `kubectl set env`
            {"exclude_snat_cidrs": "10.20.0.0/16,172.16.0.0/12,10.99.0.0/16"},
        )
    ],
    # healthy look-alikes
    "pass-external-snat-nat": [],
    "pass-snat-excluded": [],
    "pass-airgapped": [],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_gives_exactly_these_findings(name: str) -> None:
    result = run_one(CHECK, FIXTURES / name)
    assert_findings(result, CASES[name])


def test_every_fixture_folder_is_in_the_table() -> None:
    folders = {n for n in fixture_names(CHECK) if not n.startswith("skip-")}
    assert folders == set(CASES)


def test_healthy_example_passes() -> None:
    result = run_one(CHECK, HEALTHY)
    assert result.status is Status.PASS, result.findings


def test_skips_without_route_tables_and_names_the_file() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-route-tables")
    assert result.status is Status.SKIP
    assert "aws/ec2-describe-route-tables.json" in result.reason


def test_without_aws_node_the_snat_settings_do_not_apply(tmp_path: Path) -> None:
    """Another CNI (no aws-node DaemonSet): no external-SNAT finding, but a node behind an
    internet gateway without a public IP is still cut off."""
    bundle = copy_fixture(CHECK, "fail-external-snat-igw", tmp_path)
    edit_json(bundle, "k8s/daemonsets.json", lambda doc: doc.update(items=[]))
    result = run_one(CHECK, bundle)
    assert [f.title for f in result.findings] == [
        f"Subnet {SUBNET_A} routes 0.0.0.0/0 to {IGW} but 1 node(s) in it have no public IP: "
        "they and their pods cannot reach the internet"
    ]


def test_ipv6_mode_has_no_external_snat(tmp_path: Path) -> None:
    """The VPC CNI supports no external SNAT in IPv6 mode: the flag is ignored there."""
    bundle = copy_fixture(CHECK, "fail-external-snat-igw", tmp_path)

    def enable_ipv6(doc: dict[str, Any]) -> None:
        for container in doc["items"][0]["spec"]["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                if env["name"] == "ENABLE_IPv6":
                    env["value"] = "true"

    edit_json(bundle, "k8s/daemonsets.json", enable_ipv6)
    titles = [f.title for f in run_one(CHECK, bundle).findings]
    assert not any("External SNAT" in t for t in titles), titles


def test_missing_default_route_is_a_warning_when_endpoints_were_not_collected(
    tmp_path: Path,
) -> None:
    """Without describe-vpc-endpoints the check cannot tell an air-gapped design from a broken
    route, so it warns instead of calling it critical."""
    bundle = copy_fixture(CHECK, "fail-no-default-route", tmp_path)
    (bundle / "aws/ec2-describe-vpc-endpoints.json").unlink()
    result = run_one(CHECK, bundle)
    assert [f.severity for f in result.findings] == [Severity.WARNING, Severity.WARNING]
    assert "not collected" in result.findings[0].evidence[-1]


def test_a_nat_gateway_missing_from_the_bundle_is_not_judged(tmp_path: Path) -> None:
    """A route to a NAT gateway that no file describes (state active) proves nothing."""
    bundle = copy_fixture(CHECK, "fail-nat-failed", tmp_path)
    edit_json(bundle, "aws/ec2-describe-nat-gateways.json", lambda doc: doc.update(NatGateways=[]))
    assert run_one(CHECK, bundle).status is Status.PASS
