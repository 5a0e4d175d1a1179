"""`netdoctor synth`: determinism, kubectl/aws formatting, consistency, pod sizes, problems, CLI."""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import re
from collections import Counter, defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import synth as synth_cmd
from netdoctor.snapshot import files as F
from netdoctor.tooling.synth import PROBLEMS, generate, parse_problems

NODES = 20
SANDBOX_TAIL = "add cmd: failed to assign an IP address to container"


class Bundle:
    """A generated bundle, its files parsed on demand and the joins the checks walk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._docs: dict[str, Any] = {}

    def __getitem__(self, rel: str) -> Any:
        if rel not in self._docs:
            self._docs[rel] = json.loads((self.root / rel).read_text())
        return self._docs[rel]

    def items(self, rel: str) -> list[dict[str, Any]]:
        return self[rel]["items"]

    @cached_property
    def nodes(self) -> dict[str, dict[str, Any]]:
        return {n["metadata"]["name"]: n for n in self.items(F.K8S_NODES)}

    @cached_property
    def instances(self) -> dict[str, dict[str, Any]]:
        return {
            i["InstanceId"]: i
            for r in self[F.AWS_INSTANCES]["Reservations"]
            for i in r["Instances"]
        }

    @cached_property
    def enis(self) -> dict[str, dict[str, Any]]:
        return {
            e["NetworkInterfaceId"]: e for e in self[F.AWS_NETWORK_INTERFACES]["NetworkInterfaces"]
        }

    @cached_property
    def subnets(self) -> dict[str, dict[str, Any]]:
        return {s["SubnetId"]: s for s in self[F.AWS_SUBNETS]["Subnets"]}

    @cached_property
    def types(self) -> dict[str, dict[str, Any]]:
        return {t["InstanceType"]: t for t in self[F.AWS_INSTANCE_TYPES]["InstanceTypes"]}

    @cached_property
    def pods(self) -> list[dict[str, Any]]:
        return self.items(F.K8S_PODS)

    @cached_property
    def env(self) -> dict[str, str]:
        ds = next(d for d in self.items(F.K8S_DAEMONSETS) if d["metadata"]["name"] == "aws-node")
        return {
            e["name"]: e.get("value", "")
            for e in ds["spec"]["template"]["spec"]["containers"][0]["env"]
        }

    def instance_of(self, node: dict[str, Any]) -> dict[str, Any]:
        return self.instances[node["spec"]["providerID"].rsplit("/", 1)[1]]

    def route_table_of(self, subnet_id: str) -> dict[str, Any]:
        for t in self[F.AWS_ROUTE_TABLES]["RouteTables"]:
            if any(a.get("SubnetId") == subnet_id for a in t["Associations"]):
                return t
        raise AssertionError(f"{subnet_id} has no explicit route table association")

    def group(self, name: str) -> list[dict[str, Any]]:
        return [
            n
            for n in self.nodes.values()
            if n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] == name
        ]

    def pods_on(self, node_name: str) -> list[dict[str, Any]]:
        return [p for p in self.pods if p["spec"].get("nodeName") == node_name]


def eni_addresses(eni: dict[str, Any]) -> list[str]:
    """Every address an ENI takes from its subnet: its own and its /28 prefixes."""
    out = [a["PrivateIpAddress"] for a in eni["PrivateIpAddresses"]]
    for p in eni.get("Ipv4Prefixes", []):
        out.extend(str(ip) for ip in ipaddress.ip_network(p["Ipv4Prefix"]))
    return out


def pod_addresses(eni: dict[str, Any]) -> set[str]:
    """Addresses an ENI can give pods: secondary IPs, or the addresses of its prefixes."""
    if eni.get("Ipv4Prefixes"):
        return set(eni_addresses(eni)) - {eni["PrivateIpAddress"]}
    return {a["PrivateIpAddress"] for a in eni["PrivateIpAddresses"] if not a["Primary"]}


def formula(t: dict[str, Any]) -> int:
    """Secondary-IP mode max-pods: ENIs x (IPv4 per ENI - 1) + 2."""
    net = t["NetworkInfo"]
    return net["MaximumNetworkInterfaces"] * (net["Ipv4AddressesPerInterface"] - 1) + 2


def assert_consistent(b: Bundle) -> None:
    """The joins of DOMAIN.md's chain hold for every object of the bundle."""
    # Every node resolves to its instance, with the same zone, address and type.
    assert len(b.nodes) == len(b.instances)
    for name, node in b.nodes.items():
        m = re.fullmatch(r"aws:///([a-z0-9-]+)/(i-[0-9a-f]{17})", node["spec"]["providerID"])
        assert m, node["spec"]["providerID"]
        inst = b.instances[m[2]]
        labels = node["metadata"]["labels"]
        assert (
            inst["Placement"]["AvailabilityZone"] == m[1] == labels["topology.kubernetes.io/zone"]
        )
        internal = next(
            a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"
        )
        assert internal == inst["PrivateIpAddress"]
        assert labels["node.kubernetes.io/instance-type"] == inst["InstanceType"]
        assert labels["kubernetes.io/hostname"] == name == inst["PrivateDnsName"]
        tags = {t["Key"]: t["Value"] for t in inst["Tags"]}
        assert labels["eks.amazonaws.com/nodegroup"] == tags["eks:nodegroup-name"]
        assert b.subnets[inst["SubnetId"]]["AvailabilityZone"] == m[1]
        assert int(node["status"]["allocatable"]["pods"]) == int(node["status"]["capacity"]["pods"])

    # Instance ENIs are the ones describe-network-interfaces lists, attached to that instance.
    for iid, inst in b.instances.items():
        for ni in inst["NetworkInterfaces"]:
            eni = b.enis[ni["NetworkInterfaceId"]]
            assert eni["Attachment"]["InstanceId"] == iid
            assert eni["PrivateIpAddresses"] == ni["PrivateIpAddresses"]
            assert eni["SubnetId"] == ni["SubnetId"]
    for eni in b.enis.values():
        owner = eni.get("Attachment", {}).get("InstanceId")
        if owner:
            assert eni["NetworkInterfaceId"] in {
                n["NetworkInterfaceId"] for n in b.instances[owner]["NetworkInterfaces"]
            }

    # Addresses sit inside their subnet, are unique in the VPC, and free counts add up.
    seen: set[str] = set()
    used: Counter[str] = Counter()
    for eni in b.enis.values():
        sub = b.subnets[eni["SubnetId"]]
        assert sub["AvailabilityZone"] == eni["AvailabilityZone"]
        net = ipaddress.ip_network(sub["CidrBlock"])
        for p in eni.get("Ipv4Prefixes", []):
            assert ipaddress.ip_network(p["Ipv4Prefix"]).subnet_of(net)
        addrs = eni_addresses(eni)
        for ip in addrs:
            assert ipaddress.ip_address(ip) in net, (ip, sub["CidrBlock"])
            assert ip not in seen, f"{ip} used twice"
            seen.add(ip)
        used[sub["SubnetId"]] += len(addrs)
    for sid, sub in b.subnets.items():
        size = ipaddress.ip_network(sub["CidrBlock"]).num_addresses
        assert sub["AvailableIpAddressCount"] == size - 5 - used[sid], sub["CidrBlock"]
    vpc_cidrs = [
        ipaddress.ip_network(c["CidrBlock"])
        for c in b[F.AWS_VPCS]["Vpcs"][0]["CidrBlockAssociationSet"]
    ]
    for sub in b.subnets.values():
        assert any(ipaddress.ip_network(sub["CidrBlock"]).subnet_of(c) for c in vpc_cidrs)

    # Route tables: one main table, an explicit association for every subnet, the right gateway.
    tables = b[F.AWS_ROUTE_TABLES]["RouteTables"]
    assert sum(a["Main"] for t in tables for a in t["Associations"]) == 1
    associated = Counter(
        a["SubnetId"] for t in tables for a in t["Associations"] if "SubnetId" in a
    )
    assert associated == Counter(list(b.subnets))
    nats = {n["NatGatewayId"]: n for n in b[F.AWS_NAT_GATEWAYS]["NatGateways"]}
    for sid, sub in b.subnets.items():
        default = next(
            r
            for r in b.route_table_of(sid)["Routes"]
            if r.get("DestinationCidrBlock") == "0.0.0.0/0"
        )
        if sub["MapPublicIpOnLaunch"]:
            assert default["GatewayId"].startswith("igw-")
        else:
            nat = nats[default["NatGatewayId"]]
            nat_subnet = b.subnets[nat["SubnetId"]]
            assert nat_subnet["MapPublicIpOnLaunch"]
            assert nat_subnet["AvailabilityZone"] == sub["AvailabilityZone"]
            assert nat["NatGatewayAddresses"][0]["AllocationId"].startswith("eipalloc-")

    # Pods: on existing nodes, on their node's addresses, never more than the node allows.
    pod_ips: set[str] = set()
    per_node: Counter[str] = Counter()
    for pod in b.pods:
        node_name = pod["spec"].get("nodeName")
        if node_name is None:
            assert pod["status"]["phase"] == "Pending"
            continue
        node = b.nodes[node_name]
        per_node[node_name] += 1
        assert pod["status"]["hostIP"] == b.instance_of(node)["PrivateIpAddress"]
        ip = pod["status"].get("podIP")
        if pod["spec"].get("hostNetwork"):
            assert ip == pod["status"]["hostIP"]
            continue
        if ip is None:
            assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == (
                "ContainerCreating"
            )
            continue
        owners = [b.enis[n["NetworkInterfaceId"]] for n in b.instance_of(node)["NetworkInterfaces"]]
        eni = next((e for e in owners if ip in pod_addresses(e)), None)
        assert eni is not None, f"{ip} is no address of {node_name}'s ENIs"
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(
            b.subnets[eni["SubnetId"]]["CidrBlock"]
        )
        assert ip not in pod_ips
        pod_ips.add(ip)
    for name, count in per_node.items():
        assert count <= int(b.nodes[name]["status"]["allocatable"]["pods"])

    # Events name objects that exist.
    pods_by_key = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in b.pods}
    for ev in b.items(F.K8S_EVENTS):
        obj = ev["involvedObject"]
        if obj["kind"] == "Pod":
            assert pods_by_key[(obj["namespace"], obj["name"])]["metadata"]["uid"] == obj["uid"]

    # Lists come sorted like the API server lists them.
    for rel in (F.K8S_PODS, F.K8S_SERVICES, F.K8S_EVENTS, F.K8S_NODES, F.K8S_CNINODES):
        keys = [(i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in b.items(rel)]
        assert keys == sorted(keys), rel

    # The LBC chain: bindings point at target groups of load balancers that exist.
    tgs = {t["TargetGroupArn"]: t for t in b[F.AWS_TARGET_GROUPS]["TargetGroups"]}
    lbs = {lb["LoadBalancerArn"] for lb in b[F.AWS_LOAD_BALANCERS]["LoadBalancers"]}
    services = {
        (s["metadata"]["namespace"], s["metadata"]["name"]): s for s in b.items(F.K8S_SERVICES)
    }
    for tgb in b.items(F.K8S_TARGET_GROUP_BINDINGS):
        tg = tgs[tgb["spec"]["targetGroupARN"]]
        assert tg["TargetType"] == tgb["spec"]["targetType"]
        assert set(tg["LoadBalancerArns"]) <= lbs
        svc = services[(tgb["metadata"]["namespace"], tgb["spec"]["serviceRef"]["name"])]
        if tgb["spec"]["targetType"] == "instance":
            assert svc["spec"]["type"] in ("NodePort", "LoadBalancer")
    for ing in b.items(F.K8S_INGRESSES):
        backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
        assert (ing["metadata"]["namespace"], backend) in services

    # aws-node is the VPC CNI v1.20.1 with its settings in the env.
    ds = next(d for d in b.items(F.K8S_DAEMONSETS) if d["metadata"]["name"] == "aws-node")
    image = ds["spec"]["template"]["spec"]["containers"][0]["image"]
    assert re.search(r"amazon-k8s-cni:v1\.20\.1(-|$)", image)
    assert b.env["VPC_CNI_VERSION"] == "v1.20.1"
    assert {
        "AWS_VPC_K8S_CNI_EXTERNALSNAT",
        "ENABLE_PREFIX_DELEGATION",
        "ENABLE_POD_ENI",
        "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG",
        "WARM_ENI_TARGET",
    } <= set(b.env)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    out = tmp_path_factory.mktemp("healthy") / "bundle"
    generate(out, NODES, seed=3)
    return Bundle(out)


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    out = tmp_path_factory.mktemp("all") / "bundle"
    generate(out, NODES, problems=["all"], seed=5)
    return Bundle(out)


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    args = {"nodes": 18, "pods_per_node": 12, "problems": ["all"], "seed": 11}
    generate(tmp_path / "a", **args)
    generate(tmp_path / "b", **args)
    first = _hashes(tmp_path / "a")
    assert first == _hashes(tmp_path / "b")
    assert {*F.ALL_FILES, F.META} == set(first)
    generate(tmp_path / "c", **{**args, "seed": 12})
    assert _hashes(tmp_path / "c") != first


def test_files_print_like_kubectl_and_the_aws_cli(healthy: Bundle) -> None:
    for rel in (*F.ALL_FILES, F.META):
        raw = (healthy.root / rel).read_text()
        data = json.loads(raw)
        k8s = rel.startswith("k8s/")
        assert raw == json.dumps(data, indent=4, sort_keys=k8s, ensure_ascii=False) + "\n", rel
        if k8s:
            assert list(data) == ["apiVersion", "items", "kind", "metadata"]
            assert data["kind"] == "List" and data["metadata"] == {"resourceVersion": ""}
    meta = healthy[F.META]
    assert list(meta) == ["cluster", "region", "captured_at", "source"]
    assert meta["source"] == "synth" and meta["region"] == "eu-central-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["captured_at"])
    assert healthy.items(F.K8S_ENICONFIGS) == healthy.items(F.K8S_SECURITY_GROUP_POLICIES) == []
    assert len({s["AvailabilityZone"] for s in healthy.subnets.values()}) == 3


def test_compact_holds_the_same_data(tmp_path: Path) -> None:
    generate(tmp_path / "indented", 6, pods_per_node=8, seed=2)
    summary = generate(tmp_path / "compact", 6, pods_per_node=8, seed=2, compact=True)
    for rel in (*F.ALL_FILES, F.META):
        indented = (tmp_path / "indented" / rel).read_bytes()
        compact = (tmp_path / "compact" / rel).read_bytes()
        assert json.loads(indented) == json.loads(compact), rel
        assert b"\n " not in compact
    assert summary.bytes_written < sum(
        p.stat().st_size for p in (tmp_path / "indented").rglob("*.json")
    )


def test_healthy_bundle_is_consistent(healthy: Bundle) -> None:
    assert_consistent(healthy)
    for node in healthy.nodes.values():
        t = healthy.types[node["metadata"]["labels"]["node.kubernetes.io/instance-type"]]
        assert int(node["status"]["allocatable"]["pods"]) == formula(t)
        assert node["metadata"]["labels"]["eks.amazonaws.com/nodegroup"][:4] != "bad-"
    assert all(p["status"]["phase"] == "Running" for p in healthy.pods)
    for t in healthy[F.AWS_ROUTE_TABLES]["RouteTables"]:
        assert all(r["State"] == "active" for r in t["Routes"])
    assert all(n["State"] == "available" for n in healthy[F.AWS_NAT_GATEWAYS]["NatGateways"])
    assert healthy.env["AWS_VPC_K8S_CNI_EXTERNALSNAT"] == "false"
    cluster = healthy[F.AWS_CLUSTER]["cluster"]["resourcesVpcConfig"]
    assert cluster["endpointPublicAccess"] and cluster["endpointPrivateAccess"]
    for s in healthy.items(F.K8S_SERVICES):
        if s["spec"]["type"] != "ClusterIP":  # every NodePort/LB service is behind an LB
            refs = {
                t["spec"]["serviceRef"]["name"] for t in healthy.items(F.K8S_TARGET_GROUP_BINDINGS)
            }
            assert s["metadata"]["name"] in refs
    ip_ingress = [
        i
        for i in healthy.items(F.K8S_INGRESSES)
        if i["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-type"] == "ip"
    ]
    assert ip_ingress
    assert {"Scheduled", "Pulled", "Started"} <= {e["reason"] for e in healthy.items(F.K8S_EVENTS)}


def test_bundle_with_every_problem_is_consistent(everything: Bundle) -> None:
    assert_consistent(everything)
    for name in PROBLEMS:
        SEEDED[name](everything)


def test_pods_are_3_to_6_kb_as_kubectl_prints_them(healthy: Bundle) -> None:
    sizes = [len(json.dumps(p, indent=4)) for p in healthy.pods]
    apps = [
        len(json.dumps(p, indent=4))
        for p in healthy.pods
        if p["metadata"]["namespace"] != "kube-system"
    ]
    assert len(apps) > 400
    assert all(3000 <= s <= 6000 for s in apps), (min(apps), max(apps))
    assert 3000 <= sum(sizes) / len(sizes) <= 6000
    assert len(healthy.pods) == sum(
        min(30, formula(healthy.types[n["metadata"]["labels"]["node.kubernetes.io/instance-type"]]))
        for n in healthy.nodes.values()
    )


# ---- what each problem seeds ---------------------------------------------------------------


def _subnet_exhausted(b: Bundle) -> None:
    sub = next(
        (
            s
            for s in b.subnets.values()
            if {"Key": "Name", "Value": "bad-subnet-exhausted"} in s["Tags"]
        ),
        None,
    )
    assert sub is not None
    assert 0 <= sub["AvailableIpAddressCount"] <= 3
    assert not sub["MapPublicIpOnLaunch"]
    nodes = b.group("bad-subnet-exhausted")
    assert nodes
    configs = {c["metadata"]["name"]: c for c in b.items(F.K8S_ENICONFIGS)}
    for node in nodes:  # their pods take addresses from it: node subnet, or ENIConfig subnet
        if b.env["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"] == "true":
            config = configs[node["metadata"]["annotations"]["k8s.amazonaws.com/eniConfig"]]
            assert config["spec"]["subnet"] == sub["SubnetId"]
        else:
            assert b.instance_of(node)["SubnetId"] == sub["SubnetId"]
    stuck = [
        p
        for n in nodes
        for p in b.pods_on(n["metadata"]["name"])
        if p["status"]["phase"] == "Pending"
    ]
    assert stuck
    for p in stuck:
        assert p["status"]["containerStatuses"][0]["state"] == {
            "waiting": {"reason": "ContainerCreating"}
        }
    failures = {
        e["involvedObject"]["name"]: e
        for e in b.items(F.K8S_EVENTS)
        if e["reason"] == "FailedCreatePodSandBox"
    }
    for p in stuck:
        ev = failures[p["metadata"]["name"]]
        assert ev["type"] == "Warning" and ev["message"].endswith(SANDBOX_TAIL)
        assert ev["message"].startswith("Failed to create pod sandbox: rpc error: code = Unknown")


def _max_pods_over_eni(b: Bundle) -> None:
    nodes = b.group("bad-max-pods-over-eni")
    assert nodes
    for n in nodes:
        assert n["metadata"]["labels"]["node.kubernetes.io/instance-type"] == "m5.large"
        assert n["status"]["capacity"]["pods"] == n["status"]["allocatable"]["pods"] == "110"
    assert formula(b.types["m5.large"]) == 29


def _unschedulable(b: Bundle, reason: str) -> list[dict[str, Any]]:
    pending = [
        p
        for p in b.pods
        if "nodeName" not in p["spec"] and reason in p["status"]["conditions"][0].get("message", "")
    ]
    assert pending
    n = len(b.nodes)
    events = {
        e["involvedObject"]["name"]: e
        for e in b.items(F.K8S_EVENTS)
        if e["reason"] == "FailedScheduling"
    }
    for p in pending:
        cond = p["status"]["conditions"][0]
        assert (cond["type"], cond["status"], cond["reason"]) == (
            "PodScheduled",
            "False",
            "Unschedulable",
        )
        assert re.fullmatch(
            rf"0/{n} nodes are available: .*\d+ {re.escape(reason)}.*\. "
            rf"preemption: 0/{n} nodes are available: .*\.",
            cond["message"],
        )
        ev = events[p["metadata"]["name"]]
        assert ev["type"] == "Warning" and ev["message"] == cond["message"]
    return pending


def _too_many_pods(b: Bundle) -> None:
    _unschedulable(b, "Too many pods")
    for n in b.group("bad-too-many-pods"):
        assert len(b.pods_on(n["metadata"]["name"])) == int(n["status"]["allocatable"]["pods"])


def _external_snat_igw(b: Bundle) -> None:
    assert b.env["AWS_VPC_K8S_CNI_EXTERNALSNAT"] == "true"
    nodes = b.group("bad-external-snat-igw")
    assert nodes
    for n in nodes:
        table = b.route_table_of(b.instance_of(n)["SubnetId"])
        assert any(
            r.get("DestinationCidrBlock") == "0.0.0.0/0"
            and r.get("GatewayId", "").startswith("igw-")
            for r in table["Routes"]
        )


def _nat_blackhole(b: Bundle) -> None:
    nats = {n["NatGatewayId"]: n for n in b[F.AWS_NAT_GATEWAYS]["NatGateways"]}
    holes = [
        (t, r)
        for t in b[F.AWS_ROUTE_TABLES]["RouteTables"]
        for r in t["Routes"]
        if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r["State"] == "blackhole"
    ]
    assert len(holes) == 1
    table, route = holes[0]
    nat = nats[route["NatGatewayId"]]
    assert nat["State"] == "failed" and nat["FailureCode"] and nat["FailureMessage"]
    node_subnets = {b.instance_of(n)["SubnetId"] for n in b.nodes.values()}
    assert node_subnets & {a.get("SubnetId") for a in table["Associations"]}


def _private_dns_off(b: Bundle) -> None:
    vpc = b[F.AWS_CLUSTER]["cluster"]["resourcesVpcConfig"]
    assert vpc["endpointPrivateAccess"] is True and vpc["endpointPublicAccess"] is False
    assert b[F.AWS_VPC_DNS_HOSTNAMES]["EnableDnsHostnames"] == {"Value": False}
    assert b[F.AWS_VPC_DNS_SUPPORT]["EnableDnsSupport"] == {"Value": True}


def _nodeport_direct(b: Bundle) -> None:
    svc = next(
        (s for s in b.items(F.K8S_SERVICES) if s["metadata"]["name"] == "bad-nodeport-direct"), None
    )
    assert svc is not None
    assert svc["spec"]["type"] == "NodePort" and svc["spec"]["ports"][0]["nodePort"] == 30080
    ns = svc["metadata"]["namespace"]
    assert (ns, "bad-nodeport-direct") not in {
        (t["metadata"]["namespace"], t["spec"]["serviceRef"]["name"])
        for t in b.items(F.K8S_TARGET_GROUP_BINDINGS)
    }
    assert "bad-nodeport-direct" not in json.dumps(b.items(F.K8S_INGRESSES))
    node_sgs = {g["GroupId"] for i in b.instances.values() for g in i["SecurityGroups"]}
    open_world = [
        r
        for g in b[F.AWS_SECURITY_GROUPS]["SecurityGroups"]
        if g["GroupId"] in node_sgs
        for r in g["IpPermissions"]
        if (r.get("FromPort"), r.get("ToPort")) == (30000, 32767)
        and any(x["CidrIp"] == "0.0.0.0/0" for x in r["IpRanges"])
    ]
    assert open_world


def _trunk_label_missing(b: Bundle) -> None:
    assert b.env["ENABLE_POD_ENI"] == "true" and b.env["VPC_CNI_VERSION"] == "v1.20.1"
    sgps = b.items(F.K8S_SECURITY_GROUP_POLICIES)
    assert sgps
    cninodes = {c["metadata"]["name"]: c for c in b.items(F.K8S_CNINODES)}
    bad = b.group("bad-trunk-label-missing")
    assert bad
    for n in bad:
        features = cninodes[n["metadata"]["name"]]["spec"].get("features", [])
        assert "SecurityGroupsForPods" not in {f["name"] for f in features}
    with_feature = [
        c
        for c in cninodes.values()
        if {"name": "SecurityGroupsForPods"} in c["spec"].get("features", [])
    ]
    assert with_feature  # the healthy trunk-capable nodes have it
    selector = sgps[0]["spec"]["podSelector"]["matchLabels"]
    matching = [p for p in b.pods if selector.items() <= p["metadata"]["labels"].items()]
    assert matching
    for p in matching:
        assert p["status"]["phase"] == "Pending"
        assert (
            p["spec"]["containers"][0]["resources"]["requests"]["vpc.amazonaws.com/pod-eni"] == "1"
        )
    assert _unschedulable(b, "Insufficient vpc.amazonaws.com/pod-eni")


def _eniconfig_missing(b: Bundle) -> None:
    assert b.env["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"] == "true"
    assert b.env["ENI_CONFIG_LABEL_DEF"] == "topology.kubernetes.io/zone"
    zones = {s["AvailabilityZone"] for s in b.subnets.values()}
    configs = {c["metadata"]["name"] for c in b.items(F.K8S_ENICONFIGS)} & zones
    assert len(configs) == 2 and len(zones) == 3
    (missing,) = zones - configs
    stranded = [
        n
        for n in b.nodes.values()
        if n["metadata"]["labels"]["topology.kubernetes.io/zone"] == missing
    ]
    assert stranded
    assert {n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] for n in stranded} == {
        "bad-eniconfig-missing"
    }
    for c in b.items(F.K8S_ENICONFIGS):
        if c["metadata"]["name"] in zones:
            assert b.subnets[c["spec"]["subnet"]]["AvailabilityZone"] == c["metadata"]["name"]


