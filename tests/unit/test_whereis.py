"""`netdoctor whereis`: who holds an address, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from netdoctor.tooling.fixtures import Cluster
from netdoctor.tooling.fixtures.docs import write_docs
from tests.conftest import REPO, run_cli

DEMO = str(REPO / "fixtures" / "demo")
HOSTNET = str(REPO / "fixtures" / "platforms" / "hostnetwork-heavy")


def _json(*args: str) -> list[dict[str, object]]:
    result = run_cli("whereis", *args, "-o", "json")
    assert result.err == ""
    found: list[dict[str, object]] = json.loads(result.out)
    return found


def test_a_pod_ip_inside_a_delegated_prefix_names_pod_node_and_eni() -> None:
    (where,) = _json(DEMO, "100.64.8.85")
    assert where["matches"] == [
        {
            "kind": "pod",
            "id": "pod/analytics/public-batch-2dg7rcr62p-6kwhg",
            "detail": "pod IP, on ip-192-168-124-159.eu-central-1.compute.internal",
        },
        {
            "kind": "eni",
            "id": "eni-04dea66072dfcabb3",
            "detail": "in delegated prefix 100.64.8.80/28; VPC CNI (secondary ENI of "
            "i-06e53fed5f366ac79); attached to i-06e53fed5f366ac79; subnet "
            "subnet-06f735dad62e41438",
        },
    ]
    assert where["within"] == [
        "subnet/subnet-06f735dad62e41438 (100.64.0.0/19)",
        "vpc/vpc-029fffec584a2f6b4 (100.64.0.0/16)",
    ]


def test_a_nat_gateway_address_names_the_nat_gateway() -> None:
    (where,) = _json(DEMO, "192.168.18.117")
    assert [(m["kind"], m["id"]) for m in where["matches"]] == [  # type: ignore[attr-defined]
        ("eni", "eni-005fd3cd458da1609")
    ]
    assert "primary address; NAT gateway nat-099d4e5fba22ec947" in str(where["matches"])


def test_a_node_address_is_the_node_and_its_hostnetwork_pods() -> None:
    node_ip = json.loads((Path(HOSTNET) / "k8s/nodes.json").read_text())["items"][0]["status"][
        "addresses"
    ][0]["address"]
    (where,) = _json(HOSTNET, node_ip)
    kinds = [m["kind"] for m in where["matches"]]  # type: ignore[attr-defined]
    assert kinds.count("node") == 1 and kinds.count("eni") == 1
    assert kinds.count("pod") == 21  # every hostNetwork pod shares the node's address
    assert all(
        m["detail"].startswith("hostNetwork")  # type: ignore[index]
        for m in where["matches"]  # type: ignore[attr-defined]
        if m["kind"] == "pod"  # type: ignore[index]
    )


def test_a_vpc_cni_eni_whose_instance_is_gone_is_leaked_and_a_live_ones_is_not(
    tmp_path: Path,
) -> None:
    c = Cluster()
    subnet = c.base.private_subnets[c.base.zones[0]]
    free = iter(c.free_addresses(subnet))
    leaked_ip, live_ip = str(next(free)), str(next(free))
    c.add_foreign_eni(subnet, "aws-K8S-i-0123456789abcdef0", "leaked", leaked_ip)
    live = c.instances[0]["InstanceId"]
    c.add_foreign_eni(subnet, f"aws-K8S-{live}", "live-owner", live_ip)
    bundle = write_docs(tmp_path / "bundle", c.bundle(tuple(c.docs)))
    leaked, alive = _json(str(bundle), leaked_ip, live_ip)
    assert "VPC CNI, leaked: made for i-0123456789abcdef0, which is gone" in str(leaked)
    assert "leaked" not in str(alive) and f"VPC CNI (secondary ENI of {live})" in str(alive)


def test_unknown_addresses_say_where_they_fall_and_exit_1() -> None:
    result = run_cli("whereis", DEMO, "192.168.31.250", "8.8.8.8")
    assert result.code == 1
    assert result.out.splitlines() == [
        "192.168.31.250",
        "  held by nothing in the bundle",
        "  within: subnet/subnet-095f6933f61b682bc (192.168.0.0/19), vpc/vpc-029fffec584a2f6b4 "
        "(192.168.0.0/16)",
        "",
        "8.8.8.8",
        "  held by nothing in the bundle",
        "  within: outside every subnet and VPC CIDR in the bundle",
    ]


def test_a_bad_address_is_one_line_and_exit_2() -> None:
    result = run_cli("whereis", DEMO, "10.0.0.300")
    assert (result.code, result.out) == (2, "")
    assert result.err == "netdoctor: error: '10.0.0.300' is not an IP address\n"


def test_the_second_address_of_a_dual_stack_pod_is_found_by_podips(tmp_path: Path) -> None:
    c = Cluster()
    pod = next(p for p in c.pods if not p["spec"].get("hostNetwork"))
    v4 = pod["status"]["podIP"]
    pod["status"]["podIPs"] = [{"ip": v4}, {"ip": "2600:1f14:abc:1::7"}]
    bundle = write_docs(tmp_path / "bundle", c.bundle(tuple(c.docs)))
    (where,) = _json(str(bundle), "2600:1f14:abc:1::7")
    name = f"pod/{pod['metadata']['namespace']}/{pod['metadata']['name']}"
    assert [(m["kind"], m["id"]) for m in where["matches"]] == [("pod", name)]  # type: ignore[attr-defined]
