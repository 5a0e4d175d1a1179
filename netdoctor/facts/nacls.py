"""Network ACLs: which one guards a subnet, and what it does to a flow.

A network ACL is stateless: outbound traffic and its replies are judged apart, each by the
rules of its direction in ascending `RuleNumber`, the first matching rule deciding; a flow no
rule matches meets the final `*` rule (32767), which denies (Amazon VPC User Guide, "Control
subnet traffic with network access control lists"). Replies go to the client's ephemeral ports,
so a reply is judged over the whole range (`flows.EPHEMERAL_PORTS`): any port of it denied
breaks some connections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.facts.addresses import Network
from netdoctor.facts.flows import Protocol, covers

if TYPE_CHECKING:
    from netdoctor.snapshot.aws_types import NetworkAcl, NetworkAclEntry
    from netdoctor.snapshot.snapshot import Snapshot

ALL_PROTOCOLS = "-1"
LAST_RULE = 32767


def nacl_for(snap: Snapshot, subnet_id: str, vpc_id: str | None = None) -> NetworkAcl | None:
    """The ACL associated with the subnet, else the default ACL of its VPC (a subnet is always
    associated with one); None when the bundle holds neither."""
    acls = snap.network_acls
    for acl in acls:
        if any(a.SubnetId == subnet_id for a in acl.Associations or ()):
            return acl
    defaults = [a for a in acls if a.IsDefault and (vpc_id is None or a.VpcId == vpc_id)]
    return defaults[0] if len(defaults) == 1 else None


@dataclass(frozen=True)
class AclDecision:
    allowed: bool
    rule: int | None
    """The deciding rule's number; None for the implicit `*` rule."""
    text: str
    """`rule 90 deny tcp 443 to 0.0.0.0/0`, as evidence."""


def entry_text(entry: NetworkAclEntry) -> str:
    """`rule 100 allow tcp 1024-65535 from 0.0.0.0/0`."""
    number = "*" if entry.RuleNumber == LAST_RULE else str(entry.RuleNumber)
    proto = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}.get(
        entry.Protocol or "", entry.Protocol or "?"
    )
    ports = ""
    if entry.PortRange is not None and proto in ("tcp", "udp"):
        ports = f" {entry.PortRange.From}-{entry.PortRange.To}"
    way = "to" if entry.Egress else "from"
    peer = entry.CidrBlock or entry.Ipv6CidrBlock or "?"
    return f"rule {number} {entry.RuleAction} {proto}{ports} {way} {peer}"


def _ports(entry: NetworkAclEntry) -> tuple[int, int]:
    if entry.Protocol not in ("6", "17") or entry.PortRange is None:
        return 0, 65535
    low = entry.PortRange.From if entry.PortRange.From is not None else 0
    high = entry.PortRange.To if entry.PortRange.To is not None else 65535
    return low, high


def judge(
    acl: NetworkAcl,
    *,
    egress: bool,
    peer: Network,
    protocol: Protocol,
    ports: tuple[int, int],
) -> AclDecision:
    """Judge traffic to (egress) or from (ingress) `peer` on every port of `ports`: denied when
    a rule denies any of them before a rule allows it, or when no rule allows some of them."""
    entries = sorted(
        (e for e in acl.Entries or () if bool(e.Egress) == egress),
        key=lambda e: e.RuleNumber if e.RuleNumber is not None else LAST_RULE,
    )
    open_ranges = [ports]
    for entry in entries:
        if entry.Protocol not in (ALL_PROTOCOLS, protocol.number):
            continue
        if not covers(entry.CidrBlock or entry.Ipv6CidrBlock, peer):
            continue
        low, high = _ports(entry)
        hit = [(max(a, low), min(b, high)) for a, b in open_ranges if max(a, low) <= min(b, high)]
        if not hit:
            continue
        if (entry.RuleAction or "").lower() != "allow":
            return AclDecision(False, entry.RuleNumber, entry_text(entry))
        rest: list[tuple[int, int]] = []
        for a, b in open_ranges:
            if a < low:
                rest.append((a, min(b, low - 1)))
            if b > high:
                rest.append((max(a, high + 1), b))
        open_ranges = rest
        if not open_ranges:
            return AclDecision(True, entry.RuleNumber, entry_text(entry))
    return AclDecision(False, None, "no rule allows it: the final * rule denies")
