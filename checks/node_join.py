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

from typing import TYPE_CHECKING

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, Unchecked, files
from netdoctor.facts import access as a
from netdoctor.facts import routing as r
from netdoctor.facts.membership import JOINING, nodegroup_of
from netdoctor.facts.text import listing

from . import _join_reasons as why
from ._join_reasons import Verdict

if TYPE_CHECKING:
    from netdoctor.facts.views import Host


SHOWN = 10
"""Instances described one per evidence line; the rest are named in one line."""


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
                for judge in why.NETWORK:
                    judge(ctx, verdict)
            why.role_not_mapped(snap, verdict)
            why.nodegroup_health(snap, verdict)
        unjudged: dict[str, list[str]] = {}
        for verdict in verdicts:
            for mechanism, rels in verdict.missing.items():
                unjudged.setdefault(mechanism, [])
                unjudged[mechanism] += [r for r in rels if r not in unjudged[mechanism]]
        for mechanism, rels in unjudged.items():
            yield self.unchecked(mechanism, *rels)
        yield from self._findings(snap, ctx, verdicts)

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
        self, snap: Snapshot, ctx: a.EndpointAccess | None, verdicts: list[Verdict]
    ) -> Iterator[Finding]:
        groups: dict[tuple[str, ...], list[Verdict]] = {}
        for verdict in verdicts:
            first = verdict.reasons[0] if verdict.reasons else None
            key = (first.mechanism, *first.key) if first else ("no-known-reason",)
            groups.setdefault(key, []).append(verdict)
        for members in groups.values():
            yield self._finding(snap, ctx, members)

    def _finding(
        self, snap: Snapshot, ctx: a.EndpointAccess | None, members: list[Verdict]
    ) -> Finding:
        hosts = [v.host for v in members]
        first = members[0].reasons[0] if members[0].reasons else None
        count = f"{len(hosts)} instance(s) of cluster {snap.views.cluster_name}"
        lines = [_host_line(v) for v in members[:SHOWN]]
        if len(members) > SHOWN:
            rest = [h.name for h in hosts[SHOWN:]]
            lines.append(f"and {len(rest)} more instance(s): {listing(rest, SHOWN)}")
        joining = [h for h in snap.views.unregistered if h.joining]
        if joining:
            lines.append(
                "still joining, not counted: "
                + listing([f"{h.name} ({h.age_text()})" for h in joining], SHOWN)
            )
        params = _params(snap, ctx, members) | (first.params if first else {})
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


def _params(snap: Snapshot, ctx: a.EndpointAccess | None, members: list[Verdict]) -> dict[str, str]:
    """Playbook values of one finding; a value the bundle cannot give stays a shell variable."""
    hosts = [v.host for v in members]
    roles = {g.nodeRole if g else None for g in (nodegroup_of(snap.views, h) for h in hosts)}
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
    role = next(iter(roles)) if len(roles) == 1 else None
    return (
        base
        | {
            "instance_ids": " ".join(h.name for h in hosts),
            "nodegroup": nodegroup or "$NODEGROUP",
        }
        | ({"node_role_arn": role} if role else {})
    )
