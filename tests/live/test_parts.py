"""The parts of capture that need no endpoint: hints, redaction, tokens, writing, paging."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from netdoctor.errors import UsageError
from netdoctor.snapshot import files as f
from netdoctor.sources.live.hints import (
    NodeFacts,
    cluster_from_tags,
    context_hints,
    load_kubeconfig,
    region_of_zone,
)
from netdoctor.sources.live.redact import MARKER, IdRedactor, is_cni_setting, redact_k8s_item
from netdoctor.sources.live.writer import BundleWriter

EKS_KUBECONFIG = """
apiVersion: v1
kind: Config
current-context: arn:aws:eks:eu-west-1:111122223333:cluster/payments
clusters:
- name: arn:aws:eks:eu-west-1:111122223333:cluster/payments
  cluster: {server: "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com"}
- name: other
  cluster: {server: "https://10.0.0.1"}
contexts:
- name: arn:aws:eks:eu-west-1:111122223333:cluster/payments
  context: {cluster: "arn:aws:eks:eu-west-1:111122223333:cluster/payments", user: eks-user}
- name: explicit
  context: {cluster: other, user: exec-user}
users:
- name: eks-user
  user: {}
- name: exec-user
  user:
    exec:
      command: aws
      args: [--region, us-east-2, eks, get-token, --cluster-name, orders, --output, json]
      env: [{name: AWS_PROFILE, value: prod-readonly}]
