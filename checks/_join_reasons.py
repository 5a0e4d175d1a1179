"""The reasons `node-join` can prove that an instance of the cluster never registered, each a
function that adds to the instance's `Verdict` (see checks/node_join.py for the order)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.engine.api import CauseHint, Check, Snapshot, files
from netdoctor.facts import access as a
from netdoctor.facts import identity
from netdoctor.facts import routing as r
from netdoctor.facts.addresses import ip_in
from netdoctor.facts.identity import node_role_access, role_name
from netdoctor.facts.membership import nodegroup_of

if TYPE_CHECKING:
    from netdoctor.facts.membership import InstanceHost


@dataclass
class Reason:
    """One proven reason an instance cannot register."""

    mechanism: str
    summary: str
    """The reason in a few words, for the title."""
    key: tuple[str, ...] = ()
    """Instances with the same first reason and key share one finding."""
    evidence: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    cause: CauseHint | None = None


@dataclass
class Verdict:
    """What the bundle says about one unregistered instance."""

    host: InstanceHost
    path: r.InternetPath | None
    reasons: list[Reason] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    """What the bundle rules out, as evidence for an instance without a proven reason."""
    unknown: list[str] = field(default_factory=list)
    """What the bundle cannot say about it (not for lack of a bundle file)."""
    missing: dict[str, list[str]] = field(default_factory=dict)
    """Reason → the absent bundle files that leave it unjudged."""


def cluster_sg_443(ctx: a.EndpointAccess, verdict: Verdict) -> None:
    host = verdict.host
    if ctx.private is not True or ctx.nodes_use_public:
        return
    admitted = ctx.admits_443(host)
    groups = ctx.control_plane_groups or []
    wanted = [g.GroupId for g in groups]
    sgs = a.node_security_groups(host)
    if admitted is True:
        verdict.cleared.append(f"{', '.join(wanted)} admit 443 from {', '.join(sgs)}")
    if admitted is not False:
        return
    verdict.reasons.append(
        Reason(
            "cluster-sg-443",
            f"cluster security group {wanted[0]} admits no HTTPS (443) from their security "
            f"group {', '.join(sgs)}",
            key=tuple(sgs),
            evidence=[
                ctx.endpoint_line(),
                *ctx.control_plane_lines(),
                "the kubelet's connection to the API server on 443 is dropped: it cannot "
                "register the node (a managed node group reports NodeCreationFailure)",
            ],
            resources=[*(f"security-group/{g}" for g in wanted), f"security-group/{sgs[0]}"],
            params={"node_sg_id": sgs[0]},
            cause=Check.cause_hint("private-endpoint-access", f"security-group/{sgs[0]}"),
        )
    )


def dns_off(ctx: a.EndpointAccess, verdict: Verdict) -> None:
    if ctx.private is not True:
        return
    if not ctx.dns_off and len(ctx.dns) == 2:
        verdict.cleared.append(f"{ctx.vpc_id}: enableDnsSupport and enableDnsHostnames on")
    if ctx.public is True or not ctx.dns_off:
        return
    off = " and ".join(ctx.dns_off)
    verdict.reasons.append(
        Reason(
            "vpc-dns-off",
            f"the API endpoint is private-only and the VPC's {off} "
            f"{'is' if len(ctx.dns_off) == 1 else 'are'} off",
            key=(ctx.vpc_id or "",),
            evidence=[
                ctx.endpoint_line(),
                *(f"{ctx.vpc_id}: {name}={a.flag(value)}" for name, value in ctx.dns.items()),
                "EKS resolves the private endpoint through a Route 53 private hosted zone, which "
                "needs both enableDnsSupport and enableDnsHostnames; public access is off, so the "
                "kubelet has no endpoint to call",
            ],
            resources=[f"vpc/{ctx.vpc_id}"] if ctx.vpc_id else [],
            cause=Check.cause_hint(
                "private-endpoint-access", *([f"vpc/{ctx.vpc_id}"] if ctx.vpc_id else [])
            ),
        )
    )


def public_path(ctx: a.EndpointAccess, verdict: Verdict) -> None:
    path = verdict.path
    if not ctx.nodes_use_public or path is None:
        return
    egress = path.egress
    kind = "public-only" if ctx.private is False else "public (VPC DNS off)"
    if path.reachable is False:
        verdict.reasons.append(
            Reason(
                "no-public-path",
                f"no NAT or internet gateway path from subnet {egress.subnet_id} to the {kind} "
                "API endpoint",
                key=(egress.subnet_id,),
                evidence=[ctx.endpoint_line(), path.why],
                resources=[
                    f"subnet/{egress.subnet_id}",
                    *([f"route-table/{egress.table_id}"] if egress.table_id else []),
                ],
                params=nat_param(ctx, egress.subnet_id),
                cause=Check.cause_hint("egress-snat-route", f"subnet/{egress.subnet_id}"),
            )
        )
        return
    if path.reachable is not True:
        return
    refused = [ip for ip in path.public_ips if not ctx.allow_all and ip_in(ip, ctx.cidrs) is False]
    if not refused:
        verdict.cleared.append(
            f"egress {', '.join(path.public_ips) or 'path'} reaches the {kind} endpoint"
        )
        return
    nat = egress.nat
    via = f"NAT gateway {nat.NatGatewayId}" if nat is not None else "their own public IP"
    missing = [f"{ip}/32" for ip in refused]
    verdict.reasons.append(
        Reason(
            "egress-ips-refused",
            f"they reach the {kind} API endpoint from {', '.join(refused)} ({via}), outside "
            "publicAccessCidrs",
            key=tuple(refused),
            evidence=[
                ctx.endpoint_line(),
                f"egress through {via}: {', '.join(refused)} not in publicAccessCidrs",
                "the kubelet's calls to the endpoint from these IPs time out",
            ],
            resources=[*([f"nat-gateway/{nat.NatGatewayId}"] if nat is not None else [])],
            params={"public_access_cidrs": ",".join([*ctx.cidrs, *missing])},
        )
    )


def endpoints_missing(ctx: a.EndpointAccess, verdict: Verdict) -> None:
    path = verdict.path
    if ctx.private is not True or ctx.nodes_use_public or path is None:
        return
    if path.reachable is not False or not ctx.snap.has(files.AWS_VPC_ENDPOINTS):
        return
    gaps = ctx.endpoint_gaps([(verdict.host, path)])
    blocking = [s for s in gaps if s not in a.WARNING_ONLY_ENDPOINTS]
    if not blocking:
        verdict.cleared.append(
            "no internet egress, but VPC endpoints for ec2, ecr.api, ecr.dkr and s3 serve it"
        )
        return
    verdict.reasons.append(
        Reason(
            "endpoints-missing",
            f"no internet egress and no usable VPC endpoint for {', '.join(blocking)}",
            key=(*blocking, path.egress.table_id or ""),
            evidence=[
                ctx.endpoint_line(),
                path.why,
                *(f"{s}: {gap}; without it {a.NEEDED_ENDPOINTS[s]}" for s, gap in gaps.items()),
                "the node bootstrap cannot finish (the EKS AMI names the node through EC2; "
                "the pause, aws-node and kube-proxy images come from ECR)",
            ],
            resources=[*([f"vpc/{ctx.vpc_id}"] if ctx.vpc_id else [])],
            params={
                "interface_endpoints": " ".join(
                    s for s in a.INTERFACE_ENDPOINTS if gaps.get(s) == "no endpoint"
                )
                or "$INTERFACE_ENDPOINTS"
            },
            cause=Check.cause_hint("egress-snat-route", f"subnet/{path.egress.subnet_id}"),
        )
    )


def role_not_mapped(snap: Snapshot, verdict: Verdict) -> None:
    """The node role EKS would have to let in: the managed node group's `nodeRole` (EKS makes
    the group's instance profile from it; a launch template cannot name another)."""
    host = verdict.host
    group = nodegroup_of(snap.views, host)
    if group is None or not group.nodeRole:
        if host.nodegroup and snap.nodegroups is None:
            verdict.missing["the node role's access entry or aws-auth mapping"] = [
                files.AWS_NODEGROUPS
            ]
        elif host.instance.IamInstanceProfile and host.instance.IamInstanceProfile.Arn:
            verdict.unknown.append(
                f"the IAM role of instance profile {host.instance.IamInstanceProfile.Arn} (an "
                "instance profile is not a role; aws iam get-instance-profile names it), so its "
                "access entry or aws-auth mapping"
            )
        return
    role = group.nodeRole
    access = node_role_access(snap, role)
    if access.missing:
        verdict.missing["the node role's access entry or aws-auth mapping"] = list(access.missing)
    if access.mapped is None:
        verdict.unknown.extend(access.evidence)
        return
    name = role_name(role)
    if access.mapped:
        verdict.cleared.append(f"node role {name}: " + "; ".join(access.evidence[1:]))
        return
    mode = identity.authentication_mode(snap) or ""
    where = {
        "API": "has no access entry",
        "CONFIG_MAP": "is not mapped to system:nodes in aws-auth",
    }.get(mode, "has no access entry and no aws-auth mapping to system:nodes")
    verdict.reasons.append(
        Reason(
            "role-not-mapped",
            f"their node role {name} {where} (authenticationMode {mode})",
            key=(role,),
            evidence=[
                f"node group {group.nodegroupName}: nodeRole {role}",
                *access.evidence,
                "EKS refuses the kubelet's credentials (Unauthorized): it cannot register the node",
            ],
            params={"node_role_arn": role},
        )
    )


