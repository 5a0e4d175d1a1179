"""Who may reach what: security-group admission, VPC endpoints, and the
cluster's API endpoint settings (`EndpointAccess`).

Shared by `private-endpoint-access` (cluster security group, publicAccessCidrs, private-cluster
endpoints) and `egress-snat-route` (SNAT exclusions, air-gapped designs). Pure functions over the
typed bundle shapes; nothing here guesses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from netdoctor.facts.addresses import ip_in
from netdoctor.snapshot import files
from netdoctor.snapshot.files import AWS_VPC_DNS_HOSTNAMES, AWS_VPC_DNS_SUPPORT

if TYPE_CHECKING:
    from netdoctor.facts.routing import InternetPath
    from netdoctor.facts.views import Host, Views
    from netdoctor.snapshot.aws_types import (
        Cluster,
        IpPermission,
        SecurityGroup,
        VpcConfig,
        VpcEndpoint,
    )
    from netdoctor.snapshot.snapshot import Snapshot

AVAILABLE = "available"
ALL = "0.0.0.0/0"
# `com.amazonaws.eu-central-1.ecr.api` → `ecr.api` (also `cn.com.amazonaws.cn-north-1.…`).
_SERVICE = re.compile(r"amazonaws\.[a-z]{2}(?:-[a-z]+)+-\d+\.(?P<service>.+)$")

# What a node without internet egress loses without each VPC endpoint (EKS private-clusters).
NEEDED_ENDPOINTS = {
    "ec2": "ipamd cannot attach ENIs or IPs (pods get no IPs) and the EKS AMI cannot name the node",
    "ecr.api": "ECR authentication and manifests fail: no image pulls (aws-node, kube-proxy and "
    "coredns included)",
    "ecr.dkr": "the ECR registry is unreachable: no image pulls",
    "s3": "ECR serves image layers from S3: pulls fail after the manifest",
    "sts": "IRSA (AssumeRoleWithWebIdentity) fails: pods with IAM roles for service accounts, "
    "often aws-node itself, get no credentials",
}
INTERFACE_ENDPOINTS = tuple(s for s in NEEDED_ENDPOINTS if s != "s3")
# Needed only when IRSA is in use, which the bundle cannot show.
WARNING_ONLY_ENDPOINTS = frozenset({"sts"})


def known_id(value: str | None, prefix: str) -> bool:
    """True for a real AWS id (`sg-0abc`), False for None or redacted stubs like `sg-`."""
    return value is not None and value.startswith(prefix) and len(value) > len(prefix)


# --- VPC endpoints -----------------------------------------------------------------------


def endpoint_service(service_name: str | None) -> str | None:
    """`com.amazonaws.eu-central-1.ecr.api` → `ecr.api`; None for names without a region."""
    match = _SERVICE.search(service_name or "")
    return match["service"] if match else None


def endpoints_by_service(
    endpoints: Iterable[VpcEndpoint], vpc_id: str | None
) -> dict[str, list[VpcEndpoint]]:
    """Usable endpoints of the VPC (not deleted, failed or rejected), by short service name."""
    found: dict[str, list[VpcEndpoint]] = {}
    for endpoint in endpoints:
        if vpc_id and endpoint.VpcId and endpoint.VpcId != vpc_id:
            continue
        if (endpoint.State or AVAILABLE).lower() not in (AVAILABLE, "pending"):
            continue
        service = endpoint_service(endpoint.ServiceName)
        if service:
            found.setdefault(service, []).append(endpoint)
    return found


def endpoint_gap(service: str, found: list[VpcEndpoint], tables: set[str]) -> str | None:
    """Why the VPC's endpoints for `service` do not serve nodes on route `tables`, or None."""
    interfaces = [e for e in found if (e.VpcEndpointType or "Interface") == "Interface"]
    if service == "s3":
        if interfaces:
            return None
        if not found:
            return "no endpoint"
        covered = {
            t for e in found if e.VpcEndpointType == "Gateway" for t in e.RouteTableIds or ()
        }
        unserved = sorted(tables - covered)
        return f"gateway endpoint not on route table(s) {', '.join(unserved)}" if unserved else None
    if not interfaces:
        return "no endpoint"
    if all(e.PrivateDnsEnabled is False for e in interfaces):
        ids = ", ".join(e.VpcEndpointId for e in interfaces)
        return f"{ids} has private DNS off, so clients still resolve the public name"
    return None


# --- security groups ---------------------------------------------------------------------


def node_security_groups(view: Host) -> list[str]:
    """The security groups on the node's primary ENI (else the instance's)."""
    primary = next((e for e in view.enis if e.device_index == 0), None)
    if primary is not None and primary.security_groups:
        groups = primary.security_groups
    elif view.instance is not None:
        groups = [g.GroupId for g in view.instance.SecurityGroups or ()]
    else:
        groups = []
    return [g for g in groups if known_id(g, "sg-")]


