"""Security group rules judged against one flow.

Security groups are stateful: a flow allowed out by the sender's groups has its replies let
back in, and one allowed in by the receiver's groups is answered whatever the receiver's
egress rules say (Amazon VPC User Guide, "Security group rules"). So a path asks two
questions: does some egress rule of the sender's groups allow the flow to the receiver, and
does some ingress rule of the receiver's groups allow it from the sender. Rules only allow;
the groups of one ENI are a union. A rule names a peer by CIDR, by prefix list or by a
referenced group (the peer's ENI carries it).

`access.admits` is the narrower question private-endpoint-access asks (TCP to a port, a
prefix list counted as admitting); this module answers for any flow and never guesses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.facts.access import rule_text
from netdoctor.facts.addresses import Network
from netdoctor.facts.flows import Flow, Protocol, covers
from netdoctor.facts.prefixlists import prefix_list_match
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.snapshot.aws_types import IpPermission
    from netdoctor.snapshot.snapshot import Snapshot

_PROTOCOL_NAMES = {
    Protocol.TCP: ("tcp", "6"),
    Protocol.UDP: ("udp", "17"),
    Protocol.ICMP: ("icmp", "1"),
}


@dataclass(frozen=True)
class GroupDecision:
    """What a set of groups does to a flow in one direction."""

    allowed: bool | None
    """True, False, or None when the bundle cannot tell."""
    reason: str
    group: str | None = None
    """The group whose rule allowed the flow."""
    missing: tuple[str, ...] = ()
    """Bundle files whose absence left it unknown."""


def _protocol_ok(perm: IpPermission, flow: Flow) -> bool:
    if perm.IpProtocol in ("-1", "all"):
        return True
    if perm.IpProtocol not in _PROTOCOL_NAMES[flow.protocol]:
        return False
    if flow.port is None or flow.protocol is Protocol.ICMP:
        return True
    low = perm.FromPort if perm.FromPort not in (None, -1) else 0
    high = perm.ToPort if perm.ToPort not in (None, -1) else 65535
    return low <= flow.port <= high


def _peer_ok(
    snap: Snapshot, perm: IpPermission, peer: Network, peer_groups: list[str] | None
) -> bool | None:
    """True when the rule names the peer, None when only unknown data could say."""
    cidrs = [*(x.CidrIp for x in perm.IpRanges or ()), *(x.CidrIpv6 for x in perm.Ipv6Ranges or ())]
    if any(covers(c, peer) for c in cidrs):
        return True
    unknown = False
    for pl in perm.PrefixListIds or ():
        match = prefix_list_match(snap, pl.PrefixListId, peer)
        if match:
            return True
        unknown = unknown or match is None
    pairs = [p.GroupId for p in perm.UserIdGroupPairs or () if p.GroupId]
    if pairs:
        if peer_groups is None:
            unknown = True
        elif any(g in peer_groups for g in pairs):
            return True
    return None if unknown else False


def judge_groups(
    snap: Snapshot,
    group_ids: Iterable[str],
    *,
    egress: bool,
    peer: Network,
    peer_groups: list[str] | None,
    flow: Flow,
) -> GroupDecision:
    """Whether some rule of `group_ids` allows `flow` to (egress) or from (ingress) `peer`,
    whose ENI carries `peer_groups` (None when unknown; [] outside the VPC)."""
    ids = list(group_ids)
    way = "egress" if egress else "ingress"
    if not snap.has(files.AWS_SECURITY_GROUPS):
        return GroupDecision(
            None,
            f"{', '.join(ids)}: security group rules not in the bundle",
            missing=(files.AWS_SECURITY_GROUPS,),
        )
    by_id = snap.views.security_groups_by_id
    absent = [g for g in ids if g not in by_id]
    unsure: list[str] = []
    for group_id in ids:
        group = by_id.get(group_id)
        if group is None:
            continue
        for perm in (group.IpPermissionsEgress if egress else group.IpPermissions) or ():
            if not _protocol_ok(perm, flow):
                continue
            named = _peer_ok(snap, perm, peer, peer_groups)
            if named:
                return GroupDecision(
                    True,
                    f"{group_id} {way} rule {rule_text(perm, 'to' if egress else 'from')}",
                    group_id,
                )
            if named is None:
                unsure.append(
                    f"{group_id} {way} rule {rule_text(perm, 'to' if egress else 'from')}"
                )
    if absent:
        return GroupDecision(
            None,
            f"{', '.join(absent)} not described in {files.AWS_SECURITY_GROUPS}",
            missing=(files.AWS_SECURITY_GROUPS,),
        )
    if unsure:
        lacking = [] if snap.has(files.AWS_PREFIX_LISTS) else [files.AWS_PREFIX_LISTS]
        return GroupDecision(
            None,
            f"only rules whose peer the bundle cannot resolve could allow it: {'; '.join(unsure)}",
            missing=tuple(lacking),
        )
    return GroupDecision(
        False, f"no {way} rule of {', '.join(ids) or 'its (no) groups'} allows {flow.text()}"
    )
