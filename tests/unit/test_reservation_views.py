"""Subnet CIDR reservations count the same in the check, the capacity view and what-if: one
implementation (`facts.ipspace.usable_free_ips`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netdoctor.explore.capacity import subnet_capacity
from tests.checks._support import copy_fixture
from tests.conftest import BUNDLES, open_snapshot, run_cli

SUBNET = "subnet-013026b6abdf154e3"  # 192.168.192.0/26: AvailableIpAddressCount 39
CASES = {
    # an explicit /27 holds 31 of the 39: 8 left, less than the next ENI's 10
    "fail-explicit-reservation-short": (8, 31, False),
    # a /28 holds 15: 24 left, enough
    "pass-small-explicit-reservation": (24, 15, True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_capacity_view_and_what_if_withhold_reserved_addresses(name: str) -> None:
    free, reserved, fits = CASES[name]
    bundle = BUNDLES / "pod-ip-capacity" / name
    [row] = [r for r in subnet_capacity(open_snapshot(bundle)) if r.subnet_id == SUBNET]
    assert (row.free, row.reserved, row.used) == (free, reserved, 59 - free)

    result = run_cli("what-if", str(bundle), "--pods", "5", "--subnet", SUBNET, "-o", "json")
    answer = json.loads(result.out)
    assert answer["fits"] is fits
    assert [s["free_ips"] for s in answer["subnets"]] == [free]


def test_without_the_reservations_file_the_raw_count_stands(tmp_path: Path) -> None:
    bundle = copy_fixture("pod-ip-capacity", "fail-explicit-reservation-short", tmp_path)
    (bundle / "aws" / "ec2-describe-subnet-cidr-reservations.json").unlink()
    [row] = [r for r in subnet_capacity(open_snapshot(bundle)) if r.subnet_id == SUBNET]
    assert (row.free, row.reserved) == (39, 0)


@pytest.mark.parametrize(
    ("name", "blocks"),
    [
        ("pass-prefix-reservation-keeps-blocks", 2),
        ("fail-explicit-reservation-over-free-blocks", 0),
    ],
)
def test_prefix_reservations_are_room_for_prefixes_explicit_ones_are_not(
    name: str, blocks: int
) -> None:
    bundle = BUNDLES / "prefix-delegation" / name
    [row] = [r for r in subnet_capacity(open_snapshot(bundle)) if r.cidr == "192.168.210.0/24"]
    assert row.free_prefix_blocks == blocks
