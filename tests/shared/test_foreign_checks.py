"""Each built-in check on real JSON other projects recorded (../shared/foreign): never an
`error`, the verdicts the recordings imply, and mixes of them through every code path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from netdoctor.models import Severity, Status
from tests.checks._support import edit_json
from tests.conftest import run_one
from tests.shared._corpus import foreign_bundles

IPAM_CHECKS = ("pod-ip-capacity", "prefix-delegation", "custom-networking")


@pytest.mark.parametrize("check", IPAM_CHECKS)
def test_ipam_checks_never_error(check: str, foreign_bundle: Path) -> None:
    assert run_one(check, foreign_bundle).status.value in ("pass", "fail", "skip")


def foreign_mix(tmp_path: Path, **env: str) -> Path:
    """Every foreign bundle's files in one folder (first one wins), aws-node env overridden:
    real-world shapes from unrelated recordings, run through every code path."""
    out = tmp_path / "mix"
    for bundle in foreign_bundles():
        for path in sorted(bundle.rglob("*.json")):
            target = out / path.relative_to(bundle)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    daemonsets = out / "k8s" / "daemonsets.json"
    doc = json.loads(daemonsets.read_text(encoding="utf-8"))
    for ds in doc["items"]:
        for container in ds["spec"]["template"]["spec"]["containers"]:
            container.setdefault("env", []).extend({"name": k, "value": v} for k, v in env.items())
    daemonsets.write_text(json.dumps(doc), encoding="utf-8")
    (out / "k8s" / "eniconfigs.json").write_text(
        json.dumps({"apiVersion": "v1", "items": [], "kind": "List"}), encoding="utf-8"
    )
    return out


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1"},
        {"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true", "WARM_IP_TARGET": "3"},
    ],
    ids=["secondary-ip", "prefix-delegation", "custom-networking"],
)
def test_foreign_shapes_mixed_never_error(
    shared: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    mix = foreign_mix(tmp_path, **env)
    for check in IPAM_CHECKS:
        result = run_one(check, mix)
        assert result.status.value in ("pass", "fail", "skip"), (check, result.reason)


# --- egress-snat-route -------------------------------------------------------------------


def test_egress_never_errors(foreign_bundle: Path) -> None:
    result = run_one("egress-snat-route", foreign_bundle)
    assert result.status is not Status.ERROR, result.reason


def test_mixed_recordings_do_not_guess_a_route_table(foreign: Path, tmp_path: Path) -> None:
    """Real nodes and instances (hardeneks) next to another account's route tables, subnets and
    NAT gateways (cloud-custodian, one main table, IGW not described): the nodes' subnets have
    no association there and their VPC has no main table there, so nothing can be proven."""
    for source, rels in {
        "hardeneks-eksctl-us-east-1": (
            "k8s/nodes.json",
            "k8s/daemonsets.json",
            "aws/ec2-describe-instances.json",
        ),
        "custodian-cross-az-nat": (
            "aws/ec2-describe-route-tables.json",
            "aws/ec2-describe-subnets.json",
            "aws/ec2-describe-nat-gateways.json",
        ),
    }.items():
        for rel in rels:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(foreign / source / rel, tmp_path / rel)
    result = run_one("egress-snat-route", tmp_path)
    assert result.status is Status.PASS, result.findings


# --- private-endpoint-access -------------------------------------------------------------


def test_private_endpoint_never_errors_nor_names_redacted_ids(foreign_bundle: Path) -> None:
    result = run_one("private-endpoint-access", foreign_bundle)
    assert result.status is not Status.ERROR, result.reason
    for finding in result.findings:
        for ref in finding.resources:
            name = ref.partition("/")[2]
            assert not name.endswith("-"), ref  # e.g. hardeneks' redacted `sg-`, `vpc-`


def test_private_only_cluster_without_nodes_is_partial_not_pass(foreign: Path) -> None:
    """custodian-eks-private-default-vpc: private-only endpoint, DNS on, no nodes.json: nothing
    can be proven wrong, and the node mechanisms say they never ran."""
    result = run_one("private-endpoint-access", foreign / "custodian-eks-private-default-vpc")
    assert (result.status, result.findings) == (Status.PARTIAL, [])
    assert [(u.mechanism, u.missing) for u in result.unchecked] == [
        ("cluster security group admits the nodes on 443", ["k8s/nodes.json"]),
        ("VPC endpoints for nodes without internet egress", ["k8s/nodes.json"]),
    ]


def test_restricted_public_cidrs_in_the_aws_cli_example_are_listed(foreign: Path) -> None:
    """awscli-examples: public and private endpoint, publicAccessCidrs one /32."""
    result = run_one("private-endpoint-access", foreign / "awscli-examples")
    assert [(f.severity, f.resources) for f in result.findings] == [
        (Severity.INFO, ("cluster/my-eks-cluster",))
    ]
    assert "allowed: 22.19.18.2/32" in result.findings[0].evidence


# --- nodeport-exposure -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lacking"),
    [
        (
            "hardeneks-pending-no-nodes",
            {"k8s/ingresses.json", "k8s/targetgroupbindings.json", "k8s/nodes.json"},
        ),
        ("k9s-non-eks", {"k8s/targetgroupbindings.json"}),
    ],
)
def test_foreign_kubernetes_bundles_raise_no_nodeport_finding(
    foreign: Path, name: str, lacking: set[str]
) -> None:
    # In-tree LoadBalancer services use their auto-assigned nodePorts (not direct exposure);
    # the k9s Ingress has no class and the old backend.serviceName shape. What the bundles
    # lack is named, not passed over.
    result = run_one("nodeport-exposure", foreign / name)
    assert (result.status.value, result.findings) == ("partial", [])
    assert lacking <= {m for u in result.unchecked for m in u.missing}


# --- trunk-node-label --------------------------------------------------------------------


def test_trunk_node_label_raises_nothing_on_foreign_bundles(foreign_bundle: Path) -> None:
    result = run_one("trunk-node-label", foreign_bundle)
    assert result.findings == []
    if result.status.value == "partial":  # hardeneks: pods.json was not recorded
        assert [u.missing for u in result.unchecked] == [["k8s/pods.json"]]
    else:
        assert result.status.value in ("pass", "skip")


def test_odd_real_cluster_with_pod_eni_switched_on(foreign: Path, tmp_path: Path) -> None:
    """hardeneks' eksctl cluster (VPC CNI v1.10.1: the label era) with ENABLE_POD_ENI=true:
    Xen and t3 nodes cannot trunk; the Nitro nodes lack the label, one without ENI data."""
    bundle = tmp_path / "bundle"
    shutil.copytree(foreign / "hardeneks-eksctl-us-east-1", bundle)

    def pod_eni_on(doc: dict[str, Any]) -> None:
        for env in doc["items"][0]["spec"]["template"]["spec"]["containers"][0]["env"]:
            if env["name"] == "ENABLE_POD_ENI":
                env["value"] = "true"

    edit_json(bundle, "k8s/daemonsets.json", pod_eni_on)

    result = run_one("trunk-node-label", bundle)
    titles = sorted(f.title.split(":")[0].split(" (VPC")[0] for f in result.findings)
    assert result.status.value == "fail"
    assert titles == sorted(
        [
            "Node ip-192-168-108-172.ec2.internal (m3.xlarge) cannot hold a trunk ENI",
            *(
                f"Node {n} (t3.medium) cannot hold a trunk ENI"
                for n in (
                    "ip-192-168-116-36.ec2.internal",
                    "ip-192-168-59-44.ec2.internal",
                    "ip-192-168-6-151.ec2.internal",
                    "ip-192-168-73-42.ec2.internal",
                )
            ),
            *(
                f"Node {n} lacks the label vpc.amazonaws.com/has-trunk-attached=true"
                for n in (
                    "ip-192-168-30-4.ec2.internal",
                    "ip-192-168-44-181.ec2.internal",
                    "ip-192-168-81-180.ec2.internal",
                )
            ),
        ]
    )
    no_enis = next(f for f in result.findings if "ip-192-168-81-180" in f.title)
    assert "its ENIs are not in the bundle" in no_enis.evidence
