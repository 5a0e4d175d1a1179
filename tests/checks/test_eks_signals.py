"""EKS's own signals beside the findings: a node group health issue about a subnet netdoctor
already found exhausted is quoted there; one nothing else shows becomes a finding; an upgrade
insight is context only; a signal whose check did not run is still listed."""

from __future__ import annotations

import json
from pathlib import Path

from netdoctor.facts.eks_signals import resource_refs
from tests.checks._support import copy_fixture, edit_json
from tests.conftest import BUNDLES, HEALTHY, open_snapshot, run_cli

EXHAUSTED = BUNDLES / "pod-ip-capacity" / "fail-subnet-exhausted-eks-agrees"
WITHOUT_EKS = BUNDLES / "pod-ip-capacity" / "fail-ip-assign-subnet-exhausted"
SG_GONE = BUNDLES / "private-endpoint-access" / "fail-eks-cluster-sg-gone"
INSIGHT_ONLY = BUNDLES / "pod-ip-capacity" / "pass-eks-upgrade-insight-only"


def _report(bundle: Path):
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks

    checks = list(load_checks(plugins=False).checks.values())
    return run_checks(checks, open_snapshot(bundle))


def test_a_signal_about_a_subnet_already_found_is_quoted_not_repeated() -> None:
    report = _report(EXHAUSTED)
    plain = _report(WITHOUT_EKS)
    assert [len(r.findings) for r in report.results] == [len(r.findings) for r in plain.results]
    [signal] = report.eks_signals
    assert (signal.source, signal.code, signal.check) == (
        "nodegroup/bad-small-subnet", "InsufficientFreeAddresses", "pod-ip-capacity",
    )  # fmt: skip
    [index] = signal.findings
    _, finding = report.finding(index) or (None, None)
    assert finding is not None and "subnet/subnet-0c5dae1a9aa1c75d7" in finding.resources
    assert finding.evidence[-1].startswith("EKS reports InsufficientFreeAddresses on nodegroup/")


def test_a_signal_nothing_else_shows_becomes_a_finding_of_its_check() -> None:
    report = _report(SG_GONE)
    [signal] = report.eks_signals
    [index] = signal.findings
    result, finding = report.finding(index) or (None, None)
    assert result is not None and result.check == "private-endpoint-access"
    assert finding is not None and finding.mechanism == "eks-cluster-health"
    assert result.status.value == "fail"


def test_an_upgrade_insight_is_context_and_changes_no_result() -> None:
    report = _report(INSIGHT_ONLY)
    [signal] = report.eks_signals
    assert (signal.code, signal.check, signal.findings) == ("WARNING", None, ())
    assert "Deprecated APIs removed in Kubernetes v1.32" in signal.message
    assert not [f for r in report.results for f in r.findings]


def test_a_healthy_cluster_has_no_signals() -> None:
    assert _report(HEALTHY).eks_signals == []


def test_a_signal_for_a_check_that_did_not_run_is_still_listed(tmp_path: Path) -> None:
    bundle = copy_fixture("pod-ip-capacity", "pass-eks-upgrade-insight-only", tmp_path)

    def failing(doc: dict) -> None:
        doc["nodegroups"][0]["health"]["issues"] = [
            {"code": "InsufficientFreeAddresses", "message": "short", "resourceIds": []}
        ]

    edit_json(bundle, "aws/eks-describe-nodegroups.json", failing)
    (bundle / "aws" / "ec2-describe-subnets.json").unlink()  # pod-ip-capacity skips
    result = run_cli("check", str(bundle), "--format", "json")
    report = json.loads(result.out)
    listed = [s for s in report["eks_signals"] if s["code"] == "InsufficientFreeAddresses"]
    assert [(s["check"], s["findings"]) for s in listed] == [("pod-ip-capacity", [])]
    text = run_cli("check", str(bundle)).out
    assert "InsufficientFreeAddresses: short → pod-ip-capacity did not run" in text


def test_markdown_lists_what_eks_reports() -> None:
    result = run_cli("check", str(SG_GONE), "--format", "markdown")
    section = result.out.split("## EKS reports", 1)[1]
    assert "Ec2SecurityGroupNotFound" in section and "→ \\#1" in section


def test_aws_ids_become_resource_references() -> None:
    assert resource_refs(["subnet-0abc", "sg-01", "i-0f", "eks-ng-1234", " "]) == (
        "subnet/subnet-0abc", "security-group/sg-01", "instance/i-0f", "aws/eks-ng-1234",
    )  # fmt: skip
