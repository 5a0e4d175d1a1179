"""The Kubernetes API resources a snapshot bundle holds, one per `k8s/*.json` file.

`API_KINDS` is the single table that maps bundle files to REST paths. `netdoctor serve` serves
from it and live capture lists from it, so the two always agree on what a bundle contains.
`PRINTER_COLUMNS` says how `kubectl get` shows each kind (server-side tables).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from netdoctor.snapshot import files as f


@dataclass(frozen=True, slots=True)
class ApiKind:
    """One API resource and the bundle file that records it."""

    bundle_file: str
    """Path inside the bundle, e.g. `k8s/pods.json`."""
    group: str
    """API group; `""` for the core (legacy) group."""
    version: str
    """API version within the group, e.g. `v1`, `v1beta1`."""
    plural: str
    """Resource name in URLs, e.g. `pods`."""
    singular: str
    """Singular resource name, e.g. `pod`."""
    kind: str
    """Object kind, e.g. `Pod`."""
    namespaced: bool
    """True when objects live in namespaces."""
    short_names: tuple[str, ...] = ()
    """kubectl aliases, e.g. `("po",)`."""
    categories: tuple[str, ...] = ()
    """Discovery categories (`all` makes `kubectl get all` include it)."""
    verbs: tuple[str, ...] = ("get", "list")
    """What the serve API allows: read-only."""
    bundle_namespace: str | None = None
    """The one namespace the bundle collects from (`kube-system`), or None for all namespaces."""

    @property
    def group_version(self) -> str:
        """`v1` for the core group, else `group/version`; also the objects' `apiVersion`."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        """Kind of the list response, e.g. `PodList`."""
        return f"{self.kind}List"

    @property
    def resource(self) -> str:
        """Qualified resource name for kubectl: `pods`, `cninodes.vpcresources.k8s.aws`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def api_prefix(self) -> str:
        """`/api/v1` for the core group, else `/apis/<group>/<version>`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def list_path(self, namespace: str | None = None) -> str:
        """REST path that lists this resource, in one namespace or (None) across all of them.

        Raises:
            ValueError: a namespace was given for a cluster-scoped resource.
        """
        if namespace is None:
            return f"{self.api_prefix}/{self.plural}"
        if not self.namespaced:
            raise ValueError(f"{self.plural} are cluster-scoped; they have no namespace")
        return f"{self.api_prefix}/namespaces/{namespace}/{self.plural}"

    def object_path(self, name: str, namespace: str | None = None) -> str:
        """REST path of one object (namespace required for namespaced resources).

        Raises:
            ValueError: the namespace is missing for a namespaced resource or given for a
                cluster-scoped one.
        """
        if self.namespaced and not namespace:
            raise ValueError(f"{self.plural} are namespaced; give a namespace")
        return f"{self.list_path(namespace if self.namespaced else None)}/{name}"

    @property
    def capture_path(self) -> str:
        """The list path whose full result is this bundle file (honours `bundle_namespace`)."""
        return self.list_path(self.bundle_namespace)

    def api_resource(self) -> dict[str, Any]:
        """This resource as an `APIResource` entry of a discovery `APIResourceList`."""
        entry: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        return entry


