"""A check's finding about a path and `trace` on that path agree: run on the same fixture, the
check's mechanism is the playbook option of the hop trace blocks at, on the same resource; where
the check is quiet, trace does not block."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from netdoctor.facts.paths import HopKind, Verdict, trace
from tests.conftest import FIXTURES, open_snapshot, run_one
from tests.trace.test_paths import IGW, NAT_A, POD, RTB_A

TRACE = FIXTURES / "trace"
EGRESS = "egress-snat-route"
ENDPOINT = "private-endpoint-access"


@dataclass(frozen=True)
class Agree:
    scenario: str
    check: str
    destination: str
    mechanism: str | None
    """The check's finding (and trace's blocking playbook option); None: quiet and unblocked."""
    resource: str | None = None
    """A resource of the finding that is the blocking hop."""
    kind: HopKind | None = None


CASES = [
    Agree(
        "fail-external-snat-igw",
        EGRESS,
        "internet",
        "external-snat-igw",
        f"internet-gateway/{IGW}",
        HopKind.INTERNET_GATEWAY,
    ),
    Agree(
        "fail-igw-no-public-ip",
        EGRESS,
        "internet",
        "igw-no-public-ip",
        f"internet-gateway/{IGW}",
        HopKind.INTERNET_GATEWAY,
    ),
    Agree(
        "fail-nat-failed",
        EGRESS,
        "internet",
        "nat-unavailable",
        f"nat-gateway/{NAT_A}",
        HopKind.NAT_GATEWAY,
    ),
    Agree(
        "fail-tgw-blackhole",
        EGRESS,
        "internet",
        "blackhole-default-route",
        f"route-table/{RTB_A}",
        HopKind.ROUTE_TABLE,
    ),
    Agree("pass-tgw-default-route", EGRESS, "internet", None),
    Agree("pass-healthy", EGRESS, "internet", None),
    Agree(
        "fail-api-public-cidrs",
        ENDPOINT,
        "api",
        "egress-ips-refused",
        "cluster/orbit-dev",
        HopKind.ENDPOINT_ACCESS,
    ),
    Agree("pass-healthy", ENDPOINT, "api", None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.check}:{c.scenario}")
def test_the_check_and_trace_agree(case: Agree) -> None:
    bundle = TRACE / case.scenario
    result = run_one(case.check, bundle)
    path = trace(open_snapshot(bundle), POD, case.destination)
    blocked = path.blocked_at
    mechanisms = [f.mechanism for f in result.findings]
    if case.mechanism is None:
        assert mechanisms == [] and path.verdict is Verdict.REACHABLE, (mechanisms, path.hops)
        return
    assert case.mechanism in mechanisms
    assert blocked is not None and blocked.playbook is not None
    assert (blocked.kind, blocked.playbook.id, blocked.playbook.mechanism) == (
        case.kind,
        case.check,
        case.mechanism,
    )
    finding = next(f for f in result.findings if f.mechanism == case.mechanism)
    assert case.resource in finding.resources
    assert case.resource is not None and case.resource.endswith(blocked.id)


def test_snat_towards_a_peered_network_agrees_with_the_exclusions() -> None:
    for scenario, snated in (
        ("info-snat-peering-not-excluded", True),
        ("pass-snat-excluded-peering", False),
    ):
        bundle = TRACE / scenario
        mechanisms = [f.mechanism for f in run_one(EGRESS, bundle).findings]
        snat = trace(open_snapshot(bundle), POD, "10.20.1.10", port=5432).hops[0]
        assert ("snat-to-private-networks" in mechanisms) is snated, mechanisms
        assert ("becomes node IP" in snat.reason) is snated, snat.reason


@pytest.mark.parametrize(
    ("scenario", "blocked"), [("fail-cluster-sg-no-443", True), ("pass-private-endpoint", False)]
)
def test_the_cluster_security_group_finding_and_trace_agree(scenario: str, blocked: bool) -> None:
    from tests.conftest import BUNDLES

    bundle = BUNDLES / ENDPOINT / scenario
    snap = open_snapshot(bundle)
    node = snap.views.nodes[0].name
    mechanisms = [f.mechanism for f in run_one(ENDPOINT, bundle).findings]
    hop = trace(snap, node, "api").blocked_at
    assert ("cluster-sg-443" in mechanisms) is blocked
    if blocked:
        assert hop is not None and hop.kind is HopKind.SECURITY_GROUP
        assert hop.direction == "ingress" and hop.playbook is not None
        assert (hop.playbook.id, hop.playbook.mechanism) == (ENDPOINT, "cluster-sg-443")
    else:
        assert hop is None
