"""node-join: the exact findings of every fixture, and what keeps an instance out of them.

Fixtures are built by scripts/fixtures/node_join.py from the project's healthy base (three
registered nodes of node group `system` in private subnets a, b, c, captured
2025-10-18T07:55:11Z). The instances of node group `batch` never registered; an instance of
cluster orbit-prod sits in subnet c of every scenario and must never be reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netdoctor.models import Severity, Status
from netdoctor.tooling.fixtures import base
from netdoctor.tooling.fixtures.docs import node_name, stable_id
from tests.checks._support import (
    Expect,
    assert_findings,
    by_zone,
    copy_fixture,
    edit_json,
    fixture_names,
)
from tests.conftest import BUNDLES, HEALTHY, run_one

CHECK = "node-join"
FIXTURES = BUNDLES / CHECK

B = base()
SUBNET_A, SUBNET_B, _ = by_zone(B.private_subnets)
_, NAT_B, _ = by_zone(B.nat_gateways)
VPC = B.vpc_id
CLUSTER_SG = B.cluster_sg
EXTRA_SG = "sg-0906cbc9dd0f5c576"  # the cluster's additional security group (securityGroupIds)
BASE_NODE_SG = "sg-055de5d53eb037320"  # the base's node security group, which EXTRA_SG admits
BATCH_SG = stable_id("sg", "bad-batch-node-sg")
MAIN_RTB = B.main_route_table


def instance_id(ip: str) -> str:
    return stable_id("i", node_name(ip, B.region))


BATCH_A = instance_id("192.168.96.4")
BATCH_B = instance_id("192.168.128.4")
OTHER = instance_id("192.168.160.4")  # cluster orbit-prod's
NEW_SUBNET = stable_id("subnet", "orbit-dev-batch-a")
BATCH_NEW = instance_id("192.168.192.4")
FORTY_MIN = "launched 2025-10-18T07:15:11+00:00, 40 min before capture (joining allows 10 min)"
PRIVATE_ONLY = "endpointPublicAccess=false, endpointPrivateAccess=true"
PUBLIC_ONLY = "endpointPublicAccess=true, endpointPrivateAccess=false"

CASES: dict[str, list[Expect]] = {
    "fail-cluster-sg-no-443": [
        Expect(
            Severity.CRITICAL,
            "2 instance(s) of cluster orbit-dev never registered as nodes: cluster security "
            f"group {CLUSTER_SG} admits no HTTPS (443) from their security group {BATCH_SG}",
            (
                f"instance/{BATCH_A}",
                f"instance/{BATCH_B}",
                f"security-group/{CLUSTER_SG}",
                f"security-group/{EXTRA_SG}",
                f"security-group/{BATCH_SG}",
            ),
            (
                f"{BATCH_A} (192.168.96.4, {SUBNET_A}, {BATCH_SG}): tag "
                f"kubernetes.io/cluster/orbit-dev=owned; {FORTY_MIN}",
                f"{BATCH_B} (192.168.128.4, {SUBNET_B}, {BATCH_SG})",
                PRIVATE_ONLY,
                f"the private endpoint's ENIs carry {CLUSTER_SG}, {EXTRA_SG}",
                f"{EXTRA_SG} inbound: tcp 443-443 from {BASE_NODE_SG}",
                "cannot register the node",
            ),
            {
                "instance_ids": f"{BATCH_A} {BATCH_B}",
                "nodegroup": "batch",
                "cluster_sg_id": CLUSTER_SG,
                "node_sg_id": BATCH_SG,
                "subnet_ids": f"{SUBNET_A} {SUBNET_B}",
            },
        )
    ],
    "fail-vpc-dns-off": [
        Expect(
            Severity.CRITICAL,
            "1 instance(s) of cluster orbit-dev never registered as nodes: the API endpoint is "
            "private-only and the VPC's enableDnsHostnames is off",
            (f"instance/{BATCH_A}", f"vpc/{VPC}"),
            (FORTY_MIN, PRIVATE_ONLY, f"{VPC}: enableDnsHostnames=false"),
            {"vpc_id": VPC, "instance_ids": BATCH_A},
        )
    ],
    "fail-no-public-path": [
        Expect(
            Severity.CRITICAL,
            "1 instance(s) of cluster orbit-dev never registered as nodes: no NAT or internet "
            f"gateway path from subnet {NEW_SUBNET} to the public-only API endpoint",
            (f"instance/{BATCH_NEW}", f"subnet/{NEW_SUBNET}", f"route-table/{MAIN_RTB}"),
            (
                PUBLIC_ONLY,
                f"subnet/{NEW_SUBNET} → route table {MAIN_RTB} (the VPC's main table: no "
                "explicit association): no 0.0.0.0/0 route",
            ),
            {"subnet_ids": NEW_SUBNET, "route_table_ids": MAIN_RTB},
        )
    ],
    "fail-public-cidrs-exclude": [
        Expect(
            Severity.CRITICAL,
            "1 instance(s) of cluster orbit-dev never registered as nodes: they reach the "
            f"public-only API endpoint from 3.65.136.117 (NAT gateway {NAT_B}), outside "
            "publicAccessCidrs",
            (f"instance/{BATCH_B}", f"nat-gateway/{NAT_B}"),
            (f"egress through NAT gateway {NAT_B}: 3.65.136.117 not in publicAccessCidrs",),
            # the whole new list: current CIDRs plus the instance's egress IP
            {"public_access_cidrs": "203.0.113.0/24,3.66.152.165/32,3.65.136.117/32"},
        )
    ],
    "fail-endpoints-missing": [
        Expect(
            Severity.CRITICAL,
            "1 instance(s) of cluster orbit-dev never registered as nodes: no internet egress "
            "and no usable VPC endpoint for ec2, ecr.api, ecr.dkr",
            (f"instance/{BATCH_A}", f"vpc/{VPC}"),
            (
                "no 0.0.0.0/0 route",
                "ec2: no endpoint",
                "ecr.dkr: no endpoint",
                "sts: no endpoint",  # listed, though IRSA alone does not stop a node joining
            ),
            {"interface_endpoints": "ec2 ecr.api ecr.dkr sts"},
        )
    ],
    "fail-no-known-reason": [
        Expect(
            Severity.WARNING,
            "1 instance(s) of cluster orbit-dev never registered as nodes; the bundle shows no "
            "network reason",
            (f"instance/{BATCH_A}",),
            (
                FORTY_MIN,
                f"ruled out: {CLUSTER_SG}, {EXTRA_SG} admit 443 from {CLUSTER_SG}, {BASE_NODE_SG}",
                f"ruled out: {VPC}: enableDnsSupport and enableDnsHostnames on",
                "aws ec2 get-console-output",
            ),
        )
    ],
    # healthy look-alikes: the same instances still booting; every instance registered
    "pass-joining": [],
    "pass-all-registered": [],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_gives_exactly_these_findings(name: str) -> None:
    result = run_one(CHECK, FIXTURES / name)
    assert_findings(result, CASES[name])


def test_every_fixture_folder_is_in_the_table() -> None:
    folders = {n for n in fixture_names(CHECK) if not n.startswith("skip-")}
    assert folders == set(CASES)


def test_the_other_clusters_instance_is_never_named() -> None:
    for name in CASES:
        result = run_one(CHECK, FIXTURES / name)
        assert all(f"instance/{OTHER}" not in f.resources for f in result.findings), name


def test_healthy_example_passes() -> None:
    result = run_one(CHECK, HEALTHY)
    assert result.status is Status.PASS, result.findings


def test_skips_without_instances_and_names_the_file() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-instances")
    assert result.status is Status.SKIP
    assert "aws/ec2-describe-instances.json" in result.reason


def _instances(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for r in doc["Reservations"] for i in r["Instances"]]


def _retag(doc: dict[str, Any], ids: set[str], change: Any) -> None:
    for instance in _instances(doc):
        if instance["InstanceId"] in ids:
            instance["Tags"] = change(instance["Tags"])


def test_an_instance_tagged_for_another_cluster_only_is_not_ours(tmp_path: Path) -> None:
    """The batch instances retagged for orbit-prod: nothing of orbit-dev is missing."""
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)

    def other(tags: list[dict[str, str]]) -> list[dict[str, str]]:
        kept = [t for t in tags if "orbit-dev" not in t["Key"] and t["Key"] != "eks:cluster-name"]
        return [*kept, {"Key": "kubernetes.io/cluster/orbit-prod", "Value": "owned"}]

    edit_json(
        bundle,
        "aws/ec2-describe-instances.json",
        lambda doc: _retag(doc, {BATCH_A, BATCH_B}, other),
    )
    assert run_one(CHECK, bundle).status is Status.PASS


def test_a_node_group_tag_alone_counts_when_the_cluster_has_that_group(tmp_path: Path) -> None:
    """Without cluster tags, `eks:nodegroup-name=system` (the registered nodes' group) makes the
    instance the cluster's; `batch`, a group no node has, does not."""
    bundle = copy_fixture(CHECK, "fail-vpc-dns-off", tmp_path)

    def untag(group: str) -> Any:
        def change(tags: list[dict[str, str]]) -> list[dict[str, str]]:
            kept = [
                t
                for t in tags
                if "orbit-dev" not in t["Key"] and t["Key"] not in ("eks:cluster-name",)
            ]
            for tag in kept:
                if tag["Key"] == "eks:nodegroup-name":
                    tag["Value"] = group
            return kept

        return change

    edit_json(
        bundle, "aws/ec2-describe-instances.json", lambda d: _retag(d, {BATCH_A}, untag("batch"))
    )
    assert run_one(CHECK, bundle).status is Status.PASS
    edit_json(
        bundle, "aws/ec2-describe-instances.json", lambda d: _retag(d, {BATCH_A}, untag("system"))
    )
    result = run_one(CHECK, bundle)
    assert [f.resources[0] for f in result.findings] == [f"instance/{BATCH_A}"]
    assert (
        "tag eks:nodegroup-name=system, a node group of orbit-dev" in result.findings[0].evidence[0]
    )


def test_a_stopped_instance_is_not_reported(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-vpc-dns-off", tmp_path)

    def stop(doc: dict[str, Any]) -> None:
        for instance in _instances(doc):
            if instance["InstanceId"] == BATCH_A:
                instance["State"] = {"Code": 80, "Name": "stopped"}

    edit_json(bundle, "aws/ec2-describe-instances.json", stop)
    assert run_one(CHECK, bundle).status is Status.PASS


def test_an_instance_of_unknown_age_is_reported_and_says_so(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-joining", tmp_path)
    edit_json(bundle, "meta.json", lambda doc: doc.pop("captured_at"))
    result = run_one(CHECK, bundle)
    assert result.status is Status.FAIL
    assert "its age at capture is unknown" in result.findings[0].evidence[0]


def test_without_the_security_groups_the_check_is_partial(tmp_path: Path) -> None:
    """Private endpoint, the SG file absent: the 443 reason cannot be judged, so the instances
    are reported without a reason and the mechanism is named unchecked."""
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)
    (bundle / "aws/ec2-describe-security-groups.json").unlink()
    result = run_one(CHECK, bundle)
    assert [u.mechanism for u in result.unchecked] == [
        "cluster security group admits the instances on 443"
    ]
    assert [u.missing for u in result.unchecked] == [["aws/ec2-describe-security-groups.json"]]
    assert result.findings[0].mechanism == "no-known-reason"


def test_without_describe_cluster_the_reasons_are_unchecked(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)
    (bundle / "aws/eks-describe-cluster.json").unlink()
    result = run_one(CHECK, bundle)
    assert [u.missing for u in result.unchecked] == [["aws/eks-describe-cluster.json"]]
    assert [f.resources for f in result.findings] == [
        (f"instance/{BATCH_A}", f"instance/{BATCH_B}")
    ]


def test_without_a_cluster_name_nothing_can_be_claimed(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)
    (bundle / "aws/eks-describe-cluster.json").unlink()
    edit_json(bundle, "meta.json", lambda doc: doc.pop("cluster"))
    result = run_one(CHECK, bundle)
    assert result.status is Status.PARTIAL
    assert result.findings == []
