"""node-join: the exact findings of every fixture, and what keeps an instance out of them.

Fixtures are built by scripts/fixtures/node_join.py from the project's healthy base (three
registered nodes of node group `system` in private subnets a, b, c, captured
2025-10-18T07:55:11Z). The instances of node group `batch` never registered; an instance of
cluster orbit-prod sits in subnet c of every scenario and must never be reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netdoctor.models import Severity, Status
from netdoctor.tooling.fixtures import base
from netdoctor.tooling.fixtures.docs import node_name, stable_id, stable_uid
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
NODE_ROLE = f"arn:aws:iam::{B.account}:role/orbit-dev-node-role"
BATCH_ROLE = f"arn:aws:iam::{B.account}:role/orbit-dev-batch-node-role"


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
                # batch is a described node group: its role fills the playbook too
                "node_role_arn": NODE_ROLE,
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
            "reason",
            (f"instance/{BATCH_A}",),
            (
                FORTY_MIN,
                f"ruled out: {CLUSTER_SG}, {EXTRA_SG} admit 443 from {CLUSTER_SG}, {BASE_NODE_SG}",
                f"ruled out: {VPC}: enableDnsSupport and enableDnsHostnames on",
                f"ruled out: node role orbit-dev-node-role: access entry for {NODE_ROLE}",
                "ruled out: node group batch (ACTIVE) reports no health issue",
                "aws ec2 get-console-output",
            ),
        )
    ],
    "fail-nodegroup-health": [
        Expect(
            Severity.CRITICAL,
            "1 instance(s) of cluster orbit-dev never registered as nodes: node group batch "
            "reports NodeCreationFailure",
            (f"instance/{BATCH_A}",),
            (
                "node group batch: status DEGRADED",
                "NodeCreationFailure: Instances failed to join the kubernetes cluster (resources "
                f"{BATCH_A})",
            ),
            {"nodegroup": "batch", "node_role_arn": NODE_ROLE},
        )
    ],
    "fail-role-not-mapped": [
        Expect(
            Severity.CRITICAL,
            "1 instance(s) of cluster orbit-dev never registered as nodes: their node role "
            "orbit-dev-batch-node-role has no access entry (authenticationMode API)",
            (f"instance/{BATCH_A}",),
            (
                f"node group batch: nodeRole {BATCH_ROLE}",
                "cluster authenticationMode=API",
                "no access entry for role orbit-dev-batch-node-role among 2 entries",
            ),
            {"node_role_arn": BATCH_ROLE},
        )
    ],
    # healthy look-alikes: the same instances still booting; every instance registered
    "pass-joining": [],
    "pass-all-registered": [],
    "pass-role-in-aws-auth": [],
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
    """Without cluster tags, `eks:nodegroup-name=system` (the registered nodes' group) or the
    Auto Scaling group of a described node group makes the instance the cluster's; `gpu`, a
    group neither a node nor describe-nodegroup knows, does not."""

    def untag(group: str, *, keep_asg: bool = False) -> Any:
        def change(tags: list[dict[str, str]]) -> list[dict[str, str]]:
            dropped = {"eks:cluster-name", *(() if keep_asg else ("aws:autoscaling:groupName",))}
            kept = [t for t in tags if "orbit-dev" not in t["Key"] and t["Key"] not in dropped]
            for tag in kept:
                if tag["Key"] == "eks:nodegroup-name":
                    tag["Value"] = group
            return kept

        return change

    def claims(change: Any) -> list[str]:
        """Why the check takes BATCH_A for the cluster's, with its tags changed (each time on
        a fresh copy of the fixture)."""
        bundle = copy_fixture(
            CHECK, "fail-vpc-dns-off", tmp_path / f"{len(list(tmp_path.iterdir()))}"
        )
        edit_json(bundle, "aws/ec2-describe-instances.json", lambda d: _retag(d, {BATCH_A}, change))
        findings = run_one(CHECK, bundle).findings
        return [f.evidence[0].split("): ", 1)[1].split(";")[0] for f in findings]

    assert claims(untag("gpu")) == []
    assert claims(untag("system")) == ["tag eks:nodegroup-name=system, a node group of orbit-dev"]
    asg = f"eks-batch-{stable_uid('batch/asg')}"
    assert claims(untag("gpu", keep_asg=True)) == [
        f"in Auto Scaling group {asg} of node group batch"
    ]


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


def _auth(mode: str) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc["cluster"]["accessConfig"]["authenticationMode"] = mode

    return change


def _add_aws_auth(roles: list[dict[str, Any]]) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc["items"].append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "aws-auth", "namespace": "kube-system"},
                "data": {"mapRoles": json.dumps(roles)},
            }
        )

    return change


@pytest.mark.parametrize(
    ("mode", "roles", "mechanism"),
    [
        # aws-auth is what counts in CONFIG_MAP mode: the role mapped to system:nodes lets it in
        ("CONFIG_MAP", [{"rolearn": BATCH_ROLE, "groups": ["system:nodes"]}], "no-known-reason"),
        # mapped without system:nodes: the kubelet still cannot register
        ("CONFIG_MAP", [{"rolearn": BATCH_ROLE, "groups": ["viewers"]}], "role-not-mapped"),
        # either source will do in API_AND_CONFIG_MAP mode
        (
            "API_AND_CONFIG_MAP",
            [{"rolearn": BATCH_ROLE, "groups": ["system:bootstrappers", "system:nodes"]}],
            "no-known-reason",
        ),
        ("API_AND_CONFIG_MAP", [], "role-not-mapped"),
        # aws-auth is not consulted in API mode
        ("API", [{"rolearn": BATCH_ROLE, "groups": ["system:nodes"]}], "role-not-mapped"),
    ],
)
def test_the_authentication_mode_says_where_the_role_must_be(
    tmp_path: Path, mode: str, roles: list[dict[str, Any]], mechanism: str
) -> None:
    bundle = copy_fixture(CHECK, "fail-role-not-mapped", tmp_path)
    edit_json(bundle, "aws/eks-describe-cluster.json", _auth(mode))
    edit_json(bundle, "k8s/configmaps.json", _add_aws_auth(roles))
    result = run_one(CHECK, bundle)
    assert [f.mechanism for f in result.findings] == [mechanism]


def test_without_aws_auth_a_config_map_cluster_cannot_judge_the_role(tmp_path: Path) -> None:
    """No aws-auth among the collected ConfigMaps says nothing (older captures did not collect
    it); without configmaps.json the mapping is unchecked."""
    bundle = copy_fixture(CHECK, "fail-role-not-mapped", tmp_path)
    edit_json(bundle, "aws/eks-describe-cluster.json", _auth("CONFIG_MAP"))
    result = run_one(CHECK, bundle)
    assert [f.mechanism for f in result.findings] == ["no-known-reason"]
    assert (
        "not known from the bundle: no aws-auth ConfigMap in k8s/configmaps.json: its role "
        "mappings are unknown" in result.findings[0].evidence
    )
    (bundle / "k8s/configmaps.json").unlink()
    result = run_one(CHECK, bundle)
    assert [(u.mechanism, u.missing) for u in result.unchecked] == [
        ("the node role's access entry or aws-auth mapping", ["k8s/configmaps.json"])
    ]


def test_without_node_groups_the_role_and_health_are_unchecked(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-nodegroup-health", tmp_path)
    (bundle / "aws/eks-describe-nodegroups.json").unlink()
    result = run_one(CHECK, bundle)
    assert [(u.mechanism, u.missing) for u in result.unchecked] == [
        ("the node role's access entry or aws-auth mapping", ["aws/eks-describe-nodegroups.json"]),
        ("node group health issues", ["aws/eks-describe-nodegroups.json"]),
    ]
    assert [f.mechanism for f in result.findings] == ["no-known-reason"]


def test_an_instance_outside_a_node_group_says_its_role_cannot_be_known(tmp_path: Path) -> None:
    """Not in a described node group (self-managed, Karpenter): the bundle holds its instance
    profile, not the role inside it."""
    bundle = copy_fixture(CHECK, "fail-role-not-mapped", tmp_path)
    edit_json(
        bundle,
        "aws/eks-describe-nodegroups.json",
        lambda doc: doc.update(
            nodegroups=[g for g in doc["nodegroups"] if g["nodegroupName"] != "batch"]
        ),
    )
    result = run_one(CHECK, bundle)
    assert [f.mechanism for f in result.findings] == ["no-known-reason"]
    assert any(
        line.startswith("not known from the bundle: the IAM role of instance profile ")
        for line in result.findings[0].evidence
    )


def test_a_health_issue_about_another_instance_is_not_this_ones(tmp_path: Path) -> None:
    """The instance gets no reason from it; EKS's issue still shows, as a finding of its own
    (engine/signals.py: no node-join finding names that instance)."""
    bundle = copy_fixture(CHECK, "fail-nodegroup-health", tmp_path)

    def elsewhere(doc: dict[str, Any]) -> None:
        for group in doc["nodegroups"]:
            for issue in group["health"]["issues"]:
                issue["resourceIds"] = ["i-0fffffffffffffff0"]

    edit_json(bundle, "aws/eks-describe-nodegroups.json", elsewhere)
    findings = run_one(CHECK, bundle).findings
    assert [(f.mechanism, f.resources) for f in findings] == [
        ("no-known-reason", (f"instance/{BATCH_A}",)),
        ("eks-nodegroup-health", ("cluster/orbit-dev", "instance/i-0fffffffffffffff0")),
    ]


def test_an_instance_still_joining_beside_failed_ones_is_named_not_counted(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)

    def relaunch(doc: dict[str, Any]) -> None:
        for instance in _instances(doc):
            if instance["InstanceId"] == BATCH_B:
                instance["LaunchTime"] = "2025-10-18T07:52:11+00:00"

    edit_json(bundle, "aws/ec2-describe-instances.json", relaunch)
    [finding] = run_one(CHECK, bundle).findings
    assert finding.resources[:2] == (f"instance/{BATCH_A}", f"security-group/{CLUSTER_SG}")
    assert (
        f"still joining, not counted: {BATCH_B} (launched 2025-10-18T07:52:11+00:00, 3 min "
        "before capture)" in finding.evidence
    )


def test_many_instances_are_named_in_bounded_evidence(tmp_path: Path) -> None:
    """Every instance is a resource of the finding; past ten, the evidence names the rest in
    one line instead of a line each."""
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)

    def clone(doc: dict[str, Any]) -> None:
        template = next(i for i in _instances(doc) if i["InstanceId"] == BATCH_A)
        for n in range(12):
            copy = json.loads(json.dumps(template))
            copy["InstanceId"] = f"i-0aaaaaaaaaaaaa{n:03d}"
            copy["PrivateIpAddress"] = f"192.168.97.{n + 10}"
            copy["PrivateDnsName"] = f"ip-192-168-97-{n + 10}.eu-central-1.compute.internal"
            doc["Reservations"][0]["Instances"].append(copy)

    edit_json(bundle, "aws/ec2-describe-instances.json", clone)
    [finding] = run_one(CHECK, bundle).findings
    assert finding.title.startswith("14 instance(s) of cluster orbit-dev never registered")
    assert sum(r.startswith("instance/") for r in finding.resources) == 14
    described = [line for line in finding.evidence if line.startswith("i-")]
    assert len(described) == 10
    assert (
        "and 4 more instance(s): i-0aaaaaaaaaaaaa008, i-0aaaaaaaaaaaaa009, i-0aaaaaaaaaaaaa010, "
        "i-0aaaaaaaaaaaaa011" in finding.evidence
    )


def test_skips_without_nodes_and_names_the_file(tmp_path: Path) -> None:
    """Without the nodes, every instance would look unregistered: the check does not guess."""
    bundle = copy_fixture(CHECK, "fail-cluster-sg-no-443", tmp_path)
    (bundle / "k8s/nodes.json").unlink()
    result = run_one(CHECK, bundle)
    assert result.status is Status.SKIP
    assert "k8s/nodes.json" in result.reason
