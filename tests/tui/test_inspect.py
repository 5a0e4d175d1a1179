"""The headless resource graph (netdoctor.explore): references, chains, raw JSON, capacity."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdoctor.explore import (
    build_chain,
    node_capacity,
    parse_ref,
    raw_object,
    subnet_capacity,
)
from tests.conftest import HEALTHY, open_snapshot
from tests.tui.conftest import BAD_NODE, BROKEN


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("pod/shop/web-1", "pod/shop/web-1"),
        ("node/ip-10-0-1-5.ec2.internal", "node/ip-10-0-1-5.ec2.internal"),
        ("subnet/subnet-0abc", "subnet/subnet-0abc"),
        ("rtb-0abc", "route-table/rtb-0abc"),
        ("routetable/rtb-0abc", "route-table/rtb-0abc"),
        ("nat-0abc", "nat-gateway/nat-0abc"),
        ("sg-0abc", "security-group/sg-0abc"),
        ("eni-0abc", "eni/eni-0abc"),
        ("i-0abc", "instance/i-0abc"),
        ("vpce-0abc", "vpc-endpoint/vpce-0abc"),
        ("vpc-0abc", "vpc/vpc-0abc"),
        ("svc/shop/web", "service/shop/web"),
        ("tgb/shop/k8s-tg", "targetgroupbinding/shop/k8s-tg"),
        ("cluster/orbit-dev", "cluster/orbit-dev"),
        (
            "arn:aws:elasticloadbalancing:eu-central-1:1:targetgroup/k8s-tg/3f75",
            "target-group/arn:aws:elasticloadbalancing:eu-central-1:1:targetgroup/k8s-tg/3f75",
        ),
    ],
)
def test_references_parse_to_the_kinds_findings_use(text: str, canonical: str) -> None:
    ref = parse_ref(text)
    assert ref is not None and str(ref) == canonical


@pytest.mark.parametrize("text", ["", "bogus/x", "pod/", "hello", "pod/ns/"])
def test_unknown_references_parse_to_none(text: str) -> None:
    assert parse_ref(text) is None


def _titles(node) -> list[str]:
    return [n.title for n in node.walk()]


def test_pod_chain_walks_node_instance_eni_subnet_route_table_nat_igw() -> None:
    snap = open_snapshot(HEALTHY)
    pod = "pod/search/realtime-pricing-xjm7h2q5pb-ns7n7"
    root = build_chain(snap, pod)
    assert root.focus and root.title == pod and root.detail == "Running · 192.168.138.235"
    path = []
    node = root
    while node.children:
        node = node.children[0]
        path.append(node.title)
    assert path == [
        "node/ip-192-168-157-85.eu-central-1.compute.internal",
        "instance/i-0722f1efb5c7e79ba",
        "eni/eni-00958ed194e686d61",
        "security-group/sg-0bf1d6df6f8dcf8c5",
    ]
    subnet = root.find("subnet/subnet-09d45fce08a9f1356")
    assert (
        subnet is not None and subnet.detail == "192.168.128.0/19 · eu-central-1b · 8166 free IPs"
    )
    assert [c.title for c in subnet.walk()[1:]] == [
        "route-table/rtb-03d58804570c5743f",
        "nat-gateway/nat-08ba55c552f28d7be",
        "subnet/subnet-02b1bd4c2f6011b0a",
        "route-table/rtb-0c3920f020a08318f",
        "internet-gateway/igw-0fc63c3043201eaa8",
    ]
    holder = [n.title for n in root.walk() if "holds pod IP 192.168.138.235" in n.detail]
    assert holder == ["eni/eni-00958ed194e686d61"]
    # The second ENI is in the same subnet: named once more, not walked twice.
    assert _titles(root).count("subnet/subnet-09d45fce08a9f1356") == 2
    again = [n for n in root.walk() if n.title == "subnet/subnet-09d45fce08a9f1356"][1]
    assert again.detail.endswith("see above") and not again.children


def test_an_object_inside_a_chain_is_shown_on_its_owners_chain_with_the_focus_on_it() -> None:
    snap = open_snapshot(HEALTHY)
    root = build_chain(snap, "eni-04ab288fb01980554")
    assert root.title == "node/ip-192-168-107-189.eu-central-1.compute.internal"
    focused = [n.title for n in root.walk() if n.focus]
    assert focused == ["eni/eni-04ab288fb01980554"]


def test_absent_objects_and_files_are_named_not_guessed(tmp_path: Path) -> None:
    snap = open_snapshot(HEALTHY)
    missing = build_chain(snap, "pod/nope/nothing")
    assert missing.missing and missing.detail == "not in k8s/pods.json"
    assert build_chain(snap, "what/ever").detail == "not a resource netdoctor can inspect"
    bundle = tmp_path / "b"
    (bundle / "k8s").mkdir(parents=True)
    (bundle / "k8s" / "nodes.json").write_bytes((HEALTHY / "k8s" / "nodes.json").read_bytes())
    bare = build_chain(
        open_snapshot(bundle), "node/ip-192-168-107-189.eu-central-1.compute.internal"
    )
    instance = bare.children[0]
    assert instance.missing and instance.detail == "aws/ec2-describe-instances.json not collected"


def test_raw_object_is_the_bundles_own_json_sliced_or_parsed_alike() -> None:
    snap = open_snapshot(HEALTHY)
    pod = "pod/kube-system/aws-node-bhsx6"
    parsed = raw_object(snap, pod)
    sliced = raw_object(open_snapshot(HEALTHY), pod, big_file=0)
    assert parsed is not None and sliced is not None
    assert parsed == sliced and parsed.file == "k8s/pods.json"
    # Every field, not only the ones the typed shapes keep.
    assert parsed.data["metadata"]["labels"]["k8s-app"] == "aws-node"
    assert "resourceVersion" in parsed.data["metadata"]
    table = raw_object(snap, "rtb-0c3920f020a08318f")
    assert table is not None and table.data["Tags"][0]["Value"] == "orbit-dev-vpc-public"
    assert raw_object(snap, "subnet/subnet-missing") is None


def test_capacity_rows_flag_overstated_max_pods_and_a_full_subnet() -> None:
    snap = open_snapshot(BROKEN)
    nodes = {n.name: n for n in node_capacity(snap)}
    bad = nodes[BAD_NODE]
    assert (bad.pods, bad.kubelet_max, bad.eni_capacity) == (10, 58, 29)
    assert bad.problems == ["max-pods 58 > ENI/IP 29: 29 pods could get no IP"]
    assert [n.overloaded for n in nodes.values()].count(True) == 1
    subnets = subnet_capacity(snap)
    full = subnets[0]
    assert (full.subnet_id, full.usable, full.free, full.used) == (
        "subnet-0c3e4e30d4d93c4b6",
        8187,
        12,
        8175,
    )
    assert full.overloaded and not any(s.overloaded for s in subnets[1:])


def test_cluster_and_cni_objects_have_chains_too() -> None:
    snap = open_snapshot(HEALTHY)
    cluster = build_chain(snap, "cluster/orbit-dev")
    assert cluster.detail == (
        "Kubernetes 1.31 · ACTIVE · endpoint public+private · public CIDRs 0.0.0.0/0"
    )
    # the cluster security group, then the additional one (securityGroupIds), then the VPC
    assert [c.title for c in cluster.children][:3] == [
        "security-group/sg-0bf1d6df6f8dcf8c5",
        "security-group/sg-0906cbc9dd0f5c576",
        "vpc/vpc-03f2a38aac65e7fcc",
    ]
    aws_node = build_chain(snap, "daemonset/kube-system/aws-node")
    assert aws_node.detail.startswith("desired 3 · ready 3 · ")
    assert aws_node.detail.endswith("amazon-k8s-cni:v1.20.1-eksbuild.1")
    pods = aws_node.children[0]
    assert pods.title == "pods named aws-node-xxxxx (3)"
    assert sorted(p.title for p in pods.children) == [
        "pod/kube-system/aws-node-bhsx6",
        "pod/kube-system/aws-node-j9fj6",
        "pod/kube-system/aws-node-rzwgq",
    ]
    endpoint = build_chain(snap, "vpc-endpoint/vpce-015b43147135d17b2")
    assert endpoint.detail == "Gateway · com.amazonaws.eu-central-1.s3 · available"