def _pd_non_nitro(b: Bundle) -> None:
    assert b.env["ENABLE_PREFIX_DELEGATION"] == "true"
    xen = [
        n
        for n in b.nodes.values()
        if b.types[n["metadata"]["labels"]["node.kubernetes.io/instance-type"]]["Hypervisor"]
        == "xen"
    ]
    assert xen and {n["metadata"]["labels"]["node.kubernetes.io/instance-type"] for n in xen} == {
        "m4.large"
    }
    nitro_enis = [
        b.enis[i["NetworkInterfaceId"]]
        for n in b.nodes.values()
        if n not in xen
        for i in b.instance_of(n)["NetworkInterfaces"]
    ]
    assert any(e.get("Ipv4Prefixes") for e in nitro_enis)


SEEDED = {
    "subnet-exhausted": _subnet_exhausted,
    "max-pods-over-eni": _max_pods_over_eni,
    "too-many-pods": _too_many_pods,
    "external-snat-igw": _external_snat_igw,
    "nat-blackhole": _nat_blackhole,
    "private-dns-off": _private_dns_off,
    "nodeport-direct": _nodeport_direct,
    "trunk-label-missing": _trunk_label_missing,
    "eniconfig-missing": _eniconfig_missing,
    "pd-non-nitro": _pd_non_nitro,
}


