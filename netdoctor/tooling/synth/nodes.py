"""Node groups, nodes, their EC2 instances and ENIs, as ipamd would have left them.

Planning happens in three steps: `plan_nodes` decides every node's shape (type, AZ, max-pods,
how many ENIs and addresses ipamd wants), `ip_demand` sizes the VPC from that, and
`allocate` takes the addresses from the subnets, round-robin across nodes like concurrent ipamds,
so a subnet that runs dry leaves several nodes short rather than one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.context import DAY, Context
from netdoctor.tooling.synth.enis import Attachment, Eni, private_dns
from netdoctor.tooling.synth.instance_data import (
    INSTANCE_TYPES,
    InstanceType,
    max_pods,
)
from netdoctor.tooling.synth.problems import GroupSpec
from netdoctor.tooling.synth.topology import LETTERS, Subnet, Topology, eniconfig_name

# Healthy managed node groups and their share of the healthy nodes.
HEALTHY_MIX: tuple[tuple[str, str, int], ...] = (
    ("general", "m5.xlarge", 50),
    ("apps", "m6i.xlarge", 20),
    ("compute", "c5.4xlarge", 15),
    ("highmem", "m5.2xlarge", 10),
    ("system", "m6i.large", 5),
)
HOST_NETWORK_PODS = 2  # aws-node and kube-proxy: the "+2" of the max-pods formula
KUBELET_VERSION = "v1.31.2-eks-94953ac"
AMI_NAME = "Amazon Linux 2023.6.20241031"


def split_counts(total: int, weights: list[int]) -> list[int]:
    """Split total by weights with the largest-remainder method (deterministic, sums exactly)."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def healthy_groups(
    count: int, azs: tuple[int, ...], mix: tuple[tuple[str, str, int], ...] = HEALTHY_MIX
) -> list[GroupSpec]:
    """The healthy node groups for `count` nodes spread over `azs`, by the weights of `mix`."""
    counts = split_counts(count, [w for _, _, w in mix])
    return [
        GroupSpec(name, itype, n, azs) for (name, itype, _), n in zip(mix, counts, strict=True) if n
    ]


@dataclass(eq=False)
class NodeGroup:
    """A managed node group: its spec and the launch-template/ASG facts its nodes share."""

    spec: GroupSpec
    itype: InstanceType
    launch_template: str
    asg: str
    profile_arn: str
    profile_id: str
    nodes: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Node:
    """One worker node and its instance; the ENI plan is what ipamd wants, enis what it got."""

    index: int
    group: NodeGroup
    az_index: int
    az: str
    launch: int
    max_pods: int
    prefix_mode: bool
    trunk_wanted: bool
    eniconfig: str | None
    """ENIConfig this node selects (custom networking), whether or not it exists."""
    eniconfig_annotated: bool
    pods_total: int
    """Pods the scheduler has bound here, host-network ones included."""
    eni_plan: list[int]
    """Per pod ENI, in order: secondary IPs (or /28 prefixes) ipamd wants on it."""
    subnet: Subnet | None = None
    pod_subnet: Subnet | None = None
    public_ip: str | None = None
    instance_id: str = ""
    ip: str = ""
    name: str = ""
    uid: str = ""
    enis: list[Eni] = field(default_factory=list)
    trunk: Eni | None = None
    pod_ips: list[str] = field(default_factory=list)

    @property
    def itype(self) -> InstanceType:
        """The instance type."""
        return self.group.itype

    @property
    def app_slots(self) -> int:
        """Non-host-network pods bound to the node."""
        return self.pods_total - HOST_NETWORK_PODS