def node_group_gaps(snap: Snapshot) -> list[str]:
    """The absent files that leave the nodes' security groups unknown: the nodes, and both
    of the places their groups are read from (the instances, the ENIs)."""
    gaps = [] if snap.has(files.K8S_NODES) else [files.K8S_NODES]
    sources = (files.AWS_INSTANCES, files.AWS_NETWORK_INTERFACES)
    if not any(snap.has(rel) for rel in sources):
        gaps += sources
    return gaps


def node_ip(view: Host) -> str | None:
    """The node's primary private IP."""
    if view.instance is not None and view.instance.PrivateIpAddress:
        return view.instance.PrivateIpAddress
    return view.internal_ip


def admits(groups: Iterable[SecurityGroup], port: int, sources: list[str], ip: str | None) -> bool:
    """True when one of `groups` admits TCP `port` from one of the `sources` groups or from
    `ip`. A prefix-list source counts as admitting: the bundle does not hold its entries."""
    for group in groups:
        for perm in group.IpPermissions or ():
            if not perm.covers_port(port):
                continue
            if perm.PrefixListIds:
                return True
            if any(pair.GroupId in sources for pair in perm.UserIdGroupPairs or ()):
                return True
            cidrs = [x.CidrIp for x in perm.IpRanges or () if x.CidrIp]
            if ip and ip_in(ip, cidrs):
                return True
    return False


def rule_text(perm: IpPermission, way: str = "from") -> str:
    """An inbound rule as evidence: `tcp 443-443 from sg-…, 10.0.0.0/16` (`way="to"` for an
    outbound one)."""
    if perm.IpProtocol in ("-1", "all"):
        what = "all traffic"
    else:
        what = f"{perm.IpProtocol} {perm.FromPort}-{perm.ToPort}"
    sources = [
        *(x.CidrIp for x in perm.IpRanges or () if x.CidrIp),
        *(x.GroupId for x in perm.UserIdGroupPairs or () if x.GroupId),
        *(x.PrefixListId for x in perm.PrefixListIds or () if x.PrefixListId),
    ]
    return f"{what} {way} {', '.join(sources) or 'nothing'}"


# --- the API endpoint --------------------------------------------------------------------


def flag(value: bool | None) -> str:
    """`true`/`false`/`unknown`, as evidence."""
    return "unknown" if value is None else str(value).lower()