API_KINDS: tuple[ApiKind, ...] = (
    ApiKind(
        bundle_file=f.K8S_NODES,
        group="",
        version="v1",
        plural="nodes",
        singular="node",
        kind="Node",
        namespaced=False,
        short_names=("no",),
    ),
    ApiKind(
        bundle_file=f.K8S_PODS,
        group="",
        version="v1",
        plural="pods",
        singular="pod",
        kind="Pod",
        namespaced=True,
        short_names=("po",),
        categories=("all",),
    ),
    ApiKind(
        bundle_file=f.K8S_SERVICES,
        group="",
        version="v1",
        plural="services",
        singular="service",
        kind="Service",
        namespaced=True,
        short_names=("svc",),
        categories=("all",),
    ),
    ApiKind(
        bundle_file=f.K8S_INGRESSES,
        group="networking.k8s.io",
        version="v1",
        plural="ingresses",
        singular="ingress",
        kind="Ingress",
        namespaced=True,
        short_names=("ing",),
    ),
    ApiKind(
        bundle_file=f.K8S_EVENTS,
        group="",
        version="v1",
        plural="events",
        singular="event",
        kind="Event",
        namespaced=True,
        short_names=("ev",),
    ),
    ApiKind(
        bundle_file=f.K8S_DAEMONSETS,
        group="apps",
        version="v1",
        plural="daemonsets",
        singular="daemonset",
        kind="DaemonSet",
        namespaced=True,
        short_names=("ds",),
        categories=("all",),
        bundle_namespace="kube-system",
    ),
    ApiKind(
        bundle_file=f.K8S_CONFIGMAPS,
        group="",
        version="v1",
        plural="configmaps",
        singular="configmap",
        kind="ConfigMap",
        namespaced=True,
        short_names=("cm",),
        bundle_namespace="kube-system",
    ),
    ApiKind(
        bundle_file=f.K8S_ENICONFIGS,
        group="crd.k8s.amazonaws.com",
        version="v1alpha1",
        plural="eniconfigs",
        singular="eniconfig",
        kind="ENIConfig",
        namespaced=False,
    ),
    ApiKind(
        bundle_file=f.K8S_SECURITY_GROUP_POLICIES,
        group="vpcresources.k8s.aws",
        version="v1beta1",
        plural="securitygrouppolicies",
        singular="securitygrouppolicy",
        kind="SecurityGroupPolicy",
        namespaced=True,
    ),
    ApiKind(
        bundle_file=f.K8S_CNINODES,
        group="vpcresources.k8s.aws",
        version="v1alpha1",
        plural="cninodes",
        singular="cninode",
        kind="CNINode",
        namespaced=False,
    ),
    ApiKind(
        bundle_file=f.K8S_TARGET_GROUP_BINDINGS,
        group="elbv2.k8s.aws",
        version="v1beta1",
        plural="targetgroupbindings",
        singular="targetgroupbinding",
        kind="TargetGroupBinding",
        namespaced=True,
    ),
)
"""Every k8s bundle file, in BUNDLE-FORMAT.md order."""

KINDS_BY_FILE: Mapping[str, ApiKind] = MappingProxyType({k.bundle_file: k for k in API_KINDS})
"""`API_KINDS` keyed by bundle file."""


def find_kind(name: str) -> ApiKind | None:
    """The kind kubectl would resolve `name` to: plural, singular, short name, kind, `plural.group`
    or bundle file, case-insensitively; None if no kind matches."""
    wanted = name.lower()
    for kind in API_KINDS:
        names = {kind.plural, kind.singular, kind.kind.lower(), kind.resource, kind.bundle_file}
        if wanted in names or wanted in kind.short_names:
            return kind
    return None


# ---------------------------------------------------------------------------------------------
# Printer columns: what `kubectl get` shows for each kind (the server sends a meta.k8s.io Table).

CellFn = Callable[[dict[str, Any], float], Any]
"""`cell(object, now_epoch_seconds)` → the cell value (str or int)."""


