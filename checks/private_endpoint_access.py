"""private-endpoint-access: nodes and people that cannot reach the EKS API server endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, Unchecked, files
from netdoctor.facts import access as a
from netdoctor.facts import routing as r
from netdoctor.facts.membership import InstanceHost
from netdoctor.facts.views import NodeView

if TYPE_CHECKING:
    from netdoctor.facts.views import Host
    from netdoctor.snapshot.aws_types import VpcEndpoint


class PrivateEndpointAccess(Check):
    id = "private-endpoint-access"
    title = (
        "API endpoint reachability: VPC DNS, cluster security group 443, publicAccessCidrs, "
        "node egress paths, private-cluster VPC endpoints"
    )
    needs = (files.AWS_CLUSTER,)
    wants = (
        files.K8S_NODES,
        files.AWS_INSTANCES,
        files.AWS_NETWORK_INTERFACES,
        files.AWS_SUBNETS,
        files.AWS_ROUTE_TABLES,
        files.AWS_NAT_GATEWAYS,
        files.AWS_INTERNET_GATEWAYS,
        files.AWS_SECURITY_GROUPS,
        files.AWS_VPC_DNS_SUPPORT,
        files.AWS_VPC_DNS_HOSTNAMES,
        files.AWS_VPC_ENDPOINTS,
    )
    severity = Severity.CRITICAL
    provides = (
        "vpc_id",
        "cluster_sg_id",
        "node_sg_id",
        "public_access_cidrs",
        "subnet_ids",
        "route_table_ids",
        "interface_endpoints",
        "nat_gateway_id",
        "private_dns_off_endpoints",
        "s3_gateway_endpoint",
    )

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        cluster = snap.cluster
        if cluster is None:
            return
        # Each node's path to the internet, from its primary subnet's route table.
        paths: list[tuple[Host, r.InternetPath]] = []
        for view in snap.views.nodes:
            path = r.internet_path(snap.views, view)
            if path is not None:
                paths.append((view, path))
        ctx = a.EndpointAccess(snap, cluster, paths)
        yield from self._unchecked(ctx)
        yield from self._dns_off(ctx)
        yield from self._egress_ips_refused(ctx)
        yield from self._no_public_path(ctx)
        yield from self._cluster_sg_443(ctx)
        yield from self._endpoints_missing(ctx)
        yield from self._public_cidrs_restricted(ctx)

    def _unchecked(self, ctx: a.EndpointAccess) -> Iterator[Unchecked]:
        """The mechanisms this endpoint configuration calls for whose files are absent."""
        snap = ctx.snap
        dns = [
            rel
            for rel in (files.AWS_VPC_DNS_SUPPORT, files.AWS_VPC_DNS_HOSTNAMES)
            if not snap.has(rel)
        ]
        paths = r.path_gaps(ctx.views, ctx.paths)
        if ctx.private is True:
            if dns:
                yield self.unchecked("VPC DNS resolves the private endpoint", *dns)
            groups = a.node_group_gaps(snap) + (
                [] if snap.has(files.AWS_SECURITY_GROUPS) else [files.AWS_SECURITY_GROUPS]
            )
            if groups:
                yield self.unchecked("cluster security group admits the nodes on 443", *groups)
            endpoints = [] if snap.has(files.AWS_VPC_ENDPOINTS) else [files.AWS_VPC_ENDPOINTS]
            if paths or (endpoints and ctx.stranded):
                yield self.unchecked(
                    "VPC endpoints for nodes without internet egress", *paths, *endpoints
                )
        # Nodes call the public endpoint when private access is off, or on but (maybe) not
        # resolvable in the VPC.
        maybe_public = (
            ctx.private is False or bool(ctx.dns_off) or (ctx.private is True and bool(dns))
        )
        if ctx.public is True and maybe_public and paths:
            yield self.unchecked("node paths to the public endpoint", *paths)

    # --- VPC DNS ---------------------------------------------------------------------------

    def _dns_off(self, ctx: a.EndpointAccess) -> Iterator[Finding]:
        if ctx.private is not True or not ctx.dns_off:
            return
        off = ctx.dns_off
        if ctx.public is False:
            impact = (
                "public access is off, so there is no public path to fall back on: nodes, "
                "bastions and in-VPC CI runners cannot reach the API server"
            )
        elif ctx.refused or ctx.stranded:
            impact = (
                "in-VPC callers fall back to the public endpoint, which the nodes cannot use: "
                "see the publicAccessCidrs / egress findings"
            )
        else:
            impact = (
                "in-VPC callers fall back to the public endpoint through NAT: it works, but API "
                "traffic leaves the VPC and breaks if publicAccessCidrs is ever narrowed"
            )
        fatal = ctx.public is False or bool(ctx.refused or ctx.stranded)
        yield self.finding(
            Severity.CRITICAL if fatal else Severity.WARNING,
            f"Private endpoint access is on but the VPC's {' and '.join(off)} "
            f"{'is' if len(off) == 1 else 'are'} off: callers in the VPC cannot resolve the "
            "private endpoint",
            resources=[f"cluster/{ctx.name}", *([f"vpc/{ctx.vpc_id}"] if ctx.vpc_id else [])],
            evidence=[
                ctx.endpoint_line(),
                *(f"{ctx.vpc_id}: {name}={a.flag(value)}" for name, value in ctx.dns.items()),
                "EKS resolves the private endpoint through a Route 53 private hosted zone, which "
                "needs both enableDnsSupport and enableDnsHostnames set to true",
                impact,
            ],
            params=ctx.params(),
            mechanism="vpc-dns-off",
        )

    # --- public endpoint: who gets in ------------------------------------------------------

    def _egress_ips_refused(self, ctx: a.EndpointAccess) -> Iterator[Finding]:
        if not ctx.nodes_use_public or not ctx.refused:
            return
        # Group the refused IPs by where they come from: a NAT gateway, or a node's own IP.
        sources: dict[str, tuple[list[str], list[Host]]] = {}
        for view, path, ip in ctx.refused:
            nat = path.egress.nat
            key = nat.NatGatewayId if nat is not None else view.name
            ips, nodes = sources.setdefault(key, ([], []))
            if ip not in ips:
                ips.append(ip)
            if all(v.name != view.name for v in nodes):
                nodes.append(view)
        lines = []
        resources = [f"cluster/{ctx.name}"]
        for key, (ips, nodes) in sources.items():
            names = ", ".join(v.name for v in nodes)
            if key.startswith("nat-"):
                resources.append(f"nat-gateway/{key}")
                lines.append(
                    f"{key}: public IP {', '.join(ips)} not in publicAccessCidrs; "
                    f"egress of node(s) {names}"
                )
            else:
                lines.append(
                    f"node {key} leaves through an internet gateway with its public IP "
                    f"{', '.join(ips)}, not in publicAccessCidrs"
                )
            resources.extend(v.ref for v in nodes)
        missing = list(dict.fromkeys(f"{ip}/32" for _, _, ip in ctx.refused))
        why = (
            "endpointPrivateAccess=false"
            if ctx.private is False
            else (
                f"the VPC's {' and '.join(ctx.dns_off)} off, so nodes resolve the public endpoint"
            )
        )
        yield self.finding(
            Severity.CRITICAL,
            f"Nodes reach the public API endpoint from {len(missing)} IP(s) outside "
            "publicAccessCidrs: they cannot register or renew their leases",
            resources=list(dict.fromkeys(resources)),
            evidence=[
                ctx.endpoint_line(),
                f"nodes call the public endpoint: {why}",
                *lines,
                "kubelet calls to the endpoint from these IPs time out; nodes stay NotReady or "
                "never join",
            ],
            params=ctx.params(cidrs=[*ctx.cidrs, *missing]),
            mechanism="egress-ips-refused",
        )

    def _public_cidrs_restricted(self, ctx: a.EndpointAccess) -> Iterator[Finding]:
        if ctx.public is not True or ctx.allow_all:
            return
        if ctx.private is True and not ctx.dns_off:
            nodes = "nodes in the VPC use the private endpoint and are not affected"
        else:
            nodes = "nodes use the public endpoint too, so their egress IPs must be listed"
        yield self.finding(
            Severity.INFO,
            f"Public endpoint admits only {len(ctx.cidrs)} CIDR(s): callers outside them "
            "(CI runners, laptops, SaaS tools) time out",
            resources=[f"cluster/{ctx.name}"],
            evidence=[
                ctx.endpoint_line(),
                *(f"allowed: {cidr}" for cidr in ctx.cidrs),
                nodes,
                "a caller elsewhere sees 'Unable to connect to the server: dial tcp …:443: i/o "
                "timeout' (GitHub-hosted runners and Terraform Cloud use changing AWS/Azure IPs)",
            ],
            params=ctx.params(),
            mechanism="public-cidrs-restricted",
        )

    def _no_public_path(self, ctx: a.EndpointAccess) -> Iterator[Finding]:
        if not ctx.nodes_use_public:
            return
        by_subnet: dict[str, list[tuple[Host, r.InternetPath]]] = {}
        for view, path in ctx.stranded:
            by_subnet.setdefault(path.egress.subnet_id, []).append((view, path))
        kind = "public-only" if ctx.private is False else "public (VPC DNS off)"
        for subnet_id, entries in by_subnet.items():
            egress = entries[0][1].egress
            yield self.finding(
                Severity.CRITICAL,
                f"Nodes in subnet {subnet_id} have no NAT or internet gateway path to the "
                f"{kind} API endpoint: {len(entries)} node(s) cannot reach the cluster",
                resources=[
                    f"subnet/{subnet_id}",
                    *([f"route-table/{egress.table_id}"] if egress.table_id else []),
                    *(v.ref for v, _ in entries),
                    f"cluster/{ctx.name}",
                ],
                evidence=[
                    ctx.endpoint_line(),
                    *dict.fromkeys(p.why for _, p in entries),
                    "nodes: " + ", ".join(f"{v.name} ({a.node_ip(v)})" for v, _ in entries),
                    "kubelet cannot reach the endpoint: nodes never join or go NotReady, and "
                    "aws-node logs 'Unable to reach API Server'",
                ],
                params=ctx.params(nodes=entries) | _nat_param(ctx, subnet_id),
                mechanism="no-public-path",
            )

    # --- private endpoint: security group --------------------------------------------------

    def _cluster_sg_443(self, ctx: a.EndpointAccess) -> Iterator[Finding]:
        groups = ctx.control_plane_groups
        if ctx.private is not True or groups is None:
            return
        wanted = [g.GroupId for g in groups]
        # Instances that never registered (a new node group on its own security group) are the
        # ones this stops first: they count beside the nodes.
        hosts: list[Host] = [*ctx.views.nodes, *ctx.views.unregistered]
        denied: dict[tuple[str, ...], list[Host]] = {}
        for host in hosts:
            if ctx.admits_443(host) is False:
                denied.setdefault(tuple(a.node_security_groups(host)), []).append(host)
        # With VPC DNS off and a public endpoint, nodes go public and this group is not in
        # their way (yet); otherwise they must pass it.
        severity = Severity.WARNING if ctx.nodes_use_public else Severity.CRITICAL
        for node_sgs, denied_hosts in denied.items():
            nodes = [h for h in denied_hosts if isinstance(h, NodeView)]
            instances = [h for h in denied_hosts if not isinstance(h, NodeView)]
            counts = [f"{len(nodes)} node(s)"] if nodes else []
            if instances:
                counts.append(f"{len(instances)} unregistered instance(s)")
            who = " and ".join(counts)
            yield self.finding(
                severity,
                f"Cluster security group {wanted[0]} admits no HTTPS (443) from node security "
                f"group {', '.join(node_sgs)}: {who} cannot reach the private endpoint",
                resources=[
                    *(f"security-group/{g}" for g in wanted),
                    *(f"security-group/{g}" for g in node_sgs),
                    *(h.ref for h in denied_hosts),
                ],
                evidence=[
                    ctx.endpoint_line(),
                    *ctx.control_plane_lines(),
                    *(
                        ["nodes: " + ", ".join(_host_text(v, node_sgs) for v in nodes)]
                        if nodes
                        else []
                    ),
                    *(
                        [
                            "instances of the cluster not registered as nodes: "
                            + ", ".join(_host_text(h, node_sgs) for h in instances)
                        ]
                        if instances
                        else []
                    ),
                    "kubelet and aws-node connections to the API server on 443 are dropped",
                ],
                params=ctx.params(node_sg=node_sgs[0]),
                mechanism="cluster-sg-443",
            )

    # --- private cluster: VPC endpoints ----------------------------------------------------

    def _endpoints_missing(self, ctx: a.EndpointAccess) -> Iterator[Finding]:
        snap = ctx.snap
        if ctx.private is not True or not snap.has(files.AWS_VPC_ENDPOINTS) or not ctx.stranded:
            return
        services = a.endpoints_by_service(snap.vpc_endpoints, ctx.vpc_id)
        gaps = ctx.endpoint_gaps()
        if not gaps:
            return
        severity = Severity.WARNING if set(gaps) <= a.WARNING_ONLY_ENDPOINTS else Severity.CRITICAL
        subnets = list(dict.fromkeys(p.egress.subnet_id for _, p in ctx.stranded))
        present = ", ".join(f"{s} ({e[0].VpcEndpointType})" for s, e in sorted(services.items()))
        yield self.finding(
            severity,
            f"Nodes without internet egress lack VPC endpoints for {', '.join(gaps)}",
            resources=[
                *([f"vpc/{ctx.vpc_id}"] if ctx.vpc_id else []),
                *(f"subnet/{s}" for s in subnets),
                *(v.ref for v, _ in ctx.stranded),
            ],
            evidence=[
                ctx.endpoint_line(),
                *dict.fromkeys(p.why for _, p in ctx.stranded),
                f"VPC endpoints in {ctx.vpc_id}: {present or 'none'}",
                *(f"{s}: {gap}; without it {a.NEEDED_ENDPOINTS[s]}" for s, gap in gaps.items()),
            ],
            params=ctx.params(
                nodes=ctx.stranded,
                endpoints=[s for s in a.INTERFACE_ENDPOINTS if gaps.get(s) == "no endpoint"],
            )
            | _endpoint_params(services, gaps),
            mechanism="endpoints-missing",
            # Nodes stranded by a broken NAT or route: the egress finding on their subnet is the
            # root cause, this one its consequence.
            cause=self.cause_hint("egress-snat-route", *(f"subnet/{s}" for s in subnets)),
        )


def _host_text(host: Host, groups: tuple[str, ...]) -> str:
    """`NAME (IP, sg-…)`, and for an unregistered instance its launch time and age."""
    if not isinstance(host, InstanceHost):
        return f"{host.name} ({a.node_ip(host)}, {', '.join(groups)})"
    joining = ", still joining" if host.joining else ""
    return f"{host.name} ({a.node_ip(host)}, {', '.join(groups)}; {host.age_text()}{joining})"


def _nat_param(ctx: a.EndpointAccess, subnet_id: str) -> dict[str, str]:
    """A healthy NAT gateway to route the subnet through, when the VPC has one."""
    nat = r.candidate_nat(ctx.views, subnet_id)
    return {"nat_gateway_id": nat.NatGatewayId} if nat is not None else {}


def _endpoint_params(
    services: dict[str, list[VpcEndpoint]], gaps: dict[str, str]
) -> dict[str, str]:
    """The existing endpoints the finding flags: interface endpoints with private DNS off, and
    the S3 gateway endpoint missing from the node route tables."""
    params: dict[str, str] = {}
    dns_off = [
        e.VpcEndpointId
        for service in gaps
        for e in services.get(service, [])
        if (e.VpcEndpointType or "Interface") == "Interface" and e.PrivateDnsEnabled is False
    ]
    if dns_off:
        params["private_dns_off_endpoints"] = " ".join(dict.fromkeys(dns_off))
    gateway = [e.VpcEndpointId for e in services.get("s3", []) if e.VpcEndpointType == "Gateway"]
    if "s3" in gaps and gateway:
        params["s3_gateway_endpoint"] = gateway[0]
    return params