@dataclass
class EndpointAccess:
    """A cluster's API endpoint settings and who can use them: the facts every
    private-endpoint-access mechanism reads."""

    snap: Snapshot
    cluster: Cluster
    paths: list[tuple[Host, InternetPath]]
    """(node, `_routing.InternetPath`) for every node (or, for `node-join`, unregistered
    instance) whose primary subnet is known."""

    @property
    def views(self) -> Views:
        return self.snap.views

    @property
    def cfg(self) -> VpcConfig:
        return self.cluster.resourcesVpcConfig

    @property
    def name(self) -> str:
        return self.cluster.name or self.snap.info.cluster or "unknown"

    @property
    def public(self) -> bool | None:
        return self.cfg.endpointPublicAccess

    @property
    def private(self) -> bool | None:
        return self.cfg.endpointPrivateAccess

    @property
    def cidrs(self) -> list[str]:
        return list(self.cfg.publicAccessCidrs or [])

    @property
    def allow_all(self) -> bool:
        """No publicAccessCidrs means every address (EKS docs)."""
        return not self.cidrs or ALL in self.cidrs

    @cached_property
    def vpc_id(self) -> str | None:
        for vpc in (self.cfg.vpcId, self.views.vpc_id):
            if known_id(vpc, "vpc-"):
                return str(vpc)
        return None

    @cached_property
    def dns(self) -> dict[str, bool]:
        """enableDnsSupport / enableDnsHostnames of the cluster's VPC, where collected for it."""
        found: dict[str, bool] = {}
        for rel, attr in (
            (AWS_VPC_DNS_SUPPORT, "EnableDnsSupport"),
            (AWS_VPC_DNS_HOSTNAMES, "EnableDnsHostnames"),
        ):
            doc = self.snap.doc(rel)
            value = getattr(doc, attr, None) if doc is not None else None
            if value is None or value.Value is None:
                continue
            if doc.VpcId and self.vpc_id and doc.VpcId != self.vpc_id:
                continue  # recorded for another VPC: proves nothing about this one
            found[attr[0].lower() + attr[1:]] = value.Value
        return found

    @property
    def dns_off(self) -> list[str]:
        return [name for name, value in self.dns.items() if value is False]

    @property
    def nodes_use_public(self) -> bool:
        """Nodes call the public endpoint: private access off, or on but unresolvable in-VPC."""
        if self.public is not True:
            return False
        return self.private is False or (self.private is True and bool(self.dns_off))

    @cached_property
    def refused(self) -> list[tuple[Host, InternetPath, str]]:
        """(node, path, egress IP) for node egress IPs outside publicAccessCidrs."""
        if self.allow_all:
            return []
        return [
            (view, path, ip)
            for view, path in self.paths
            if path.reachable
            for ip in path.public_ips
            if ip_in(ip, self.cidrs) is False
        ]

    @property
    def stranded(self) -> list[tuple[Host, InternetPath]]:
        """Nodes whose primary subnet provably has no way to the internet."""
        return [(view, path) for view, path in self.paths if path.reachable is False]

    @cached_property
    def control_plane_groups(self) -> list[SecurityGroup] | None:
        """The groups on the private endpoint's ENIs (the cluster security group, then
        `securityGroupIds`); None when the bundle does not describe every one of them."""
        if not self.snap.has(files.AWS_SECURITY_GROUPS):
            return None
        candidates = [self.cfg.clusterSecurityGroupId, *(self.cfg.securityGroupIds or ())]
        wanted = list(dict.fromkeys(g for g in candidates if known_id(g, "sg-")))
        by_id = self.views.security_groups_by_id
        if not wanted or any(g not in by_id for g in wanted):
            return None  # a control-plane group the bundle does not describe: cannot judge
        return [by_id[g] for g in wanted]

    def control_plane_lines(self) -> list[str]:
        """The private endpoint's groups and their inbound rules, as evidence."""
        groups = self.control_plane_groups or []
        return [
            "the private endpoint's ENIs carry " + ", ".join(g.GroupId for g in groups),
            *(
                f"{g.GroupId} inbound: "
                + ("; ".join(rule_text(p) for p in g.IpPermissions or ()) or "no rules")
                for g in groups
            ),
        ]

    def admits_443(self, host: Host) -> bool | None:
        """Whether the private endpoint's groups admit HTTPS from the host's security groups
        or primary IP; None when either side's groups are unknown."""
        groups = self.control_plane_groups
        sgs = node_security_groups(host)
        if groups is None or not sgs:
            return None
        return admits(groups, 443, sgs, node_ip(host))

    def endpoint_gaps(self, hosts: list[tuple[Host, InternetPath]] | None = None) -> dict[str, str]:
        """Service → why the VPC's endpoints do not serve the hosts without internet egress
        (`hosts`, default `stranded`), for each service of `NEEDED_ENDPOINTS` they lack."""
        services = endpoints_by_service(self.snap.vpc_endpoints, self.vpc_id)
        chosen = self.stranded if hosts is None else hosts
        tables = {p.egress.table_id for _, p in chosen if p.egress.table_id}
        gaps: dict[str, str] = {}
        for service in NEEDED_ENDPOINTS:
            gap = endpoint_gap(service, services.get(service, []), tables)
            if gap:
                gaps[service] = gap
        return gaps

    def endpoint_line(self) -> str:
        return (
            f"cluster {self.name}: endpointPublicAccess={flag(self.public)}, "
            f"endpointPrivateAccess={flag(self.private)}, publicAccessCidrs={self.cidrs}"
        )

    def params(
        self,
        *,
        node_sg: str | None = None,
        cidrs: list[str] | None = None,
        nodes: list[tuple[Host, InternetPath]] | None = None,
        endpoints: list[str] | None = None,
    ) -> dict[str, str]:
        """Playbook values; one the bundle cannot give stays a shell variable to set."""
        chosen = nodes if nodes is not None else self.paths
        subnets = list(dict.fromkeys(p.egress.subnet_id for _, p in chosen))
        tables = list(dict.fromkeys(p.egress.table_id for _, p in chosen if p.egress.table_id))
        cluster_sg = self.cfg.clusterSecurityGroupId
        cidr_list = cidrs if cidrs is not None else self.cidrs
        return {
            "vpc_id": self.vpc_id or "$VPC_ID",
            "cluster_sg_id": cluster_sg
            if cluster_sg and known_id(cluster_sg, "sg-")
            else "$CLUSTER_SG_ID",
            "node_sg_id": node_sg or self.common_node_sg or "$NODE_SG_ID",
            "public_access_cidrs": ",".join(cidr_list) or "$PUBLIC_ACCESS_CIDRS",
            "subnet_ids": " ".join(subnets) or "$SUBNET_IDS",
            "route_table_ids": " ".join(tables) or "$ROUTE_TABLE_IDS",
            "interface_endpoints": " ".join(
                endpoints if endpoints is not None else INTERFACE_ENDPOINTS
            ),
        }

    @cached_property
    def common_node_sg(self) -> str | None:
        counts = Counter(sg for view in self.views.nodes for sg in node_security_groups(view))
        return counts.most_common(1)[0][0] if counts else None
