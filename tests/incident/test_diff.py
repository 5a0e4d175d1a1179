"""Frame-to-frame diffs computed from the typed Snapshots: what an engineer scrubbing through
an incident sees change."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdoctor.sources.incident.diff import diff_snapshots
from netdoctor.sources.incident.reader import open_incident
from tests.incident.conftest import (
    DEMO,
    NODE_D,
    SUBNET_A,
    at,
    edit_json,
    healthy_files,
    make_incident,
)

NAT_A = "nat-0584bbe9ff799a597"  # private-a's NAT gateway
RTB_A = "rtb-049920c1602a708d4"  # private-a's route table


@pytest.fixture(scope="module")
def demo():
    with open_incident(DEMO) as incident:
        yield incident


def _diff(incident, number: int):
    return diff_snapshots(
        incident.snapshot(number - 1), incident.snapshot(number), (number - 1, number)
    )


def test_the_new_node_joining_drains_the_subnet(demo) -> None:
    diff = _diff(demo, 5)
    assert [(c.ref, c.change, c.after) for c in diff.of("node")] == [
        (f"node/{NODE_D}", "added", "Ready")
    ]
    [subnet] = diff.of("subnet")
    assert (subnet.ref, subnet.before, subnet.after, subnet.delta) == (
        f"subnet/{SUBNET_A}",
        "6",
        "0",
        -6,
    )
    assert subnet.text == f"subnet/{SUBNET_A} free IPs 6 → 0 (-6)"
    [eni] = diff.of("eni")
    assert eni.change == "added" and f"node/{NODE_D}" in (eni.after or "")
    # The three unscheduled pods start on the new node; its aws-node and kube-proxy appear.
    assert ("Pending", "Running", 3) in diff.pod_transitions()
    assert ("(new)", "Running", 2) in diff.pod_transitions()


def test_the_new_subnet_frees_every_stuck_pod(demo) -> None:
    diff = _diff(demo, 10)
    assert diff.pod_transitions() == [("ContainerCreating", "Running", 13)]
    added = [c for c in diff.of("subnet") if c.change == "added"]
    assert len(added) == 1 and "192.168.192.0/19" in added[0].text
    association = diff.of("route")
    assert len(association) == 1 and association[0].ref.startswith(f"route-table/{RTB_A}")
    assert len(diff.of("eni")) == 2
    assert "13 pods changed" in diff.summary()


def test_quiet_frames_show_no_change_and_the_first_frame_has_nothing_to_compare(demo) -> None:
    assert _diff(demo, 12).summary() == "no changes"
    assert diff_snapshots(None, demo.snapshot(1), (None, 1)).summary() == "first frame"
    stuck = _diff(demo, 8)
    # Only the FailedCreatePodSandBox counts climb while the pods stay stuck.
    assert {c.kind for c in stuck.changes} == {"event"}
    assert all("FailedCreatePodSandBox" in c.text for c in stuck.changes)
    assert len(stuck.changes) == 13


def test_nat_gateway_state_and_blackhole_routes_show_up(tmp_path: Path) -> None:
    before = at(healthy_files(), "2025-10-18T10:00:00Z")
    after = at(before, "2025-10-18T10:00:30Z")

    def fail_nat(doc):
        for nat in doc["NatGateways"]:
            if nat["NatGatewayId"] == NAT_A:
                nat["State"] = "failed"
                nat["FailureCode"] = "InsufficientFreeAddressesInSubnet"

    def blackhole(doc):
        for table in doc["RouteTables"]:
            if table["RouteTableId"] == RTB_A:
                for route in table["Routes"]:
                    if route.get("NatGatewayId") == NAT_A:
                        route["State"] = "blackhole"

    edit_json(after, "aws/ec2-describe-nat-gateways.json", fail_nat)
    edit_json(after, "aws/ec2-describe-route-tables.json", blackhole)
    root = make_incident(tmp_path / "incident", [before, after])
    with open_incident(root) as incident:
        diff = _diff(incident, 2)
    assert [c.text for c in diff.of("nat-gateway")] == [
        f"nat-gateway/{NAT_A}: available → failed (InsufficientFreeAddressesInSubnet)"
    ]
    assert [c.text for c in diff.of("route")] == [
        f"route-table/{RTB_A} 0.0.0.0/0: {NAT_A} → {NAT_A} (blackhole)"
    ]
    assert diff.of("pod") == [] and diff.of("subnet") == []


def test_a_file_missing_from_one_frame_is_not_reported_as_everything_removed(
    tmp_path: Path,
) -> None:
    first = at(healthy_files(), "2025-10-18T10:00:00Z")
    second = at(first, "2025-10-18T10:00:30Z")
    del second["k8s/pods.json"]
    root = make_incident(tmp_path / "incident", [first, second])
    with open_incident(root) as incident:
        assert _diff(incident, 2).summary() == "no changes"
