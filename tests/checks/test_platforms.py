"""Clusters off the default VPC CNI path (fixtures/platforms/, built by
scripts/fixtures/platforms.py): no false alarm, the platform named in every report, and a check
that cannot apply says why with `skip`/`not_applicable` — never `pass`, never `fail`."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, run_cli

PLATFORMS = REPO / "fixtures" / "platforms"
ROOT_CAUSES = REPO / "fixtures" / "root-causes"
VPC_CNI_ONLY = {"custom-networking", "pod-ip-capacity", "prefix-delegation", "trunk-node-label"}
IPV4_ONLY = {"pod-ip-capacity", "prefix-delegation"}
CILIUM_ENI = "cilium-eni-ipam"
IPV6 = "ipv6-pod-prefixes"
ONE_PLATFORM = {CILIUM_ENI, IPV6}
"""Checks for one platform only: not applicable everywhere else (their reasons: below)."""

# platform → (snapshot.platform cni, ipam, ip_family, checks not applicable, words of the reason)
CASES = {
    "cilium-overlay": (
        "cilium",
        "overlay",
        "ipv4",
        VPC_CNI_ONLY | ONE_PLATFORM,
        "Cilium with an overlay pool",
    ),
    "cilium-eni": ("cilium", "vpc-eni", "ipv4", VPC_CNI_ONLY | {IPV6}, "Cilium with its ENI IPAM"),
    "auto-mode": ("eks-auto-mode", "vpc-eni", "ipv4", VPC_CNI_ONLY | ONE_PLATFORM, "EKS Auto Mode"),
    "ipv6": ("vpc-cni", "vpc-eni", "ipv6", IPV4_ONLY | {CILIUM_ENI}, "IPv6 cluster"),
    "calico-policy-only": ("vpc-cni", "vpc-eni", "ipv4", ONE_PLATFORM, ""),
    "fargate-mixed": ("vpc-cni", "vpc-eni", "ipv4", ONE_PLATFORM, ""),
    "windows-mixed": ("vpc-cni", "vpc-eni", "ipv4", ONE_PLATFORM, ""),
    "hostnetwork-heavy": ("vpc-cni", "vpc-eni", "ipv4", ONE_PLATFORM, ""),
}


def _report(bundle: str) -> dict[str, object]:
    result = run_cli("check", str(PLATFORMS / bundle), "-o", "json")
    assert result.code == 0, result.err  # no finding of warning or worse
    report: dict[str, object] = json.loads(result.out)
    return report


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_false_alarm_and_checks_that_cannot_apply_say_why(name: str) -> None:
    cni, ipam, family, not_applicable, reason = CASES[name]
    report = _report(name)
    platform = report["snapshot"]["platform"]  # type: ignore[index]
    assert (platform["cni"], platform["ipam"], platform["ip_family"]) == (cni, ipam, family)
    results = {r["check"]: r for r in report["results"]}  # type: ignore[attr-defined]
    assert [f for r in results.values() for f in r["findings"]] == []
    skipped = {c for c, r in results.items() if r["status"] == "skip"}
    assert skipped == not_applicable
    for check in not_applicable:
        assert results[check]["reason_code"] == "not_applicable"
        if check not in ONE_PLATFORM:
            assert reason in results[check]["reason"]
    if CILIUM_ENI in not_applicable:
        assert "Cilium" in results[CILIUM_ENI]["reason"] or "ENIs" in results[CILIUM_ENI]["reason"]
    if IPV6 in not_applicable:
        assert any(
            w in results[IPV6]["reason"]
            for w in ("IPv4 cluster", "does not run", "manages pod networking")
        )
    ran = set(results) - not_applicable
    assert {results[c]["status"] for c in ran} == {"pass"}


@pytest.mark.parametrize(
    ("name", "compute"),
    [
        ("fargate-mixed", {"ec2": 3, "fargate": 1}),
        ("windows-mixed", {"ec2": 3, "windows": 1}),
        ("auto-mode", {"auto-mode": 3}),
    ],
)
def test_the_kinds_of_compute_are_counted(name: str, compute: dict[str, int]) -> None:
    assert _report(name)["snapshot"]["platform"]["compute"] == compute  # type: ignore[index]


def test_the_cilium_overlay_max_pods_110_is_not_a_prefix_delegation_warning() -> None:
    # c5.large with kubelet max-pods 110 and no prefix delegation: wrong under the VPC CNI,
    # right under Cilium's overlay, where pods take no ENI address.
    out = run_cli("check", str(PLATFORMS / "cilium-overlay"), env={"COLUMNS": "80"}).out
    assert "platform: cilium v1.16.5 (ipam=cluster-pool)" in out
    assert "prefix delegation is off" not in out
    assert "6 not applicable to this cluster" in out


def test_an_ipv6_cluster_short_of_ipv4_addresses_is_not_short_of_pod_ips() -> None:
    out = run_cli("check", str(PLATFORMS / "ipv6"), "-o", "markdown").out
    assert "warm-pool" not in out
    assert "IPv6" in out


def test_a_failed_nat_is_one_root_cause_with_its_consequence_linked() -> None:
    bundle = str(ROOT_CAUSES / "nat-failed")
    report = json.loads(run_cli("check", bundle, "-o", "json").out)
    found = {
        r["check"]: (f["index"], f["severity"], f.get("caused_by"))
        for r in report["results"]
        for f in r["findings"]
    }
    assert found == {
        "egress-snat-route": (1, "critical", None),
        "private-endpoint-access": (2, "critical", 1),
    }
    text = run_cli("check", bundle, env={"COLUMNS": "80"}).out
    assert "1 problem, 1 consequence" in text
    assert "    [2] CRITICAL private-endpoint-access  caused by [1]" in text.splitlines()


@pytest.mark.parametrize(
    ("fixture", "cause"),
    [
        ("custom-networking/fail-no-eniconfig-for-zone", "custom-networking"),
        ("prefix-delegation/fail-fragmented-subnet-pods-stuck", "prefix-delegation"),
        # max-pods left at 29 under prefix delegation is info alone, critical once pods wait
        ("prefix-delegation/fail-max-pods-left-at-secondary-pods-pending", "prefix-delegation"),
    ],
)
def test_pods_without_an_ip_are_a_consequence_of_the_check_that_explains_why(
    fixture: str, cause: str
) -> None:
    report = json.loads(
        run_cli("check", str(REPO / "fixtures/bundles" / fixture), "-o", "json").out
    )
    found = [
        (r["check"], f["index"], f["severity"], f.get("caused_by"))
        for r in report["results"]
        for f in r["findings"]
    ]
    assert sorted(found) == sorted(
        [(cause, 1, "critical", None), ("pod-ip-capacity", 2, "critical", 1)]
    )


@pytest.mark.parametrize(
    ("name", "check", "severity", "title", "resources"),
    [
        (
            "../bundles/cilium-eni-ipam/fail-subnet-exhausted-pods-stuck",
            CILIUM_ENI,
            "critical",
            "3 pod(s) on node ip-192-168-107-189.eu-central-1.compute.internal cannot get an IP "
            "from Cilium's ENI IPAM: the node's subnet subnet-0c3e4e30d4d93c4b6 has 2 free IPs, "
            "fewer than the operator's pre-allocation of 8",
            5,
        ),
        (
            "../bundles/ipv6-pod-prefixes/fail-subnet-without-ipv6",
            IPV6,
            "critical",
            "2 pod(s) on node ip-192-168-192-10.eu-central-1.compute.internal cannot get an IPv6 "
            "address: its subnet subnet-00f15dfa4d20282ac has no IPv6 CIDR, so the node has no "
            "/80 prefix",
            4,
        ),
        (
            "windows-max-pods-over",
            "pod-ip-capacity",
            "warning",
            "Windows node ip-192-168-128-9.eu-central-1.compute.internal allows 29 pods but its "
            "primary ENI holds only 9 pod IPs",
            1,
        ),
    ],
)
def test_failing_variants_are_still_caught(
    name: str, check: str, severity: str, title: str, resources: int
) -> None:
    """Beside their healthy look-alikes (cilium-eni, ipv6, quiet above): the one finding, from
    the platform's own check, and nothing from any other."""
    result = run_cli("check", str(PLATFORMS / name), "-o", "json")
    assert result.code == 1
    findings = [(r["check"], f) for r in json.loads(result.out)["results"] for f in r["findings"]]
    assert [(c, f["severity"], f["title"]) for c, f in findings] == [(check, severity, title)]
    assert len(findings[0][1]["resources"]) == resources
