"""The VPC around the cluster: subnets, route tables, gateways, security groups, endpoints, EKS.

`build_topology` sizes the address plan from the nodes' expected IP demand; the `describe_*`
functions render the finished objects as the aws CLI prints them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.addressing import SubnetAllocator, ip_str
from netdoctor.tooling.synth.context import DAY, Context
from netdoctor.tooling.synth.enis import Attachment, Eni
from netdoctor.tooling.synth.problems import PROBLEM_TAG

# eksctl's layout (/19s in 192.168.0.0/16) fits small clusters; beyond it, private subnets are
# whole /16s in secondary VPC CIDR blocks, kept at most this full so the plan looks lived-in.
SMALL_USABLE = 8192 - 5
TARGET_FILL = 0.6
LETTERS = "abc"

_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "southeast": "se",
    "northwest": "nw",
    "southwest": "sw",
}


def _region_code(region: str) -> str:
    parts = region.split("-")
    return "".join(parts[:-2]) + _DIRECTIONS.get(parts[-2], parts[-2][:1]) + parts[-1]


def tags(name: str, *extra: tuple[str, str]) -> list[dict[str, str]]:
    """An AWS TagSet with a Name first."""
    return [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in extra)]


@dataclass(eq=False)
class Subnet:
    """A subnet and the allocator that tracks its free addresses."""

    id: str
    cidr: str
    az: str
    az_id: str
    vpc_id: str
    name: str
    kind: str
    """`public`, `private`, `pods` (custom networking) or `exhausted`."""
    alloc: SubnetAllocator
    tags: list[dict[str, str]]
    route_table_id: str = ""


@dataclass(eq=False)
class SecurityGroup:
    """A security group; rules are EC2 IpPermission dicts, appended to as objects appear."""

    id: str
    name: str
    description: str
    tags: list[dict[str, str]]
    ingress: list[dict[str, Any]] = field(default_factory=list)
    egress: list[dict[str, Any]] = field(default_factory=list)


@dataclass(eq=False)
class NatGateway:
    """A public NAT gateway in a public subnet, with its Elastic IP."""

    id: str
    name: str
    subnet: Subnet
    allocation_id: str
    association_id: str
    public_ip: str
    eni: Eni | None
    failed: bool = False
    extra_tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(eq=False)
class RouteTable:
    """A route table with its routes and explicit subnet associations."""

    id: str
    name: str
    routes: list[dict[str, Any]]
    subnets: list[Subnet]
    association_ids: list[str]
    main: bool = False
    extra_tags: list[dict[str, str]] = field(default_factory=list)


def rule(
    protocol: str,
    ports: tuple[int, int] | None = None,
    *,
    cidr: str | None = None,
    group: str | None = None,
    account: str = "",
    desc: str | None = None,
) -> dict[str, Any]:
    """One IpPermission with a single CIDR or security-group source."""
    out: dict[str, Any] = {"IpProtocol": protocol}
    if ports is not None:
        out["FromPort"], out["ToPort"] = ports
    ranges: list[dict[str, str]] = []
    if cidr is not None:
        ranges.append({"CidrIp": cidr, **({"Description": desc} if desc else {})})
    pairs: list[dict[str, str]] = []
    if group is not None:
        pairs.append(
            {**({"Description": desc} if desc else {}), "GroupId": group, "UserId": account}
        )
    out.update(IpRanges=ranges, Ipv6Ranges=[], PrefixListIds=[], UserIdGroupPairs=pairs)
    return out


@dataclass(eq=False)
class Topology:
    """Everything network-level around the nodes."""

    ctx: Context
    azs: list[str]
    az_ids: list[str]
    vpc_id: str
    vpc_cidrs: list[tuple[str, str]]
    dhcp_id: str
    public: list[Subnet]
    private: list[list[Subnet]]
    pods: list[list[Subnet]]
    """Per AZ, the ENIConfig subnets of custom networking (empty without it)."""
    exhausted: Subnet | None
    igw_id: str
    nats: list[NatGateway]
    route_tables: list[RouteTable]
    cluster_sg: SecurityGroup
    additional_sg: SecurityGroup
    node_sg: SecurityGroup
    default_sg: SecurityGroup
    s3_endpoint_id: str
    prefix_list_id: str
    service_cidr: str
    endpoint_host: str
    cluster_created: int
    public_rng: random.Random
    public_used: set[str] = field(default_factory=set)
    extra_sgs: list[SecurityGroup] = field(default_factory=list)
    enis: list[Eni] = field(default_factory=list)
    """ENIs that belong to no node: NAT gateways, the EKS control plane, load balancers."""

    @property
    def subnets(self) -> list[Subnet]:
        """Every subnet, in describe-subnets order."""
        out = [
            *self.public,
            *(s for az in self.private for s in az),
            *(s for az in self.pods for s in az),
        ]
        if self.exhausted is not None:
            out.append(self.exhausted)
        return out

    @property
    def security_groups(self) -> list[SecurityGroup]:
        """Every security group of the VPC."""
        return [self.default_sg, self.cluster_sg, self.additional_sg, self.node_sg, *self.extra_sgs]

    def service_ip(self, last: int) -> str:
        """An address of the service CIDR by offset (1 = kubernetes, 10 = kube-dns)."""
        base = self.service_cidr.split("/")[0].rsplit(".", 2)[0]
        return f"{base}.{last // 256}.{last % 256}"

    def public_ip(self) -> str:
        """A fresh public IPv4 address from the region's EC2 ranges (3.64.0.0/14)."""
        while True:
            value = ip_str((3 << 24 | 64 << 16) + self.public_rng.getrandbits(18))
            if value not in self.public_used:
                self.public_used.add(value)
                return value


