"""The Snapshot that checks read: typed, cached views over one bundle.

Each file is decoded once, into the typed shapes of `k8s_types`/`aws_types`, the first time
something asks for it (or up front with `load`). Derived facts shared between checks live in
`views.py` and are reached through `Snapshot.views`.
"""

from __future__ import annotations

import gc
import os
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import msgspec

from netdoctor.errors import BundleError
from netdoctor.models import SnapshotInfo
from netdoctor.snapshot import aws_types as a
from netdoctor.snapshot import files as f
from netdoctor.snapshot import k8s_types as k
from netdoctor.snapshot.bundle import (
    Bundle,
    convert_generic,
    decode_bytes,
    decode_list_in_slices,
)
from netdoctor.snapshot.quantity import parse_count

if TYPE_CHECKING:
    from netdoctor.facts.views import Views


class Meta(k.Struct):
    cluster: str | None = None
    region: str | None = None
    captured_at: str | None = None
    source: str | None = None
    missing: Any = None
    """`netdoctor capture`'s record of files it could not collect: file → why."""


# The typed shape of each bundle file.
SHAPES: dict[str, type] = {
    f.K8S_NODES: k.KubeList[k.Node],
    f.K8S_PODS: k.KubeList[k.Pod],
    f.K8S_SERVICES: k.KubeList[k.Service],
    f.K8S_INGRESSES: k.KubeList[k.Ingress],
    f.K8S_EVENTS: k.KubeList[k.Event],
    f.K8S_DAEMONSETS: k.KubeList[k.DaemonSet],
    f.K8S_CONFIGMAPS: k.KubeList[k.ConfigMap],
    f.K8S_ENICONFIGS: k.KubeList[k.ENIConfig],
    f.K8S_SECURITY_GROUP_POLICIES: k.KubeList[k.SecurityGroupPolicy],
    f.K8S_CNINODES: k.KubeList[k.CNINode],
    f.K8S_TARGET_GROUP_BINDINGS: k.KubeList[k.TargetGroupBinding],
    f.K8S_ENDPOINT_SLICES: k.KubeList[k.EndpointSlice],
    f.AWS_CLUSTER: a.DescribeCluster,
    f.AWS_VPCS: a.DescribeVpcs,
    f.AWS_VPC_DNS_SUPPORT: a.DescribeVpcAttribute,
    f.AWS_VPC_DNS_HOSTNAMES: a.DescribeVpcAttribute,
    f.AWS_SUBNETS: a.DescribeSubnets,
    f.AWS_ROUTE_TABLES: a.DescribeRouteTables,
    f.AWS_NAT_GATEWAYS: a.DescribeNatGateways,
    f.AWS_INTERNET_GATEWAYS: a.DescribeInternetGateways,
    f.AWS_INSTANCES: a.DescribeInstances,
    f.AWS_INSTANCE_TYPES: a.DescribeInstanceTypes,
    f.AWS_NETWORK_INTERFACES: a.DescribeNetworkInterfaces,
    f.AWS_SECURITY_GROUPS: a.DescribeSecurityGroups,
    f.AWS_VPC_ENDPOINTS: a.DescribeVpcEndpoints,
    f.AWS_LOAD_BALANCERS: a.DescribeLoadBalancers,
    f.AWS_TARGET_GROUPS: a.DescribeTargetGroups,
    f.AWS_NETWORK_ACLS: a.DescribeNetworkAcls,
    f.AWS_PREFIX_LISTS: a.DescribeManagedPrefixLists,
    f.AWS_SUBNET_CIDR_RESERVATIONS: a.GetSubnetCidrReservations,
    f.AWS_NODEGROUPS: a.DescribeNodegroups,
    f.AWS_ACCESS_ENTRIES: a.ListAccessEntries,
    f.AWS_INSIGHTS: a.ListInsights,
}


