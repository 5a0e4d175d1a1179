"""The rules trace applies, one at a time: network ACL order and replies, longest prefix match
with prefix lists, security group peers."""

from __future__ import annotations

from netdoctor.facts import routing
from netdoctor.facts.addresses import parse_network
from netdoctor.facts.flows import Flow, Protocol
from netdoctor.facts.nacls import judge
from netdoctor.facts.secgroups import judge_groups
from netdoctor.snapshot import aws_types as a
from tests.conftest import FIXTURES, open_snapshot


def net(text: str):  # type: ignore[no-untyped-def]
    found = parse_network(text)
    assert found is not None
    return found


def entry(
    number: int,
    action: str,
    egress: bool,
    low: int | None = None,
    high: int | None = None,
    cidr: str = "0.0.0.0/0",
    protocol: str = "6",
) -> a.NetworkAclEntry:
    ports = a.PortRange(From=low, To=high) if low is not None else None
    return a.NetworkAclEntry(
        RuleNumber=number,
        Protocol=protocol,
        RuleAction=action,
        Egress=egress,
        CidrBlock=cidr,
        PortRange=ports,
    )


def acl(*entries: a.NetworkAclEntry) -> a.NetworkAcl:
    last = [entry(32767, "deny", e, protocol="-1") for e in (True, False)]
    return a.NetworkAcl(NetworkAclId="acl-1", Entries=[*entries, *last])


def test_the_lowest_numbered_matching_rule_decides_whatever_the_listing_order() -> None:
    rules = acl(entry(200, "allow", True, 0, 65535), entry(100, "deny", True, 443, 443))
    decision = judge(
        rules, egress=True, peer=net("1.2.3.4/32"), protocol=Protocol.TCP, ports=(443, 443)
    )
    assert not decision.allowed and decision.rule == 100
    other = judge(rules, egress=True, peer=net("1.2.3.4/32"), protocol=Protocol.TCP, ports=(80, 80))
    assert other.allowed and other.rule == 200


def test_replies_need_every_ephemeral_port() -> None:
    rules = acl(entry(100, "allow", False, 1024, 40000), entry(110, "allow", False, 40001, 60999))
    both = judge(
        rules, egress=False, peer=net("0.0.0.0/0"), protocol=Protocol.TCP, ports=(32768, 60999)
    )
    assert both.allowed and both.rule == 110
    gap = acl(entry(100, "allow", False, 1024, 40000))
    missing = judge(
        gap, egress=False, peer=net("0.0.0.0/0"), protocol=Protocol.TCP, ports=(32768, 60999)
    )
    assert not missing.allowed and missing.rule == 32767  # the final * rule


def test_a_rule_for_part_of_the_internet_does_not_decide_for_all_of_it() -> None:
    rules = acl(entry(90, "deny", True, 443, 443, cidr="1.2.3.0/24"), entry(100, "allow", True))
    anywhere = judge(
        rules, egress=True, peer=net("0.0.0.0/0"), protocol=Protocol.TCP, ports=(443, 443)
    )
    assert anywhere.allowed and anywhere.rule == 100
    there = judge(
        rules, egress=True, peer=net("1.2.3.9/32"), protocol=Protocol.TCP, ports=(443, 443)
    )
    assert not there.allowed and there.rule == 90


def route(dest: str | None = None, pl: str | None = None, **target: str) -> a.Route:
    return a.Route(
        DestinationCidrBlock=dest,
        DestinationPrefixListId=pl,
        State="active",
        Origin="CreateRoute",
        **target,
    )


def test_longest_prefix_wins_and_prefix_list_entries_count_by_their_own_length() -> None:
    snap = open_snapshot(FIXTURES / "trace" / "pass-prefix-list-route")
    table = a.RouteTable(
        RouteTableId="rtb-1",
        Routes=[
            route("0.0.0.0/0", NatGatewayId="nat-a"),
            route("198.51.0.0/16", NatGatewayId="nat-wide"),
            route(pl="pl-05f5c84a36e42b8df", NatGatewayId="nat-list"),
        ],
    )
    list_id = snap.prefix_lists[-1].PrefixListId
    assert list_id == "pl-05f5c84a36e42b8df"  # partner-apis: 198.51.100.0/24
    choice = routing.route_for(snap, table, net("198.51.100.7/32"))
    assert choice.route is not None and choice.route.NatGatewayId == "nat-list"
    assert choice.matched == "198.51.100.0/24"
    wide = routing.route_for(snap, table, net("198.51.7.7/32"))
    assert wide.route is not None and wide.route.NatGatewayId == "nat-wide"
    internet = routing.route_for(snap, table, net("0.0.0.0/0"))
    assert internet.route is not None and internet.route.NatGatewayId == "nat-a"


def test_a_prefix_list_without_entries_leaves_the_route_unknown(tmp_path) -> None:
    import shutil

    bundle = tmp_path / "b"
    shutil.copytree(FIXTURES / "trace" / "pass-prefix-list-route", bundle)
    (bundle / "aws" / "ec2-describe-managed-prefix-lists.json").unlink()
    snap = open_snapshot(bundle)
    table = next(t for t in snap.route_tables if t.RouteTableId == "rtb-049920c1602a708d4")
    choice = routing.route_for(snap, table, net("198.51.100.7/32"))
    assert choice.unresolved == ("pl-05f5c84a36e42b8df",)
    # The S3 gateway endpoint's list holds public ranges only: it cannot outrank the local route
    # for a VPC address; the partner list, unseen, could.
    local = routing.route_for(snap, table, net("192.168.1.5/32"))
    assert local.unresolved == ("pl-05f5c84a36e42b8df",)
    assert local.route is not None and local.route.GatewayId == "local"


def test_security_group_peers_by_cidr_group_and_prefix_list() -> None:
    snap = open_snapshot(FIXTURES / "trace" / "pass-healthy")
    flow = Flow(Protocol.TCP, 443)
    node_sg = "sg-055de5d53eb037320"
    api_sg = "sg-0906cbc9dd0f5c576"  # admits 443 from the node group
    by_group = judge_groups(
        snap,
        [api_sg],
        egress=False,
        peer=net("192.168.107.189/32"),
        peer_groups=[node_sg],
        flow=flow,
    )
    assert by_group.allowed is True and by_group.group == api_sg
    stranger = judge_groups(
        snap,
        [api_sg],
        egress=False,
        peer=net("192.168.107.189/32"),
        peer_groups=["sg-other"],
        flow=flow,
    )
    assert stranger.allowed is False
    unknown = judge_groups(
        snap, [api_sg], egress=False, peer=net("192.168.107.189/32"), peer_groups=None, flow=flow
    )
    assert unknown.allowed is None
