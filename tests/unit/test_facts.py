"""The one home of each network fact: the route table of a subnet, free aligned /28 blocks,
address math. The checks, the capacity view and the inspector all read these."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec

from netdoctor.explore import subnet_capacity
from netdoctor.facts import addresses as ad
from netdoctor.facts import ipspace
from netdoctor.facts.views import EniView
from netdoctor.snapshot import aws_types as a
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot

VPC = "vpc-0f00"
OTHER_VPC = "vpc-0bad"


def _bundle(tmp_path: Path, docs: dict[str, Any]) -> Snapshot:
    for rel, doc in docs.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc), encoding="utf-8")
    return Snapshot(open_bundle(tmp_path))


def _table(table_id: str, vpc: str, *, main: bool = False, subnets: tuple[str, ...] = ()) -> Any:
    assocs: list[dict[str, Any]] = [{"Main": False, "SubnetId": s} for s in subnets]
    if main:
        assocs.append({"Main": True})
    return {"RouteTableId": table_id, "VpcId": vpc, "Associations": assocs, "Routes": []}


def _subnet(subnet_id: str, cidr: str, free: int, vpc: str = VPC) -> Any:
    return {"SubnetId": subnet_id, "VpcId": vpc, "CidrBlock": cidr, "AvailableIpAddressCount": free}


# --- the route table of a subnet -------------------------------------------------------------


def test_explicit_association_wins_else_the_subnets_own_vpc_main_table(tmp_path: Path) -> None:
    snap = _bundle(
        tmp_path,
        {
            "aws/ec2-describe-subnets.json": {
                "Subnets": [
                    _subnet("subnet-0a", "10.0.0.0/24", 250),
                    _subnet("subnet-0b", "10.0.1.0/24", 250),
                ]
            },
            "aws/ec2-describe-route-tables.json": {
                "RouteTables": [
                    _table("rtb-0other", OTHER_VPC, main=True),
                    _table("rtb-0main", VPC, main=True),
                    _table("rtb-0a", VPC, subnets=("subnet-0a",)),
                ]
            },
        },
    )
    views = snap.views
    assert views.route_table_for("subnet-0a").RouteTableId == "rtb-0a"
    assert views.route_table_is_explicit("subnet-0a")
    # no association: the main table of its own VPC, never the other VPC's
    assert views.route_table_for("subnet-0b").RouteTableId == "rtb-0main"
    assert not views.route_table_is_explicit("subnet-0b")
    # a subnet the bundle does not describe: only with the VPC given
    assert views.route_table_for("subnet-0zz") is None
    assert views.route_table_for("subnet-0zz", VPC).RouteTableId == "rtb-0main"
    assert views.data_notes == []


def test_two_tables_on_one_subnet_are_bad_data_not_a_guess(tmp_path: Path) -> None:
    # Before one rule, the inspector kept the last association and the checks the first:
    # a finding and the inspector named different tables for the same subnet.
    snap = _bundle(
        tmp_path,
        {
            "aws/ec2-describe-subnets.json": {
                "Subnets": [_subnet("subnet-0a", "10.0.0.0/24", 250)]
            },
            "aws/ec2-describe-route-tables.json": {
                "RouteTables": [
                    _table("rtb-0first", VPC, subnets=("subnet-0a",)),
                    _table("rtb-0second", VPC, subnets=("subnet-0a",)),
                    _table("rtb-0main", VPC, main=True),
                ]
            },
        },
    )
    views = snap.views
    assert views.route_table_for("subnet-0a") is None
    from netdoctor.facts import routing

    assert routing.subnet_egress(views, "subnet-0a").kind is routing.EgressKind.UNKNOWN
    (note,) = views.data_notes
    assert "subnet-0a is associated with rtb-0first and rtb-0second" in note
    assert note.startswith("aws/ec2-describe-route-tables.json: ")


# --- free aligned /28 blocks -----------------------------------------------------------------


def _eni(*ips: str, subnet: str = "subnet-1", prefixes: tuple[str, ...] = ()) -> EniView:
    return EniView(
        "eni-1",
        subnet,
        None,
        1,
        0,
        "interface",
        ips[0] if ips else None,
        list(ips[1:]),
        list(prefixes),
        [],
    )


def _space(
    cidr: str, free: int | None, *enis: EniView, reservations: list[dict[str, str]] | None = None
) -> ipspace.PrefixSpace | None:
    found = None
    if reservations is not None:
        found = {"subnet-1": [msgspec.convert(r, a.SubnetCidrReservation) for r in reservations]}
    views: Any = SimpleNamespace(
        enis_by_subnet={"subnet-1": list(enis)}, reservations_by_subnet=found
    )
    subnet = msgspec.convert(
        {"SubnetId": "subnet-1", "CidrBlock": cidr, "AvailableIpAddressCount": free}, a.Subnet
    )
    return ipspace.prefix_space(views, subnet)


def test_explicit_reservations_take_blocks_and_free_ips_prefix_reservations_keep_blocks() -> None:
    subnet = msgspec.convert(
        {"SubnetId": "subnet-1", "CidrBlock": "10.0.0.0/26", "AvailableIpAddressCount": 59},
        a.Subnet,
    )
    # .16/28 explicit, .32/28 prefix: only .32 and .48 remain for prefixes.
    space = _space(
        "10.0.0.0/26",
        59,
        reservations=[
            {
                "SubnetCidrReservationId": "scr-1",
                "Cidr": "10.0.0.16/28",
                "ReservationType": "explicit",
            },
            {
                "SubnetCidrReservationId": "scr-2",
                "Cidr": "10.0.0.32/28",
                "ReservationType": "prefix",
            },
        ],
    )
    assert space is not None
    assert (space.free_blocks, space.explicit_blocks, space.prefix_reserved_blocks) == (1, 1, 1)
    assert (space.explicit_free_ips, space.prefix_reserved_free_ips) == (16, 16)
    assert ipspace.usable_free_ips(space, subnet, prefixes=True) == 43
    assert ipspace.usable_free_ips(space, subnet, prefixes=False) == 27
    unknown = _space("10.0.0.0/26", 59)
    assert unknown is not None and not unknown.reservations_known
    assert ipspace.usable_free_ips(unknown, subnet, prefixes=False) == 59


def test_prefix_space_counts_aligned_blocks_free_of_addresses_prefixes_and_reserved() -> None:
    # A /26 has 4 blocks: .0 (reserved .0-.3), .16, .32, .48 (broadcast .63).
    assert _space("10.0.0.0/26", 59).free_blocks == 2
    # An address in .16 and a prefix at .32: nothing left.
    assert _space("10.0.0.0/26", 42, _eni("10.0.0.20", prefixes=("10.0.0.32/28",))).free_blocks == 0
    # Addresses outside the subnet do not count; a /27 prefix takes two blocks.
    space = _space("10.0.0.0/25", 91, _eni("10.9.9.9", prefixes=("10.0.0.32/27",)))
    assert (space.blocks, space.free_blocks) == (8, 4)
    # A /29 cannot hold a /28 at all.
    space = _space("10.0.0.0/29", 3)
    assert (space.blocks, space.free_blocks) == (0, 0)
    assert _space("not a cidr", 10) is None
    # ENIs holding addresses the free count calls free: stale data, so no answer.
    assert _space("10.0.0.0/26", 59, _eni("10.0.0.20")) is None


def test_capacity_view_and_checks_read_the_same_prefix_space(tmp_path: Path) -> None:
    # Before one function, the capacity view counted a /29 and a contradicting free count
    # differently from the checks.
    daemonset = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "metadata": {"name": "aws-node", "namespace": "kube-system"},
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "aws-node",
                                    "image": "x/amazon-k8s-cni:v1.20.1",
                                    "env": [{"name": "ENABLE_PREFIX_DELEGATION", "value": "true"}],
                                }
                            ]
                        }
                    }
                },
            }
        ],
    }
    snap = _bundle(
        tmp_path,
        {
            "k8s/daemonsets.json": daemonset,
            "aws/ec2-describe-subnets.json": {
                "Subnets": [
                    _subnet("subnet-0small", "10.0.0.0/29", 3),
                    _subnet("subnet-0stale", "10.0.1.0/26", 59),
                    _subnet("subnet-0ok", "10.0.2.0/26", 58),
                ]
            },
            "aws/ec2-describe-network-interfaces.json": {
                "NetworkInterfaces": [
                    {
                        "NetworkInterfaceId": "eni-0s",
                        "SubnetId": "subnet-0stale",
                        "PrivateIpAddress": "10.0.1.20",
                        "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.20", "Primary": True}],
                    },
                    {
                        "NetworkInterfaceId": "eni-0o",
                        "SubnetId": "subnet-0ok",
                        "PrivateIpAddress": "10.0.2.20",
                        "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.2.20", "Primary": True}],
                    },
                ]
            },
        },
    )
    rows = {r.subnet_id: r for r in subnet_capacity(snap)}
    for subnet in snap.subnets:
        space = ipspace.prefix_space(snap.views, subnet)
        row = rows[subnet.SubnetId]
        assert row.free_prefix_blocks == (space.free_blocks if space else None), subnet.SubnetId
    assert rows["subnet-0small"].free_prefix_blocks == 0
    assert rows["subnet-0stale"].free_prefix_blocks is None
    assert rows["subnet-0ok"].free_prefix_blocks == 1


# --- addresses ---------------------------------------------------------------------------------


def test_addresses_handle_ipv4_ipv6_and_garbage() -> None:
    assert ad.ipv4_int("10.0.0.1") == 0x0A000001
    assert ad.ipv4_int("10.0.0.256") is None and ad.ipv4_int("fd00::1") is None
    assert ad.ip_in("10.0.0.5", ["10.0.0.0/28"]) is True
    assert ad.ip_in("10.0.0.5", ["fd00::/8", "bogus"]) is False
    assert ad.ip_in("not-an-ip", ["10.0.0.0/8"]) is None
    assert ad.ip_in("2600:1f14::5", ["2600:1f14::/56"]) is True
    assert ad.cidr_covered("10.1.2.0/24", ["10.0.0.0/8"]) is True
    assert ad.cidr_covered("10.1.2.0/24", ["192.168.0.0/16"]) is False
    assert ad.cidr_covered("nonsense", ["10.0.0.0/8"]) is None
    assert ad.usable_addresses("10.0.0.0/24") == 251
    assert ad.is_public("52.1.2.3") is True and ad.is_public("10.1.2.3") is False


def test_an_eni_holds_its_addresses_and_everything_in_its_prefixes() -> None:
    eni = _eni("10.0.0.4", "10.0.0.9", prefixes=("10.0.0.32/28",))
    eni.ipv6_prefixes = ["2600:1f14:a:b:1::/80"]
    assert ad.ip_in_eni("10.0.0.9", eni)
    assert ad.ip_in_eni("10.0.0.47", eni)
    assert not ad.ip_in_eni("10.0.0.48", eni)
    assert ad.ip_in_eni("2600:1f14:a:b:1::7", eni)
    assert not ad.ip_in_eni(None, eni)
