"""`generate`: plan a cluster, seed the requested problems and write the bundle."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netdoctor.errors import UsageError
from netdoctor.snapshot import files as F
from netdoctor.tooling.synth import clock, render_eks, render_network, render_paths, topology
from netdoctor.tooling.synth.apps import app_workloads, bad_workload
from netdoctor.tooling.synth.context import Context
from netdoctor.tooling.synth.custom_resources import eniconfigs, security_group_policies
from netdoctor.tooling.synth.enis import describe_eni
from netdoctor.tooling.synth.events import EventLog, scheduling_message
from netdoctor.tooling.synth.exposure import Exposure, build_exposure
from netdoctor.tooling.synth.ids import IdGen
from netdoctor.tooling.synth.instance_data import INSTANCE_TYPES, describe_instance_type
from netdoctor.tooling.synth.kube_system import configmaps, daemonsets, system_workloads
from netdoctor.tooling.synth.nodes import (
    HEALTHY_MIX,
    HOST_NETWORK_PODS,
    Node,
    allocate,
    healthy_groups,
    ip_demand,
    plan_nodes,
)
from netdoctor.tooling.synth.pods import RUNNING, PodPlan, PodRenderer, place_pods
from netdoctor.tooling.synth.problems import Seeding, parse_problems
from netdoctor.tooling.synth.render_nodes import render_cninode, render_node, render_reservation
from netdoctor.tooling.synth.topology import Topology
from netdoctor.tooling.synth.workload import Workload
from netdoctor.tooling.synth.writer import BundleWriter

ProgressCallback = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "plan" or the bundle path being written."""

DEFAULT_CLUSTER = "synth-demo"
DEFAULT_REGION = "eu-central-1"


@dataclass(frozen=True)
class SynthSummary:
    """What `generate` wrote: object counts and file sizes in bytes."""

    out_dir: Path
    cluster: str
    region: str
    seed: int
    problems: tuple[str, ...]
    compact: bool
    nodes: int
    pods: int
    pods_running: int
    pods_pending: int
    events: int
    services: int
    enis: int
    subnets: int
    files: dict[str, int]

    @property
    def bytes_written(self) -> int:
        """Total size of the bundle."""
        return sum(self.files.values())