def _node_shape(spec: GroupSpec, ctx: Context, az_index: int) -> dict[str, Any]:
    s = ctx.seeding
    t = INSTANCE_TYPES[spec.instance_type]
    cn = s.custom_networking
    prefix = s.prefix_delegation and t.nitro
    # ipamd leaves one ENI slot for the trunk when security groups for pods is on; nodes that
    # carry the trunk-label-missing problem filled every slot before the feature was enabled.
    trunk = s.pod_eni and t.trunking and not spec.trunk_broken
    pod_enis = t.max_enis - (1 if trunk else 0) - (1 if cn else 0)
    per_eni = t.ipv4_per_eni - 1
    capacity = pod_enis * per_eni * (16 if prefix else 1)
    kubelet_max = spec.max_pods or max_pods(
        t, custom_networking=cn, prefix_delegation=s.prefix_delegation
    )
    if spec.app_pods == "fill":
        total = min(ctx.pods_per_node, kubelet_max, capacity + HOST_NETWORK_PODS)
    elif spec.app_pods == "max":
        total = kubelet_max
    else:
        total = HOST_NETWORK_PODS + int(spec.app_pods)
    if total > min(kubelet_max, capacity + HOST_NETWORK_PODS):
        raise AssertionError(f"{spec.name}: {total} pods exceed the node's capacity")
    eniconfig = None
    if cn:
        eniconfig = spec.eniconfig or f"{ctx.region}{LETTERS[az_index]}"
    has_config = not cn or spec.eniconfig is not None or az_index in s.eniconfig_azs
    want = total - HOST_NETWORK_PODS
    plan: list[int] = []
    if has_config:
        if prefix:
            prefixes = math.ceil(want / 16) + 1  # WARM_PREFIX_TARGET=1
            n = min(pod_enis, math.ceil(prefixes / per_eni))
            plan = [min(per_eni, prefixes - per_eni * i) for i in range(n)]
        else:
            n = min(pod_enis, math.ceil(want / per_eni) + 1)  # WARM_ENI_TARGET=1
            plan = [per_eni] * n
    return dict(
        max_pods=kubelet_max,
        prefix_mode=prefix,
        trunk_wanted=trunk,
        eniconfig=eniconfig,
        eniconfig_annotated=spec.eniconfig is not None,
        pods_total=total,
        eni_plan=plan,
    )


def plan_nodes(ctx: Context, specs: list[GroupSpec]) -> list[NodeGroup]:
    """Node groups with their nodes' shapes; no addresses yet."""
    ids = ctx.ids
    rng = ctx.rng("nodes")
    groups: list[NodeGroup] = []
    index = 0
    for spec in specs:
        t = INSTANCE_TYPES[spec.instance_type]
        group = NodeGroup(
            spec,
            t,
            ids.aws("lt"),
            f"eks-{spec.name}-{ids.uuid()}",
            f"arn:aws:iam::{ctx.account}:instance-profile/eks-{ids.uuid()}",
            f"AIPA{ids.hex(17).upper()}",
        )
        oldest = 3 * DAY if spec.problem else 20 * DAY
        for j in range(spec.count):
            az = spec.az_indices[j % len(spec.az_indices)]
            launch = ctx.captured_at - rng.randrange(2 * 3600, oldest)
            group.nodes.append(
                Node(
                    index,
                    group,
                    az,
                    f"{ctx.region}{LETTERS[az]}",
                    launch,
                    **_node_shape(spec, ctx, az),
                )
            )
            index += 1
        groups.append(group)
    return groups


def ip_demand(ctx: Context, groups: list[NodeGroup]) -> tuple[list[int], list[int]]:
    """Expected addresses per AZ in private node subnets and in pod (ENIConfig) subnets."""
    node_demand, pod_demand = [0, 0, 0], [0, 0, 0]
    cn = ctx.seeding.custom_networking
    for g in groups:
        private = g.spec.placement == "private"
        for n in g.nodes:
            per_eni_ips = [(1 + k * 16) if n.prefix_mode else (1 + k) for k in n.eni_plan]
            pods_side = sum(per_eni_ips) + (1 if n.trunk_wanted else 0)
            if cn:
                node_demand[n.az_index] += private
                if g.spec.eniconfig is None:
                    pod_demand[n.az_index] += pods_side
            elif private:
                node_demand[n.az_index] += pods_side
    return node_demand, pod_demand


