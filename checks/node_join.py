"""node-join: instances meant to be nodes of the cluster that never registered, and why.

The instances come from `facts/membership.py` (tags `kubernetes.io/cluster/<name>`,
`eks:cluster-name`, a known node group or Karpenter node pool; registered = named by a node's
providerID, name/DNS address or InternalIP). Instances launched less than ten minutes before the
capture are still joining and stay quiet. For each other one, the reasons the bundle proves, the
ones that stop the kubelet from reaching the API server first:

1. `cluster-sg-443`: private endpoint, and the cluster security group admits no HTTPS from the
   instance's security groups or IP (`EndpointAccess.admits_443`, shared with
   private-endpoint-access);
2. `vpc-dns-off`: private-only endpoint in a VPC with DNS support or hostnames off;
3. `no-public-path` / `egress-ips-refused`: the instance calls the public endpoint and has no
   NAT/IGW path (`routing.internet_path`), or leaves from an IP outside `publicAccessCidrs`;
4. `endpoints-missing`: private endpoint, no internet egress, and no VPC endpoint for ec2, ECR or
   S3 (`EndpointAccess.endpoint_gaps`);
5. `role-not-mapped`: the managed node group's `nodeRole` has no access entry / aws-auth mapping
   to `system:nodes`, where the authentication mode says EKS looks (`facts/identity.py`); for
   an instance outside a described node group the bundle holds only its instance profile, so
   its role is named as unknown;
6. `nodegroup-health`: the node group's own health issues that concern the instance.

An instance with none of these is still reported (`no-known-reason`), with what was ruled out
and what the bundle cannot know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.engine.api import (
    CauseHint,
    Check,
    Finding,
    Iterator,
    Severity,
    Snapshot,
    Unchecked,
    files,
)
from netdoctor.facts import access as a
from netdoctor.facts import identity
from netdoctor.facts import routing as r
from netdoctor.facts.addresses import ip_in
from netdoctor.facts.identity import node_role_access, role_name
from netdoctor.facts.membership import JOINING, nodegroup_of

if TYPE_CHECKING:
    from netdoctor.facts.membership import InstanceHost
    from netdoctor.facts.views import Host


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


class NodeJoin(Check):
    id = "node-join"
    title = (
        "Instances of the cluster that never registered as nodes: cluster security group 443, "
        "VPC DNS, public endpoint paths and CIDRs, private-cluster VPC endpoints"
    )
    needs = (files.K8S_NODES, files.AWS_INSTANCES)
    wants = (
        files.AWS_CLUSTER,
        files.AWS_NETWORK_INTERFACES,
        files.AWS_SUBNETS,
        files.AWS_ROUTE_TABLES,
        files.AWS_NAT_GATEWAYS,
        files.AWS_INTERNET_GATEWAYS,
        files.AWS_SECURITY_GROUPS,
        files.AWS_VPC_DNS_SUPPORT,
        files.AWS_VPC_DNS_HOSTNAMES,
        files.AWS_VPC_ENDPOINTS,
        files.AWS_NODEGROUPS,
        files.AWS_ACCESS_ENTRIES,
        files.K8S_CONFIGMAPS,
    )
    severity = Severity.CRITICAL
    provides = (
        "instance_ids",
        "nodegroup",
        "vpc_id",
        "cluster_sg_id",
        "node_sg_id",
        "public_access_cidrs",
        "subnet_ids",
        "route_table_ids",
        "interface_endpoints",
        "nat_gateway_id",
        "node_role_arn",
    )

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        views = snap.views
        if views.cluster_name is None:
            yield self.unchecked("instances tagged for the cluster", files.AWS_CLUSTER)
            return
        hosts = [h for h in views.unregistered if not h.joining]
        if not hosts:
            return
        paths = [(h, r.internet_path(views, h)) for h in hosts]
        known: list[tuple[Host, r.InternetPath]] = [(h, p) for h, p in paths if p is not None]
        cluster = snap.cluster
        ctx = a.EndpointAccess(snap, cluster, known) if cluster is not None else None
        yield from self._unchecked(snap, ctx)
        verdicts = [Verdict(h, p) for h, p in paths]
        for verdict in verdicts:
            if ctx is not None:
                for judge in NETWORK:
                    judge(ctx, verdict)
            _role_not_mapped(snap, verdict)
            _nodegroup_health(snap, verdict)
        unjudged: dict[str, list[str]] = {}
        for verdict in verdicts:
            for mechanism, rels in verdict.missing.items():
                unjudged.setdefault(mechanism, [])
                unjudged[mechanism] += [r for r in rels if r not in unjudged[mechanism]]
        for mechanism, rels in unjudged.items():
            yield self.unchecked(mechanism, *rels)
        yield from self._findings(views.cluster_name, ctx, verdicts)

    def _unchecked(self, snap: Snapshot, ctx: a.EndpointAccess | None) -> Iterator[Unchecked]:
        """The reasons this cluster's endpoint configuration calls for whose files are absent."""
        if ctx is None:
            yield self.unchecked(
                "why the instances cannot reach the API endpoint", files.AWS_CLUSTER
            )
            return
        if ctx.private is True:
            dns = [
                rel
                for rel in (files.AWS_VPC_DNS_SUPPORT, files.AWS_VPC_DNS_HOSTNAMES)
                if not snap.has(rel)
            ]
            if dns:
                yield self.unchecked("VPC DNS resolves the private endpoint", *dns)
            if not snap.has(files.AWS_SECURITY_GROUPS):
                yield self.unchecked(
                    "cluster security group admits the instances on 443", files.AWS_SECURITY_GROUPS
                )
            if ctx.stranded and not snap.has(files.AWS_VPC_ENDPOINTS):
                yield self.unchecked(
                    "VPC endpoints for instances without internet egress", files.AWS_VPC_ENDPOINTS
                )
        gaps = r.path_gaps(ctx.views, ctx.paths)
        if gaps:
            yield self.unchecked("the instances' paths to the API endpoint", *gaps)

    def _findings(
        self, cluster: str, ctx: a.EndpointAccess | None, verdicts: list[Verdict]
    ) -> Iterator[Finding]:
        groups: dict[tuple[str, ...], list[Verdict]] = {}
        for verdict in verdicts:
            first = verdict.reasons[0] if verdict.reasons else None
            key = (first.mechanism, *first.key) if first else ("no-known-reason",)
            groups.setdefault(key, []).append(verdict)
        for members in groups.values():
            yield self._finding(cluster, ctx, members)

    def _finding(
        self, cluster: str, ctx: a.EndpointAccess | None, members: list[Verdict]
    ) -> Finding:
        hosts = [v.host for v in members]
        first = members[0].reasons[0] if members[0].reasons else None
        count = f"{len(hosts)} instance(s) of cluster {cluster}"
        lines = [f"{_host_line(v)}" for v in members]
        params = _params(ctx, members) | (first.params if first else {})
        if first is None:
            cleared = list(dict.fromkeys(line for v in members for line in v.cleared))
            unknown = list(dict.fromkeys(line for v in members for line in v.unknown))
            return self.finding(
                Severity.WARNING,
                f"{count} never registered as nodes; the bundle shows no reason",
                resources=[h.ref for h in hosts],
                evidence=[
                    *lines,
                    *(f"ruled out: {line}" for line in cleared),
                    *(f"not known from the bundle: {line}" for line in unknown),
                    "look at the instance's system log (aws ec2 get-console-output) and the "
                    "kubelet journal for the error",
                ],
                params=params,
                mechanism="no-known-reason",
            )
        others = list(dict.fromkeys(reason.summary for v in members for reason in v.reasons[1:]))
        return self.finding(
            None,
            f"{count} never registered as nodes: {first.summary}",
            resources=list(dict.fromkeys([*(h.ref for h in hosts), *first.resources])),
            evidence=[
                *lines,
                *first.evidence,
                *(f"also: {summary}" for summary in others),
            ],
            params=params,
            cause=first.cause,
            mechanism=first.mechanism,
        )


