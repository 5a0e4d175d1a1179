"""The `endpoint-access` hops of `--to api`: which endpoint this source resolves, and whether
the public one lets its egress address in.

From inside the VPC the cluster's name resolves to the private endpoint (the EKS-owned ENIs in
the cluster subnets) when private access is on and the VPC has DNS support and DNS hostnames
on; otherwise to the public endpoint, which only admits addresses in `publicAccessCidrs` (none
set means every address) (EKS User Guide, "Cluster API server endpoint").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.facts.access import EndpointAccess, flag
from netdoctor.facts.addresses import ip_in
from netdoctor.facts.paths.model import Hop, HopKind, HopVerdict, Playbook
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.paths.context import Walk
    from netdoctor.facts.views import EniView

PLAYBOOK = "private-endpoint-access"
HTTPS = 443


@dataclass
class ApiPlan:
    """Where `api` leads: the private endpoint's ENIs, the public endpoint, or nowhere."""

    private: bool | None
    """True: private endpoint; False: public; None: stop (blocked or unknown)."""
    access: EndpointAccess | None = None
    enis: list[EniView] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    """The private endpoint's security groups (its ENIs', else the cluster's)."""


def plan(walk: Walk) -> ApiPlan:
    """Add the hop that decides which endpoint the source reaches."""
    snap = walk.snap
    cluster = snap.cluster
    if cluster is None:
        walk.add(
            Hop(
                HopKind.ENDPOINT_ACCESS,
                "cluster",
                HopVerdict.UNKNOWN,
                "the cluster's endpoint settings are not in the bundle",
                missing=(files.AWS_CLUSTER,),
            )
        )
        return ApiPlan(None)
    access = EndpointAccess(snap, cluster, [])
    hop_id = f"cluster/{access.name}"
    settings = access.endpoint_line()
    dns_files = [
        rel for rel in (files.AWS_VPC_DNS_SUPPORT, files.AWS_VPC_DNS_HOSTNAMES) if not snap.has(rel)
    ]

    def add(verdict: HopVerdict, reason: str, *missing: str, fix: str | None = None) -> None:
        book = Playbook(PLAYBOOK, fix) if fix else None
        walk.add(
            Hop(
                HopKind.ENDPOINT_ACCESS,
                hop_id,
                verdict,
                f"{settings}; {reason}",
                missing=missing,
                playbook=book,
            )
        )

    if access.private is True and not access.dns_off:
        if dns_files:
            add(
                HopVerdict.UNKNOWN,
                "whether VPC DNS resolves the private endpoint is unknown",
                *dns_files,
            )
            return ApiPlan(None)
        enis = _endpoint_enis(walk, access.name)
        groups = sorted({g for e in enis for g in e.security_groups}) or _cluster_groups(access)
        add(
            HopVerdict.PASS,
            "VPC DNS support and hostnames on: the name resolves to the private "
            f"endpoint ({', '.join(e.primary_ip or e.eni_id for e in enis) or 'EKS ENIs'})",
        )
        return ApiPlan(True, access, enis, groups)
    off = ", ".join(f"{n}=false" for n in access.dns_off)
    if access.public is True:
        why = f"VPC DNS is off ({off}): in-VPC callers resolve" if off else "callers use"
        add(HopVerdict.PASS, f"{why} the public endpoint")
        return ApiPlan(False, access)
    if access.public is None or access.private is None:
        add(HopVerdict.UNKNOWN, "the endpoint access flags are not recorded", files.AWS_CLUSTER)
        return ApiPlan(None)
    add(
        HopVerdict.BLOCK,
        f"public access is off and the private endpoint does not resolve "
        f"in the VPC ({off or 'private access off'})",
        fix="vpc-dns-off",
    )
    return ApiPlan(None)


def _cluster_groups(access: EndpointAccess) -> list[str]:
    cfg = access.cfg
    groups = [cfg.clusterSecurityGroupId, *(cfg.securityGroupIds or ())]
    return [g for g in groups if g]


def _endpoint_enis(walk: Walk, cluster: str) -> list[EniView]:
    """The cross-account ENIs EKS places in the cluster subnets for the private endpoint."""
    wanted = f"Amazon EKS {cluster}"
    return [e for e in walk.views.enis if e.description == wanted and e.primary_ip]


def public_cidrs(walk: Walk, access: EndpointAccess, public_ip: str | None) -> None:
    """Add the hop that judges the source's public egress address against publicAccessCidrs."""
    hop_id = f"cluster/{access.name}"
    cidrs = f"publicAccessCidrs={access.cidrs}"
    if access.allow_all:
        walk.add(
            Hop(
                HopKind.ENDPOINT_ACCESS,
                hop_id,
                HopVerdict.PASS,
                f"{cidrs}: the public endpoint admits every address",
            )
        )
        return
    if public_ip is None:
        walk.add(
            Hop(
                HopKind.ENDPOINT_ACCESS,
                hop_id,
                HopVerdict.UNKNOWN,
                f"{cidrs}: the source's public egress address is unknown",
            )
        )
        return
    if ip_in(public_ip, access.cidrs):
        walk.add(
            Hop(
                HopKind.ENDPOINT_ACCESS,
                hop_id,
                HopVerdict.PASS,
                f"{cidrs} admits egress address {public_ip}",
            )
        )
        return
    walk.add(
        Hop(
            HopKind.ENDPOINT_ACCESS,
            hop_id,
            HopVerdict.BLOCK,
            f"{cidrs} does not admit egress address {public_ip} "
            f"(endpointPublicAccess={flag(access.public)})",
            playbook=Playbook(PLAYBOOK, "egress-ips-refused"),
        )
    )
