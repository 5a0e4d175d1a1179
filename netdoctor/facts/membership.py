"""Which EC2 instances are meant to be nodes of this cluster, and which of them never registered.

An instance is the cluster's when its tags say so: `kubernetes.io/cluster/<name>`,
`eks:cluster-name` / `eks:eks-cluster-name` = name (EKS managed node groups and Karpenter tag
both). Without a cluster tag, an instance in the cluster's VPC counts when its
`eks:nodegroup-name` or `karpenter.sh/nodepool` tag names a node group or node pool the cluster
is known to have (a registered node's label, or a described node group), or when it is in a
described node group's Auto Scaling group. An instance tagged for
another cluster only is never the cluster's.

It is registered when a node names it: the node's `spec.providerID` instance id (the join every
other fact uses), else its private DNS name as the node's name or InternalDNS/Hostname address,
else its private IP as the node's InternalIP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from netdoctor.facts.signatures import when
from netdoctor.facts.views import provider_id_parts
from netdoctor.snapshot.aws_types import tag_map

if TYPE_CHECKING:
    from netdoctor.facts.views import EniView, Views
    from netdoctor.snapshot.aws_types import Instance, Nodegroup

CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"
CLUSTER_NAME_TAGS = ("eks:cluster-name", "eks:eks-cluster-name")
NODEGROUP_TAG = "eks:nodegroup-name"
NODEPOOL_TAG = "karpenter.sh/nodepool"
ASG_TAG = "aws:autoscaling:groupName"
NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"
NODEPOOL_LABEL = "karpenter.sh/nodepool"
JOINING = timedelta(minutes=10)
"""An instance younger than this at capture time may still be booting: it is joining, not
failed (a node normally registers within two or three minutes of launch)."""
RUNNING = "running"


@dataclass
class InstanceHost:
    """A running instance meant to be a node of the cluster that no node names."""

    instance: Instance
    claim: str
    """Why the instance is the cluster's, as evidence: `tag eks:cluster-name=orbit-dev`."""
    enis: list[EniView] = field(default_factory=list)
    age: timedelta | None = None
    """Time from launch to capture; None when either time is unknown."""

    @property
    def name(self) -> str:
        return self.instance.InstanceId

    @property
    def internal_ip(self) -> str | None:
        return self.instance.PrivateIpAddress

    @property
    def ref(self) -> str:
        return f"instance/{self.instance.InstanceId}"

    @property
    def tags(self) -> dict[str, str]:
        return tag_map(self.instance.Tags)

    @property
    def nodegroup(self) -> str | None:
        """The managed node group the instance belongs to (`eks:nodegroup-name`)."""
        return self.tags.get(NODEGROUP_TAG) or None

    @property
    def asg(self) -> str | None:
        """The Auto Scaling group that launched the instance."""
        return self.tags.get(ASG_TAG) or None

    @property
    def joining(self) -> bool:
        """Launched less than `JOINING` before the capture: still booting, not failed."""
        return self.age is not None and self.age < JOINING

    def age_text(self) -> str:
        """`launched 2025-10-18T07:52:11+00:00, 3 min before capture` as evidence."""
        launched = self.instance.LaunchTime or "at an unknown time"
        if self.age is None:
            return f"launched {launched}; its age at capture is unknown"
        minutes = int(self.age.total_seconds() // 60)
        if minutes < 120:
            return f"launched {launched}, {minutes} min before capture"
        return f"launched {launched}, {minutes // 60} h before capture"


def cluster_claim(
    instance: Instance, cluster: str, known: KnownGroups, vpc_id: str | None
) -> str | None:
    """Why `instance` is meant to be a node of `cluster` (as evidence), or None."""
    tags = tag_map(instance.Tags)
    if CLUSTER_TAG_PREFIX + cluster in tags:
        return f"tag {CLUSTER_TAG_PREFIX}{cluster}={tags[CLUSTER_TAG_PREFIX + cluster]}"
    for key in CLUSTER_NAME_TAGS:
        if tags.get(key) == cluster:
            return f"tag {key}={cluster}"
    others = [k for k in tags if k.startswith(CLUSTER_TAG_PREFIX)]
    if others or any(tags.get(key) for key in CLUSTER_NAME_TAGS):
        return None  # another cluster's
    if vpc_id is None or instance.VpcId != vpc_id:
        return None
    group = tags.get(NODEGROUP_TAG)
    if group and group in known.groups:
        return f"tag {NODEGROUP_TAG}={group}, a node group of {cluster}"
    asg = tags.get(ASG_TAG)
    if asg and asg in known.asgs:
        return f"in Auto Scaling group {asg} of node group {known.asgs[asg]}"
    pool = tags.get(NODEPOOL_TAG)
    if pool and pool in known.pools:
        return f"tag {NODEPOOL_TAG}={pool}, a node pool of {cluster}"
    return None


def registered_instance_ids(views: Views) -> set[str]:
    """Instances some node names: by providerID, private DNS name or private IP."""
    found: set[str] = set()
    names: set[str] = set()
    ips: set[str] = set()
    for node in views.snap.nodes:
        _, instance_id = provider_id_parts(node.spec.providerID)
        if instance_id:
            found.add(instance_id)
        names.add(node.metadata.name)
        for address in node.status.addresses or ():
            if address.type in ("InternalDNS", "Hostname"):
                names.add(address.address)
            elif address.type == "InternalIP":
                ips.add(address.address)
    for instance in views.snap.instances:
        if instance.PrivateDnsName in names or instance.PrivateIpAddress in ips:
            found.add(instance.InstanceId)
    return found


@dataclass
class KnownGroups:
    """The node groups and Karpenter node pools the cluster is known to have."""

    groups: set[str] = field(default_factory=set)
    pools: set[str] = field(default_factory=set)
    asgs: dict[str, str] = field(default_factory=dict)
    """Auto Scaling group name → its managed node group."""


def known_groups(views: Views) -> KnownGroups:
    """The node groups and pools the cluster is known to have: its nodes' labels and the
    described node groups (with their Auto Scaling groups)."""
    known = KnownGroups()
    for view in views.nodes:
        if view.labels.get(NODEGROUP_LABEL):
            known.groups.add(view.labels[NODEGROUP_LABEL])
        if view.labels.get(NODEPOOL_LABEL):
            known.pools.add(view.labels[NODEPOOL_LABEL])
    for group in views.snap.nodegroups or ():
        if not group.nodegroupName:
            continue
        known.groups.add(group.nodegroupName)
        resources = group.resources
        for asg in (resources.autoScalingGroups or ()) if resources else ():
            if asg.get("name"):
                known.asgs[asg["name"]] = group.nodegroupName
    return known


def unregistered_instances(views: Views, cluster: str) -> list[InstanceHost]:
    """Running instances meant to be nodes of `cluster` that no node names, in bundle order."""
    registered = registered_instance_ids(views)
    known = known_groups(views)
    captured = when(views.snap.info.captured_at)
    found = []
    for instance in views.snap.instances:
        state = instance.State.Name if instance.State else None
        if state != RUNNING or instance.InstanceId in registered:
            continue
        claim = cluster_claim(instance, cluster, known, views.vpc_id)
        if claim is None:
            continue
        launched = when(instance.LaunchTime)
        found.append(
            InstanceHost(
                instance=instance,
                claim=claim,
                enis=views.enis_by_instance.get(instance.InstanceId, []),
                age=_age(launched, captured),
            )
        )
    return found


def nodegroup_of(views: Views, host: InstanceHost) -> Nodegroup | None:
    """The described managed node group the instance belongs to: by its `eks:nodegroup-name`
    tag, else by its Auto Scaling group."""
    for group in views.snap.nodegroups or ():
        if host.nodegroup and group.nodegroupName == host.nodegroup:
            return group
        resources = group.resources
        asgs = {a.get("name") for a in (resources.autoScalingGroups or ())} if resources else set()
        if host.asg and host.asg in asgs:
            return group
    return None


def _age(launched: datetime | None, captured: datetime | None) -> timedelta | None:
    if launched is None or captured is None:
        return None
    return captured - launched
