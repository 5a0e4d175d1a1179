"""../shared/foreign2 (see its SOURCES.md): real files in the shapes people actually save. Bare
objects and a bare array where kubectl prints a List, placebo envelopes, `--output text`, YAML
and RST pages in JSON slots, instance-type `--query` projections, multi-card and bare-metal
instance types, branch ENIs without an attachment, ENIs without `InterfaceType`, prefix-list
routes without a destination CIDR, CNINode features as plain strings, the current VPC CNI
manifest, a private NAT gateway. Each gives a report in which no check errors, or one clean
exit-2 line naming the file; never a traceback.

Every bundle is the healthy one with the foreign file put in the slot it claims to fill."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tests.conftest import BUNDLES, HEALTHY, CliResult, open_snapshot, run_cli

EPIC = "eks-pod-information-collector/cni-np_2023-06-15_0003-UTC"
EPIC_POD = f"{EPIC}/coredns-6ff9c46cd8-gdhbh_kube-system"
EPIC_NODE = f"{EPIC_POD}/Node_ip-192-168-8-181.us-west-2.compute.internal.json"
EPIC_PODS = f"{EPIC_POD}/Pod_coredns-6ff9c46cd8-gdhbh.json"
EPIC_SERVICES = f"{EPIC_POD}/Services.json"
PLACEBO = "cloud-custodian-placebo"
MOCKS = "amazon-eks-ami-test-mocks"
TEXT_CLUSTER = f"{MOCKS}/describe-cluster/ipv6-cluster.txt"
PROJECTION = f"{MOCKS}/describe-instance-types/c6in-32xlarge.json"
ETHTOOL = "eks-node-monitoring-agent-testdata/ethtool-ens5.txt"
KWOK = "karpenter-kwok/describe-instance-types.json"
CNINODE_SAMPLE = "vpc-resource-controller-samples/vpcresources_v1alpha1_cninode.yaml"
CNI_MANIFEST = "amazon-vpc-cni-k8s-manifest/aws-k8s-cni.yaml"
NAT_RST = "awscli-examples-2/ec2/describe-nat-gateways.rst"
PLACEBO_FILES = {
    "aws/eks-describe-cluster.json": f"{PLACEBO}/test_eks_metrics/eks.DescribeCluster_1.json",
    "aws/ec2-describe-route-tables.json": (
        f"{PLACEBO}/test_peer_miss_route_filter_not_found/ec2.DescribeRouteTables_1.json"
    ),
    "aws/ec2-describe-network-interfaces.json": (
        f"{PLACEBO}/test_security_group_used/ec2.DescribeNetworkInterfaces_1.json"
    ),
}
PLACEBO_VPCS = (
    f"{PLACEBO}/test_rds_proxy_vpc_filter/ec2.DescribeVpcs_1.json",
    f"{PLACEBO}/test_vpc_set_flow_logs_s3/ec2.DescribeVpcs_1.json",
)
NODE_A = "ip-192-168-107-189.eu-central-1.compute.internal"


# --- bundles and verdicts ----------------------------------------------------------------


def applicable(report: dict) -> list[dict]:
    """The results of checks that apply to the cluster (the Cilium and IPv6 checks say
    `not_applicable` on these VPC CNI IPv4 bundles)."""
    return [r for r in report["results"] if r.get("reason_code") != "not_applicable"]


def bundle(tmp_path: Path, files: dict[str, Any]) -> Path:
    """The healthy bundle with these files (bytes as they are; anything else as JSON)."""
    root = tmp_path / "bundle"
    shutil.copytree(HEALTHY, root)
    for rel, content in files.items():
        data = content if isinstance(content, bytes) else json.dumps(content, indent=4).encode()
        (root / rel).write_bytes(data)
    return root


def edited(root: Path, rel: str, change: Callable[[Any], object]) -> None:
    """Apply `change` to one JSON document of a bundle in place."""
    doc = json.loads((root / rel).read_text(encoding="utf-8"))
    change(doc)
    (root / rel).write_text(json.dumps(doc, indent=4), encoding="utf-8")


def check(root: Path, *args: str) -> CliResult:
    return run_cli("check", str(root), "--format", "json", "--fail-on", "never", *args)


def a_report(result: CliResult) -> dict[str, Any]:
    """The run gave a report in which no check errored; returns it."""
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert result.code == 0, result.err
    report: dict[str, Any] = orjson.loads(result.out)
    errors = {r["check"]: r["reason"] for r in report["results"] if r["status"] == "error"}
    assert not errors
    return report


def one_clean_line(result: CliResult, rel: str, says: str) -> None:
    """Exit 2 with one line naming the file and saying `says`."""
    assert result.code == 2, result.out
    assert result.err.startswith(f"netdoctor: error: {rel}: "), result.err
    assert result.err.count("\n") == 1 and result.err.endswith("\n"), result.err
    assert says in result.err, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


def findings(report: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return next(r for r in report["results"] if r["check"] == check_id)["findings"]


def kube_list(items: list[Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def rst_output(text: str, n: int) -> Any:
    """The JSON of the `n`-th `Output::` block of an aws CLI reference page."""
    blocks = re.findall(r"Output::\n\n((?:    .*\n|\n)+)", text)
    return json.loads("\n".join(line[4:] for line in blocks[n].splitlines()))


def set_env(root: Path, **values: str) -> None:
    """Set aws-node env vars in the bundle's DaemonSet."""

    def change(doc: Any) -> None:
        for ds in doc["items"]:
            for container in ds["spec"]["template"]["spec"]["containers"]:
                for var in container.get("env", []):
                    if var["name"] in values:
                        var["value"] = values[var["name"]]

    edited(root, "k8s/daemonsets.json", change)


