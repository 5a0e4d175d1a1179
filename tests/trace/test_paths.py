"""`trace` on the fixtures of scripts/fixtures/trace.py: for each hop kind a path it blocks and
a look-alike it does not, verdict and blocking hop asserted exactly."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from netdoctor.facts.paths import HopKind, HopVerdict, Trace, Verdict, trace
from tests.conftest import FIXTURES, open_snapshot

TRACE = FIXTURES / "trace"
POD = "analytics/pricing-qbgc6sqkjk-cskzz"
"""An application pod on the zone-a node (subnet private-a, nat-a)."""
SGP_POD = "payments/payments-7d9f8c6b5-x2x4q"
NODE_A = "ip-192-168-107-189.eu-central-1.compute.internal"
STRICT_ACL = "acl-04fbede3d0e6a0ed0"
RTB_A = "rtb-049920c1602a708d4"
NAT_A = "nat-0584bbe9ff799a597"
IGW = "igw-0fc63c3043201eaa8"
BRANCH_SG = "sg-0b32f5ff9574c5705"
TGW = "tgw-0caaee7c5752f62a1"
PEERING = "pcx-0f98a8b608823e391"
S3_ENDPOINT = "vpce-015b43147135d17b2"


@dataclass(frozen=True)
class Case:
    scenario: str
    source: str
    destination: str
    verdict: Verdict
    blocked: tuple[HopKind, str] | None = None
    port: int | None = None


CASES = [
    # healthy: NAT egress, S3 by its prefix list, the private API endpoint, a service
    Case("pass-healthy", POD, "internet", Verdict.REACHABLE),
    Case("pass-healthy", POD, "api", Verdict.REACHABLE),
    Case("pass-healthy", POD, "svc/search/ledger", Verdict.REACHABLE),
    Case("pass-healthy", NODE_A, "52.219.168.10", Verdict.REACHABLE),
    # network ACLs: a deny before the allow; the same deny after an allow; replies dropped
    Case("fail-nacl-deny-443", POD, "internet", Verdict.BLOCKED, (HopKind.NACL, STRICT_ACL)),
    Case("pass-nacl-allow-before-deny", POD, "internet", Verdict.REACHABLE),
    Case("fail-nacl-deny-443", POD, "internet", Verdict.REACHABLE, port=80),
    Case(
        "fail-nacl-ephemeral-replies", POD, "internet", Verdict.BLOCKED, (HopKind.NACL, STRICT_ACL)
    ),
    # a prefix-list route, more specific than 0.0.0.0/0: to a blackhole, or to nat-b
    Case(
        "fail-prefix-list-blackhole",
        POD,
        "198.51.100.7",
        Verdict.BLOCKED,
        (HopKind.ROUTE_TABLE, RTB_A),
    ),
    Case("fail-prefix-list-blackhole", POD, "internet", Verdict.REACHABLE),
    Case("pass-prefix-list-route", POD, "198.51.100.7", Verdict.REACHABLE),
    # security groups for pods: the branch ENI's group decides, not the node's
    Case(
        "fail-sgp-branch-sg",
        SGP_POD,
        "internet",
        Verdict.BLOCKED,
        (HopKind.SECURITY_GROUP, BRANCH_SG),
    ),
    Case("fail-sgp-branch-sg", POD, "internet", Verdict.REACHABLE),
    Case("pass-sgp-branch-sg", SGP_POD, "internet", Verdict.REACHABLE),
    # SNAT: external SNAT towards an internet gateway; a peered CIDR excluded (or not)
    Case(
        "fail-external-snat-igw", POD, "internet", Verdict.BLOCKED, (HopKind.INTERNET_GATEWAY, IGW)
    ),
    Case("pass-snat-excluded-peering", POD, "10.20.1.10", Verdict.REACHABLE, port=5432),
    Case("info-snat-peering-not-excluded", POD, "10.20.1.10", Verdict.REACHABLE, port=5432),
    # transit gateway default route: dead attachment, or centralised egress
    Case("fail-tgw-blackhole", POD, "internet", Verdict.BLOCKED, (HopKind.ROUTE_TABLE, RTB_A)),
    Case("pass-tgw-default-route", POD, "internet", Verdict.REACHABLE),
    # NAT gateway failed; internet gateway without a public address on the sender
    Case("fail-nat-failed", POD, "internet", Verdict.BLOCKED, (HopKind.NAT_GATEWAY, NAT_A)),
    Case(
        "fail-igw-no-public-ip", POD, "internet", Verdict.BLOCKED, (HopKind.INTERNET_GATEWAY, IGW)
    ),
    # the API endpoint: public only, restricted to an office range
    Case(
        "fail-api-public-cidrs",
        POD,
        "api",
        Verdict.BLOCKED,
        (HopKind.ENDPOINT_ACCESS, "cluster/orbit-dev"),
    ),
    # a service without ready endpoints
    Case(
        "fail-service-no-endpoints",
        POD,
        "svc/search/ledger",
        Verdict.BLOCKED,
        (HopKind.SERVICE, "svc/search/ledger"),
    ),
    Case("fail-service-no-endpoints", POD, "svc/search/realtime-pricing", Verdict.REACHABLE),
]


def run(case: Case) -> Trace:
    return trace(
        open_snapshot(TRACE / case.scenario), case.source, case.destination, port=case.port
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.scenario}:{c.destination}:{c.port}")
def test_verdict_and_blocking_hop(case: Case) -> None:
    result = run(case)
    assert result.verdict is case.verdict, [h.as_json() for h in result.hops]
    hop = result.blocked_at
    assert (None if hop is None else (hop.kind, hop.id)) == case.blocked


def hops(result: Trace) -> list[tuple[str, str, str]]:
    return [(h.kind.value, h.id, h.verdict.value) for h in result.hops]


def test_the_healthy_path_to_the_internet_hop_by_hop() -> None:
    result = run(Case("pass-healthy", POD, "internet", Verdict.REACHABLE))
    assert [k for k, _, _ in hops(result)] == [
        "snat",
        "security-group",
        "nacl",
        "route-table",
        "nat-gateway",
        "nacl",
        "nacl",
        "route-table",
        "internet-gateway",
    ]
    assert all(v == "pass" for _, _, v in hops(result))
    snat, *_, igw = result.hops
    assert "pod IP 192.168.126.24 becomes node IP 192.168.107.189" in snat.reason
    assert (
        igw.reason == "192.168.26.248 leaves as public 3.66.152.165 (the NAT gateway's Elastic IP)"
    )


def test_s3_goes_by_the_prefix_list_to_the_gateway_endpoint() -> None:
    result = run(Case("pass-healthy", NODE_A, "52.219.168.10", Verdict.REACHABLE))
    route = next(h for h in result.hops if h.kind is HopKind.ROUTE_TABLE)
    assert "pl-6ea54007 (entry 52.219.168.0/24) → vpce-" in route.reason
    assert result.hops[-1].kind is HopKind.VPC_ENDPOINT and result.hops[-1].id == S3_ENDPOINT


def test_the_nacl_rule_that_decides_is_named() -> None:
    blocked = run(Case("fail-nacl-deny-443", POD, "internet", Verdict.BLOCKED)).blocked_at
    assert blocked is not None
    assert "rule 90 deny tcp 443-443 to 0.0.0.0/0" in blocked.reason
    allowed = run(Case("pass-nacl-allow-before-deny", POD, "internet", Verdict.REACHABLE))
    acl = next(h for h in allowed.hops if h.kind is HopKind.NACL)
    assert acl.id == STRICT_ACL and "rule 80 allow tcp 443-443" in acl.reason
    replies = run(Case("fail-nacl-ephemeral-replies", POD, "internet", Verdict.BLOCKED))
    assert replies.blocked_at is not None
    assert "replies (inbound tcp 32768-60999 from 0.0.0.0/0)" in replies.blocked_at.reason


def test_a_pod_with_its_own_security_groups_is_not_translated() -> None:
    result = run(Case("pass-sgp-branch-sg", SGP_POD, "internet", Verdict.REACHABLE))
    snat = result.hops[0]
    assert (
        snat.kind is HopKind.SNAT and "branch ENI" in snat.reason and "untranslated" in snat.reason
    )
    group = result.hops[1]
    assert (group.kind, group.id, group.direction) == (HopKind.SECURITY_GROUP, BRANCH_SG, "egress")


def test_snat_towards_a_peered_cidr_follows_the_exclusions() -> None:
    kept = run(Case("pass-snat-excluded-peering", POD, "10.20.1.10", Verdict.UNKNOWN, port=5432))
    snated = run(
        Case("info-snat-peering-not-excluded", POD, "10.20.1.10", Verdict.UNKNOWN, port=5432)
    )
    assert "pod IP 192.168.126.24 kept" in kept.hops[0].reason
    assert "becomes node IP 192.168.107.189" in snated.hops[0].reason
    for result in (kept, snated):
        assert (result.hops[-1].kind, result.hops[-1].id) == (HopKind.PEERING, PEERING)
        assert result.hops[-1].verdict is HopVerdict.PASS


def test_a_transit_gateway_default_route_is_handed_over_not_blocked() -> None:
    result = run(Case("pass-tgw-default-route", POD, "internet", Verdict.REACHABLE))
    last = result.hops[-1]
    assert (last.kind, last.id, last.verdict) == (HopKind.TRANSIT_GATEWAY, TGW, HopVerdict.PASS)
    assert "not in a netdoctor bundle" in last.reason
    assert result.leaves_at is last
    assert result.as_json()["leaves_vpc_at"]["id"] == TGW
    assert all(h.verdict is HopVerdict.PASS for h in result.hops)


def test_missing_data_is_unknown_and_names_the_file() -> None:
    result = run(Case("unknown-no-acls", POD, "internet", Verdict.UNKNOWN))
    assert result.verdict is Verdict.UNKNOWN and result.blocked_at is None
    assert result.missing == ["aws/ec2-describe-network-acls.json"]
    unknown = [h for h in result.hops if h.verdict is HopVerdict.UNKNOWN]
    assert unknown and all(h.kind is HopKind.NACL for h in unknown)


def test_a_blocking_hop_wins_over_missing_data(tmp_path) -> None:
    import shutil

    bundle = tmp_path / "b"
    shutil.copytree(TRACE / "fail-nat-failed", bundle)
    (bundle / "aws" / "ec2-describe-network-acls.json").unlink()
    result = trace(open_snapshot(bundle), POD, "internet")
    assert result.verdict is Verdict.BLOCKED
    assert result.blocked_at is not None and result.blocked_at.id == NAT_A
    assert "aws/ec2-describe-network-acls.json" in result.missing