@dataclass(frozen=True, slots=True)
class PrinterColumn:
    """One column of a server-side `Table`, like a CRD's `additionalPrinterColumns` entry."""

    name: str
    """Header as the API sends it; kubectl upper-cases it."""
    cell: CellFn
    type: str = "string"
    """OpenAPI type: `string`, `integer`, `date` ..."""
    priority: int = 0
    """0 always shown; 1 only with `-o wide`."""
    format: str = ""
    description: str = ""

    def definition(self) -> dict[str, Any]:
        """The `TableColumnDefinition` for this column."""
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def _dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _epoch(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """kubectl's short age format: `45s`, `5m10s`, `3h20m`, `6d`, `2y30d` (apimachinery's
    `duration.HumanDuration`)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, hours // 24 % 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def _since(value: Any, now: float) -> str:
    start = _epoch(value)
    return "<unknown>" if start is None else human_duration(now - start)


def _name(obj: dict[str, Any], now: float) -> str:
    return str(_dig(obj, "metadata", "name") or "")


def _age(obj: dict[str, Any], now: float) -> str:
    return _since(_dig(obj, "metadata", "creationTimestamp"), now)


NAME = PrinterColumn("Name", _name, format="name", description="Name of the object")
AGE = PrinterColumn("Age", _age, description="Time since the object was created")


def _node_status(node: dict[str, Any], now: float) -> str:
    ready = next(
        (c for c in _list(_dig(node, "status", "conditions")) if _dig(c, "type") == "Ready"), None
    )
    status = {"True": "Ready", "False": "NotReady"}.get(str(_dig(ready, "status")), "Unknown")
    return f"{status},SchedulingDisabled" if _dig(node, "spec", "unschedulable") else status


def _node_roles(node: dict[str, Any], now: float) -> str:
    labels = _dig(node, "metadata", "labels") or {}
    roles = sorted(
        k.removeprefix("node-role.kubernetes.io/") or "<none>"
        for k in labels
        if k.startswith("node-role.kubernetes.io/")
    )
    if isinstance(labels.get("kubernetes.io/role"), str):
        roles.append(labels["kubernetes.io/role"])
    return ",".join(roles) or "<none>"


def _node_address(kind: str) -> CellFn:
    def cell(node: dict[str, Any], now: float) -> str:
        for address in _list(_dig(node, "status", "addresses")):
            if _dig(address, "type") == kind:
                return str(_dig(address, "address") or "<none>")
        return "<none>"

    return cell


def _node_info(key: str) -> CellFn:
    return lambda node, now: str(_dig(node, "status", "nodeInfo", key) or "")


def _pod_ready(pod: dict[str, Any], now: float) -> str:
    statuses = _list(_dig(pod, "status", "containerStatuses"))
    ready = sum(1 for s in statuses if _dig(s, "ready") is True)
    return f"{ready}/{len(_list(_dig(pod, 'spec', 'containers')))}"


def _pod_status(pod: dict[str, Any], now: float) -> str:
    # A condensed kubectl printPod: deletion, then the first waiting/terminated reason, else phase.
    if _dig(pod, "metadata", "deletionTimestamp"):
        return "Terminating"
    reason = _dig(pod, "status", "reason") or _dig(pod, "status", "phase") or "Unknown"
    for init in _list(_dig(pod, "status", "initContainerStatuses")):
        waiting = _dig(init, "state", "waiting", "reason")
        if waiting and waiting != "PodInitializing":
            return f"Init:{waiting}"
    for status in _list(_dig(pod, "status", "containerStatuses")):
        waiting = _dig(status, "state", "waiting", "reason")
        terminated = _dig(status, "state", "terminated", "reason")
        if waiting or terminated:
            reason = waiting or terminated
    return str(reason)


def _pod_restarts(pod: dict[str, Any], now: float) -> int:
    counts = [_dig(s, "restartCount") for s in _list(_dig(pod, "status", "containerStatuses"))]
    return sum(c for c in counts if isinstance(c, int))


def _field_cell(*keys: str, default: str = "<none>") -> CellFn:
    return lambda obj, now: str(_dig(obj, *keys) or default)


def _svc_external_ip(svc: dict[str, Any], now: float) -> str:
    ips = [str(ip) for ip in _list(_dig(svc, "spec", "externalIPs"))]
    if _dig(svc, "spec", "type") == "LoadBalancer":
        ingress = _list(_dig(svc, "status", "loadBalancer", "ingress"))
        ips += [str(_dig(i, "ip") or _dig(i, "hostname") or "") for i in ingress]
        return ",".join(ip for ip in ips if ip) or "<pending>"
    return ",".join(ips) or "<none>"


def _svc_ports(svc: dict[str, Any], now: float) -> str:
    ports = []
    for port in _list(_dig(svc, "spec", "ports")):
        node_port = _dig(port, "nodePort")
        text = f"{_dig(port, 'port')}:{node_port}" if node_port else f"{_dig(port, 'port')}"
        ports.append(f"{text}/{_dig(port, 'protocol') or 'TCP'}")
    return ",".join(ports) or "<none>"


def _selector(svc: dict[str, Any], now: float) -> str:
    selector = _dig(svc, "spec", "selector")
    if not isinstance(selector, dict) or not selector:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in selector.items())


def _event_last_seen(event: dict[str, Any], now: float) -> str:
    for value in (
        _dig(event, "series", "lastObservedTime"),
        _dig(event, "lastTimestamp"),
        _dig(event, "eventTime"),
        _dig(event, "metadata", "creationTimestamp"),
    ):
        if _epoch(value) is not None:
            return _since(value, now)
    return "<unknown>"


def _event_object(event: dict[str, Any], now: float) -> str:
    kind = str(_dig(event, "involvedObject", "kind") or "").lower()
    return f"{kind}/{_dig(event, 'involvedObject', 'name') or ''}"


def _count(*keys: str) -> CellFn:
    def cell(obj: dict[str, Any], now: float) -> int:
        value = _dig(obj, *keys)
        return value if isinstance(value, int) else len(value) if isinstance(value, dict) else 0

    return cell


def _ingress_hosts(ing: dict[str, Any], now: float) -> str:
    hosts = [str(_dig(r, "host")) for r in _list(_dig(ing, "spec", "rules")) if _dig(r, "host")]
    return ",".join(hosts) or "*"


def _ingress_address(ing: dict[str, Any], now: float) -> str:
    ingress = _list(_dig(ing, "status", "loadBalancer", "ingress"))
    return ",".join(str(_dig(i, "ip") or _dig(i, "hostname") or "") for i in ingress)


def _ingress_ports(ing: dict[str, Any], now: float) -> str:
    return "80, 443" if _list(_dig(ing, "spec", "tls")) else "80"


_INT = "integer"
PRINTER_COLUMNS: Mapping[str, tuple[PrinterColumn, ...]] = MappingProxyType(
    {
        f.K8S_NODES: (
            NAME,
            PrinterColumn("Status", _node_status),
            PrinterColumn("Roles", _node_roles),
            AGE,
            PrinterColumn("Version", _node_info("kubeletVersion")),
            PrinterColumn("Internal-IP", _node_address("InternalIP"), priority=1),
            PrinterColumn("External-IP", _node_address("ExternalIP"), priority=1),
            PrinterColumn("OS-Image", _node_info("osImage"), priority=1),
            PrinterColumn("Kernel-Version", _node_info("kernelVersion"), priority=1),
            PrinterColumn("Container-Runtime", _node_info("containerRuntimeVersion"), priority=1),
        ),
        f.K8S_PODS: (
            NAME,
            PrinterColumn("Ready", _pod_ready),
            PrinterColumn("Status", _pod_status),
            PrinterColumn("Restarts", _pod_restarts, _INT),
            AGE,
            PrinterColumn("IP", _field_cell("status", "podIP"), priority=1),
            PrinterColumn("Node", _field_cell("spec", "nodeName"), priority=1),
        ),
        f.K8S_SERVICES: (
            NAME,
            PrinterColumn("Type", _field_cell("spec", "type", default="ClusterIP")),
            PrinterColumn("Cluster-IP", _field_cell("spec", "clusterIP")),
            PrinterColumn("External-IP", _svc_external_ip),
            PrinterColumn("Port(s)", _svc_ports),
            AGE,
            PrinterColumn("Selector", _selector, priority=1),
        ),
        f.K8S_EVENTS: (
            PrinterColumn("Last Seen", _event_last_seen),
            PrinterColumn("Type", _field_cell("type", default="")),
            PrinterColumn("Reason", _field_cell("reason", default="")),
            PrinterColumn("Object", _event_object),
            PrinterColumn("Message", _field_cell("message", default="")),
            PrinterColumn("Count", _count("count"), _INT, priority=1),
            PrinterColumn("Name", _name, format="name", priority=1),
        ),
        f.K8S_DAEMONSETS: (
            NAME,
            PrinterColumn("Desired", _count("status", "desiredNumberScheduled"), _INT),
            PrinterColumn("Current", _count("status", "currentNumberScheduled"), _INT),
            PrinterColumn("Ready", _count("status", "numberReady"), _INT),
            PrinterColumn("Up-to-date", _count("status", "updatedNumberScheduled"), _INT),
            PrinterColumn("Available", _count("status", "numberAvailable"), _INT),
            AGE,
        ),
        f.K8S_INGRESSES: (
            NAME,
            PrinterColumn("Class", _field_cell("spec", "ingressClassName")),
            PrinterColumn("Hosts", _ingress_hosts),
            PrinterColumn("Address", _ingress_address),
            PrinterColumn("Ports", _ingress_ports),
            AGE,
        ),
        f.K8S_CONFIGMAPS: (NAME, PrinterColumn("Data", _count("data"), _INT), AGE),
    }
)
"""Columns per bundle file; kinds not listed print NAME and AGE."""


def printer_columns(kind: ApiKind) -> tuple[PrinterColumn, ...]:
    """The `Table` columns for `kind`."""
    return PRINTER_COLUMNS.get(kind.bundle_file, (NAME, AGE))