def nodegroup_health(snap: Snapshot, verdict: Verdict) -> None:
    """What EKS itself says of the instance's managed node group: its health issues that name
    the instance, its Auto Scaling group, or no resource."""
    host = verdict.host
    group = nodegroup_of(snap.views, host)
    if group is None:
        if host.nodegroup and snap.nodegroups is None:
            verdict.missing["node group health issues"] = [files.AWS_NODEGROUPS]
        return
    ours = {host.name, *([host.asg] if host.asg else [])}
    issues = [
        i
        for i in (group.health.issues or () if group.health else ())
        if not i.resourceIds or ours & set(i.resourceIds)
    ]
    name = group.nodegroupName or "?"
    if not issues:
        verdict.cleared.append(f"node group {name} ({group.status}) reports no health issue")
        return
    codes = list(dict.fromkeys(i.code or "unknown" for i in issues))
    verdict.reasons.append(
        Reason(
            "nodegroup-health",
            f"node group {name} reports {', '.join(codes)}",
            key=(name, *codes),
            evidence=[
                f"node group {name}: status {group.status}",
                *(
                    f"{i.code}: {i.message}"
                    + (f" (resources {', '.join(i.resourceIds)})" if i.resourceIds else "")
                    for i in issues
                ),
            ],
            params={"nodegroup": name}
            | ({"node_role_arn": group.nodeRole} if group.nodeRole else {}),
        )
    )


NETWORK: tuple[Callable[[a.EndpointAccess, Verdict], None], ...] = (
    cluster_sg_443,
    dns_off,
    public_path,
    endpoints_missing,
)
"""The network reasons, in the order they stop a node; the node role and the node group's own
health come after them."""


def nat_param(ctx: a.EndpointAccess, subnet_id: str) -> dict[str, str]:
    nat = r.candidate_nat(ctx.views, subnet_id)
    return {"nat_gateway_id": nat.NatGatewayId} if nat is not None else {}
