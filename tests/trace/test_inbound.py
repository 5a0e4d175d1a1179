"""`trace --from internet`: into the cluster through a load balancer (an NLB Service in ip mode,
an ALB Ingress in instance and ip mode), blocked at the hop that drops it, each failure next to
the healthy look-alike (fixtures/trace, built by scripts/fixtures/trace.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import jsonschema
import pytest

from netdoctor.facts.paths import HopKind, HopVerdict, Verdict, trace
from tests.conftest import FIXTURES, open_snapshot, run_cli
from tests.trace.test_cli import SCHEMA

TRACE = FIXTURES / "trace"
NLB = "svc/search/ledger-nlb"
ALB_INSTANCE = "ingress/analytics/pricing"
ALB_IP = "ingress/catalog/realtime-webhook"
NLB_NAME = "k8s-search-ledgernl-bb7d696520"
NLB_SG = "sg-0f235e6e06c310515"
CLUSTER_SG = "sg-0bf1d6df6f8dcf8c5"


@dataclass(frozen=True)
class Case:
    scenario: str
    destination: str
    verdict: Verdict
    blocked: tuple[HopKind, str] | None = None


CASES = [
    Case("pass-healthy", NLB, Verdict.REACHABLE),
    Case("pass-healthy", ALB_INSTANCE, Verdict.REACHABLE),
    Case("pass-healthy", ALB_IP, Verdict.REACHABLE),
    # an internal NLB, next to the internet-facing ALBs of the same bundle
    Case("fail-inbound-internal", NLB, Verdict.BLOCKED, (HopKind.LOAD_BALANCER, NLB_NAME)),
    Case("fail-inbound-internal", ALB_INSTANCE, Verdict.REACHABLE),
    # the NLB's own group admits only an office range (loadBalancerSourceRanges)
    Case(
        "fail-inbound-source-ranges",
        NLB,
        Verdict.BLOCKED,
        (HopKind.SECURITY_GROUP, f"{NLB_SG},sg-017454ef60645162e"),
    ),
    # the node group no longer admits the ALB on the NodePort: instance targets blocked, ip
    # targets (pod port 8080, still admitted) not
    Case(
        "fail-inbound-node-sg",
        ALB_INSTANCE,
        Verdict.BLOCKED,
        (HopKind.SECURITY_GROUP, f"{CLUSTER_SG},sg-055de5d53eb037320"),
    ),
    Case("fail-inbound-node-sg", ALB_IP, Verdict.REACHABLE),
    Case("fail-inbound-node-sg", NLB, Verdict.REACHABLE),
    # a ClusterIP Service has no load balancer at all
    Case(
        "pass-healthy",
        "svc/search/ledger",
        Verdict.BLOCKED,
        (HopKind.LOAD_BALANCER, "svc/search/ledger"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.scenario}:{c.destination}")
def test_verdict_and_blocking_hop(case: Case) -> None:
    result = trace(open_snapshot(TRACE / case.scenario), "internet", case.destination)
    assert result.verdict is case.verdict, [h.as_json() for h in result.hops]
    hop = result.blocked_at
    assert (None if hop is None else (hop.kind, hop.id)) == case.blocked


def test_the_healthy_instance_path_hop_by_hop() -> None:
    result = trace(open_snapshot(TRACE / "pass-healthy"), "internet", ALB_INSTANCE)
    kinds = [(h.kind.value, h.direction) for h in result.hops]
    assert kinds == [
        ("load-balancer", None),
        ("security-group", "ingress"),
        ("nacl", "ingress"),
        ("route-table", None),
        ("service", None),
        ("nacl", "ingress"),
        ("security-group", "ingress"),
    ]
    assert result.port == 80
    assert "tcp 31320-31320 from sg-017454ef60645162e" in result.hops[-1].reason
    assert "igw-" in result.hops[3].reason


def test_an_internal_load_balancer_stops_at_the_first_hop() -> None:
    result = trace(open_snapshot(TRACE / "fail-inbound-internal"), "internet", NLB)
    assert [h.kind for h in result.hops] == [HopKind.LOAD_BALANCER]
    assert "is internal (Scheme internal" in result.hops[0].reason


def test_without_the_load_balancers_file_the_verdict_is_unknown_and_names_it(tmp_path) -> None:
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(TRACE / "pass-healthy", bundle)
    (bundle / "aws" / "elbv2-describe-load-balancers.json").unlink()
    result = trace(open_snapshot(bundle), "internet", NLB)
    assert result.verdict is Verdict.UNKNOWN
    assert result.hops[0].verdict is HopVerdict.UNKNOWN
    assert result.missing == ["aws/elbv2-describe-load-balancers.json"]
    assert "should be internet-facing" in result.hops[0].reason


def test_cli_exit_status_json_and_bad_destinations() -> None:
    blocked = run_cli(
        "trace",
        str(TRACE / "fail-inbound-node-sg"),
        "--from",
        "internet",
        "--to",
        ALB_INSTANCE,
        "-o",
        "json",
    )
    assert blocked.code == 1
    doc = json.loads(blocked.out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["source"]["kind"] == "internet" and doc["destination"]["kind"] == "ingress"
    assert doc["blocked_at"]["kind"] == "security-group"
    bad = run_cli("trace", str(TRACE / "pass-healthy"), "--from", "internet", "--to", "1.2.3.4")
    assert bad.code == 2
    assert bad.err.strip() == (
        "netdoctor: error: --to 1.2.3.4: from internet, trace to svc/NAMESPACE/NAME "
        "(a LoadBalancer Service) or ingress/NAMESPACE/NAME"
    )