# --- the reasons -----------------------------------------------------------------------------


def _cluster_sg_443(ctx: a.EndpointAccess, verdict: Verdict) -> None:
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


def _dns_off(ctx: a.EndpointAccess, verdict: Verdict) -> None:
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


def _public_path(ctx: a.EndpointAccess, verdict: Verdict) -> None:
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
                params=_nat_param(ctx, egress.subnet_id),
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


def _endpoints_missing(ctx: a.EndpointAccess, verdict: Verdict) -> None:
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


def _role_not_mapped(snap: Snapshot, verdict: Verdict) -> None:
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


def _nodegroup_health(snap: Snapshot, verdict: Verdict) -> None:
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
    _cluster_sg_443,
    _dns_off,
    _public_path,
    _endpoints_missing,
)
"""The network reasons, in the order they stop a node; the node role and the node group's own
health come after them."""


# --- evidence and playbook values ------------------------------------------------------------


def _host_line(verdict: Verdict) -> str:
    """`i-… (10.0.1.5, subnet-…, sg-…): tag …; launched …, 42 min before capture`."""
    host = verdict.host
    subnet = r.node_subnet_id(host) or "subnet unknown"
    groups = ", ".join(a.node_security_groups(host)) or "security groups unknown"
    return (
        f"{host.name} ({a.node_ip(host)}, {subnet}, {groups}): {host.claim}; "
        f"{host.age_text()} (joining allows {int(JOINING.total_seconds() // 60)} min)"
    )


def _nat_param(ctx: a.EndpointAccess, subnet_id: str) -> dict[str, str]:
    nat = r.candidate_nat(ctx.views, subnet_id)
    return {"nat_gateway_id": nat.NatGatewayId} if nat is not None else {}


def _params(ctx: a.EndpointAccess | None, members: list[Verdict]) -> dict[str, str]:
    """Playbook values of one finding; a value the bundle cannot give stays a shell variable."""
    hosts = [v.host for v in members]
    groups = {h.nodegroup for h in hosts}
    placed: list[tuple[Host, r.InternetPath]] = [
        (v.host, v.path) for v in members if v.path is not None
    ]
    base = (
        ctx.params(nodes=placed)
        if ctx is not None
        else {
            "vpc_id": "$VPC_ID",
            "cluster_sg_id": "$CLUSTER_SG_ID",
            "node_sg_id": "$NODE_SG_ID",
            "public_access_cidrs": "$PUBLIC_ACCESS_CIDRS",
            "subnet_ids": " ".join(dict.fromkeys(s for h in hosts if (s := r.node_subnet_id(h))))
            or "$SUBNET_IDS",
            "route_table_ids": "$ROUTE_TABLE_IDS",
            "interface_endpoints": " ".join(a.INTERFACE_ENDPOINTS),
        }
    )
    sgs = a.node_security_groups(hosts[0])
    if sgs:
        base["node_sg_id"] = sgs[0]  # not the registered nodes' common group ctx would give
    nodegroup = next(iter(groups)) if len(groups) == 1 else None
    return base | {
        "instance_ids": " ".join(h.name for h in hosts),
        "nodegroup": nodegroup or "$NODEGROUP",
    }