def test_every_problem_has_a_check_here() -> None:
    assert set(SEEDED) == set(PROBLEMS)


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_problem_seeds_what_it_says(problem: str, tmp_path: Path, healthy: Bundle) -> None:
    summary = generate(tmp_path / "b", NODES, problems=[problem], seed=9)
    b = Bundle(summary.out_dir)
    assert_consistent(b)
    SEEDED[problem](b)
    with pytest.raises(AssertionError):
        SEEDED[problem](healthy)
    bad_pods = [p for p in b.pods if p["status"]["phase"] != "Running"]
    assert all(p["metadata"]["name"].startswith("bad-") for p in bad_pods)


def test_unknown_problem_is_a_clear_usage_error(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError,
        match=r"unknown problem 'nat-blackhol'; choose from: "
        r"subnet-exhausted, .*pd-non-nitro \(or 'all'\)",
    ):
        generate(tmp_path / "x", 5, problems=["nat-blackhol"])
    assert not (tmp_path / "x").exists()
    assert parse_problems("all") == tuple(PROBLEMS)
    assert parse_problems(" pd-non-nitro, nat-blackhole ,") == ("nat-blackhole", "pd-non-nitro")
    with pytest.raises(UsageError, match="--nodes must be at least 15"):
        generate(tmp_path / "y", 10, problems=["all"])