def _az_ids(ctx: Context) -> list[str]:
    if ctx.region == "eu-central-1":
        return ["euc1-az2", "euc1-az3", "euc1-az1"]
    order = [1, 2, 3]
    ctx.rng("az-ids").shuffle(order)
    code = _region_code(ctx.region)
    return [f"{code}-az{n}" for n in order]


def build_topology(ctx: Context, node_demand: list[int], pod_demand: list[int]) -> Topology:
    """Lay out the VPC for the expected per-AZ IP demand of node subnets and pod subnets."""
    ids = ctx.ids
    cluster = ctx.cluster
    seeding = ctx.seeding
    azs = [f"{ctx.region}{x}" for x in LETTERS]
    az_ids = _az_ids(ctx)
    vpc_id = ids.aws("vpc")
    small = max([*node_demand, *pod_demand, 0]) <= TARGET_FILL * SMALL_USABLE
    shared = (f"kubernetes.io/cluster/{cluster}", "shared")

    def subnet(cidr: str, az: int, name: str, kind: str, *extra: tuple[str, str]) -> Subnet:
        return Subnet(
            ids.aws("subnet"),
            cidr,
            azs[az],
            az_ids[az],
            vpc_id,
            name,
            kind,
            SubnetAllocator(cidr, ctx.rng(f"ips:{cidr}")),
            tags(name, *extra, shared),
        )

    vpc_name = f"{cluster}-vpc"
    elb = ("kubernetes.io/role/elb", "1")
    ielb = ("kubernetes.io/role/internal-elb", "1")
    cidrs: list[str]
    if small:
        cidrs = ["192.168.0.0/16"]
        public = [
            subnet(f"192.168.{32 * i}.0/19", i, f"{vpc_name}-public-{LETTERS[i]}", "public", elb)
            for i in range(3)
        ]
        private = [
            [
                subnet(
                    f"192.168.{96 + 32 * i}.0/19",
                    i,
                    f"{vpc_name}-private-{LETTERS[i]}",
                    "private",
                    ielb,
                )
            ]
            for i in range(3)
        ]
        spare = "192.168.192.0"
    else:
        cidrs = ["10.0.0.0/16"]
        public = [
            subnet(f"10.0.{16 * i}.0/20", i, f"{vpc_name}-public-{LETTERS[i]}", "public", elb)
            for i in range(3)
        ]
        per_az = max(1, math.ceil(max(node_demand) / (TARGET_FILL * 65531)))
        private = [[] for _ in range(3)]
        for k in range(per_az):
            for i in range(3):
                block = f"10.{1 + 3 * k + i}.0.0/16"
                cidrs.append(block)
                suffix = LETTERS[i] if per_az == 1 else f"{LETTERS[i]}{k + 1}"
                private[i].append(subnet(block, i, f"{vpc_name}-private-{suffix}", "private", ielb))
        spare = "10.0.64.0"
    pods: list[list[Subnet]] = [[], [], []]
    if seeding.custom_networking:
        if small:
            cidrs.append("100.64.0.0/16")
            pods = [
                [subnet(f"100.64.{32 * i}.0/19", i, f"{vpc_name}-pods-{LETTERS[i]}", "pods")]
                for i in range(3)
            ]
        else:
            # A subnet is at most a /16, so big clusters get several ENIConfig subnets per AZ.
            per_az = max(1, math.ceil(max(pod_demand) / (TARGET_FILL * 65531)))
            for k in range(per_az):
                for i in range(3):
                    if k and i not in seeding.eniconfig_azs:
                        continue  # a zone without ENIConfigs keeps its one, unused pod subnet
                    block = f"100.{64 + 3 * k + i}.0.0/16"
                    cidrs.append(block)
                    suffix = LETTERS[i] if per_az == 1 else f"{LETTERS[i]}{k + 1}"
                    pods[i].append(subnet(block, i, f"{vpc_name}-pods-{suffix}", "pods"))
    exhausted = None
    if "subnet-exhausted" in seeding:
        # Under prefix delegation no /28 fits a /28 subnet (reserved addresses), which is how
        # such a subnet runs dry for prefixes; otherwise a /27 is filled by the nodes' ENIs.
        length = 28 if seeding.prefix_delegation else 27
        exhausted = subnet(
            f"{spare}/{length}",
            0,
            "bad-subnet-exhausted",
            "exhausted",
            (PROBLEM_TAG, "subnet-exhausted"),
        )

    created = ctx.captured_at - 121 * DAY
    vpc_cidrs = [(ids.aws("vpc-cidr-assoc"), c) for c in cidrs]
    igw_id = ids.aws("igw")
    s3_id = ids.aws("vpce")
    prefix_list = "pl-6ea54007" if ctx.region == "eu-central-1" else f"pl-{ids.hex(8)}"

    topo = Topology(
        ctx=ctx,
        azs=azs,
        az_ids=az_ids,
        vpc_id=vpc_id,
        vpc_cidrs=vpc_cidrs,
        dhcp_id=ids.aws("dopt"),
        public=public,
        private=private,
        pods=pods,
        exhausted=exhausted,
        igw_id=igw_id,
        nats=[],
        route_tables=[],
        cluster_sg=SecurityGroup("", "", "", []),
        additional_sg=SecurityGroup("", "", "", []),
        node_sg=SecurityGroup("", "", "", []),
        default_sg=SecurityGroup("", "", "", []),
        s3_endpoint_id=s3_id,
        prefix_list_id=prefix_list,
        service_cidr="10.100.0.0/16" if small else "172.20.0.0/16",
        endpoint_host=f"{ids.hex(32).upper()}.gr7.{ctx.region}.eks.amazonaws.com",
        cluster_created=created,
        public_rng=ctx.rng("public-ips"),
    )
    _security_groups(topo)
    _nat_gateways(topo)
    _route_tables(topo)
    _control_plane_enis(topo)
    return topo


