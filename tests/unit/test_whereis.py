"""`netdoctor whereis`: exact matches for a pod IP, a prefix IP, a NAT gateway ENI, a leaked
VPC CNI ENI (and its look-alike owned by a live instance), an unknown IP and a bad one."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from netdoctor.tooling.fixtures.cluster import Cluster
from netdoctor.tooling.fixtures.docs import write_docs
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
PD = ROOT / "fixtures/bundles/prefix-delegation/pass-prefix-delegation-m5-large-110"
NODE = "ip-192-168-110-20.eu-central-1.compute.internal"


def whereis(bundle: Path, *ips: str) -> list[dict]:
    result = run_cli("whereis", str(bundle), *ips, "-o", "json")
    assert result.code == 0, result.err
    return orjson.loads(result.out)


def kinds(found: dict) -> list[tuple[str, str]]:
    return [(m["kind"], m["id"]) for m in found["matches"]]


def test_pod_ip_inside_a_delegated_prefix() -> None:
    [found] = whereis(PD, "192.168.96.16")
    assert found["ip"] == "192.168.96.16"
    assert kinds(found) == [
        ("pod", "shop/web-a-53038-00"),
        ("eni", "eni-0236e7d924be9fccc"),
        ("subnet", "subnet-0c3e4e30d4d93c4b6"),
    ]
    pod, eni, subnet = found["matches"]
    assert pod["node"] == NODE
    assert eni["role"] == "prefix 192.168.96.16/28"
    assert eni["owner"] == "instance"
    assert eni["node"] == NODE
    assert subnet["cidr"] == "192.168.96.0/19"
    assert found["notes"] == []


def test_free_address_of_a_prefix_names_the_eni_but_no_pod() -> None:
    [found] = whereis(PD, "192.168.96.30")
    assert kinds(found) == [
        ("eni", "eni-0236e7d924be9fccc"),
        ("subnet", "subnet-0c3e4e30d4d93c4b6"),
    ]


def test_nat_gateway_eni_and_eks_control_plane_eni() -> None:
    nat, eks = whereis(PD, "192.168.26.248", "192.168.104.62")
    assert kinds(nat) == [("eni", "eni-0f044cb3f63c741b7"), ("subnet", "subnet-06a154d618462d820")]
    assert nat["matches"][0]["owner"] == "nat_gateway"
    assert nat["matches"][0]["role"] == "primary"
    assert eks["matches"][0]["owner"] == "eks_control_plane"


def test_unknown_ip_without_vpcs_file_says_so() -> None:
    [found] = whereis(PD, "10.9.9.9")
    assert found["matches"] == []
    assert found["notes"] == [
        "no pod, node or ENI in the bundle holds this address",
        "in no subnet of the bundle (VPC CIDRs unknown: aws/ec2-describe-vpcs.json not in the "
        "bundle)",
    ]


def test_text_output_names_pod_node_and_eni() -> None:
    result = run_cli("whereis", str(PD), "192.168.96.16", "10.9.9.9")
    assert result.code == 0
    assert result.out.splitlines() == [
        "192.168.96.16",
        f"  pod shop/web-a-53038-00 on node {NODE} (Running)",
        "  ENI eni-0236e7d924be9fccc: prefix 192.168.96.16/28 address, owner EC2 instance, "
        f"in-use; subnet subnet-0c3e4e30d4d93c4b6, node {NODE}",
        "  subnet subnet-0c3e4e30d4d93c4b6 (192.168.96.0/19, eu-central-1a, VPC "
        "vpc-03f2a38aac65e7fcc)",
        "10.9.9.9",
        "  no pod, node or ENI in the bundle holds this address",
        "  in no subnet of the bundle (VPC CIDRs unknown: aws/ec2-describe-vpcs.json not in the "
        "bundle)",
    ]


@pytest.mark.parametrize("bad", ["1.2.3", "10.0.0.0/8", "node-1"])
def test_bad_ip_is_one_line_and_exit_2(bad: str) -> None:
    result = run_cli("whereis", str(PD), "192.168.96.16", bad)
    assert result.code == 2
    assert result.out == ""
    assert result.err.strip() == f"netdoctor: error: not an IP address: {bad!r}"


def _cni_eni(cluster: Cluster, instance_id: str, ip: str, seed: str) -> str:
    subnet = cluster.subnets[0]["SubnetId"]
    eni_id = cluster.add_foreign_eni(subnet, f"aws-K8S-{instance_id}", seed, ip)
    eni = next(e for e in cluster.enis if e["NetworkInterfaceId"] == eni_id)
    eni["Status"] = "available"
    eni["RequesterManaged"] = False
    eni["TagSet"] = [{"Key": "node.k8s.amazonaws.com/instance_id", "Value": instance_id}]
    return eni_id


def test_leaked_eni_and_its_healthy_look_alike(tmp_path: Path) -> None:
    cluster = Cluster()
    live = cluster.instances[0]["InstanceId"]
    leaked = _cni_eni(cluster, "i-0000000000dead000", "192.168.0.4", "leaked")
    kept = _cni_eni(cluster, live, "192.168.0.5", "kept")
    bundle = write_docs(tmp_path / "b", cluster.docs)
    gone, alive, outside = whereis(bundle, "192.168.0.4", "192.168.0.5", "172.31.0.9")
    assert gone["matches"][0]["id"] == leaked
    assert gone["matches"][0]["owner"] == "leaked"
    assert gone["matches"][0]["instance"] == "i-0000000000dead000"
    assert gone["matches"][0]["status"] == "available"
    assert alive["matches"][0]["id"] == kept
    assert alive["matches"][0]["owner"] == "vpc-cni"
    assert [m["kind"] for m in gone["matches"]] == ["eni", "subnet", "vpc"]
    assert outside["matches"] == []
    assert outside["notes"][-1] == "outside the VPC: in no subnet and no VPC CIDR of the bundle"


def test_escapes_hostile_pod_names(tmp_path: Path) -> None:
    cluster = Cluster()
    pod = next(p for p in cluster.pods if not p["spec"].get("hostNetwork"))
    pod["metadata"]["name"] = "evil\x1b]0;pwned\x07"
    ip = pod["status"]["podIP"]
    bundle = write_docs(tmp_path / "b", cluster.docs)
    result = run_cli("whereis", str(bundle), ip)
    assert result.code == 0
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert "evil␛]0;pwned␇" in result.out
