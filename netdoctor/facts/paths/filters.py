"""The filtering hops: security groups (stateful, per ENI) and network ACLs (stateless, per
subnet boundary, replies judged too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdoctor.facts.addresses import Network
from netdoctor.facts.flows import EPHEMERAL_PORTS, Protocol
from netdoctor.facts.nacls import judge, nacl_for
from netdoctor.facts.paths.model import Hop, HopKind, HopVerdict, Playbook
from netdoctor.facts.secgroups import judge_groups
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.paths.context import Walk

NAT_PORTS = (1024, 65535)
"""The source ports a NAT gateway uses for its connections (Amazon VPC User Guide, NAT
gateways): replies from the internet come back to them."""
SG_PLAYBOOK = Playbook("path-filters", "security-group")
ACL_PLAYBOOK = Playbook("path-filters", "network-acl")


def _verdict(allowed: bool | None) -> HopVerdict:
    if allowed is None:
        return HopVerdict.UNKNOWN
    return HopVerdict.PASS if allowed else HopVerdict.BLOCK


def groups_hop(
    walk: Walk,
    groups: list[str] | None,
    *,
    egress: bool,
    peer: Network,
    peer_groups: list[str] | None,
    missing: list[str] | tuple[str, ...] = (),
    what: str = "",
    fix: Playbook = SG_PLAYBOOK,
) -> Hop:
    """Security groups of one ENI: egress towards `peer` or ingress from it."""
    direction = "egress" if egress else "ingress"
    if groups is None:
        return walk.add(
            Hop(
                HopKind.SECURITY_GROUP,
                "?",
                HopVerdict.UNKNOWN,
                f"the ENI of {what or 'this end'} is not in the bundle: its groups are unknown",
                direction,
                tuple(missing),
            )
        )
    decision = judge_groups(
        walk.snap, groups, egress=egress, peer=peer, peer_groups=peer_groups, flow=walk.flow
    )
    verdict = _verdict(decision.allowed)
    return walk.add(
        Hop(
            HopKind.SECURITY_GROUP,
            decision.group or ",".join(groups) or "none",
            verdict,
            decision.reason,
            direction,
            decision.missing,
            fix if verdict is HopVerdict.BLOCK else None,
        )
    )


def acl_hop(
    walk: Walk,
    subnet_id: str | None,
    *,
    leaving: bool,
    peer: Network,
    reply_ports: tuple[int, int] = EPHEMERAL_PORTS,
) -> Hop:
    """The network ACL of a subnet the flow leaves (`leaving`: outbound to `peer`, replies
    inbound) or enters (inbound from `peer`, replies outbound)."""
    direction = "egress" if leaving else "ingress"
    snap = walk.snap
    if not snap.has(files.AWS_NETWORK_ACLS):
        return walk.add(
            Hop(
                HopKind.NACL,
                subnet_id or "?",
                HopVerdict.UNKNOWN,
                "network ACLs are not in the bundle",
                direction,
                (files.AWS_NETWORK_ACLS,),
            )
        )
    acl = nacl_for(snap, subnet_id, walk.vpc_id) if subnet_id else None
    if acl is None:
        return walk.add(
            Hop(
                HopKind.NACL,
                subnet_id or "?",
                HopVerdict.UNKNOWN,
                f"no network ACL of the bundle guards subnet {subnet_id or '(unknown)'}",
                direction,
            )
        )
    flow = walk.flow
    ports = (flow.port, flow.port) if flow.port is not None else (0, 65535)
    replies = reply_ports if flow.protocol is not Protocol.ICMP else (0, 65535)
    first = judge(acl, egress=leaving, peer=peer, protocol=flow.protocol, ports=ports)
    way, back = ("outbound", "inbound") if leaving else ("inbound", "outbound")
    if not first.allowed:
        return walk.add(
            Hop(
                HopKind.NACL,
                acl.NetworkAclId,
                HopVerdict.BLOCK,
                f"{way} {flow.text()} {'to' if leaving else 'from'} {peer} on subnet "
                f"{subnet_id}: {first.text}",
                direction,
                playbook=ACL_PLAYBOOK,
            )
        )
    reply = judge(acl, egress=not leaving, peer=peer, protocol=flow.protocol, ports=replies)
    if not reply.allowed:
        return walk.add(
            Hop(
                HopKind.NACL,
                acl.NetworkAclId,
                HopVerdict.BLOCK,
                f"{way} allowed ({first.text}), but the replies ({back} "
                f"{flow.protocol.value} {replies[0]}-{replies[1]} {'from' if leaving else 'to'} "
                f"{peer}) are not: {reply.text}; network ACLs are stateless",
                direction,
                playbook=ACL_PLAYBOOK,
            )
        )
    return walk.add(
        Hop(
            HopKind.NACL,
            acl.NetworkAclId,
            HopVerdict.PASS,
            f"{way}: {first.text}; replies {back} {replies[0]}-{replies[1]}: {reply.text}",
            direction,
        )
    )