# ---- the command ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netdoctor")
    synth_cmd.add_parser(parser.add_subparsers())
    return parser


def test_help_lists_the_problems() -> None:
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices["synth"].format_help()
    for name in PROBLEMS:
        assert name in text
    for option in (
        "--nodes",
        "--pods-per-node",
        "--problems",
        "--seed",
        "--compact",
        "-o",
        "--force",
        "-q",
    ):
        assert option in text


def test_command_writes_and_refuses_a_non_empty_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = _parser().parse_args(
        [
            "synth",
            "--nodes",
            "4",
            "--pods-per-node",
            "6",
            "--problems",
            "nodeport-direct",
            "-q",
            "-o",
            str(out),
        ]
    )
    assert args.run(args) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"synth: wrote {out}: 4 nodes") and "nodeport-direct" in err
    assert (out / F.K8S_PODS).is_file()
    with pytest.raises(UsageError, match="is not empty"):
        args.run(args)
    forced = _parser().parse_args(["synth", "--nodes", "4", "-q", "--force", "-o", str(out)])
    assert forced.run(forced) == 0
    bad = _parser().parse_args(
        ["synth", "--nodes", "4", "--problems", "bogus", "-o", str(tmp_path / "new")]
    )
    with pytest.raises(UsageError, match="unknown problem 'bogus'"):
        bad.run(bad)


def test_progress_reaches_every_file(tmp_path: Path) -> None:
    seen: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))

    def progress(stage: str, done: int, total: int) -> None:
        assert 0 <= done <= total
        seen[stage] = (done, total)

    generate(tmp_path / "b", 3, pods_per_node=5, progress=progress)
    assert set(seen) == {"plan", *F.ALL_FILES}
    assert all(done == total for done, total in seen.values())
