"""`capture` against moto + a served cluster: every file, the right content, the same check
results as the reference bundle, and a request budget that does not grow with the cluster."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime
from pathlib import Path

from netdoctor.snapshot import files as f
from netdoctor.snapshot.kinds import KINDS_BY_FILE
from netdoctor.sources.live import capture
from netdoctor.sources.live.aws_api import operations
from tests.live import aws_world
from tests.live.helpers import check_results, doc, extract, items, names, with_meta_of


def test_archive_holds_every_file_with_what_was_put_in(live, tmp_path: Path) -> None:
    result = capture(live.options(tmp_path / "snap.tar.gz"))
    world = live.world

    assert result.path == tmp_path / "snap.tar.gz"
    assert result.missing == {}
    root = extract(result.path, tmp_path / "unpacked")
    assert [rel for rel in (f.META, *f.ALL_FILES) if not (root / rel).is_file()] == []

    meta = doc(root, f.META)
    assert (meta["cluster"], meta["region"], meta["source"]) == ("atlas", "eu-central-1", "live")
    assert meta["captured_at"].endswith("Z")
    datetime.fromisoformat(meta["captured_at"])
    assert meta["missing"] == {}

    for rel, served in live.objects.items():
        got = items(root, rel)
        if rel == f.K8S_CONFIGMAPS:
            assert names(got) == [("kube-system", "amazon-vpc-cni"), ("kube-system", "aws-auth")]
            aws_auth = json.loads(got[1]["data"]["mapRoles"])
            assert aws_auth == [
                {"rolearn": world.node_role, "groups": ["system:bootstrappers", "system:nodes"]}
            ]
            assert list(got[1]["data"]) == ["mapRoles"]
        else:
            assert names(got) == names(served), rel
        kind = KINDS_BY_FILE[rel]
        assert {(i["apiVersion"], i["kind"]) for i in got} <= {(kind.group_version, kind.kind)}
    envelope = doc(root, f.K8S_NODES)
    assert (envelope["apiVersion"], envelope["kind"], envelope["metadata"]) == (
        "v1", "List", {"resourceVersion": ""},
    )  # fmt: skip
    assert sorted(n["spec"]["providerID"] for n in items(root, f.K8S_NODES)) == sorted(
        f"aws:///{n.zone}/{n.instance_id}" for n in world.nodes
    )

    cluster = doc(root, f.AWS_CLUSTER)["cluster"]
    assert cluster["name"] == "atlas"
    nodegroups = doc(root, f.AWS_NODEGROUPS)["nodegroups"]
    assert [(n["nodegroupName"], n["nodeRole"]) for n in nodegroups] == [
        (world.nodegroup, world.node_role)
    ]
    assert doc(root, f.AWS_ACCESS_ENTRIES) == {"accessEntries": world.access_entries}
    insights = {i["name"]: i for i in doc(root, f.AWS_INSIGHTS)["insights"]}
    # describe-insight fills in only the insights that are not passing.
    assert "recommendation" not in insights["Kubelet version skew"]
    deprecated = insights["Deprecated APIs removed in Kubernetes v1.32"]
    assert deprecated["recommendation"].startswith("Move the clients")
    assert deprecated["resources"][0]["kubernetesResourceUri"] == "/apis/x"
    vpc_config = cluster["resourcesVpcConfig"]
    assert vpc_config["publicAccessCidrs"] == [aws_world.CALLER_CIDR]
    assert (vpc_config["endpointPublicAccess"], vpc_config["endpointPrivateAccess"]) == (True, True)
    assert {s["SubnetId"] for s in doc(root, f.AWS_SUBNETS)["Subnets"]} == {
        *world.public_subnets,
        *world.private_subnets,
    }
    instances = [i for r in doc(root, f.AWS_INSTANCES)["Reservations"] for i in r["Instances"]]
    # The decoy VPC's instance, load balancer and target group stay out.
    assert {i["InstanceId"] for i in instances} == {n.instance_id for n in world.nodes}
    enis = doc(root, f.AWS_NETWORK_INTERFACES)["NetworkInterfaces"]
    assert {e for n in world.nodes for e in n.eni_ids} <= {e["NetworkInterfaceId"] for e in enis}
    assert {e["VpcId"] for e in enis} == {world.vpc_id}
    secondary = [a for e in enis for a in e["PrivateIpAddresses"] if not a["Primary"]]
    assert len(secondary) >= 3 * len(world.nodes)
    assert [n["NatGatewayId"] for n in doc(root, f.AWS_NAT_GATEWAYS)["NatGateways"]] == [
        world.nat_id
    ]
    igws = doc(root, f.AWS_INTERNET_GATEWAYS)["InternetGateways"]
    assert [g["InternetGatewayId"] for g in igws] == [world.igw_id]
    tables = doc(root, f.AWS_ROUTE_TABLES)["RouteTables"]
    assert set(world.route_tables) <= {t["RouteTableId"] for t in tables}
    nat_routes = [r for t in tables for r in t["Routes"] if r.get("NatGatewayId") == world.nat_id]
    assert [r["DestinationCidrBlock"] for r in nat_routes] == ["0.0.0.0/0"]
    groups = {g["GroupId"] for g in doc(root, f.AWS_SECURITY_GROUPS)["SecurityGroups"]}
    assert {world.cluster_sg, world.alb_sg} <= groups
    types = [t["InstanceType"] for t in doc(root, f.AWS_INSTANCE_TYPES)["InstanceTypes"]]
    assert sorted(types) == sorted(aws_world.NODE_TYPES)
    lbs = doc(root, f.AWS_LOAD_BALANCERS)["LoadBalancers"]
    assert [lb["LoadBalancerArn"] for lb in lbs] == [world.lb_arn]
    tgs = doc(root, f.AWS_TARGET_GROUPS)["TargetGroups"]
    assert [tg["TargetGroupArn"] for tg in tgs] == [world.tg_arn]
    assert doc(root, f.AWS_VPC_DNS_SUPPORT)["EnableDnsSupport"] == {"Value": True}
    assert doc(root, f.AWS_VPC_DNS_HOSTNAMES)["EnableDnsHostnames"] == {"Value": True}
    # As the aws CLI prints it: 4-space JSON, ISO 8601 times, no ResponseMetadata.
    text = (root / f.AWS_INSTANCES).read_text()
    assert text.startswith('{\n    "Reservations": [') and "ResponseMetadata" not in text
    datetime.fromisoformat(instances[0]["LaunchTime"])


def test_checks_give_the_same_results_on_the_capture_as_on_the_source(live, tmp_path) -> None:
    result = capture(live.options(tmp_path / "captured"))
    source = live.source_bundle()
    with_meta_of(source, result.path)

    captured, reference = check_results(result.path), check_results(source)

    assert captured == reference
    # Not vacuous: the t3.medium node's max-pods of 110 is a finding in both.
    assert any(status == "fail" for status, _ in reference.values())


def test_kubernetes_requests_are_read_only_lists_within_the_page_budget(live, tmp_path) -> None:
    page = 7
    result = capture(live.options(tmp_path / "b", page_size=page))

    requests = live.server.requests
    assert {r.method for r in requests} == {"GET"}
    assert {r.status for r in requests} == {200}
    assert result.kube_requests == len(requests)
    budget = 1 + sum(  # one discovery request, then ⌈items/page⌉ per kind (an empty list: 1)
        # ConfigMaps: one GET by name each (amazon-vpc-cni, aws-auth).
        max(1, math.ceil(len(objs) / page)) if rel != f.K8S_CONFIGMAPS else 2
        for rel, objs in live.objects.items()
    )
    assert len(requests) == budget
    pod_requests = [r for r in requests if r.path == "/api/v1/pods"]
    assert len(pod_requests) == math.ceil(len(live.objects[f.K8S_PODS]) / page) > 1
    assert all(f"limit={page}" in r.query for r in pod_requests)
    assert all("continue=" in r.query for r in pod_requests[1:])
    # Paging lost or repeated nothing.
    assert names(items(result.path, f.K8S_PODS)) == names(live.objects[f.K8S_PODS])
    assert not any("secrets" in r.path for r in requests)


def test_aws_calls_do_not_grow_with_the_number_of_nodes(live_factory, tmp_path) -> None:
    small = live_factory(3, "small")
    r3 = capture(small.options(tmp_path / "three"))
    big = live_factory(30, "big")
    r30 = capture(big.options(tmp_path / "thirty"))

    assert len(items(r30.path, f.K8S_NODES)) == 30
    instances = doc(r30.path, f.AWS_INSTANCES)["Reservations"]
    assert sum(len(r["Instances"]) for r in instances) == 30
    assert Counter(operations(r3.aws_calls)) == Counter(operations(r30.aws_calls))
    # 17 files, one sample to find the VPC (see aws.py), and the entries of each prefix list;
    # the CIDR reservations: the VPC's subnets, then each subnet's reservations (one call);
    # the node groups listed, then each described; the access entries; the insights listed,
    # then each that is not passing described.
    lists = len(doc(r30.path, f.AWS_PREFIX_LISTS)["PrefixLists"])
    subnets = len(doc(r30.path, f.AWS_SUBNETS)["Subnets"])
    groups = len(doc(r30.path, f.AWS_NODEGROUPS)["nodegroups"])
    failing = [
        i for i in doc(r30.path, f.AWS_INSIGHTS)["insights"]
        if i["insightStatus"]["status"] != "PASSING"
    ]  # fmt: skip
    assert (groups, len(failing)) == (1, 1)
    eks = 1 + groups + 1 + 1 + len(failing)
    assert len(r30.aws_calls) == 18 + lists + 1 + subnets + eks
    assert r3.kube_requests == r30.kube_requests == 14


def test_namespace_option_lists_namespaced_kinds_per_namespace(live, tmp_path) -> None:
    result = capture(live.options(tmp_path / "ns", namespaces=("catalog",)))

    pods = items(result.path, f.K8S_PODS)
    assert pods and {p["metadata"]["namespace"] for p in pods} == {"catalog"}
    paths = {r.path for r in live.server.requests}
    assert "/api/v1/namespaces/catalog/pods" in paths and "/api/v1/pods" not in paths
    # Cluster-scoped and kube-system kinds are unaffected.
    assert len(items(result.path, f.K8S_NODES)) == 3
    assert [d["metadata"]["name"] for d in items(result.path, f.K8S_DAEMONSETS)] == [
        "aws-node", "kube-proxy",
    ]  # fmt: skip
    assert doc(result.path, f.META)["capture"]["namespaces"] == ["catalog"]


def test_files_option_captures_only_what_the_checks_read(live, tmp_path) -> None:
    wanted = frozenset({f.K8S_DAEMONSETS, f.AWS_INSTANCE_TYPES, f.AWS_SUBNETS})
    result = capture(live.options(tmp_path / "some", files=wanted))

    present = sorted(p.relative_to(result.path).as_posix() for p in result.path.rglob("*.json"))
    assert present == sorted([f.META, *wanted])
    paths = {r.path for r in live.server.requests}
    assert "/api/v1/pods" not in paths
    assert "/api/v1/nodes" in paths  # read (not written) for the instance ids and the region
    operations_called = set(operations(result.aws_calls))
    assert "ec2:DescribeRouteTables" not in operations_called
    types = doc(result.path, f.AWS_INSTANCE_TYPES)["InstanceTypes"]
    assert sorted(t["InstanceType"] for t in types) == sorted(aws_world.NODE_TYPES)


def test_live_opener_gives_fresh_snapshots_and_cleans_up(live, tmp_path) -> None:
    from netdoctor.sources.live.opener import LiveOpener

    opener = LiveOpener(live.options())
    counts = [len(opener().nodes) for _ in range(3)]  # each reload reads its own capture
    kept = [r.path for r in opener.kept]

    assert counts == [3, 3, 3]
    assert opener.last is opener.kept[-1] and opener.last.meta["source"] == "live"
    assert len(kept) == 2 and all(p.is_dir() for p in kept)
    opener.close()
    assert not any(p.exists() for p in kept)
