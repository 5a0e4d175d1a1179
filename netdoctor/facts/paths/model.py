"""What a trace is made of: hops, each with a verdict and the rule that decided it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class HopKind(StrEnum):
    SERVICE = "service"
    SNAT = "snat"
    SECURITY_GROUP = "security-group"
    NACL = "nacl"
    ROUTE_TABLE = "route-table"
    NAT_GATEWAY = "nat-gateway"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_GATEWAY = "egress-only-internet-gateway"
    TRANSIT_GATEWAY = "transit-gateway"
    PEERING = "peering"
    VPN_GATEWAY = "vpn-gateway"
    VPC_ENDPOINT = "vpc-endpoint"
    APPLIANCE = "appliance"
    ENDPOINT_ACCESS = "endpoint-access"
    LOAD_BALANCER = "load-balancer"


HANDOFF_KINDS = frozenset({HopKind.TRANSIT_GATEWAY, HopKind.PEERING, HopKind.VPN_GATEWAY})
"""Hops that hand the traffic to a network outside the bundle."""


class HopVerdict(StrEnum):
    PASS = "pass"
    BLOCK = "block"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    REACHABLE = "reachable"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"

    @property
    def exit_code(self) -> int:
        """0 reachable, 1 blocked, 3 unknown (2 is bad input)."""
        return {"reachable": 0, "blocked": 1, "unknown": 3}[self.value]


@dataclass(frozen=True)
class Playbook:
    """The playbook option that fixes a blocking hop: `netdoctor playbook ID`, option KEY."""

    id: str
    mechanism: str


@dataclass(frozen=True)
class Hop:
    kind: HopKind
    id: str
    """The resource that decided: `sg-…`, `acl-…`, `rtb-…`, `nat-…`, the cluster, the service."""
    verdict: HopVerdict
    reason: str
    """The rule, route or setting that decided, as evidence."""
    direction: str | None = None
    """`egress`, `ingress` (security groups, network ACLs), else None."""
    missing: tuple[str, ...] = ()
    """Bundle files whose absence left the hop unknown."""
    playbook: Playbook | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "id": self.id,
            "verdict": self.verdict.value,
            "reason": self.reason,
        }
        if self.direction:
            out["direction"] = self.direction
        if self.missing:
            out["missing"] = list(self.missing)
        if self.playbook:
            out["playbook"] = {"id": self.playbook.id, "mechanism": self.playbook.mechanism}
        return out


@dataclass(frozen=True)
class End:
    """A resolved source or destination."""

    text: str
    """What the user asked for (`pod/shop/web-1`, `internet`, `10.0.3.9`)."""
    kind: str
    """`pod`, `node`, `instance`, `ip`, `cidr`, `internet`, `api`, `service`."""
    address: str | None
    """The address traced from or to (a CIDR for `cidr`/`internet`)."""

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "address": self.address}


@dataclass
class Trace:
    source: End
    destination: End
    protocol: str
    port: int | None
    hops: list[Hop] = field(default_factory=list)

    @property
    def blocked_at(self) -> Hop | None:
        return next((h for h in self.hops if h.verdict is HopVerdict.BLOCK), None)

    @property
    def verdict(self) -> Verdict:
        """Blocked when a hop blocks; unknown when a hop is unknown (or there are none);
        reachable only when every hop was seen to pass."""
        if self.blocked_at is not None:
            return Verdict.BLOCKED
        if not self.hops or any(h.verdict is HopVerdict.UNKNOWN for h in self.hops):
            return Verdict.UNKNOWN
        return Verdict.REACHABLE

    @property
    def leaves_at(self) -> Hop | None:
        """The hop where the path leaves the VPC for a network the bundle does not describe
        (transit gateway, peering, VPN): a `reachable` verdict covers the path up to it."""
        return next((h for h in self.hops if h.kind in HANDOFF_KINDS), None)

    @property
    def missing(self) -> list[str]:
        """Every bundle file some hop lacked, in hop order."""
        return list(dict.fromkeys(rel for h in self.hops for rel in h.missing))

    def as_json(self) -> dict[str, Any]:
        blocked = self.blocked_at
        return {
            "verdict": self.verdict.value,
            "source": self.source.as_json(),
            "destination": self.destination.as_json(),
            "protocol": self.protocol,
            "port": self.port,
            "hops": [h.as_json() for h in self.hops],
            "blocked_at": blocked.as_json() if blocked else None,
            "missing": self.missing,
            "leaves_vpc_at": leaves.as_json() if (leaves := self.leaves_at) else None,
        }
