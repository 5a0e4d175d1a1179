"""The raw JSON of one object, exactly as the bundle file holds it (every field, not only the
ones the typed shapes keep)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import orjson

from netdoctor.explore.refs import Ref, parse_ref
from netdoctor.snapshot import files as f

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot

# Above this size a Kubernetes list is not parsed whole: the typed decode (already done for the
# checks) finds the item's index, and only that item's bytes are parsed. A generic parse of a
# 60,000-pod file takes seconds and gigabytes.
BIG_FILE = 16 * 1024 * 1024

_K8S: dict[str, str] = {
    "pod": f.K8S_PODS,
    "node": f.K8S_NODES,
    "service": f.K8S_SERVICES,
    "ingress": f.K8S_INGRESSES,
    "targetgroupbinding": f.K8S_TARGET_GROUP_BINDINGS,
    "daemonset": f.K8S_DAEMONSETS,
    "securitygrouppolicy": f.K8S_SECURITY_GROUP_POLICIES,
    "eniconfig": f.K8S_ENICONFIGS,
    "cninode": f.K8S_CNINODES,
}

# kind → (file, top-level list key, id fields tried in order)
_AWS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "subnet": (f.AWS_SUBNETS, "Subnets", ("SubnetId",)),
    "route-table": (f.AWS_ROUTE_TABLES, "RouteTables", ("RouteTableId",)),
    "nat-gateway": (f.AWS_NAT_GATEWAYS, "NatGateways", ("NatGatewayId",)),
    "internet-gateway": (f.AWS_INTERNET_GATEWAYS, "InternetGateways", ("InternetGatewayId",)),
    "security-group": (f.AWS_SECURITY_GROUPS, "SecurityGroups", ("GroupId",)),
    "eni": (f.AWS_NETWORK_INTERFACES, "NetworkInterfaces", ("NetworkInterfaceId",)),
    "vpc": (f.AWS_VPCS, "Vpcs", ("VpcId",)),
    "vpc-endpoint": (f.AWS_VPC_ENDPOINTS, "VpcEndpoints", ("VpcEndpointId",)),
    "target-group": (f.AWS_TARGET_GROUPS, "TargetGroups", ("TargetGroupArn", "TargetGroupName")),
    "load-balancer": (
        f.AWS_LOAD_BALANCERS,
        "LoadBalancers",
        ("LoadBalancerArn", "LoadBalancerName"),
    ),
}


@dataclass(frozen=True)
class RawObject:
    """One object's JSON and the bundle file it came from."""

    file: str
    data: Any


class _RawList(msgspec.Struct):
    items: list[msgspec.Raw] = []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _meta(item: dict[str, Any]) -> dict[str, Any]:
    meta = item.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _k8s_match(ref: Ref) -> Callable[[str | None, str | None], bool]:
    def match(name: str | None, namespace: str | None) -> bool:
        if name != ref.name:
            return False
        return ref.namespace is None or (namespace or "default") == ref.namespace

    return match


def _k8s_object(snap: Snapshot, ref: Ref, big_file: int) -> RawObject | None:
    rel = _K8S[ref.kind]
    if not snap.has(rel):
        return None
    match = _k8s_match(ref)
    path = snap.bundle.root / rel
    if path.stat().st_size > big_file:
        typed = snap.doc(rel)
        items = typed.items if typed is not None else []
        index = next(
            (
                i
                for i, item in enumerate(items)
                if match(item.metadata.name, item.metadata.namespace)
            ),
            None,
        )
        if index is None:
            return None
        data = snap.bundle.read_bytes(rel) or b""
        raw_items = msgspec.json.decode(data, type=_RawList).items
        return RawObject(rel, orjson.loads(bytes(raw_items[index])))
    doc = snap.raw(rel)
    items = _dicts(doc.get("items")) if isinstance(doc, dict) else []
    found = next((x for x in items if match(_meta(x).get("name"), _meta(x).get("namespace"))), None)
    return RawObject(rel, found) if found is not None else None


def _instance_parts(snap: Snapshot) -> list[dict[str, Any]]:
    doc = snap.raw(f.AWS_INSTANCES)
    reservations = _dicts(doc.get("Reservations")) if isinstance(doc, dict) else []
    return [i for r in reservations for i in _dicts(r.get("Instances"))]


def _aws_object(snap: Snapshot, ref: Ref) -> RawObject | None:
    if ref.kind == "cluster":
        doc = snap.raw(f.AWS_CLUSTER) if snap.has(f.AWS_CLUSTER) else None
        cluster = doc.get("cluster") if isinstance(doc, dict) else None
        if isinstance(cluster, dict) and cluster.get("name") in (None, ref.name):
            return RawObject(f.AWS_CLUSTER, cluster)
        return None
    if ref.kind == "instance":
        if not snap.has(f.AWS_INSTANCES):
            return None
        found = next((i for i in _instance_parts(snap) if i.get("InstanceId") == ref.name), None)
        return RawObject(f.AWS_INSTANCES, found) if found is not None else None
    rel, key, id_fields = _AWS[ref.kind]
    if snap.has(rel):
        doc = snap.raw(rel)
        items = _dicts(doc.get(key)) if isinstance(doc, dict) else []
        for field in id_fields:
            found = next((x for x in items if x.get(field) == ref.name), None)
            if found is not None:
                return RawObject(rel, found)
    if ref.kind == "eni" and snap.has(f.AWS_INSTANCES):
        # Without describe-network-interfaces, the instance's own ENI entry is the next best.
        for instance in _instance_parts(snap):
            for eni in _dicts(instance.get("NetworkInterfaces")):
                if eni.get("NetworkInterfaceId") == ref.name:
                    return RawObject(f.AWS_INSTANCES, eni)
    return None


def raw_object(snap: Snapshot, ref: str, *, big_file: int = BIG_FILE) -> RawObject | None:
    """The object's JSON as the bundle holds it, or None when the bundle lacks it.

    Args:
        snap: the snapshot.
        ref: a reference such as `pod/NS/NAME`, `subnet/subnet-…`, `rtb-…`, `eni-…`.
        big_file: Kubernetes lists larger than this many bytes are sliced, not parsed whole.

    Raises:
        BundleError: the file holding the object is not valid JSON.
    """
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    if parsed.kind in _K8S:
        return _k8s_object(snap, parsed, big_file)
    return _aws_object(snap, parsed)