def allocate(ctx: Context, topo: Topology, groups: list[NodeGroup]) -> None:
    """Launch the instances and let every node's ipamd take its ENIs and addresses."""
    ids = ctx.ids
    nodes = [n for g in groups for n in g.nodes]
    per_az_counter = [0, 0, 0]
    per_az_config = [0, 0, 0]
    eniconfig_subnets = {
        eniconfig_name(topo, i, k): s
        for i in ctx.seeding.eniconfig_azs
        for k, s in enumerate(topo.pods[i])
    }
    if topo.exhausted is not None:
        eniconfig_subnets["bad-subnet-exhausted"] = topo.exhausted
    for n in nodes:
        placement = n.group.spec.placement
        if placement == "public":
            n.subnet = topo.public[n.az_index]
        elif placement == "exhausted":
            assert topo.exhausted is not None
            n.subnet = topo.exhausted
        else:
            subs = topo.private[n.az_index]
            n.subnet = subs[per_az_counter[n.az_index] % len(subs)]
            per_az_counter[n.az_index] += 1
        if n.eniconfig is not None:
            pods = topo.pods[n.az_index]
            if not n.eniconfig_annotated and len(pods) > 1 and n.eniconfig in eniconfig_subnets:
                # Beyond the zone's own ENIConfig, nodes are annotated with the extra ones.
                k = per_az_config[n.az_index] % len(pods)
                per_az_config[n.az_index] += 1
                n.eniconfig = eniconfig_name(topo, n.az_index, k)
                n.eniconfig_annotated = k > 0
            n.pod_subnet = eniconfig_subnets.get(n.eniconfig)
        else:
            n.pod_subnet = n.subnet
    # Launch: every instance gets its primary address first.
    for n in nodes:
        assert n.subnet is not None
        ip = n.subnet.alloc.take_ip()
        if ip is None:
            raise AssertionError(f"subnet {n.subnet.name} has no room for an instance")
        n.ip, n.name = ip, private_dns(ip, ctx.region)
        n.instance_id = ids.aws("i")
        n.uid = ids.uuid()
        if n.group.spec.placement == "public":
            n.public_ip = topo.public_ip()
        primary = Eni(
            ids.aws("eni"),
            ids.mac(),
            n.subnet,
            ip,
            "",
            _node_groups(topo),
            Attachment(ids.aws("eni-attach"), 0, n.launch, ctx.account, n.instance_id),
            public_ip=n.public_ip,
        )
        n.enis.append(primary)
    cn = ctx.seeding.custom_networking
    steps = max((len(n.eni_plan) for n in nodes), default=0)
    stopped: set[int] = set()
    for step in range(steps):
        for n in nodes:
            if step >= len(n.eni_plan) or n.index in stopped:
                continue
            if not _grow(ctx, topo, n, step, use_primary=not cn and step == 0):
                stopped.add(n.index)
    for n in nodes:
        if n.trunk_wanted and n.pod_subnet is not None:
            _attach_trunk(ctx, topo, n)
        first_pod_eni = 1 if cn else 0
        for eni in n.enis[first_pod_eni:]:
            n.pod_ips.extend(eni.pod_addresses)


def _node_groups(topo: Topology) -> list[tuple[str, str]]:
    return [(topo.cluster_sg.id, topo.cluster_sg.name), (topo.node_sg.id, topo.node_sg.name)]


def _grow(ctx: Context, topo: Topology, n: Node, step: int, *, use_primary: bool) -> bool:
    """Fill pod ENI number `step`; False when the subnet ran dry (ipamd stops trying)."""
    ids = ctx.ids
    sub = n.pod_subnet
    if sub is None:
        return False
    want = n.eni_plan[step]
    if use_primary:
        eni = n.enis[0]
    else:
        first_prefix = None
        if n.prefix_mode:
            # CreateNetworkInterface asks for a prefix up front; without a free /28 it fails.
            first_prefix = sub.alloc.take_prefix()
            if first_prefix is None:
                return False
        ip = sub.alloc.take_ip()
        if ip is None:
            if first_prefix is not None:
                sub.alloc.give_back_prefix(first_prefix)
            return False
        t = n.launch + 60 + 45 * len(n.enis)
        eni = Eni(
            ids.aws("eni"),
            ids.mac(),
            sub,
            ip,
            f"aws-K8S-{n.instance_id}",
            _node_groups(topo),
            Attachment(ids.aws("eni-attach"), len(n.enis), t, ctx.account, n.instance_id),
            tags=[
                {"Key": "cluster.k8s.amazonaws.com/name", "Value": ctx.cluster},
                {"Key": "node.k8s.amazonaws.com/createdAt", "Value": clock.k8s(t + 60)},
                {"Key": "node.k8s.amazonaws.com/instance_id", "Value": n.instance_id},
            ],
        )
        n.enis.append(eni)
        if first_prefix is not None:
            eni.prefixes.append(first_prefix)
    if n.prefix_mode:
        while len(eni.prefixes) < want:
            p = sub.alloc.take_prefix()
            if p is None:
                return False
            eni.prefixes.append(p)
        return True
    while len(eni.secondary_ips) < want:
        ip = sub.alloc.take_ip()
        if ip is None:
            return False
        eni.secondary_ips.append(ip)
    return True


def _attach_trunk(ctx: Context, topo: Topology, n: Node) -> None:
    assert n.pod_subnet is not None
    ip = n.pod_subnet.alloc.take_ip()
    if ip is None:
        return
    ids = ctx.ids
    t = n.launch + 240
    n.trunk = Eni(
        ids.aws("eni"),
        ids.mac(),
        n.pod_subnet,
        ip,
        "trunk-eni",
        _node_groups(topo),
        Attachment(ids.aws("eni-attach"), n.itype.max_enis - 1, t, ctx.account, n.instance_id),
        interface_type="trunk",
        tags=[
            {"Key": "eks:eni:owner", "Value": "eks-vpc-resource-controller"},
            {"Key": "vpcresources.k8s.aws/cluster-name", "Value": ctx.cluster},
        ],
    )
    n.enis.append(n.trunk)
