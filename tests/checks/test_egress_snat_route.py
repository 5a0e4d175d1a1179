"""egress-snat-route: the exact findings of every fixture, the healthy example, and odd real data.

Fixtures are built by scripts/fixtures/egress_snat_route.py from the shared healthy-basic example:
three m6i.large nodes, one per private subnet (a, b, c), each routed to the NAT gateway of its AZ.
"""

from __future__ import annotations

import shutil
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

CHECK = "egress-snat-route"
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
RTB_MAIN = "rtb-0effab6fdfa366a85"
NAT_A, NAT_B, NAT_C = "nat-0c7b50efd5f44d09f", "nat-05342af368e3d55fd", "nat-0c064b6ab6df3aae8"
IGW = "igw-0a6ff73d6f6d31f11"

CASES: dict[str, list[Expect]] = {
    "fail-external-snat-igw": [
        Expect(
            Severity.CRITICAL,
            f"External SNAT is on but subnet {SUBNET_A} routes 0.0.0.0/0 to {IGW}: pods on 1 node",
            (f"subnet/{SUBNET_A}", f"route-table/{RTB_A}", f"internet-gateway/{IGW}", NODE_A),
            (
                "AWS_VPC_K8S_CNI_EXTERNALSNAT=true (aws-node env)",
                f"route table {RTB_A} (explicit association): 0.0.0.0/0 → {IGW} (state active)",
                "ip-192-168-102-239.eu-central-1.compute.internal (192.168.102.239)",
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
                "instance i-04659d7d3b07444d8 has private IP 192.168.102.239 and no public IP",
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
                f"{RTB_B} routes: 192.168.0.0/16 → local, pl-6ea54007 → vpce-06be0d9f34b10085d",
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
            (f"{RTB_A}: 10.20.0.0/16 → pcx-0bad0c0ffee000001 (state blackhole)",),
        ),
    ],
    "fail-nat-in-private-subnet": [
        Expect(
            Severity.CRITICAL,
            f"NAT gateway {NAT_B} sits in subnet {SUBNET_B}, whose route table has no internet "
            "gateway route: 1 node(s)",
            (f"nat-gateway/{NAT_B}", f"subnet/{SUBNET_B}", f"route-table/{RTB_B}", NODE_B),
            (
                f"{NAT_B}: State='available', SubnetId={SUBNET_B}, public IPs 18.156.201.44",
                f"the NAT gateway's own subnet/{SUBNET_B} → route table {RTB_B} (explicit "
                f"association): 0.0.0.0/0 → {NAT_B}",
            ),
            {"route_table_id": RTB_B, "nat_gateway_id": NAT_A},
        ),
        Expect(
            Severity.CRITICAL,
            f"NAT gateway {NAT_C} sits in subnet subnet-0badc0ffee00000c1",
            (
                f"nat-gateway/{NAT_C}",
                "subnet/subnet-0badc0ffee00000c1",
                f"route-table/{RTB_MAIN}",
                f"subnet/{SUBNET_C}",
                NODE_C,
            ),
            (
                f"the NAT gateway's own subnet/subnet-0badc0ffee00000c1 → route table {RTB_MAIN} "
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
                f"{RTB_A}: 172.16.0.0/12 → tgw-0c1d2e3f405162738 (state active)",
                f"{RTB_A}: 10.99.0.0/16 → vgw-0f1e2d3c4b5a69788 (state active)",
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


def test_committed_fixtures_are_what_the_script_builds() -> None:
    assert_script_rebuilds_fixtures(CHECK)


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


@over_foreign_bundles
def test_foreign_bundles_never_error(bundle: Path) -> None:
    result = run_one(CHECK, bundle)
    assert result.status is not Status.ERROR, result.reason


def test_mixed_recordings_do_not_guess_a_route_table(tmp_path: Path) -> None:
    """Real nodes and instances (hardeneks) next to another account's route tables, subnets and
    NAT gateways (cloud-custodian, one main table, IGW not described): the nodes' subnets have
    no association there and their VPC has no main table there, so nothing can be proven."""
    for source, rels in {
        "hardeneks-eksctl-us-east-1": (
            "k8s/nodes.json",
            "k8s/daemonsets.json",
            "aws/ec2-describe-instances.json",
        ),
        "custodian-cross-az-nat": (
            "aws/ec2-describe-route-tables.json",
            "aws/ec2-describe-subnets.json",
            "aws/ec2-describe-nat-gateways.json",
        ),
    }.items():
        for rel in rels:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(FOREIGN / source / rel, tmp_path / rel)
    result = run_one(CHECK, tmp_path)
    assert result.status is Status.PASS, result.findings
