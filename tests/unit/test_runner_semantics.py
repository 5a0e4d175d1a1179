"""What a result means: `pass` only when every mechanism ran, `skip` as not applicable on a
platform the check does not serve, and root causes ranked first with consequences linked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netdoctor.engine.api import Check, Mechanism, Severity, applies, files
from netdoctor.engine.runner import exit_status, run_checks
from netdoctor.models import SkipKind, Status
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot

NODE = {"metadata": {"name": "n1", "labels": {"kubernetes.io/os": "linux"}}, "spec": {}}


def _snap(tmp_path: Path, docs: dict[str, Any]) -> Snapshot:
    for rel, doc in docs.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc), encoding="utf-8")
    return Snapshot(open_bundle(tmp_path))


def _list(*items: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": list(items)}


def _ds(name: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    container = {"name": name, "image": f"example/{name}:v1.16.0"}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


class VpcCniOnly(Check):
    id = "t-vpc-cni-only"
    title = "needs the VPC CNI"
    needs = (files.K8S_NODES,)
    applies_to = (applies.VPC_CNI,)

    def run(self, snap: Snapshot) -> Any:
        yield self.finding(Severity.WARNING, "ran", resources=["node/n1"])


class TwoMechanisms(Check):
    id = "t-two-mechanisms"
    title = "one mechanism needs route tables"
    needs = (files.K8S_NODES,)
    mechanisms = (Mechanism("routes", (files.AWS_ROUTE_TABLES,)),)

    def run(self, snap: Snapshot) -> Any:
        if not snap.has(files.AWS_NAT_GATEWAYS):
            yield self.unchecked("NAT gateway state", files.AWS_NAT_GATEWAYS)


class Cause(Check):
    id = "t-cause"
    title = "the root cause"
    needs = (files.K8S_NODES,)

    def run(self, snap: Snapshot) -> Any:
        yield self.finding(Severity.INFO, "NAT broken", resources=["nat-gateway/nat-0a"])


class Consequence(Check):
    id = "t-consequence"
    title = "a consequence"
    needs = (files.K8S_NODES,)

    def run(self, snap: Snapshot) -> Any:
        yield self.finding(Severity.WARNING, "unrelated", resources=["node/n1"])
        yield self.finding(
            Severity.CRITICAL,
            "no endpoints",
            resources=["subnet/subnet-0a"],
            cause=self.cause_hint("t-cause", "nat-gateway/nat-0a"),
        )


def test_a_check_skips_as_not_applicable_on_another_cni(tmp_path: Path) -> None:
    snap = _snap(
        tmp_path,
        {"k8s/nodes.json": _list(NODE), "k8s/daemonsets.json": _list(_ds("cilium"))},
    )
    (result,) = run_checks([VpcCniOnly()], snap).results
    assert result.status is Status.SKIP
    assert result.reason_code is SkipKind.NOT_APPLICABLE
    assert "Cilium" in result.reason and "aws-node" in result.reason
    assert result.missing == []


def test_an_unknown_platform_is_missing_data_not_a_default(tmp_path: Path) -> None:
    snap = _snap(tmp_path, {"k8s/nodes.json": _list(NODE)})
    (result,) = run_checks([VpcCniOnly()], snap).results
    assert result.status is Status.SKIP
    assert result.reason_code is SkipKind.MISSING_DATA
    assert [m.file for m in result.missing] == [files.K8S_DAEMONSETS]
    snap = _snap(tmp_path, {"k8s/daemonsets.json": _list(_ds("aws-node"))})
    (result,) = run_checks([VpcCniOnly()], snap).results
    assert result.status is Status.FAIL


def test_a_mechanism_without_its_data_makes_the_result_partial_not_pass(tmp_path: Path) -> None:
    snap = _snap(tmp_path, {"k8s/nodes.json": _list(NODE)})
    report = run_checks([TwoMechanisms()], snap)
    (result,) = report.results
    assert result.status is Status.PARTIAL
    assert [(u.mechanism, u.missing) for u in result.unchecked] == [
        ("routes", [files.AWS_ROUTE_TABLES]),
        ("NAT gateway state", [files.AWS_NAT_GATEWAYS]),
    ]
    assert [m.file for m in result.missing] == [files.AWS_ROUTE_TABLES, files.AWS_NAT_GATEWAYS]
    assert exit_status(report, "warning") == 0
    assert exit_status(report, "warning", fail_on_skip=True) == 1
    snap = _snap(
        tmp_path,
        {
            "aws/ec2-describe-route-tables.json": {"RouteTables": []},
            "aws/ec2-describe-nat-gateways.json": {"NatGateways": []},
        },
    )
    assert run_checks([TwoMechanisms()], snap).results[0].status is Status.PASS


def test_a_consequence_is_linked_under_its_cause_which_takes_its_severity(tmp_path: Path) -> None:
    snap = _snap(tmp_path, {"k8s/nodes.json": _list(NODE)})
    report = run_checks([Consequence(), Cause()], snap)
    ordered = [(f.index, f.title, f.severity.value, f.caused_by) for _, f in report.findings()]
    assert ordered == [
        (1, "NAT broken", "critical", None),  # raised from info to the outage it explains
        (2, "no endpoints", "critical", 1),
        (3, "unrelated", "warning", None),
    ]


def test_without_its_cause_a_finding_stands_alone(tmp_path: Path) -> None:
    snap = _snap(tmp_path, {"k8s/nodes.json": _list(NODE)})
    report = run_checks([Consequence()], snap)
    assert [(f.title, f.caused_by) for _, f in report.findings()] == [
        ("no endpoints", None),
        ("unrelated", None),
    ]
