"""egress-snat-route: pod and node egress broken by SNAT settings or the node subnets' routes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, Unchecked, files
from netdoctor.facts import access as a
from netdoctor.facts import routing as r
from netdoctor.facts.addresses import cidr_covered
from netdoctor.facts.views import DEFAULT_ROUTE

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views


EgressKind = r.EgressKind
EXTERNAL_SNAT = "AWS_VPC_K8S_CNI_EXTERNALSNAT"
EXCLUDE_SNAT = "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS"
# With no default route, endpoints for these services mean a deliberately air-gapped cluster.
REGISTRY_ENDPOINTS = ("ecr.api", "ecr.dkr", "s3")


def _unique(nodes: Iterable[NodeView]) -> list[NodeView]:
    return list({v.name: v for v in nodes}.values())


def _nodes_text(nodes: Iterable[NodeView]) -> str:
    return ", ".join(f"{v.name} ({v.internal_ip})" if v.internal_ip else v.name for v in nodes)


@dataclass
class _Run:
    """What one run of the check works from."""

    snap: Snapshot
    external_snat: bool
    subnets: dict[str, r.SubnetUse]
    unexcluded: dict[str, list[str]]
    """Peered/TGW/VPN CIDRs that EXCLUDE_SNAT_CIDRS misses → the route lines that show them."""

    @property
    def views(self) -> Views:
        return self.snap.views

    @property
    def vpc_id(self) -> str | None:
        vpc = self.views.vpc_id
        return vpc if a.known_id(vpc, "vpc-") else None

    def params(self, subnet_id: str, table_id: str | None, nodes: list[str]) -> dict[str, str]:
        """Playbook values: the node subnet, the route table to fix, a healthy NAT gateway to
        route through; a value the bundle cannot give stays a shell variable to set."""
        candidate = r.candidate_nat(self.views, subnet_id)
        nat_id = candidate.NatGatewayId if candidate else "$NAT_GATEWAY_ID"
        current = self.views.cni.exclude_snat_cidrs
        suggested = [*current, *(c for c in self.unexcluded if c not in current)]
        return {
            "subnet_id": subnet_id,
            "route_table_id": table_id or "$ROUTE_TABLE_ID",
            "nat_gateway_id": nat_id,
            "vpc_id": self.vpc_id or "$VPC_ID",
            "node": nodes[0] if nodes else "$NODE",
            "exclude_snat_cidrs": ",".join(suggested),
        }


class EgressSnatRoute(Check):
    id = "egress-snat-route"
    title = (
        "Egress: external SNAT vs node route tables, NAT gateway routes, blackholes, "
        "SNAT exclusions"
    )
    needs = (files.K8S_NODES, files.K8S_DAEMONSETS, files.AWS_INSTANCES, files.AWS_ROUTE_TABLES)
    wants = (
        files.AWS_NETWORK_INTERFACES,
        files.AWS_SUBNETS,
        files.AWS_NAT_GATEWAYS,
        files.AWS_INTERNET_GATEWAYS,
        files.AWS_VPC_ENDPOINTS,
    )
    severity = Severity.CRITICAL
    provides = (
        "subnet_id",
        "route_table_id",
        "nat_gateway_id",
        "vpc_id",
        "node",
        "exclude_snat_cidrs",
        "misplaced_nat_id",
        "dead_cidrs",
    )

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        cni = snap.views.cni
        # Without aws-node (another CNI runs) the VPC CNI's SNAT settings do not apply, and in
        # IPv6 mode pod IPs are never translated (the CNI supports no external SNAT there).
        ipv4_snat = cni.found and not cni.flag("ENABLE_IPv6")
        external_snat = ipv4_snat and cni.external_snat
        subnets = r.subnets_in_use(snap.views, external_snat)
        run = _Run(snap, external_snat, subnets, _unexcluded_cidrs(snap.views, subnets))
        if any(s.egress.kind is EgressKind.NAT and s.egress.nat is None for s in subnets.values()):
            yield self.unchecked("NAT gateway state and upstream route", files.AWS_NAT_GATEWAYS)
        for subnet in subnets.values():
            yield from self._default_route(run, subnet)
        yield from self._nat_without_igw(run)
        yield from self._blackholes(run)
        if ipv4_snat and not external_snat:
            yield from self._private_networks_snated(run)

    # --- the default route of each subnet --------------------------------------------------

    def _default_route(self, run: _Run, subnet: r.SubnetUse) -> Iterator[Finding]:
        egress = subnet.egress
        kind = egress.kind
        where = [f"subnet/{subnet.id}", f"route-table/{egress.table_id}"]
        users = f"nodes using the subnet: {_nodes_text(subnet.nodes)}"
        if kind is EgressKind.IGW and run.external_snat:
            yield self.finding(
                Severity.CRITICAL,
                f"External SNAT is on but subnet {subnet.id} routes 0.0.0.0/0 to {egress.target}: "
                f"pods on {len(subnet.nodes)} node(s) cannot reach the internet",
                resources=[*where, f"internet-gateway/{egress.target}", *subnet.refs],
                evidence=[
                    run.views.cni.source(EXTERNAL_SNAT),
                    egress.route_text(),
                    users,
                    "with external SNAT the node leaves pod IPs untranslated; an internet gateway "
                    "only translates an instance's public IP, so pod traffic gets no reply",
                ],
                params=run.params(subnet.id, egress.table_id, subnet.names),
                mechanism="external-snat-igw",
            )
        elif kind is EgressKind.IGW and not subnet.pod_only:
            yield from self._igw_without_public_ip(run, subnet, where)
        elif kind is EgressKind.NONE:
            yield from self._no_default_route(run, subnet, where, users)
        elif kind is EgressKind.BLACKHOLE:
            yield self.finding(
                Severity.CRITICAL,
                f"Subnet {subnet.id} sends 0.0.0.0/0 to a blackhole ({egress.target}): "
                f"{len(subnet.nodes)} node(s) have no internet egress",
                resources=[*where, *subnet.refs],
                evidence=[
                    egress.route_text(),
                    f"{egress.target} no longer exists (deleted NAT gateway, detached gateway or "
                    "terminated instance), so the route drops every packet",
                    users,
                ],
                params=run.params(subnet.id, egress.table_id, subnet.names),
                mechanism="blackhole-default-route",
            )
        elif kind is EgressKind.NAT and egress.nat is not None and r.nat_state_problem(egress.nat):
            nat = egress.nat
            failure = "".join(
                f", {k}={v!r}"
                for k, v in (
                    ("FailureCode", nat.FailureCode),
                    ("FailureMessage", nat.FailureMessage),
                )
                if v
            )
            yield self.finding(
                Severity.CRITICAL,
                f"NAT gateway {nat.NatGatewayId} is {nat.State}: subnet {subnet.id} "
                f"({len(subnet.nodes)} node(s)) has no internet egress",
                resources=[*where, f"nat-gateway/{nat.NatGatewayId}", *subnet.refs],
                evidence=[
                    egress.route_text(),
                    f"{nat.NatGatewayId}: State={nat.State!r}{failure}",
                    users,
                ],
                params=run.params(subnet.id, egress.table_id, subnet.names),
                mechanism="nat-unavailable",
            )

    def _igw_without_public_ip(
        self, run: _Run, subnet: r.SubnetUse, where: list[str]
    ) -> Iterator[Finding]:
        egress = subnet.egress
        bare = [
            v for v in subnet.nodes if v.instance is not None and not v.instance.PublicIpAddress
        ]
        if not bare:
            return
        yield self.finding(
            Severity.CRITICAL,
            f"Subnet {subnet.id} routes 0.0.0.0/0 to {egress.target} but {len(bare)} node(s) in "
            "it have no public IP: they and their pods cannot reach the internet",
            resources=[*where, f"internet-gateway/{egress.target}", *(v.ref for v in bare)],
            evidence=[
                egress.route_text(),
                *(
                    f"node {v.name}: instance {v.instance.InstanceId} has private IP "
                    f"{v.instance.PrivateIpAddress} and no public IP"
                    for v in bare
                    if v.instance is not None
                ),
                run.views.cni.source(EXTERNAL_SNAT),
                "an internet gateway only translates public IPs; pods are SNATed to the node's "
                "private IP, which has none",
            ],
            params=run.params(subnet.id, egress.table_id, [v.name for v in bare]),
            mechanism="igw-no-public-ip",
        )

    def _no_default_route(
        self, run: _Run, subnet: r.SubnetUse, where: list[str], users: str
    ) -> Iterator[Finding]:
        snap = run.snap
        egress = subnet.egress
        routes = (egress.table.Routes or []) if egress.table is not None else []
        collected = snap.has(files.AWS_VPC_ENDPOINTS)
        services = a.endpoints_by_service(snap.vpc_endpoints, run.vpc_id)
        if collected and all(s in services for s in REGISTRY_ENDPOINTS):
            return  # deliberately air-gapped; private-endpoint-access judges its endpoints
        ipv6 = any(x.DestinationIpv6CidrBlock == "::/0" for x in routes)
        if ipv6 and run.views.cni.flag("ENABLE_IPv6"):
            return  # an IPv6 cluster leaving through ::/0 (egress-only IGW or NAT64 design)
        if collected:
            lacking = ", ".join(s for s in REGISTRY_ENDPOINTS if s not in services)
            design = (
                f"VPC endpoints: {', '.join(sorted(services)) or 'none'}; no {lacking} endpoint, "
                "so this is not an air-gapped design: image pulls fail too"
            )
        else:
            design = (
                f"{files.AWS_VPC_ENDPOINTS} not collected: cannot tell whether the cluster is "
                "meant to be air-gapped"
            )
        who = "pods on" if subnet.pod_only else "nodes and pods on"
        listing = ", ".join(
            f"{x.DestinationCidrBlock or x.DestinationPrefixListId} → {x.target}" for x in routes
        )
        yield self.finding(
            Severity.CRITICAL if collected else Severity.WARNING,
            f"Subnet {subnet.id} has no 0.0.0.0/0 route: {who} {len(subnet.nodes)} node(s) "
            "cannot reach the internet",
            resources=[*where, *subnet.refs],
            evidence=[egress.route_text(), f"{egress.table_id} routes: {listing}", users, design],
            params=run.params(subnet.id, egress.table_id, subnet.names),
            mechanism="no-default-route",
        )

    # --- NAT gateways in the wrong subnet --------------------------------------------------

    def _nat_without_igw(self, run: _Run) -> Iterator[Finding]:
        views = run.views
        by_nat: dict[str, list[r.SubnetUse]] = {}
        for subnet in run.subnets.values():
            if subnet.egress.kind is EgressKind.NAT and subnet.egress.nat is not None:
                by_nat.setdefault(subnet.egress.nat.NatGatewayId, []).append(subnet)
        for nat_id, users in by_nat.items():
            nat = views.nat_gateways_by_id[nat_id]
            if r.nat_state_problem(nat) or not r.nat_is_public(nat):
                continue  # a failed NAT is reported above; a private NAT needs no IGW
            upstream = r.nat_upstream(views, nat)
            if upstream is None or not r.nat_upstream_broken(upstream):
                continue
            nodes = _unique(v for s in users for v in s.nodes)
            yield self.finding(
                Severity.CRITICAL,
                f"NAT gateway {nat_id} sits in subnet {upstream.subnet_id}, whose route table "
                f"has no internet gateway route: {len(nodes)} node(s) behind it have no "
                "internet egress",
                resources=dict.fromkeys(
                    [
                        f"nat-gateway/{nat_id}",
                        f"subnet/{upstream.subnet_id}",
                        f"route-table/{upstream.table_id}",
                        *(f"subnet/{s.id}" for s in users),
                        *(v.ref for v in nodes),
                    ]
                ),
                evidence=[
                    f"{nat_id}: State={nat.State!r}, SubnetId={nat.SubnetId}, public IPs "
                    f"{', '.join(r.nat_public_ips(nat)) or 'none'}",
                    f"the NAT gateway's own {upstream.route_text()}",
                    "a public NAT gateway forwards to the internet through its own subnet's route "
                    "table, which needs 0.0.0.0/0 → igw-…",
                    *(s.egress.route_text() for s in users if s.id != upstream.subnet_id),
                    f"nodes behind it: {_nodes_text(nodes)}",
                ],
                # The table to fix is the nodes' (repoint it to a healthy NAT gateway).
                params=run.params(users[0].id, users[0].egress.table_id, [v.name for v in nodes])
                | {"misplaced_nat_id": nat_id},
                mechanism="nat-misplaced",
            )

    # --- other blackhole routes ------------------------------------------------------------

    def _blackholes(self, run: _Run) -> Iterator[Finding]:
        seen: set[str] = set()
        for subnet in run.subnets.values():
            table = subnet.egress.table
            if table is None or table.RouteTableId in seen:
                continue
            seen.add(table.RouteTableId)
            dead = [
                x
                for x in table.Routes or ()
                if (x.State or "").lower() == r.BLACKHOLE
                and x.DestinationCidrBlock != DEFAULT_ROUTE
            ]
            if not dead:
                continue
            users = [s for s in run.subnets.values() if s.egress.table_id == table.RouteTableId]
            nodes = _unique(v for s in users for v in s.nodes)
            dests = [x.DestinationCidrBlock or x.DestinationPrefixListId or "?" for x in dead]
            yield self.finding(
                Severity.WARNING,
                f"Route table {table.RouteTableId} has blackhole routes to {', '.join(dests)}: "
                f"{len(nodes)} node(s) cannot reach those networks",
                resources=[
                    f"route-table/{table.RouteTableId}",
                    *(f"subnet/{s.id}" for s in users),
                    *(v.ref for v in nodes),
                ],
                evidence=[
                    *(
                        f"{table.RouteTableId}: {d} → {x.target} (state {x.State})"
                        for d, x in zip(dests, dead, strict=True)
                    ),
                    "the target (peering connection, transit gateway attachment, ENI…) is gone; "
                    "traffic to that network is dropped",
                    f"nodes using the table: {_nodes_text(nodes)}",
                ],
                params=run.params(users[0].id, table.RouteTableId, [v.name for v in nodes])
                | {
                    "dead_cidrs": " ".join(
                        x.DestinationCidrBlock for x in dead if x.DestinationCidrBlock
                    )
                },
                mechanism="blackhole-routes",
            )

    # --- SNAT towards peered and VPN networks ----------------------------------------------

    def _private_networks_snated(self, run: _Run) -> Iterator[Finding]:
        if not run.unexcluded:
            return
        cidrs = list(run.unexcluded)
        lines = [line for found in run.unexcluded.values() for line in found]
        tables = list(dict.fromkeys(line.split(":", 1)[0] for line in lines))
        users = [s for s in run.subnets.values() if s.egress.table_id in tables and not s.pod_only]
        nodes = _unique(v for s in users for v in s.nodes)
        cni = run.views.cni
        yield self.finding(
            Severity.INFO,
            f"Pods reach {len(cidrs)} peered/VPN network(s) from the node IP, not their own: "
            f"{EXCLUDE_SNAT} misses {', '.join(cidrs)}",
            resources=[*(f"route-table/{t}" for t in tables), *(f"subnet/{s.id}" for s in users)],
            evidence=[
                cni.source(EXTERNAL_SNAT),
                cni.source(EXCLUDE_SNAT),
                *lines,
                f"nodes whose pods are affected: {_nodes_text(nodes)}",
                "pod traffic to these CIDRs is SNATed to the node's primary IP: firewalls, "
                "security groups or allow-lists on the far side that expect pod IPs drop or "
                "misattribute it",
            ],
            params=run.params(users[0].id, tables[0], [v.name for v in nodes]),
            mechanism="snat-to-private-networks",
        )


def _unexcluded_cidrs(views: Views, subnets: dict[str, r.SubnetUse]) -> dict[str, list[str]]:
    """CIDRs the nodes' primary route tables send to peering/TGW/VPN targets that
    EXCLUDE_SNAT_CIDRS does not cover, each with the route lines that show it."""
    excluded = views.cni.exclude_snat_cidrs
    missing: dict[str, list[str]] = {}
    for subnet in subnets.values():
        table = subnet.egress.table
        if table is None or subnet.pod_only:
            continue
        for route in table.Routes or ():
            cidr = route.DestinationCidrBlock
            if not cidr or cidr == DEFAULT_ROUTE or (route.State or "").lower() == r.BLACKHOLE:
                continue
            if not route.target.startswith(r.PRIVATE_NETWORK_TARGETS):
                continue
            if cidr_covered(cidr, excluded) is False:
                line = f"{table.RouteTableId}: {cidr} → {route.target} (state {route.State})"
                lines = missing.setdefault(cidr, [])
                if line not in lines:
                    lines.append(line)
    return missing