def _security_groups(topo: Topology) -> None:
    ctx, ids, acct, cluster = topo.ctx, topo.ctx.ids, topo.ctx.account, topo.ctx.cluster
    egress = [rule("-1", cidr="0.0.0.0/0")]
    cluster_id, add_id, node_id, default_id = (ids.aws("sg") for _ in range(4))
    topo.default_sg = SecurityGroup(
        default_id,
        "default",
        "default VPC security group",
        [],
        [rule("-1", group=default_id, account=acct)],
        list(egress),
    )
    name = f"eks-cluster-sg-{cluster}-{ids.digits(10)}"
    topo.cluster_sg = SecurityGroup(
        cluster_id,
        name,
        "EKS created security group applied to ENI that is attached to EKS Control Plane master"
        " nodes, as well as any managed workloads.",
        tags(
            name, (f"kubernetes.io/cluster/{cluster}", "owned"), ("aws:eks:cluster-name", cluster)
        ),
        [rule("-1", group=cluster_id, account=acct)],
        list(egress),
    )
    stamp = clock.k8s(topo.cluster_created).replace("-", "").replace(":", "").replace("T", "")[:14]
    topo.additional_sg = SecurityGroup(
        add_id,
        f"{cluster}-cluster-{stamp}",
        "EKS cluster security group",
        tags(f"{cluster}-cluster"),
        [rule("tcp", (443, 443), group=node_id, account=acct, desc="Node groups to cluster API")],
        list(egress),
    )
    node_rules = [
        rule("tcp", (443, 443), group=add_id, account=acct, desc="Cluster API to node groups"),
        rule(
            "tcp", (10250, 10250), group=add_id, account=acct, desc="Cluster API to node kubelets"
        ),
        rule(
            "tcp",
            (4443, 4443),
            group=add_id,
            account=acct,
            desc="Cluster API to node 4443/tcp webhook",
        ),
        rule(
            "tcp",
            (9443, 9443),
            group=add_id,
            account=acct,
            desc="Cluster API to node 9443/tcp webhook",
        ),
        rule("tcp", (53, 53), group=node_id, account=acct, desc="Node to node CoreDNS"),
        rule("udp", (53, 53), group=node_id, account=acct, desc="Node to node CoreDNS UDP"),
        rule(
            "tcp",
            (1025, 65535),
            group=node_id,
            account=acct,
            desc="Node to node ingress on ephemeral ports",
        ),
    ]
    if "nodeport-direct" in ctx.seeding:
        node_rules.append(
            rule(
                "tcp",
                (30000, 32767),
                cidr="0.0.0.0/0",
                desc="bad-nodeport-direct: NodePort range open to the world",
            )
        )
    topo.node_sg = SecurityGroup(
        node_id,
        f"{cluster}-node-{stamp}",
        "EKS node shared security group",
        tags(f"{cluster}-node", (f"kubernetes.io/cluster/{cluster}", "owned")),
        node_rules,
        list(egress),
    )