def _single_list(shape: type) -> tuple[str, type] | None:
    """(field, item type) when the shape is one list field (a List, describe-subnets…)."""
    fields = msgspec.structs.fields(shape)
    if len(fields) == 1 and getattr(fields[0].type, "__origin__", None) is list:
        return fields[0].name, fields[0].type.__args__[0]
    return None


# Documents that are one list: what can be decoded item by item (Snapshot.responsive).
LIST_FIELDS: dict[str, tuple[str, type]] = {
    rel: found for rel, shape in SHAPES.items() if (found := _single_list(shape))
}
RESPONSIVE_MIN_BYTES = 4 * 1024 * 1024
NOT_INSTALLED = "not installed:"
"""How capture's `missing` note starts for a kind whose API the server does not serve (a CRD
that is not installed): no such object can exist, so the file is known to be empty."""


class Snapshot:
    """A read-only, typed view of one bundle. Checks receive one and never do I/O themselves."""

    def __init__(self, bundle: Bundle, decode: str | None = None) -> None:
        self.bundle = bundle
        self.decode = decode or os.environ.get("NETDOCTOR_DECODE", "typed")
        """`typed` (default): decode straight into the typed shapes, skipping unread fields.
        `generic`: parse the whole JSON first, then convert — the straightforward path, kept
        to prove the fast one gives the same results (tests, bench)."""
        self.responsive = False
        """Decode big Lists item by item so a UI thread keeps the GIL's attention (TUI)."""
        self._docs: dict[str, Any] = {}
        self._raw: dict[str, Any] = {}
        self.capture_notes: dict[str, str] = {}
        """What capture recorded about each file it could not collect (meta.json `missing`:
        the denied call and the grant it needs), by bundle path."""
        self.info = self._read_meta()
        """The `snapshot` block of the report (cluster, region, captured_at, source)."""

    # --- files ---------------------------------------------------------------------------

    def has(self, rel: str) -> bool:
        """True when the bundle holds that file."""
        if rel in self._docs:
            return self._docs[rel] is not None
        return self.bundle.has(rel)

    def not_installed(self, rel: str) -> bool:
        """True when capture recorded that the API server does not serve the file's kind: the
        file is absent, yet its objects are known (there are none)."""
        return not self.has(rel) and self.capture_notes.get(rel, "").startswith(NOT_INSTALLED)

    def load(self, rels: list[str] | tuple[str, ...]) -> None:
        """Decode and validate these files now, so bad input fails before any check runs."""
        # The cyclic GC would walk every decoded label dict and list again and again while
        # they are built, and after: nothing decoded forms a cycle, so pause it, then move
        # the documents out of its sight (refcounting still frees them with the snapshot).
        paused = gc.isenabled()
        gc.disable()
        try:
            for rel in rels:
                if rel in SHAPES:
                    self.doc(rel)
        finally:
            if paused:
                gc.enable()
        gc.freeze()

    def doc(self, rel: str) -> Any:
        """The typed document of a bundle file, or None when the bundle lacks it."""
        if rel not in self._docs:
            data = self.bundle.read_bytes(rel)
            doc: Any
            if data is None:
                doc = None
            elif self.decode == "generic":
                doc = convert_generic(rel, self.bundle.read_json(rel), SHAPES[rel])
            elif self.responsive and rel in LIST_FIELDS and len(data) > RESPONSIVE_MIN_BYTES:
                doc = decode_list_in_slices(rel, data, SHAPES[rel], *LIST_FIELDS[rel])
            else:
                doc = decode_bytes(rel, data, SHAPES[rel])
            if rel == f.K8S_NODES and doc is not None:
                _validate_node_quantities(doc)
            self._docs[rel] = doc
        return self._docs[rel]

    def raw(self, rel: str) -> Any:
        """The file as generic JSON (dicts and lists), or None when absent. For plug-ins and
        the inspector; built-in checks use the typed accessors, which are far cheaper."""
        if rel not in self._raw:
            self._raw[rel] = self.bundle.read_json(rel)
        return self._raw[rel]

    def _items(self, rel: str) -> list[Any]:
        doc = self.doc(rel)
        return doc.items if doc is not None else []

    def _read_meta(self) -> SnapshotInfo:
        data = self.bundle.read_bytes(f.META)
        if data is None:
            return SnapshotInfo()
        meta = decode_bytes(f.META, data, Meta)
        if meta.captured_at is not None:
            try:
                datetime.fromisoformat(meta.captured_at)
            except ValueError:
                raise BundleError(
                    f"{f.META}: captured_at: expected an RFC 3339 time, got {meta.captured_at!r}"
                ) from None
        if isinstance(meta.missing, dict):
            self.capture_notes = {str(k): str(v) for k, v in meta.missing.items()}
        return SnapshotInfo(
            cluster=meta.cluster,
            region=meta.region,
            captured_at=meta.captured_at,
            source=meta.source,
        )

    # --- Kubernetes ----------------------------------------------------------------------

    @property
    def nodes(self) -> list[k.Node]:
        return self._items(f.K8S_NODES)

    @property
    def pods(self) -> list[k.Pod]:
        return self._items(f.K8S_PODS)

    @property
    def services(self) -> list[k.Service]:
        return self._items(f.K8S_SERVICES)

    @property
    def ingresses(self) -> list[k.Ingress]:
        return self._items(f.K8S_INGRESSES)

    @property
    def events(self) -> list[k.Event]:
        return self._items(f.K8S_EVENTS)

    @property
    def daemonsets(self) -> list[k.DaemonSet]:
        return self._items(f.K8S_DAEMONSETS)

    @property
    def configmaps(self) -> list[k.ConfigMap]:
        return self._items(f.K8S_CONFIGMAPS)

    @property
    def eniconfigs(self) -> list[k.ENIConfig]:
        return self._items(f.K8S_ENICONFIGS)

    @property
    def security_group_policies(self) -> list[k.SecurityGroupPolicy]:
        return self._items(f.K8S_SECURITY_GROUP_POLICIES)

    @property
    def cninodes(self) -> list[k.CNINode]:
        return self._items(f.K8S_CNINODES)

    @property
    def target_group_bindings(self) -> list[k.TargetGroupBinding]:
        return self._items(f.K8S_TARGET_GROUP_BINDINGS)

    @property
    def endpoint_slices(self) -> list[k.EndpointSlice]:
        return self._items(f.K8S_ENDPOINT_SLICES)

    # --- AWS -----------------------------------------------------------------------------

    @property
    def cluster(self) -> a.Cluster | None:
        doc = self.doc(f.AWS_CLUSTER)
        return doc.cluster if doc is not None else None

    @property
    def vpcs(self) -> list[a.Vpc]:
        doc = self.doc(f.AWS_VPCS)
        return doc.Vpcs if doc is not None else []

    @property
    def dns_support(self) -> bool | None:
        """`enableDnsSupport` of the described VPC, None when not collected."""
        doc = self.doc(f.AWS_VPC_DNS_SUPPORT)
        value = doc.EnableDnsSupport if doc is not None else None
        return value.Value if value is not None else None

    @property
    def dns_hostnames(self) -> bool | None:
        """`enableDnsHostnames` of the described VPC, None when not collected."""
        doc = self.doc(f.AWS_VPC_DNS_HOSTNAMES)
        value = doc.EnableDnsHostnames if doc is not None else None
        return value.Value if value is not None else None

    @property
    def subnets(self) -> list[a.Subnet]:
        doc = self.doc(f.AWS_SUBNETS)
        return doc.Subnets if doc is not None else []

    @property
    def route_tables(self) -> list[a.RouteTable]:
        doc = self.doc(f.AWS_ROUTE_TABLES)
        return doc.RouteTables if doc is not None else []

    @property
    def nat_gateways(self) -> list[a.NatGateway]:
        doc = self.doc(f.AWS_NAT_GATEWAYS)
        return doc.NatGateways if doc is not None else []

    @property
    def internet_gateways(self) -> list[a.InternetGateway]:
        doc = self.doc(f.AWS_INTERNET_GATEWAYS)
        return doc.InternetGateways if doc is not None else []

    @cached_property
    def instances(self) -> list[a.Instance]:
        doc = self.doc(f.AWS_INSTANCES)
        if doc is None:
            return []
        return [i for r in doc.Reservations for i in r.Instances or ()]

    @property
    def instance_types(self) -> list[a.InstanceTypeInfo]:
        doc = self.doc(f.AWS_INSTANCE_TYPES)
        return doc.InstanceTypes if doc is not None else []

    @property
    def network_interfaces(self) -> list[a.NetworkInterface]:
        doc = self.doc(f.AWS_NETWORK_INTERFACES)
        return doc.NetworkInterfaces if doc is not None else []

    @property
    def security_groups(self) -> list[a.SecurityGroup]:
        doc = self.doc(f.AWS_SECURITY_GROUPS)
        return doc.SecurityGroups if doc is not None else []

    @property
    def vpc_endpoints(self) -> list[a.VpcEndpoint]:
        doc = self.doc(f.AWS_VPC_ENDPOINTS)
        return doc.VpcEndpoints if doc is not None else []

    @property
    def load_balancers(self) -> list[a.LoadBalancer]:
        doc = self.doc(f.AWS_LOAD_BALANCERS)
        return doc.LoadBalancers if doc is not None else []

    @property
    def target_groups(self) -> list[a.TargetGroup]:
        doc = self.doc(f.AWS_TARGET_GROUPS)
        return doc.TargetGroups if doc is not None else []

    @property
    def network_acls(self) -> list[a.NetworkAcl]:
        doc = self.doc(f.AWS_NETWORK_ACLS)
        return doc.NetworkAcls if doc is not None else []

    @property
    def prefix_lists(self) -> list[a.ManagedPrefixList]:
        doc = self.doc(f.AWS_PREFIX_LISTS)
        return doc.PrefixLists if doc is not None else []

    @property
    def subnet_cidr_reservations(self) -> list[a.SubnetCidrReservation] | None:
        """IPv4 subnet CIDR reservations; None when the bundle lacks the file (unknown, not
        none)."""
        doc = self.doc(f.AWS_SUBNET_CIDR_RESERVATIONS)
        return doc.SubnetIpv4CidrReservations or [] if doc is not None else None

    @property
    def nodegroups(self) -> list[a.Nodegroup] | None:
        """The managed node groups; None when the bundle lacks the file."""
        doc = self.doc(f.AWS_NODEGROUPS)
        return doc.nodegroups if doc is not None else None

    @property
    def access_entries(self) -> list[str] | None:
        """Principal ARNs with an access entry; None when the bundle lacks the file."""
        doc = self.doc(f.AWS_ACCESS_ENTRIES)
        return doc.accessEntries if doc is not None else None

    @property
    def insights(self) -> list[a.Insight] | None:
        """EKS cluster insights; None when the bundle lacks the file."""
        doc = self.doc(f.AWS_INSIGHTS)
        return doc.insights if doc is not None else None

    # --- derived -------------------------------------------------------------------------

    @cached_property
    def views(self) -> Views:
        """Derived facts shared between checks (the node → instance → ENI → subnet → route
        chain, CNI settings, instance limits, pods per node, events per object)."""
        from netdoctor.facts.views import Views

        return Views(self)


def _validate_node_quantities(doc: k.KubeList[k.Node]) -> None:
    for index, node in enumerate(doc.items):
        for block in ("allocatable", "capacity"):
            values = getattr(node.status, block) or {}
            if "pods" in values:
                try:
                    parse_count(values["pods"])
                except ValueError:
                    raise BundleError(
                        f"{f.K8S_NODES}: items[{index}].status.{block}.pods: expected a quantity, "
                        f"got {values['pods']!r}"
                    ) from None
