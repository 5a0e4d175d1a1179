"""`netdoctor what-if`: a fits and a does-not-fit case for pods (node room, subnet space after
the warm-pool top-up) and for nodes (free /28 blocks with prefix delegation), IPv6 where VPC IP
limits do not apply, and bad input."""

from __future__ import annotations

from pathlib import Path

import orjson

from netdoctor.tooling.fixtures.cluster import Cluster
from netdoctor.tooling.fixtures.docs import write_docs
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
HEALTHY = ROOT / "fixtures/bundles/pod-ip-capacity/pass-healthy-with-node-monitoring"
SHORT = ROOT / "fixtures/bundles/pod-ip-capacity/fail-subnet-short-for-warm-pool"
PD_OK = ROOT / "fixtures/bundles/prefix-delegation/pass-prefix-delegation-m5-large-110"
FRAGMENTED = ROOT / "fixtures/bundles/prefix-delegation/fail-fragmented-subnet"


def what_if(bundle: Path, *args: str, code: int) -> dict:
    result = run_cli("what-if", str(bundle), *args, "-o", "json")
    assert result.code == code, result.err
    return orjson.loads(result.out)


def test_pods_fit_spread_over_the_nodes_with_room() -> None:
    answer = what_if(HEALTHY, "--pods", "20", code=0)
    assert answer["fits"] is True
    assert answer["limits"] == []
    assert [(n["room"], n["added"]) for n in answer["nodes"]] == [(26, 6), (26, 7), (26, 7)]
    assert [(s["id"], s["needed_ips"]) for s in answer["subnets"]] == [
        ("subnet-09d45fce08a9f1356", 0),
        ("subnet-0c3e4e30d4d93c4b6", 0),
        ("subnet-0e339ea4a6aafce4b", 0),
    ]


def test_too_many_pods_for_the_nodes_names_the_node_limit() -> None:
    answer = what_if(HEALTHY, "--pods", "100", code=1)
    assert answer["fits"] is False
    assert [limit["message"] for limit in answer["limits"]] == [
        "only 78 of 100 pods fit on the 3 eligible node(s): max-pods or the ENI/IP ceiling is "
        "reached"
    ]


def test_subnet_short_after_the_warm_pool_top_up() -> None:
    answer = what_if(SHORT, "--pods", "20", code=1)
    assert answer["limits"] == [
        {
            "kind": "subnet",
            "id": "subnet-089f61415f4e932b3",
            "message": "subnet subnet-089f61415f4e932b3 (192.168.200.0/26) needs 20 more IPs "
            "after the warm-pool top-up, 19 are free",
        }
    ]
    result = run_cli("what-if", str(SHORT), "--pods", "20")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        "does not fit: subnet subnet-089f61415f4e932b3 (192.168.200.0/26) needs 20 more IPs "
        "after the warm-pool top-up, 19 are free"
    )


def test_new_nodes_fit_with_free_prefix_blocks() -> None:
    answer = what_if(PD_OK, "--nodes", "2", "--instance-type", "m5.large", code=0)
    assert answer["fits"] is True
    assert [(s["id"], s["needed_prefixes"]) for s in answer["subnets"]] == [
        ("subnet-09d45fce08a9f1356", 1),
        ("subnet-0c3e4e30d4d93c4b6", 1),
    ]
    assert (
        "each new m5.large holds 17 IPs (1 /28 prefixes) once its warm pool is filled"
        in (answer["notes"])
    )


def test_new_nodes_do_not_fit_in_a_fragmented_subnet() -> None:
    answer = what_if(FRAGMENTED, "--nodes", "2", "--instance-type", "m5.large", code=1)
    assert answer["limits"] == [
        {
            "kind": "subnet-prefixes",
            "id": "subnet-032e126b324612fbc",
            "message": "subnet subnet-032e126b324612fbc needs 1 aligned /28 blocks, 0 are free",
        }
    ]


def test_node_group_filter() -> None:
    answer = what_if(HEALTHY, "--pods", "5", "--node-group", "system", code=0)
    assert len(answer["nodes"]) == 3
    result = run_cli("what-if", str(HEALTHY), "--pods", "5", "--node-group", "nope")
    assert result.code == 2
    assert result.err.strip() == "netdoctor: error: no node matches 'nope' in this bundle"


def test_ipv6_says_vpc_ip_limits_do_not_apply(tmp_path: Path) -> None:
    cluster = Cluster()
    cluster.set_env(ENABLE_IPv6="true", ENABLE_PREFIX_DELEGATION="true")
    network = cluster.docs["aws/eks-describe-cluster.json"]["cluster"]["kubernetesNetworkConfig"]
    network["ipFamily"] = "ipv6"
    bundle = write_docs(tmp_path / "b", cluster.docs)
    answer = what_if(bundle, "--pods", "5", code=0)
    assert answer["subnets"] == []
    assert answer["notes"] == [
        "VPC IP limits do not apply: IPv6 pods: every pod gets an address from the node's /80 "
        "prefix"
    ]


def test_bad_input_exits_2_with_one_line() -> None:
    cases = {
        ("--nodes", "1"): "netdoctor: error: --nodes needs --instance-type",
        ("--nodes", "1", "--instance-type", "m9.fake"): (
            "netdoctor: error: unknown instance type 'm9.fake'"
        ),
        ("--pods", "3", "--instance-type", "m5.large"): (
            "netdoctor: error: --instance-type goes with --nodes"
        ),
    }
    for args, message in cases.items():
        result = run_cli("what-if", str(HEALTHY), *args)
        assert result.code == 2
        assert result.err.strip() == message
    result = run_cli("what-if", str(HEALTHY), "--pods", "0")
    assert result.code == 2
    assert result.err.strip().splitlines()[-1] == (
        "netdoctor what-if: error: argument --pods: must be at least 1: '0'"
    )


def test_subnet_filter_keeps_the_nodes_drawing_on_it() -> None:
    answer = what_if(SHORT, "--pods", "4", "--subnet", "subnet-089f61415f4e932b3", code=0)
    assert [(n["name"], n["added"]) for n in answer["nodes"]] == [
        ("ip-192-168-200-10.eu-central-1.compute.internal", 2),
        ("ip-192-168-200-40.eu-central-1.compute.internal", 2),
    ]
    assert [s["id"] for s in answer["subnets"]] == ["subnet-089f61415f4e932b3"]
