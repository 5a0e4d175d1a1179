"""The state one trace walks with: the snapshot, the flow, the hops found so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from netdoctor.facts.flows import Flow
from netdoctor.facts.paths.model import Hop, HopVerdict
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.views import Views
    from netdoctor.snapshot.snapshot import Snapshot


@dataclass
class Walk:
    snap: Snapshot
    flow: Flow
    hops: list[Hop] = field(default_factory=list)

    @property
    def views(self) -> Views:
        return self.snap.views

    def add(self, hop: Hop) -> Hop:
        self.hops.append(hop)
        return hop

    @property
    def blocked(self) -> bool:
        return any(h.verdict is HopVerdict.BLOCK for h in self.hops)

    @cached_property
    def vpc_id(self) -> str | None:
        return self.views.vpc_id

    @cached_property
    def vpc_cidrs(self) -> list[str] | None:
        """Every IPv4 and IPv6 CIDR of the cluster's VPC; None without describe-vpcs."""
        if not self.snap.has(files.AWS_VPCS):
            return None
        found: list[str] = []
        for vpc in self.snap.vpcs:
            if self.vpc_id and vpc.VpcId != self.vpc_id:
                continue
            found += vpc.cidrs()
            found += [
                a.Ipv6CidrBlock for a in vpc.Ipv6CidrBlockAssociationSet or () if a.Ipv6CidrBlock
            ]
        return found
