"""Derived facts that several checks share, computed once per snapshot.

The heart is the chain netdoctor walks for every node:
node → EC2 instance → its ENIs → subnet → route table → NAT gateway / internet gateway.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from netdoctor.facts.cni import CniSettings, cni_settings
from netdoctor.facts.eks_signals import Signal, eks_signals
from netdoctor.facts.instances import InstanceCatalog
from netdoctor.facts.maxpods import (
    InstanceLimits,
    MaxPodsInput,
    eni_max_pods,
    max_pods_origin,
)
from netdoctor.snapshot import aws_types as a
from netdoctor.snapshot import k8s_types as k
from netdoctor.snapshot.quantity import parse_count

if TYPE_CHECKING:
    from netdoctor.facts.membership import InstanceHost
    from netdoctor.facts.platform import Platform
    from netdoctor.snapshot.snapshot import Snapshot

INSTANCE_TYPE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type")
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
TERMINATED_PHASES = ("Succeeded", "Failed")
DEFAULT_ROUTE = "0.0.0.0/0"


@dataclass
class EniView:
    """One ENI as netdoctor needs it, from describe-network-interfaces or the instance."""

    eni_id: str
    subnet_id: str | None
    instance_id: str | None
    device_index: int | None
    network_card: int
    interface_type: str
    primary_ip: str | None
    secondary_ips: list[str]
    prefixes: list[str]
    """Delegated IPv4 prefixes (/28)."""
    security_groups: list[str]
    ipv6_addresses: list[str] = field(default_factory=list)
    ipv6_prefixes: list[str] = field(default_factory=list)
    """Delegated IPv6 prefixes (/80)."""
    public_ips: list[str] = field(default_factory=list)
    """Public or Elastic IPs associated with the ENI's private addresses."""
    description: str = ""
    status: str | None = None
    """`in-use`, `available` (not attached), … (describe-network-interfaces only)."""
    requester_id: str | None = None
    requester_managed: bool | None = None
    tags: dict[str, str] = field(default_factory=dict)
    vpc_id: str | None = None


@dataclass
class NodeView:
    """A node joined to its EC2 instance, ENIs, subnet and route table."""

    node: k.Node
    name: str
    instance_id: str | None
    instance_type: str | None
    zone: str | None
    internal_ip: str | None
    kubelet_max_pods: int | None
    """`status.allocatable.pods` (else `capacity.pods`)."""
    instance: a.Instance | None = None
    limits: InstanceLimits | None = None
    enis: list[EniView] = field(default_factory=list)
    subnet: a.Subnet | None = None
    route_table: a.RouteTable | None = None
    views: Views | None = field(default=None, repr=False, compare=False)

    @property
    def pods(self) -> list[k.Pod]:
        """Pods bound to the node that still hold resources (not Succeeded/Failed). Looked up
        on use: a check that never asks does not pay for decoding pods.json."""
        if self.views is None:
            return []
        return self.views.pods_by_node.get(self.name, [])

    @property
    def labels(self) -> dict[str, str]:
        return self.node.metadata.labels or {}

    @property
    def annotations(self) -> dict[str, str]:
        return self.node.metadata.annotations or {}

    @property
    def ref(self) -> str:
        """`node/NAME` for a finding's resources."""
        return f"node/{self.name}"

    @property
    def max_pods_origin(self) -> str:
        """Who set the kubelet max-pods (`facts.maxpods.max_pods_origin`), as evidence."""
        info = self.node.status.nodeInfo
        return max_pods_origin(self.labels, info.osImage if info else None)


class Host(Protocol):
    """A machine on the cluster's network: a registered node (`NodeView`) or an instance that
    never registered (`facts.membership.InstanceHost`). What the routing and security-group
    facts read of it."""

    @property
    def name(self) -> str: ...
    @property
    def instance(self) -> a.Instance | None: ...
    @property
    def enis(self) -> list[EniView]: ...
    @property
    def internal_ip(self) -> str | None: ...
    @property
    def ref(self) -> str:
        """`node/NAME` or `instance/ID` for a finding's resources."""
        ...


def provider_id_parts(provider_id: str | None) -> tuple[str | None, str | None]:
    """`aws:///eu-central-1a/i-0abc` → (`eu-central-1a`, `i-0abc`)."""
    if not provider_id or not provider_id.startswith("aws://"):
        return None, None
    parts = [p for p in provider_id[len("aws://") :].split("/") if p]
    instance = parts[-1] if parts and parts[-1].startswith("i-") else None
    zone = parts[-2] if len(parts) >= 2 else None
    return zone, instance