"""


def test_kubeconfig_hints_from_the_arn_and_from_exec_args(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(EKS_KUBECONFIG)
    config = load_kubeconfig([path])

    current = context_hints(config)
    explicit = context_hints(config, "explicit")

    assert (current.cluster, current.region, current.profile) == ("payments", "eu-west-1", None)
    assert (explicit.cluster, explicit.region, explicit.profile) == (
        "orders", "us-east-2", "prod-readonly",
    )  # fmt: skip
    assert context_hints(load_kubeconfig([tmp_path / "absent"])).cluster is None


@pytest.mark.parametrize(
    ("zone", "region"),
    [
        ("eu-central-1a", "eu-central-1"),
        ("us-west-2-lax-1a", "us-west-2"),
        ("us-gov-west-1b", "us-gov-west-1"),
        ("", None),
        ("minikube", None),
    ],
)
def test_region_of_zone(zone: str, region: str | None) -> None:
    assert region_of_zone(zone) == region


def test_node_facts_tolerate_odd_nodes() -> None:
    facts = NodeFacts()
    for node in (
        {"spec": {"providerID": "aws:///eu-central-1a/i-0abc"},
         "metadata": {"labels": {"node.kubernetes.io/instance-type": "m5.large",
                                 "alpha.eksctl.io/cluster-name": "atlas"}}},
        {"spec": {"providerID": "kind://docker/kind/kind-control-plane"}},
        {"spec": None, "metadata": []},
        "not a node",
    ):  # fmt: skip
        facts.add(node)

    assert facts.instance_ids == ["i-0abc"]
    assert (facts.region, facts.cluster, facts.instance_types) == (
        "eu-central-1", "atlas", {"m5.large"},
    )  # fmt: skip
    tags = [{"Tags": [{"Key": "kubernetes.io/cluster/atlas", "Value": "owned"}]}, {"Tags": None}]
    assert cluster_from_tags(tags) == "atlas"


def test_cni_settings_are_kept_and_credentials_are_not() -> None:
    assert all(
        map(is_cni_setting, ("WARM_IP_TARGET", "ENABLE_POD_ENI", "AWS_VPC_K8S_CNI_EXTERNALSNAT"))
    )
    assert not any(map(is_cni_setting, ("AWS_SECRET_ACCESS_KEY", "ENABLE_TOKEN", "DB_URL")))


def _daemonset(name: str, namespace: str = "kube-system") -> dict:
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "managedFields": [{"manager": "x"}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "a": "b"},
        },
        "spec": {"template": {"spec": {
            "containers": [
                {"name": "aws-node",
                 "args": ["--token", "s3cr3t-arg"],
                 "env": [{"name": "WARM_IP_TARGET", "value": "5"},
                         {"name": "TOKEN", "value": "s3cr3t"},
                         {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "x"}}}]}
            ]
        }}},
    }  # fmt: skip


def test_daemonset_env_is_masked_except_aws_node_cni_settings() -> None:
    aws_node = redact_k8s_item(f.K8S_DAEMONSETS, _daemonset("aws-node"))
    other = redact_k8s_item(f.K8S_DAEMONSETS, _daemonset("aws-node", namespace="default"))

    assert aws_node is not None and other is not None
    container = aws_node["spec"]["template"]["spec"]["containers"][0]
    env = [(e["name"], e.get("value")) for e in container["env"]]
    assert env == [("WARM_IP_TARGET", "5"), ("TOKEN", MARKER), ("FROM_SECRET", None)]
    assert "args" not in container  # nothing reads them: `--token VALUE` never leaves
    assert other["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == MARKER
    assert "annotations" not in aws_node["metadata"]  # none the checks read
    assert "managedFields" not in aws_node["metadata"]
    coredns = {"metadata": {"name": "coredns", "namespace": "kube-system"}, "data": {"a": "b"}}
    assert redact_k8s_item(f.K8S_CONFIGMAPS, coredns) is None


def test_aws_auth_keeps_each_role_arn_and_groups_only() -> None:
    map_roles = (
        "- rolearn: arn:aws:iam::111122223333:role/nodes\n"
        "  username: system:node:{{EC2PrivateDNSName}}\n"
        "  groups: [system:bootstrappers, system:nodes]\n"
        "- username: no-arn\n"
        "- rolearn: arn:aws:iam::111122223333:role/ops\n"
    )
    aws_auth = {
        "metadata": {"name": "aws-auth", "namespace": "kube-system", "annotations": {"x": "y"}},
        "data": {"mapRoles": map_roles, "mapUsers": "- userarn: arn:aws:iam::1:user/me\n"},
    }
    kept = redact_k8s_item(f.K8S_CONFIGMAPS, aws_auth)
    assert kept is not None
    assert json.loads(kept["data"]["mapRoles"]) == [
        {"rolearn": "arn:aws:iam::111122223333:role/nodes",
         "groups": ["system:bootstrappers", "system:nodes"]},
        {"rolearn": "arn:aws:iam::111122223333:role/ops", "groups": []},
    ]  # fmt: skip
    assert list(kept["data"]) == ["mapRoles"] and "annotations" not in kept["metadata"]
    for broken in ("{not: [yaml", "just a string", 42):
        bad = {"metadata": aws_auth["metadata"], "data": {"mapRoles": broken}}
        assert redact_k8s_item(f.K8S_CONFIGMAPS, bad) == {
            "metadata": {"name": "aws-auth", "namespace": "kube-system"},
            "data": {},
        }
    wrong_namespace = {"metadata": {"name": "aws-auth", "namespace": "default"}, "data": {}}
    assert redact_k8s_item(f.K8S_CONFIGMAPS, wrong_namespace) is None


SAMPLE = (
    b'{"OwnerId": "123456789012", "Arn": "arn:aws:elasticloadbalancing:eu-central-1:'
    b'123456789012:targetgroup/k8s-payments-web/73e2d6bc24d8a067", "Ip": "10.1.2.3", '
    b'"Public": "52.28.19.7", "Cidrs": ["203.0.113.0/24", "0.0.0.0/0"], '
    b'"Dns": "k8s-payments-web-1234.eu-central-1.elb.amazonaws.com", '
    b'"Svc": "ec2.eu-central-1.amazonaws.com", "Cluster": "payments", '
    b'"Issuer": "https://oidc.eks.eu-central-1.amazonaws.com/id/ABCDEF0123456789"}'
)


def _redact(key: bytes) -> dict:
    redactor = IdRedactor(key, vpc_cidrs=["10.1.0.0/16"], names=["payments", "k8s-payments-web"])
    redactor.learn(SAMPLE)
    return json.loads(redactor.redact(SAMPLE))


def test_id_tokens_are_stable_valid_and_keyed() -> None:
    one, again, other = _redact(b"k1"), _redact(b"k1"), _redact(b"k2")

    assert one == again and one != other
    assert one["OwnerId"] != "123456789012" and len(one["OwnerId"]) == 12
    assert one["OwnerId"] in one["Arn"] and "payments" not in json.dumps(one)
    assert one["Ip"] == "10.1.2.3"  # inside the VPC: kept
    assert ipaddress.ip_address(one["Public"]) in ipaddress.ip_network("240.0.0.0/4")
    assert one["Cidrs"][1] == "0.0.0.0/0"
    assert ipaddress.ip_network(one["Cidrs"][0]).prefixlen == 24
    assert one["Dns"].endswith(".invalid") and one["Svc"] == "ec2.eu-central-1.amazonaws.com"
    assert "ABCDEF0123456789" not in one["Issuer"]


def test_writer_publishes_atomically_and_abort_leaves_nothing(tmp_path: Path) -> None:
    done = BundleWriter(tmp_path / "done")
    with done.list_file(f.K8S_NODES) as out:
        out.add({"metadata": {"name": "a"}})
    with pytest.raises(RuntimeError), done.list_file(f.K8S_PODS) as out:
        out.add({"metadata": {"name": "half"}})
        raise RuntimeError("connection lost mid-list")
    assert not (tmp_path / "done").exists()  # nothing at the target before commit
    path = done.commit()

    assert json.loads((path / f.K8S_NODES).read_text())["items"] == [{"metadata": {"name": "a"}}]
    assert not (path / f.K8S_PODS).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["done"]

    aborted = BundleWriter(tmp_path / "aborted.tar.gz")
    aborted.write_bytes(f.AWS_VPCS, b"{}")
    aborted.abort()
    assert not (tmp_path / "aborted.tar.gz").exists() and not aborted.root.exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("keep me")
    with pytest.raises(UsageError, match="already exists"):
        BundleWriter(tmp_path / "full").commit()


def test_paginated_aws_output_is_merged_under_its_key() -> None:
    import boto3
    from botocore.stub import Stubber

    from netdoctor.sources.live.aws_api import fetch

    client = boto3.client(
        "ec2", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    params = {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}]}
    with Stubber(client) as stub:
        stub.add_response(
            "describe_subnets", {"Subnets": [{"SubnetId": "subnet-1"}], "NextToken": "t"}, params
        )
        stub.add_response(
            "describe_subnets",
            {"Subnets": [{"SubnetId": "subnet-2"}]},
            {**params, "NextToken": "t"},
        )
        doc, pages = fetch(client, "describe_subnets", params, "Subnets")

    assert (doc, pages) == ({"Subnets": [{"SubnetId": "subnet-1"}, {"SubnetId": "subnet-2"}]}, 2)


def test_skips_carry_what_capture_recorded(tmp_path) -> None:
    import json

    from netdoctor.engine.api import Check
    from netdoctor.engine.runner import run_checks
    from netdoctor.snapshot.bundle import open_bundle
    from netdoctor.snapshot.snapshot import Snapshot

    class NeedsEndpoints(Check):
        id = "t-needs-endpoints"
        title = "needs endpoints"
        needs = (f.AWS_CLUSTER, f.AWS_VPC_ENDPOINTS)

    why = "UnauthorizedOperation: no (needs IAM ec2:DescribeVpcEndpoints)"
    (tmp_path / "meta.json").write_text(json.dumps({"missing": {f.AWS_VPC_ENDPOINTS: why}}))
    (result,) = run_checks([NeedsEndpoints()], Snapshot(open_bundle(tmp_path))).results

    assert [(m.file, m.capture) for m in result.missing] == [
        (f.AWS_CLUSTER, None),
        (f.AWS_VPC_ENDPOINTS, why),
    ]