def set_node_type(root: Path, node: str, instance_type: str, max_pods: int) -> None:
    """A node of another instance type (labels, instance) with this kubelet max-pods."""

    def nodes(doc: Any) -> None:
        for item in doc["items"]:
            if item["metadata"]["name"] == node:
                labels = item["metadata"]["labels"]
                labels["node.kubernetes.io/instance-type"] = instance_type
                labels["beta.kubernetes.io/instance-type"] = instance_type
                for block in ("allocatable", "capacity"):
                    item["status"][block]["pods"] = str(max_pods)

    def instances(doc: Any) -> None:
        for reservation in doc["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["PrivateDnsName"] == node:
                    instance["InstanceType"] = instance_type

    edited(root, "k8s/nodes.json", nodes)
    edited(root, "aws/ec2-describe-instances.json", instances)


# --- files in a layout the bundle format does not use: one clean line --------------------

ENVELOPE = "a recorded API response"
CLEAN_ERRORS = {
    "bare Node object": ("k8s/nodes.json", EPIC_NODE, "got a single Node object"),
    "bare Pod object": ("k8s/pods.json", EPIC_PODS, "got a single Pod object"),
    "bare JSON array": ("k8s/services.json", EPIC_SERVICES, "got a JSON array"),
    "kubectl -o yaml, glued": ("k8s/daemonsets.json", f"{EPIC}/DaemonSets.yaml", "not valid JSON"),
    "VPC CNI manifest YAML": ("k8s/daemonsets.json", CNI_MANIFEST, "not valid JSON"),
    **{f"placebo {Path(src).stem}": (rel, src, ENVELOPE) for rel, src in PLACEBO_FILES.items()},
    "describe-cluster --output text": (
        "aws/eks-describe-cluster.json",
        TEXT_CLUSTER,
        "not valid JSON",
    ),
    "ethtool -S text": ("aws/ec2-describe-instances.json", ETHTOOL, "not valid JSON"),
    "aws CLI reference page": ("aws/ec2-describe-nat-gateways.json", NAT_RST, "not valid JSON"),
    "instance-type --query projection": (
        "aws/ec2-describe-instance-types.json",
        PROJECTION,
        "InstanceTypes",
    ),
}


@pytest.mark.parametrize("case", sorted(CLEAN_ERRORS))
def test_a_file_in_a_layout_the_format_does_not_use_is_one_clean_line(
    foreign2: Path, tmp_path: Path, case: str
) -> None:
    rel, source, says = CLEAN_ERRORS[case]
    root = bundle(tmp_path, {rel: (foreign2 / source).read_bytes()})
    one_clean_line(check(root), rel, says)


def test_the_inspector_reads_bare_objects_with_the_same_clean_error(
    foreign2: Path, tmp_path: Path
) -> None:
    from netdoctor.errors import BundleError

    root = bundle(tmp_path, {"k8s/nodes.json": (foreign2 / EPIC_NODE).read_bytes()})
    with pytest.raises(BundleError, match=r"^k8s/nodes\.json: expected a Kubernetes List"):
        open_snapshot(root).raw("k8s/nodes.json")


def test_a_placebo_envelope_in_a_slot_no_check_reads_costs_no_verdict(
    foreign2: Path, tmp_path: Path
) -> None:
    """No check reads describe-vpcs: the envelope there changes no result."""
    for source in PLACEBO_VPCS:
        envelope = (foreign2 / source).read_bytes()
        root = bundle(tmp_path / Path(source).parent.name, {"aws/ec2-describe-vpcs.json": envelope})
        report = a_report(check(root))
        assert {r["status"] for r in applicable(report)} == {"pass"}


# --- the same data in the shapes the tools print: a report --------------------------------


@pytest.mark.parametrize("rel", sorted(PLACEBO_FILES))
def test_placebo_responses_unwrapped_give_a_report(
    foreign2: Path, tmp_path: Path, rel: str
) -> None:
    data = json.loads((foreign2 / PLACEBO_FILES[rel]).read_text(encoding="utf-8"))["data"]
    a_report(check(bundle(tmp_path, {rel: data})))


def test_branch_enis_without_attachment_and_enis_without_interface_type(
    foreign2: Path, tmp_path: Path
) -> None:
    """Next to the cluster's own ENIs: a 2016 ENI with no InterfaceType (and a placebo-dict
    AttachTime), an unattached Lambda ENI, a vpc_endpoint ENI without InstanceId, a branch ENI
    (security groups for pods) without an attachment whose trunk is not in the file."""
    rel = "aws/ec2-describe-network-interfaces.json"
    foreign = json.loads((foreign2 / PLACEBO_FILES[rel]).read_text(encoding="utf-8"))["data"]
    shapes = {e.get("InterfaceType") for e in foreign["NetworkInterfaces"]}
    assert {None, "branch", "vpc_endpoint"} <= shapes
    root = bundle(tmp_path, {})
    edited(root, rel, lambda doc: doc["NetworkInterfaces"].extend(foreign["NetworkInterfaces"]))
    report = a_report(check(root))
    assert {r["status"] for r in applicable(report)} == {"pass"}
    from netdoctor.explore import build_chain, raw_object

    snap = open_snapshot(root)
    for eni in foreign["NetworkInterfaces"]:
        ref = f"eni/{eni['NetworkInterfaceId']}"
        assert not build_chain(snap, ref).missing, ref
        assert raw_object(snap, ref) is not None


def test_prefix_list_routes_without_a_destination_cidr_and_blackholed_eni_routes(
    foreign2: Path, tmp_path: Path
) -> None:
    """Route tables of other VPCs next to the cluster's: a gateway-endpoint route with only a
    prefix list, four blackhole routes to ENIs (kubenet leftovers), a table both explicit and
    main. None is the cluster's, so nothing changes."""
    rel = "aws/ec2-describe-route-tables.json"
    foreign = json.loads((foreign2 / PLACEBO_FILES[rel]).read_text(encoding="utf-8"))["data"]
    routes = [r for t in foreign["RouteTables"] for r in t["Routes"]]
    assert any("DestinationCidrBlock" not in r and r.get("DestinationPrefixListId") for r in routes)
    root = bundle(tmp_path, {})
    edited(root, rel, lambda doc: doc["RouteTables"].extend(foreign["RouteTables"]))
    report = a_report(check(root))
    assert {r["status"] for r in applicable(report)} == {"pass"}


def test_the_collectors_objects_wrapped_in_lists_give_a_report(
    foreign2: Path, tmp_path: Path
) -> None:
    """AWS support's collector (EPIC): a public t3.medium AL2 node, a coredns pod and the
    kube-dns Service from a real cluster, each wrapped in the List kubectl would print."""
    node, pod, services = (
        json.loads((foreign2 / source).read_text(encoding="utf-8"))
        for source in (EPIC_NODE, EPIC_PODS, EPIC_SERVICES)
    )
    files = {
        "k8s/nodes.json": kube_list([node]),
        "k8s/pods.json": kube_list([pod]),
        "k8s/services.json": kube_list(services),
    }
    a_report(check(bundle(tmp_path, files)))


def test_a_kubectl_config_cluster_stanza_as_describe_cluster_gives_a_report(
    foreign2: Path, tmp_path: Path
) -> None:
    stanza = (foreign2 / f"{EPIC}/Cluster_Info.json").read_bytes()
    a_report(check(bundle(tmp_path, {"aws/eks-describe-cluster.json": stanza})))


def test_instance_type_projections_in_an_envelope_give_a_report(
    foreign2: Path, tmp_path: Path
) -> None:
    """`--query` projections (no InstanceType key, an invented CpuCount) put in the envelope."""
    entries = [
        json.loads((foreign2 / f"{MOCKS}/describe-instance-types/{name}.json").read_text())
        for name in ("c6in-32xlarge", "m4-xlarge")
    ]
    files = {"aws/ec2-describe-instance-types.json": {"InstanceTypes": entries}}
    a_report(check(bundle(tmp_path, files)))


def test_describe_instances_with_hostile_values_gives_a_report(
    foreign2: Path, tmp_path: Path
) -> None:
    """`PrivateIpAddress: "10-0-0-157"`, ids with non-hex letters, an ENI in another VPC."""
    hostile = (foreign2 / f"{MOCKS}/describe-instances/i-1234567890abcdef0.json").read_bytes()
    a_report(check(bundle(tmp_path, {"aws/ec2-describe-instances.json": hostile})))


def test_multi_card_types_count_the_default_card_only(foreign2: Path, tmp_path: Path) -> None:
    """The kwok dump's c6in.32xlarge has two network cards of 7 ENIs (50 IPv4 each): max-pods
    counts card 0, 7 × (50 − 1) + 2 = 345, unless ENABLE_MULTI_NIC."""
    kwok = (foreign2 / KWOK).read_bytes()
    fits = bundle(tmp_path / "fits", {"aws/ec2-describe-instance-types.json": kwok})
    set_node_type(fits, NODE_A, "c6in.32xlarge", 345)
    assert findings(a_report(check(fits)), "pod-ip-capacity") == []
    both_cards = bundle(tmp_path / "both", {"aws/ec2-describe-instance-types.json": kwok})
    set_node_type(both_cards, NODE_A, "c6in.32xlarge", 688)
    [finding] = findings(a_report(check(both_cards)), "pod-ip-capacity")
    assert finding["resources"] == [f"node/{NODE_A}"]
    assert "allows 688 pods but its ENIs support only 345" in finding["title"]


def test_bare_metal_without_a_hypervisor_is_nitro(foreign2: Path, tmp_path: Path) -> None:
    """49 `.metal` types of the kwok dump have no Hypervisor key: prefix delegation and trunk
    ENIs work there (Nitro), so neither check calls m5.metal a Xen type."""
    kwok = json.loads((foreign2 / KWOK).read_text(encoding="utf-8"))
    metal = next(t for t in kwok["InstanceTypes"] if t["InstanceType"] == "m5.metal")
    assert "Hypervisor" not in metal and metal["BareMetal"] is True
    root = bundle(tmp_path, {"aws/ec2-describe-instance-types.json": kwok})
    set_node_type(root, NODE_A, "m5.metal", 110)
    set_env(root, ENABLE_PREFIX_DELEGATION="true", ENABLE_POD_ENI="true")
    report = a_report(check(root))
    named = [
        f["title"]
        for check_id in ("prefix-delegation", "trunk-node-label")
        for f in findings(report, check_id)
        if "m5.metal" in f["title"]
    ]
    assert named == []


def test_cninode_features_as_plain_strings_mark_the_node(foreign2: Path, tmp_path: Path) -> None:
    """AWS's sample CNINode lists features as strings, not `{name}` objects as the CRD says:
    read as the names they are. The trunk fixture whose nodes are marked by CNINode features
    passes with them written that way; the sample itself gives a report."""
    sample = yaml.safe_load((foreign2 / CNINODE_SAMPLE).read_text(encoding="utf-8"))
    assert all(isinstance(x, str) for x in sample["spec"]["features"])
    root = tmp_path / "marked"
    shutil.copytree(BUNDLES / "trunk-node-label" / "pass-sgp-cni-1-15-cninode-features", root)

    def as_strings(doc: Any) -> None:
        for item in doc["items"]:
            item["spec"] = {"features": sample["spec"]["features"]}

    edited(root, "k8s/cninodes.json", as_strings)
    result = run_cli("check", str(root), "--format", "json", "--check", "trunk-node-label")
    assert result.code == 0, result.err
    assert orjson.loads(result.out)["results"][0]["status"] == "pass"
    a_report(check(bundle(tmp_path, {"k8s/cninodes.json": kube_list([sample])})))


def test_the_current_vpc_cni_manifest_gives_a_report(foreign2: Path, tmp_path: Path) -> None:
    """The v1.23.1 aws-node DaemonSet (ENABLE_MULTI_NIC, ENABLE_IMDS_ONLY_MODE, the network
    policy agent, unix-socket probes) as `kubectl get -o json` would print it."""
    documents = yaml.safe_load_all((foreign2 / CNI_MANIFEST).read_text(encoding="utf-8"))
    daemonsets = [d for d in documents if d and d.get("kind") == "DaemonSet"]
    assert [d["metadata"]["name"] for d in daemonsets] == ["aws-node"]
    a_report(check(bundle(tmp_path, {"k8s/daemonsets.json": kube_list(daemonsets)})))


def test_a_private_nat_gateway_gives_a_report(foreign2: Path, tmp_path: Path) -> None:
    """Example 2 of the aws CLI's describe-nat-gateways page: ConnectivityType private, three
    private addresses on one ENI, no AllocationId or PublicIp."""
    nat = rst_output((foreign2 / NAT_RST).read_text(encoding="utf-8"), 1)["NatGateways"][0]
    assert nat["ConnectivityType"] == "private"
    root = bundle(tmp_path, {})
    edited(root, "aws/ec2-describe-nat-gateways.json", lambda doc: doc["NatGateways"].append(nat))
    a_report(check(root))


@pytest.mark.xfail(
    strict=True,
    reason="egress-snat-route does not read ConnectivityType: a default route to a private NAT "
    "gateway passes although a private NAT gateway gives no internet egress",
)
def test_a_default_route_to_a_private_nat_gateway_is_no_internet_egress(
    foreign2: Path, tmp_path: Path
) -> None:
    nat = rst_output((foreign2 / NAT_RST).read_text(encoding="utf-8"), 1)["NatGateways"][0]
    root = bundle(tmp_path, {})
    edited(root, "aws/ec2-describe-nat-gateways.json", lambda doc: doc["NatGateways"].append(nat))

    def to_private_nat(doc: Any) -> None:
        table = next(t for t in doc["RouteTables"] if t["RouteTableId"] == "rtb-049920c1602a708d4")
        route = next(r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")
        route["NatGatewayId"] = nat["NatGatewayId"]

    edited(root, "aws/ec2-describe-route-tables.json", to_private_nat)
    assert findings(a_report(check(root)), "egress-snat-route")