def _nat_gateways(topo: Topology) -> None:
    ctx, ids = topo.ctx, topo.ctx.ids
    for i, sub in enumerate(topo.public):
        failed = "nat-blackhole" in ctx.seeding and i == 1
        nat_id = ids.aws("nat")
        alloc, assoc = ids.aws("eipalloc"), ids.aws("eipassoc")
        public_ip = topo.public_ip()
        eni = None
        if not failed:
            ip = sub.alloc.take_ip()
            assert ip is not None
            eni = Eni(
                ids.aws("eni"),
                ids.mac(),
                sub,
                ip,
                f"Interface for NAT Gateway {nat_id}",
                [],
                Attachment(
                    ids.short_aws("ela-attach"), 1, None, "amazon-aws", delete_on_termination=False
                ),
                interface_type="nat_gateway",
                requester_id="036872051663",
                requester_managed=True,
                source_dest_check=False,
                public_ip=public_ip,
                eip=(alloc, assoc),
            )
            topo.enis.append(eni)
        name = (
            f"bad-nat-blackhole-{LETTERS[i]}" if failed else f"{ctx.cluster}-vpc-nat-{LETTERS[i]}"
        )
        extra = [{"Key": PROBLEM_TAG, "Value": "nat-blackhole"}] if failed else []
        topo.nats.append(NatGateway(nat_id, name, sub, alloc, assoc, public_ip, eni, failed, extra))