def generate(
    out_dir: Path,
    nodes: int,
    pods_per_node: int = 30,
    problems: Sequence[str] = (),
    seed: int = 1,
    compact: bool = False,
    *,
    cluster: str = DEFAULT_CLUSTER,
    region: str = DEFAULT_REGION,
    progress: ProgressCallback | None = None,
    node_groups: Sequence[tuple[str, str, int]] | None = None,
) -> SynthSummary:
    """Write a realistic, internally consistent bundle to `out_dir`; same arguments, same bytes.

    `pods_per_node` counts every pod of a healthy node, aws-node and kube-proxy included, and is
    capped by the node's max-pods and ENI capacity. Nodes of the problems' `bad-*` node groups
    count towards `nodes`. `node_groups` replaces the default healthy mix with (name, instance
    type, weight) groups, split over the healthy nodes by weight and spread round-robin over the
    zones (the fixture builders use one small group). Raises UsageError, before writing
    anything, for unknown problems, impossible sizes or malformed names.
    """
    names = parse_problems(problems)
    seeding = Seeding(frozenset(names))
    _validate(nodes, pods_per_node, seeding, cluster, region)
    mix = tuple(node_groups) if node_groups is not None else HEALTHY_MIX
    unknown = [itype for _, itype, _ in mix if itype not in INSTANCE_TYPES]
    if unknown:
        raise UsageError(
            f"unknown instance type(s) {', '.join(unknown)}; synth knows "
            f"{', '.join(sorted(INSTANCE_TYPES))}"
        )
    report = progress or (lambda stage, done, total: None)
    report("plan", 0, 1)
    world = _plan(Context(cluster, region, seed, seeding, pods_per_node), nodes, mix)
    report("plan", 1, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = BundleWriter(out_dir, compact=compact)
    counts = _write(world, writer, report)
    plans = world.plans
    return SynthSummary(
        out_dir=out_dir,
        cluster=cluster,
        region=region,
        seed=seed,
        problems=names,
        compact=compact,
        nodes=len(world.nodes),
        pods=len(plans),
        pods_running=sum(1 for p in plans if p.state == RUNNING),
        pods_pending=sum(1 for p in plans if p.state != RUNNING),
        events=counts["events"],
        services=len(world.exposure.services),
        enis=counts["enis"],
        subnets=len(world.topo.subnets),
        files=dict(sorted(writer.sizes.items())),
    )


_CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


def _validate(nodes: int, pods_per_node: int, seeding: Seeding, cluster: str, region: str) -> None:
    bad_nodes = sum(s.count for s in seeding.bad_groups())
    if pods_per_node < HOST_NETWORK_PODS + 1:
        raise UsageError(f"--pods-per-node must be at least {HOST_NETWORK_PODS + 1}")
    if nodes < bad_nodes + 1:
        raise UsageError(
            f"--nodes must be at least {bad_nodes + 1} for the problems asked "
            f"({bad_nodes} go to their bad-* node groups)"
        )
    if not _CLUSTER_NAME.fullmatch(cluster):
        raise UsageError(f"not an EKS cluster name: {cluster!r}")
    if not _REGION.fullmatch(region):
        raise UsageError(f"not an AWS region: {region!r}")


@dataclass(eq=False)
class _World:
    """Everything planned, ready to render."""

    ctx: Context
    topo: Topology
    nodes: list[Node]
    daemonsets: list[dict[str, Any]]
    apps: list[Workload]
    bad: list[Workload]
    exposure: Exposure
    policies: list[dict[str, Any]]
    eniconfigs: list[dict[str, Any]]
    plans: list[PodPlan]


def _plan(ctx: Context, nodes: int, mix: tuple[tuple[str, str, int], ...]) -> _World:
    seeding = ctx.seeding
    bad_specs = seeding.bad_groups()
    healthy_count = nodes - sum(s.count for s in bad_specs)
    groups = plan_nodes(ctx, healthy_groups(healthy_count, seeding.node_azs, mix) + bad_specs)
    topo = topology.build_topology(ctx, *ip_demand(ctx, groups))
    allocate(ctx, topo, groups)
    topology.fill_exhausted(topo)
    all_nodes = sorted((n for g in groups for n in g.nodes), key=lambda n: n.name)
    healthy = [n for n in all_nodes if n.group.spec.problem is None]
    slots = sum(n.app_slots for n in healthy)

    ds_objects, daemon_wls = daemonsets(ctx, topo, len(all_nodes))
    system = system_workloads(ctx, len(healthy))
    for wl in system:
        wl.replicas = min(wl.replicas, slots)
        slots -= wl.replicas
    apps = app_workloads(ctx, slots)
    bad = [bad_workload(ctx, g) for g in groups if g.spec.problem]
    for wl in bad:
        reason = _UNSCHEDULABLE.get(wl.problem or "")
        if reason and wl.group is not None:
            wl.pending_message = scheduling_message(len(all_nodes), reason, len(wl.group.nodes))
    exposure = build_exposure(ctx, topo, apps)
    policies = security_group_policies(ctx, topo)
    configs = eniconfigs(ctx, topo)
    plans = place_pods(
        ctx.rng("placement"),
        IdGen(ctx.rng("pod-names")),
        ctx.captured_at,
        all_nodes,
        daemon_wls,
        system,
        apps,
        bad,
    )
    return _World(ctx, topo, all_nodes, ds_objects, apps, bad, exposure, policies, configs, plans)


_UNSCHEDULABLE = {
    "too-many-pods": "Too many pods",
    "trunk-label-missing": "Insufficient vpc.amazonaws.com/pod-eni",
}


class _Progress:
    """Feeds the progress callback while a file's items are written."""

    def __init__(self, report: ProgressCallback) -> None:
        self.report = report

    def counter(self, stage: str, total: int) -> Callable[[int], None]:
        done = 0
        self.report(stage, 0, total)

        def tick(n: int) -> None:
            nonlocal done
            done += n
            self.report(stage, done, total)

        return tick


def _write(world: _World, out: BundleWriter, report: ProgressCallback) -> dict[str, int]:
    ctx, topo, exposure = world.ctx, world.topo, world.exposure
    progress = _Progress(report)
    out.write(
        F.META,
        {
            "cluster": ctx.cluster,
            "region": ctx.region,
            "captured_at": clock.k8s(ctx.captured_at),
            "source": "synth",
        },
    )

    def k8s(rel: str, items: Iterable[dict[str, Any]], total: int) -> None:
        tick = progress.counter(rel, total)
        out.write_k8s_list(rel, items, on_chunk=tick)
        report(rel, total, total)

    def aws(rel: str, key: str, items: Iterable[dict[str, Any]], total: int) -> None:
        tick = progress.counter(rel, total)
        out.stream(rel, {key: None}, key, items, on_chunk=tick)
        report(rel, total, total)

    def doc(rel: str, obj: Any) -> None:
        out.write(rel, obj)
        report(rel, 1, 1)

    nodes = world.nodes
    node_rng = ctx.rng("node-render")
    k8s(F.K8S_NODES, (render_node(ctx, n, node_rng) for n in nodes), len(nodes))
    k8s(F.K8S_CNINODES, (render_cninode(ctx, n) for n in nodes), len(nodes))
    events = EventLog(IdGen(ctx.rng("event-ids")), ctx.rng("events"), ctx.node_dns_suffix)
    renderer = PodRenderer(
        IdGen(ctx.rng("pod-ids")), ctx.rng("pod-render"), events, ctx.captured_at
    )
    k8s(F.K8S_PODS, renderer.render_all(world.plans), len(world.plans))
    _controller_events(events, [*world.apps, *world.bad], exposure.reconciled, ctx.captured_at)
    event_items = events.items()
    k8s(F.K8S_EVENTS, event_items, len(event_items))
    for rel, items in (
        (F.K8S_SERVICES, exposure.services),
        (F.K8S_INGRESSES, exposure.ingresses),
        (F.K8S_TARGET_GROUP_BINDINGS, exposure.bindings),
        (F.K8S_DAEMONSETS, world.daemonsets),
        (F.K8S_CONFIGMAPS, configmaps(ctx, topo)),
        (F.K8S_ENICONFIGS, world.eniconfigs),
        (F.K8S_SECURITY_GROUP_POLICIES, world.policies),
    ):
        k8s(rel, items, len(items))

    doc(F.AWS_CLUSTER, render_network.describe_cluster(topo))
    doc(F.AWS_VPCS, render_network.describe_vpcs(topo))
    doc(F.AWS_VPC_DNS_SUPPORT, render_network.describe_vpc_attribute(topo, "enableDnsSupport"))
    doc(F.AWS_VPC_DNS_HOSTNAMES, render_network.describe_vpc_attribute(topo, "enableDnsHostnames"))
    doc(F.AWS_SUBNETS, render_network.describe_subnets(topo))
    doc(F.AWS_ROUTE_TABLES, render_network.describe_route_tables(topo))
    doc(F.AWS_NAT_GATEWAYS, render_network.describe_nat_gateways(topo))
    doc(F.AWS_INTERNET_GATEWAYS, render_network.describe_internet_gateways(topo))
    doc(F.AWS_SECURITY_GROUPS, render_network.describe_security_groups(topo))
    doc(F.AWS_VPC_ENDPOINTS, render_network.describe_vpc_endpoints(topo))
    types = sorted({n.itype.name: n.itype for n in nodes}.values(), key=lambda t: t.name)
    doc(F.AWS_INSTANCE_TYPES, {"InstanceTypes": [describe_instance_type(t) for t in types]})
    launched = sorted(nodes, key=lambda n: n.index)
    aws(F.AWS_INSTANCES, "Reservations", (render_reservation(ctx, n) for n in launched), len(nodes))
    enis = [*topo.enis, *(e for n in launched for e in n.enis)]
    aws(
        F.AWS_NETWORK_INTERFACES,
        "NetworkInterfaces",
        (describe_eni(e, ctx.account, ctx.region) for e in enis),
        len(enis),
    )
    doc(F.AWS_LOAD_BALANCERS, {"LoadBalancers": exposure.load_balancers})
    doc(F.AWS_TARGET_GROUPS, {"TargetGroups": exposure.target_groups})
    doc(F.AWS_NETWORK_ACLS, render_paths.describe_network_acls(topo))
    doc(F.AWS_PREFIX_LISTS, render_paths.describe_managed_prefix_lists(topo))
    # Synth VPCs carve no subnet CIDR reservations: the file says so (none, not unknown).
    doc(
        F.AWS_SUBNET_CIDR_RESERVATIONS,
        {"SubnetIpv4CidrReservations": [], "SubnetIpv6CidrReservations": []},
    )
    doc(F.AWS_NODEGROUPS, render_eks.describe_nodegroups(ctx, nodes, topo.cluster_created))
    doc(F.AWS_ACCESS_ENTRIES, render_eks.list_access_entries(ctx))
    doc(F.AWS_INSIGHTS, render_eks.list_insights(ctx))
    slices = render_paths.endpoint_slices(exposure.services, world.plans)
    k8s(F.K8S_ENDPOINT_SLICES, slices, len(slices))
    return {"events": len(event_items), "enis": len(enis)}


def _controller_events(
    events: EventLog, workloads: list[Workload], ingresses: list[dict[str, Any]], now: int
) -> None:
    for wl in workloads:
        if not (wl.recent or wl.pending):
            continue
        obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": wl.name,
            "namespace": wl.namespace,
            "resourceVersion": str(wl.rollout % 900000),
            "uid": wl.uid,
        }
        events.add(
            obj,
            "ScalingReplicaSet",
            f"Scaled up replica set {wl.owner_name} to {wl.placed + wl.pending}",
            first=max(wl.rollout, now - 2400),
            source={"component": "deployment-controller"},
            reporting=("deployment-controller", ""),
        )
    for ing in ingresses:
        obj = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "name": ing["name"],
            "namespace": ing["namespace"],
            "resourceVersion": str(now % 900000),
            "uid": ing["uid"],
        }
        events.add(
            obj,
            "SuccessfullyReconciled",
            "Successfully reconciled",
            first=now - 3400,
            last=now - 600,
            count=2,
            source={"component": "ingress"},
            reporting=("ingress", ""),
        )
