"""trunk-node-label: the exact findings for every fixture bundle and the healthy bundle (the
foreign bundles, one with security groups for pods switched on, and `can_trunk` against the VPC
resource controller's own table: tests/shared)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netdoctor.tooling.fixtures import base
from tests.checks._support import (
    by_zone,
    copy_fixture,
    edit_json,
    fixture_names,
    match_findings,
)
from tests.conftest import BUNDLES, HEALTHY, run_one

CHECK = "trunk-node-label"
FIXTURES = BUNDLES / CHECK
A, B, C = by_zone(base().nodes)
IDS = dict(zip((A, B, C), by_zone(base().instances), strict=True))
ENI_C0, ENI_C1 = "eni-09b1e25bfbd73060b", "eni-0489cae120e1849c6"  # C's ENIs in the base
POD_ENI = "vpc.amazonaws.com/pod-eni"


@dataclass(frozen=True)
class Expected:
    severity: str
    title: str
    """A substring of the title."""
    resources: tuple[str, ...]
    evidence: tuple[str, ...]
    """Substrings that must each appear in some evidence line."""
    nodes: tuple[str, ...]
    """The nodes the playbook commands are filled with."""
    instance_type: str


CASES: dict[str, list[Expected]] = {
    "fail-cninode-feature-missing": [
        Expected(
            "warning",
            f"Node {C} lacks the CNINode feature SecurityGroupsForPods (VPC CNI v1.20.1)",
            (f"node/{C}",),
            (
                f"cninode/{C} features: none",
                "no trunk ENI among its 2 ENIs (1 slot(s) free)",
                "ENABLE_POD_ENI=true (aws-node env)",
                f"allocatable {POD_ENI}: absent",
            ),
            (C,),
            "m6i.large",
        ),
    ],
    "fail-trunk-label-missing-cni-1-14": [
        Expected(
            "warning",
            f"Node {C} lacks the label vpc.amazonaws.com/has-trunk-attached=true (VPC CNI v1.14.1)",
            (f"node/{C}",),
            ("label vpc.amazonaws.com/has-trunk-attached=false", "1 slot(s) free"),
            (C,),
            "m6i.large",
        ),
    ],
    "fail-non-trunk-instance-types": [
        Expected(
            "warning",
            f"Node {B} (t3.large) cannot hold a trunk ENI",
            (f"node/{B}",),
            (
                "t3.large (bundle): hypervisor nitro; t-family types have no trunk",
                "node event Unsupported: The instance type t3.large is not supported for trunk "
                "interface (Security Group for Pods)",
            ),
            (B,),
            "t3.large",
        ),
        Expected(
            "warning",
            f"Node {C} (m4.large) cannot hold a trunk ENI",
            (f"node/{C}",),
            ("m4.large (bundle): hypervisor xen; not a Nitro instance",),
            (C,),
            "m4.large",
        ),
    ],
    "fail-eni-slots-full": [
        Expected(
            "warning",
            f"Node {C} uses all 3 ENI slots, so no trunk ENI can attach",
            (f"node/{C}",),
            (
                f"3 ENIs attached: {ENI_C0} (device 0), {ENI_C1} (device 1), eni-",
                "m6i.large (bundle): 3 ENIs; MAX_ENI=(unset) (default)",
                "no ENI of type trunk; WARM_ENI_TARGET=1 (aws-node env)",
                "No slot available for a trunk ENI to be attached.",
            ),
            (C,),
            "m6i.large",
        ),
    ],
    # Nodes do offer branch ENIs; the pods' nodeSelector pins them to the one that cannot
    # trunk. The title names the selector instead of contradicting the evidence.
    "fail-sgp-pods-pinned-to-t3": [
        Expected(
            "critical",
            "2 pod(s) matched by SecurityGroupPolicy shop/bad-payments-db-access are Pending: "
            "their nodeSelector node.kubernetes.io/instance-type=t3.large excludes the 2 node(s) "
            f"offering {POD_ENI}",
            (
                "securitygrouppolicy/shop/bad-payments-db-access",
                "pod/shop/payments-df384ae97c-k2x9p",
                "pod/shop/payments-df384ae97c-q7w4m",
            ),
            (f"nodes offering {POD_ENI}: {A}, {B}", f"node/{C}: {POD_ENI} absent; t3.large"),
            (C,),
            "t3.large",
        ),
        Expected(
            "warning",
            f"Node {C} (t3.large) cannot hold a trunk ENI",
            (f"node/{C}",),
            ("t3.large (bundle): hypervisor nitro; t-family types have no trunk",),
            (C,),
            "t3.large",
        ),
    ],
    "fail-sgp-pods-pending": [
        Expected(
            "critical",
            "2 pod(s) matched by SecurityGroupPolicy shop/bad-payments-db-access are "
            f"Pending: no node offers {POD_ENI}",
            (
                "securitygrouppolicy/shop/bad-payments-db-access",
                "pod/shop/payments-df384ae97c-k2x9p",
                "pod/shop/payments-df384ae97c-q7w4m",
            ),
            (
                "PodScheduled=False Unschedulable: 0/3 nodes are available: 3 Insufficient "
                f"{POD_ENI}.",
                "ENABLE_POD_ENI=false (aws-node env)",
                f"node/{A}: {POD_ENI} absent",
            ),
            (A, B, C),
            "m6i.large",
        ),
        Expected(
            "critical",
            f"1 pod(s) matched by a SecurityGroupPolicy are Pending: no node offers {POD_ENI}",
            ("pod/shop/ledger-fe14010b4f-m3n8c",),
            (
                f"the SecurityGroupPolicy webhook added a {POD_ENI} request",
                "securitygrouppolicy/shop/bad-ledger-by-service-account selects service "
                "accounts labelled security-group=ledger; the pod runs as service account ledger",
            ),
            (A, B, C),
            "m6i.large",
        ),
    ],
}
PASSING = [
    "pass-sgp-cni-1-15-cninode-features",
    "pass-sgp-cni-1-14-label",
    "pass-unknown-cni-version-either-marker",
]


def test_every_fixture_folder_is_covered() -> None:
    assert fixture_names(CHECK) == {*CASES, *PASSING, "skip-no-daemonsets"}


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_fixture_gives_exactly_the_expected_findings(scenario: str) -> None:
    result = run_one(CHECK, FIXTURES / scenario)
    for want, found in match_findings(result, CASES[scenario]):
        assert found.params == {
            "node": " ".join(want.nodes),
            "instance_id": " ".join(IDS[n] for n in want.nodes),
            "instance_type": want.instance_type,
        }


def test_pod_pending_for_cpu_is_not_blamed_on_pod_eni() -> None:
    result = run_one(CHECK, FIXTURES / "fail-sgp-pods-pending")
    assert not any("reports-" in r for f in result.findings for r in f.resources)


@pytest.mark.parametrize("scenario", PASSING)
def test_healthy_look_alikes_pass(scenario: str) -> None:
    result = run_one(CHECK, FIXTURES / scenario)
    assert (result.status.value, result.findings) == ("pass", [])


def test_missing_daemonsets_file_skips_and_names_it() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-daemonsets")
    assert result.status.value == "skip"
    assert "k8s/daemonsets.json" in result.reason


def test_healthy_example_passes() -> None:
    assert run_one(CHECK, HEALTHY).status.value == "pass"


def test_unknown_cni_version_flags_a_node_with_neither_marker(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-unknown-cni-version-either-marker", tmp_path)

    def drop_label(doc: dict[str, Any]) -> None:
        for item in doc["items"]:
            if item["metadata"]["name"] == A:  # A carried only the label
                del item["metadata"]["labels"]["vpc.amazonaws.com/has-trunk-attached"]

    edit_json(bundle, "k8s/nodes.json", drop_label)

    result = run_one(CHECK, bundle)
    assert [f.title for f in result.findings] == [
        f"Node {A} lacks both vpc.amazonaws.com/has-trunk-attached=true and the CNINode feature "
        f"SecurityGroupsForPods (VPC CNI unknown): the resource controller gives it no {POD_ENI}"
    ]
    assert "no label vpc.amazonaws.com/has-trunk-attached" in result.findings[0].evidence


def test_cninodes_not_collected_means_no_marker_verdict_on_cni_1_15(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-cninode-feature-missing", tmp_path)
    (bundle / "k8s" / "cninodes.json").unlink()
    result = run_one(CHECK, bundle)
    assert (result.status.value, result.findings) == ("partial", [])
    assert [(u.mechanism, u.missing) for u in result.unchecked] == [
        ("CNINode feature SecurityGroupsForPods", ["k8s/cninodes.json"])
    ]


def test_a_cninode_crd_that_is_not_installed_is_no_missing_data(tmp_path: Path) -> None:
    # Capture records a kind the API server does not serve as "not installed": no CNINode
    # exists, so the marker verdict stands and nothing is left unchecked.
    bundle = copy_fixture(CHECK, "fail-cninode-feature-missing", tmp_path)
    (bundle / "k8s" / "cninodes.json").unlink()
    meta = json.loads((bundle / "meta.json").read_text())
    meta["missing"] = {
        "k8s/cninodes.json": "not installed: the API server does not serve cninodes "
        "(vpcresources.k8s.aws/v1alpha1)"
    }
    (bundle / "meta.json").write_text(json.dumps(meta))
    result = run_one(CHECK, bundle)
    assert (result.status.value, result.unchecked) == ("fail", [])
    assert "lacks the CNINode feature SecurityGroupsForPods" in result.findings[0].title