def _route_tables(topo: Topology) -> None:
    ctx, ids = topo.ctx, topo.ctx.ids
    local = [
        {
            "DestinationCidrBlock": c,
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
        for _, c in topo.vpc_cidrs
    ]
    vpc_name = f"{ctx.cluster}-vpc"
    tables = [RouteTable(ids.aws("rtb"), f"{vpc_name}-main", list(local), [], [], main=True)]
    igw = {
        "DestinationCidrBlock": "0.0.0.0/0",
        "GatewayId": topo.igw_id,
        "Origin": "CreateRoute",
        "State": "active",
    }
    tables.append(
        RouteTable(ids.aws("rtb"), f"{vpc_name}-public", [*local, igw], list(topo.public), [])
    )
    for i in range(3):
        nat = topo.nats[i]
        subs = [*topo.private[i], *topo.pods[i]]
        if topo.exhausted is not None and i == 0:
            subs.append(topo.exhausted)
        default = {
            "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": nat.id,
            "Origin": "CreateRoute",
            "State": "blackhole" if nat.failed else "active",
        }
        s3 = {
            "DestinationPrefixListId": topo.prefix_list_id,
            "GatewayId": topo.s3_endpoint_id,
            "Origin": "CreateRoute",
            "State": "active",
        }
        name = f"{vpc_name}-private-{LETTERS[i]}"
        extra: list[dict[str, str]] = []
        if nat.failed:
            name = f"bad-nat-blackhole-private-{LETTERS[i]}"
            extra = [{"Key": PROBLEM_TAG, "Value": "nat-blackhole"}]
        tables.append(
            RouteTable(ids.aws("rtb"), name, [*local, default, s3], subs, [], extra_tags=extra)
        )
    for table in tables:
        table.association_ids = [ids.aws("rtbassoc") for _ in table.subnets or [None]]
        for sub in table.subnets:
            sub.route_table_id = table.id
    topo.route_tables = tables


def _control_plane_enis(topo: Topology) -> None:
    ids = topo.ctx.ids
    for i in (0, 1):
        sub = topo.private[i][0]
        ip = sub.alloc.take_ip()
        assert ip is not None
        topo.enis.append(
            Eni(
                ids.aws("eni"),
                ids.mac(),
                sub,
                ip,
                f"Amazon EKS {topo.ctx.cluster}",
                [
                    (topo.cluster_sg.id, topo.cluster_sg.name),
                    (topo.additional_sg.id, topo.additional_sg.name),
                ],
                Attachment(ids.aws("eni-attach"), 1, topo.cluster_created + 720, "508581498423"),
                requester_id=f"AROA{ids.hex(17).upper()}:AmazonEKS",
            )
        )


def eniconfig_name(topo: Topology, az: int, k: int) -> str:
    """ENIConfig of the k-th pod subnet of an AZ: the zone's name, then `<zone>-2`, ..."""
    return topo.azs[az] if k == 0 else f"{topo.azs[az]}-{k + 1}"


def fill_exhausted(topo: Topology) -> None:
    """Leave the exhausted subnet 0-3 free addresses once the nodes have taken theirs.

    Prefix delegation cannot use its last addresses, so Lambda ENIs sharing the subnet take them.
    """
    sub = topo.exhausted
    if sub is None:
        return
    ids = topo.ctx.ids
    keep = topo.ctx.rng("exhausted").randint(0, 3)
    n = 0
    while sub.alloc.free > keep:
        ip = sub.alloc.take_ip()
        if ip is None:
            break
        n += 1
        topo.enis.append(
            Eni(
                ids.aws("eni"),
                ids.mac(),
                sub,
                ip,
                f"AWS Lambda VPC ENI-bad-subnet-exhausted-fn{n}-{ids.uuid()}",
                [(topo.node_sg.id, topo.node_sg.name)],
                Attachment(
                    ids.short_aws("ela-attach"), 1, None, "amazon-aws", delete_on_termination=False
                ),
                interface_type="lambda",
                requester_id=f"AROA{ids.hex(17).upper()}:{ids.hex(32)}",
                requester_managed=True,
            )
        )