def _first_label(labels: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((labels[key] for key in keys if labels.get(key)), None)


def _kubelet_max_pods(node: k.Node) -> int | None:
    for block in (node.status.allocatable, node.status.capacity):
        if block and "pods" in block:
            return parse_count(block["pods"])
    return None


def pod_ref(pod: k.Pod) -> str:
    """`pod/NAMESPACE/NAME` for a finding's resources."""
    return f"pod/{pod.metadata.namespace or 'default'}/{pod.metadata.name}"


def _public_ips(
    addresses: tuple[a.PrivateIp, ...] | list[a.PrivateIp], association: a.IpAssociation | None
) -> list[str]:
    found = [p.Association.PublicIp for p in addresses if p.Association and p.Association.PublicIp]
    if association is not None and association.PublicIp and association.PublicIp not in found:
        found.insert(0, association.PublicIp)
    return found


def _eni_from_described(eni: a.NetworkInterface) -> EniView:
    addresses = eni.PrivateIpAddresses or ()
    primary = next((p.PrivateIpAddress for p in addresses if p.Primary), eni.PrivateIpAddress)
    attachment = eni.Attachment
    return EniView(
        eni_id=eni.NetworkInterfaceId,
        subnet_id=eni.SubnetId,
        instance_id=attachment.InstanceId if attachment else None,
        device_index=attachment.DeviceIndex if attachment else None,
        network_card=(attachment.NetworkCardIndex or 0) if attachment else 0,
        interface_type=eni.InterfaceType or "interface",
        primary_ip=primary,
        secondary_ips=[
            p.PrivateIpAddress for p in addresses if not p.Primary and p.PrivateIpAddress
        ],
        prefixes=[p.Ipv4Prefix for p in eni.Ipv4Prefixes or () if p.Ipv4Prefix],
        security_groups=[g.GroupId for g in eni.Groups or ()],
        ipv6_addresses=[x.Ipv6Address for x in eni.Ipv6Addresses or () if x.Ipv6Address],
        ipv6_prefixes=[x.Ipv6Prefix for x in eni.Ipv6Prefixes or () if x.Ipv6Prefix],
        public_ips=_public_ips(addresses, eni.Association),
        description=eni.Description or "",
        status=eni.Status,
        requester_id=eni.RequesterId,
        requester_managed=eni.RequesterManaged,
        tags=a.tag_map(eni.TagSet),
        vpc_id=eni.VpcId,
    )


def _eni_from_instance(instance: a.Instance, eni: a.InstanceNetworkInterface) -> EniView:
    addresses = eni.PrivateIpAddresses or ()
    attachment = eni.Attachment
    return EniView(
        eni_id=eni.NetworkInterfaceId,
        subnet_id=eni.SubnetId,
        instance_id=instance.InstanceId,
        device_index=attachment.DeviceIndex if attachment else None,
        network_card=(attachment.NetworkCardIndex or 0) if attachment else 0,
        interface_type=eni.InterfaceType or "interface",
        primary_ip=next((p.PrivateIpAddress for p in addresses if p.Primary), None),
        secondary_ips=[
            p.PrivateIpAddress for p in addresses if not p.Primary and p.PrivateIpAddress
        ],
        prefixes=[p.Ipv4Prefix for p in eni.Ipv4Prefixes or () if p.Ipv4Prefix],
        security_groups=[g.GroupId for g in eni.Groups or ()],
        ipv6_addresses=[x.Ipv6Address for x in eni.Ipv6Addresses or () if x.Ipv6Address],
        ipv6_prefixes=[x.Ipv6Prefix for x in eni.Ipv6Prefixes or () if x.Ipv6Prefix],
        public_ips=_public_ips(addresses, eni.Association),
        status="in-use",
        vpc_id=instance.VpcId,
    )


class Views:
    """Indexes and joins over one snapshot. Every property is computed once."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    @cached_property
    def eks_signals(self) -> list[Signal]:
        """What EKS itself reports (health issues, insights not passing), read once."""
        return eks_signals(self.snap)

    # --- settings and limits -------------------------------------------------------------

    @cached_property
    def cni(self) -> CniSettings:
        """aws-node settings with documented defaults; `found` is False without aws-node."""
        return cni_settings(self.snap.daemonsets)

    @cached_property
    def platform(self) -> Platform:
        """The networking platform: the CNI and its IPAM, the IP family, the node kinds."""
        from netdoctor.facts.platform import detect

        return detect(self)

    @cached_property
    def max_pods_input(self) -> MaxPodsInput:
        """The running aws-node settings that change the max-pods formula."""
        return MaxPodsInput(
            prefix_delegation=self.cni.prefix_delegation,
            custom_networking=self.cni.custom_networking,
            max_eni=self.cni.max_eni,
        )

    @cached_property
    def catalog(self) -> InstanceCatalog:
        """Instance limits: the bundle's describe-instance-types, else the offline table."""
        return InstanceCatalog(self.snap.instance_types)

    def eni_capacity(self, view: NodeView) -> int | None:
        """The node's ENI/IP ceiling on pods under the running aws-node settings (prefix
        delegation counted only where it works); None for an unknown instance type."""
        if view.limits is None:
            return None
        return eni_max_pods(view.limits, self.node_max_pods_input(view))

    # --- AWS indexes ---------------------------------------------------------------------

    @cached_property
    def instances_by_id(self) -> dict[str, a.Instance]:
        return {i.InstanceId: i for i in self.snap.instances}

    @cached_property
    def subnets_by_id(self) -> dict[str, a.Subnet]:
        return {s.SubnetId: s for s in self.snap.subnets}

    @cached_property
    def nat_gateways_by_id(self) -> dict[str, a.NatGateway]:
        return {n.NatGatewayId: n for n in self.snap.nat_gateways}

    @cached_property
    def internet_gateway_ids(self) -> set[str]:
        return {g.InternetGatewayId for g in self.snap.internet_gateways}

    @cached_property
    def security_groups_by_id(self) -> dict[str, a.SecurityGroup]:
        return {g.GroupId: g for g in self.snap.security_groups}

    @cached_property
    def enis(self) -> list[EniView]:
        """Every ENI: describe-network-interfaces when collected, else the instances' ENIs."""
        if self.snap.network_interfaces:
            return [_eni_from_described(e) for e in self.snap.network_interfaces]
        return [
            _eni_from_instance(i, e) for i in self.snap.instances for e in i.NetworkInterfaces or ()
        ]

    @cached_property
    def enis_by_instance(self) -> dict[str, list[EniView]]:
        found: dict[str, list[EniView]] = defaultdict(list)
        for eni in self.enis:
            if eni.instance_id:
                found[eni.instance_id].append(eni)
        for enis in found.values():
            enis.sort(
                key=lambda e: (e.network_card, e.device_index if e.device_index is not None else 99)
            )
        return dict(found)

    @cached_property
    def enis_by_subnet(self) -> dict[str, list[EniView]]:
        found: dict[str, list[EniView]] = defaultdict(list)
        for eni in self.enis:
            if eni.subnet_id:
                found[eni.subnet_id].append(eni)
        return dict(found)

    @cached_property
    def reservations_by_subnet(self) -> dict[str, list[a.SubnetCidrReservation]] | None:
        """Subnet id → its IPv4 CIDR reservations; None when the bundle lacks the file."""
        reservations = self.snap.subnet_cidr_reservations
        if reservations is None:
            return None
        found: dict[str, list[a.SubnetCidrReservation]] = defaultdict(list)
        for reservation in reservations:
            found[reservation.SubnetId].append(reservation)
        return dict(found)

    @cached_property
    def _route_table_index(
        self,
    ) -> tuple[dict[str, list[a.RouteTable]], dict[str, list[a.RouteTable]]]:
        """(subnet id → tables explicitly associated with it, VPC id → its main tables)."""
        explicit: dict[str, list[a.RouteTable]] = defaultdict(list)
        main: dict[str, list[a.RouteTable]] = defaultdict(list)
        for table in self.snap.route_tables:
            for assoc in table.Associations or ():
                if assoc.SubnetId and table not in explicit[assoc.SubnetId]:
                    explicit[assoc.SubnetId].append(table)
                if assoc.Main and table.VpcId and table not in main[table.VpcId]:
                    main[table.VpcId].append(table)
        return dict(explicit), dict(main)

    def route_table_for(
        self, subnet_id: str | None, vpc_id: str | None = None
    ) -> a.RouteTable | None:
        """The route table that governs a subnet: its explicit association, else the main
        table of its VPC (from describe-subnets, else `vpc_id`). AWS allows one association
        per subnet and one main table per VPC: when the bundle holds two, it is bad data, noted
        in `data_notes`, and the answer is None (unknown) rather than a guess. Never another
        VPC's main table."""
        if not subnet_id:
            return None
        explicit, main = self._route_table_index
        tables = explicit.get(subnet_id)
        if tables:
            return tables[0] if len(tables) == 1 else None
        subnet = self.subnets_by_id.get(subnet_id)
        vpc = subnet.VpcId if subnet is not None and subnet.VpcId else vpc_id
        candidates = main.get(vpc or "", [])
        return candidates[0] if len(candidates) == 1 else None

    def route_table_is_explicit(self, subnet_id: str) -> bool:
        """True when the subnet has its own route table association (not the main table)."""
        return subnet_id in self._route_table_index[0]

    @cached_property
    def data_notes(self) -> list[str]:
        """Contradictions in the bundle that the facts refuse to resolve by guessing (two route
        tables associated with one subnet, two main tables in one VPC), as one line each."""
        notes = []
        explicit, main = self._route_table_index
        for subnet_id, tables in sorted(explicit.items()):
            if len(tables) > 1:
                ids = " and ".join(t.RouteTableId for t in tables)
                notes.append(
                    f"aws/ec2-describe-route-tables.json: subnet {subnet_id} is associated with "
                    f"{ids}; AWS allows one association per subnet, so its routes are unknown"
                )
        for vpc_id, tables in sorted(main.items()):
            if len(tables) > 1:
                ids = " and ".join(t.RouteTableId for t in tables)
                notes.append(
                    f"aws/ec2-describe-route-tables.json: {ids} are both the main table of "
                    f"{vpc_id}; AWS allows one, so routes of its unassociated subnets are unknown"
                )
        return notes

    @staticmethod
    def default_route(table: a.RouteTable | None) -> a.Route | None:
        """The table's `0.0.0.0/0` route, or None."""
        if table is None:
            return None
        return next(
            (r for r in table.Routes or () if r.DestinationCidrBlock == DEFAULT_ROUTE), None
        )

    @cached_property
    def vpc_id(self) -> str | None:
        """The cluster's VPC: from describe-cluster, else the node subnets', else the only VPC."""
        cluster = self.snap.cluster
        if cluster and cluster.resourcesVpcConfig.vpcId:
            return cluster.resourcesVpcConfig.vpcId
        for view in self.nodes:
            if view.subnet and view.subnet.VpcId:
                return view.subnet.VpcId
        vpcs = self.snap.vpcs
        return vpcs[0].VpcId if len(vpcs) == 1 else None

    # --- Kubernetes indexes --------------------------------------------------------------

    @cached_property
    def pods_by_node(self) -> dict[str, list[k.Pod]]:
        """Pods bound to each node that still hold resources (not Succeeded/Failed)."""
        found: dict[str, list[k.Pod]] = defaultdict(list)
        for pod in self.snap.pods:
            if pod.spec.nodeName and pod.status.phase not in TERMINATED_PHASES:
                found[pod.spec.nodeName].append(pod)
        return dict(found)

    @cached_property
    def events_by_object(self) -> dict[tuple[str, str, str], list[k.Event]]:
        """Events keyed by (kind, namespace, name) of the object they are about."""
        found: dict[tuple[str, str, str], list[k.Event]] = defaultdict(list)
        for event in self.snap.events:
            target = event.target
            key = (target.kind or "", target.namespace or "", target.name or "")
            found[key].append(event)
        return dict(found)

    def events_for(self, kind: str, namespace: str | None, name: str) -> list[k.Event]:
        """Events about one object (namespace None/"" for cluster-scoped objects)."""
        return self.events_by_object.get((kind, namespace or "", name), [])

    def pod_events(self, pod: k.Pod) -> list[k.Event]:
        """Events about a pod."""
        return self.events_for("Pod", pod.metadata.namespace, pod.metadata.name)

    # --- the chain -----------------------------------------------------------------------

    @cached_property
    def nodes(self) -> list[NodeView]:
        """Every node joined to its instance, ENIs, subnet and route table."""
        return [self._join(node) for node in self.snap.nodes]

    @cached_property
    def nodes_by_name(self) -> dict[str, NodeView]:
        return {view.name: view for view in self.nodes}

    @cached_property
    def cluster_name(self) -> str | None:
        """The cluster's name: describe-cluster's, else meta.json's."""
        cluster = self.snap.cluster
        return (cluster.name if cluster else None) or self.snap.info.cluster or None

    @cached_property
    def unregistered(self) -> list[InstanceHost]:
        """Running instances meant to be nodes of the cluster that no node names
        (`facts.membership`); empty when the cluster's name is unknown."""
        from netdoctor.facts.membership import unregistered_instances
        from netdoctor.snapshot.files import K8S_NODES

        name = self.cluster_name
        if not name or not self.snap.has(K8S_NODES):
            return []  # without the nodes, every instance would look unregistered
        return unregistered_instances(self, name)

    def _join(self, node: k.Node) -> NodeView:
        labels = node.metadata.labels or {}
        zone, instance_id = provider_id_parts(node.spec.providerID)
        instance = self.instances_by_id.get(instance_id) if instance_id else None
        instance_type = _first_label(labels, INSTANCE_TYPE_LABELS) or (
            instance.InstanceType if instance else None
        )
        zone = _first_label(labels, ZONE_LABELS) or zone or (instance.zone if instance else None)
        internal_ip = next(
            (x.address for x in node.status.addresses or () if x.type == "InternalIP"), None
        )
        enis = self.enis_by_instance.get(instance_id, []) if instance_id else []
        subnet_id = instance.SubnetId if instance and instance.SubnetId else None
        if subnet_id is None:
            primary = next((e for e in enis if e.device_index == 0), None)
            subnet_id = primary.subnet_id if primary else None
        return NodeView(
            node=node,
            name=node.metadata.name,
            instance_id=instance_id,
            instance_type=instance_type,
            zone=zone,
            internal_ip=internal_ip,
            kubelet_max_pods=_kubelet_max_pods(node),
            instance=instance,
            limits=self.catalog.get(instance_type),
            enis=enis,
            subnet=self.subnets_by_id.get(subnet_id) if subnet_id else None,
            route_table=self.route_table_for(subnet_id),
            views=self,
        )

    def node_security_group_ids(self, view: NodeView) -> list[str]:
        """The node's own security groups: its instance's, then its primary ENI's (sorted, unique).

        These are the groups that admit NodePort and host traffic; empty when neither the
        instance nor its primary ENI is in the bundle."""
        groups = (view.instance.SecurityGroups if view.instance else None) or ()
        found = {g.GroupId for g in groups if g.GroupId}
        for eni in view.enis:
            if eni.device_index == 0 and eni.network_card == 0:
                found.update(g for g in eni.security_groups if g)
        return sorted(found)

    @cached_property
    def cninodes_by_name(self) -> dict[str, k.CNINode]:
        """CNINode objects (VPC CNI >= 1.15 feature flags) by node name."""
        return {c.metadata.name: c for c in self.snap.cninodes}

    # --- IP capacity as it applies on one node (pod-ip-capacity, prefix-delegation, ...) ------

    def node_max_pods_input(self, view: NodeView) -> MaxPodsInput:
        """The aws-node settings as they apply on this node. Prefix delegation counts only on
        Nitro types: elsewhere ipamd logs "Prefix delegation is not supported on non-nitro
        instance" and falls back to secondary IPs (pkg/ipamd/ipamd.go)."""
        settings = self.max_pods_input
        if settings.prefix_delegation and view.limits is not None and not view.limits.nitro:
            return MaxPodsInput(False, settings.custom_networking, settings.max_eni)
        return settings

    @cached_property
    def eniconfigs_by_name(self) -> dict[str, k.ENIConfig]:
        """ENIConfig objects (custom networking) by name."""
        return {c.metadata.name: c for c in self.snap.eniconfigs}

    def eniconfig_selection(self, view: NodeView) -> tuple[str, str]:
        """The ENIConfig name a node selects under custom networking, and where it came from:
        the `vpc.amazonaws.com/externalEniConfig` label, else the ENI_CONFIG_ANNOTATION_DEF
        annotation, else the ENI_CONFIG_LABEL_DEF label, else `default` (pkg/eniconfig)."""
        external = "vpc.amazonaws.com/externalEniConfig"
        if external in view.labels:
            return view.labels[external], f"label {external}"
        annotation = self.cni.eni_config_annotation
        if annotation in view.annotations:
            return view.annotations[annotation], f"annotation {annotation}"
        label = self.cni.eni_config_label
        if label in view.labels:
            return view.labels[label], f"label {label}"
        return "default", f"no {label} label or annotation, so the name `default`"
