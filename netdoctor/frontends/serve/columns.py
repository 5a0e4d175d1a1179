"""Printer columns: what `kubectl get` shows for each kind (the server sends a meta.k8s.io Table).

`PRINTER_COLUMNS` maps bundle files to their columns, like the `additionalPrinterColumns` of a
CRD; each cell is computed from the object alone (and "now", for ages).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from netdoctor.snapshot import files as f

if TYPE_CHECKING:
    from netdoctor.snapshot.kinds import ApiKind

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


def dig(obj: Any, *keys: str) -> Any:
    """`obj[k1][k2]...`, or None as soon as a step is missing or not an object."""
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
    return str(dig(obj, "metadata", "name") or "")


def _age(obj: dict[str, Any], now: float) -> str:
    return _since(dig(obj, "metadata", "creationTimestamp"), now)


NAME = PrinterColumn("Name", _name, format="name", description="Name of the object")
AGE = PrinterColumn("Age", _age, description="Time since the object was created")


def _node_status(node: dict[str, Any], now: float) -> str:
    ready = next(
        (c for c in _list(dig(node, "status", "conditions")) if dig(c, "type") == "Ready"), None
    )
    status = {"True": "Ready", "False": "NotReady"}.get(str(dig(ready, "status")), "Unknown")
    return f"{status},SchedulingDisabled" if dig(node, "spec", "unschedulable") else status


def _node_roles(node: dict[str, Any], now: float) -> str:
    labels = dig(node, "metadata", "labels") or {}
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
        for address in _list(dig(node, "status", "addresses")):
            if dig(address, "type") == kind:
                return str(dig(address, "address") or "<none>")
        return "<none>"

    return cell


def _node_info(key: str) -> CellFn:
    return lambda node, now: str(dig(node, "status", "nodeInfo", key) or "")


def _pod_ready(pod: dict[str, Any], now: float) -> str:
    statuses = _list(dig(pod, "status", "containerStatuses"))
    ready = sum(1 for s in statuses if dig(s, "ready") is True)
    return f"{ready}/{len(_list(dig(pod, 'spec', 'containers')))}"


def _pod_status(pod: dict[str, Any], now: float) -> str:
    # A condensed kubectl printPod: deletion, then the first waiting/terminated reason, else phase.
    if dig(pod, "metadata", "deletionTimestamp"):
        return "Terminating"
    reason = dig(pod, "status", "reason") or dig(pod, "status", "phase") or "Unknown"
    for init in _list(dig(pod, "status", "initContainerStatuses")):
        waiting = dig(init, "state", "waiting", "reason")
        if waiting and waiting != "PodInitializing":
            return f"Init:{waiting}"
    for status in _list(dig(pod, "status", "containerStatuses")):
        waiting = dig(status, "state", "waiting", "reason")
        terminated = dig(status, "state", "terminated", "reason")
        if waiting or terminated:
            reason = waiting or terminated
    return str(reason)


def _pod_restarts(pod: dict[str, Any], now: float) -> int:
    counts = [dig(s, "restartCount") for s in _list(dig(pod, "status", "containerStatuses"))]
    return sum(c for c in counts if isinstance(c, int))


def _field_cell(*keys: str, default: str = "<none>") -> CellFn:
    return lambda obj, now: str(dig(obj, *keys) or default)


def _load_balancer_addresses(obj: dict[str, Any]) -> list[str]:
    """`status.loadBalancer.ingress` of a Service or Ingress: each IP, else hostname, else ""."""
    ingress = _list(dig(obj, "status", "loadBalancer", "ingress"))
    return [str(dig(i, "ip") or dig(i, "hostname") or "") for i in ingress]


def _svc_external_ip(svc: dict[str, Any], now: float) -> str:
    ips = [str(ip) for ip in _list(dig(svc, "spec", "externalIPs"))]
    if dig(svc, "spec", "type") == "LoadBalancer":
        ips += _load_balancer_addresses(svc)
        return ",".join(ip for ip in ips if ip) or "<pending>"
    return ",".join(ips) or "<none>"


def _svc_ports(svc: dict[str, Any], now: float) -> str:
    ports = []
    for port in _list(dig(svc, "spec", "ports")):
        node_port = dig(port, "nodePort")
        text = f"{dig(port, 'port')}:{node_port}" if node_port else f"{dig(port, 'port')}"
        ports.append(f"{text}/{dig(port, 'protocol') or 'TCP'}")
    return ",".join(ports) or "<none>"


def _selector(svc: dict[str, Any], now: float) -> str:
    selector = dig(svc, "spec", "selector")
    if not isinstance(selector, dict) or not selector:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in selector.items())


def _event_last_seen(event: dict[str, Any], now: float) -> str:
    for value in (
        dig(event, "series", "lastObservedTime"),
        dig(event, "lastTimestamp"),
        dig(event, "eventTime"),
        dig(event, "metadata", "creationTimestamp"),
    ):
        if _epoch(value) is not None:
            return _since(value, now)
    return "<unknown>"


def _event_object(event: dict[str, Any], now: float) -> str:
    kind = str(dig(event, "involvedObject", "kind") or "").lower()
    return f"{kind}/{dig(event, 'involvedObject', 'name') or ''}"


def _count(*keys: str) -> CellFn:
    def cell(obj: dict[str, Any], now: float) -> int:
        value = dig(obj, *keys)
        return value if isinstance(value, int) else len(value) if isinstance(value, dict) else 0

    return cell


def _ingress_hosts(ing: dict[str, Any], now: float) -> str:
    hosts = [str(dig(r, "host")) for r in _list(dig(ing, "spec", "rules")) if dig(r, "host")]
    return ",".join(hosts) or "*"


def _ingress_address(ing: dict[str, Any], now: float) -> str:
    return ",".join(_load_balancer_addresses(ing))


def _ingress_ports(ing: dict[str, Any], now: float) -> str:
    return "80, 443" if _list(dig(ing, "spec", "tls")) else "80"


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
