"""Per-frame numbers worth a sparkline: free IPs per subnet, pending pods, ENIs attached."""

from __future__ import annotations

from dataclasses import dataclass, field

from netdoctor.snapshot import files as f
from netdoctor.snapshot.snapshot import Snapshot


@dataclass(frozen=True)
class FrameMetrics:
    """The numbers one frame gives; None where the frame lacks the file."""

    free_ips: dict[str, int] = field(default_factory=dict)
    """subnet id → AvailableIpAddressCount, for the subnets the cluster's nodes and ENIs use."""
    subnet_names: dict[str, str] = field(default_factory=dict)
    """subnet id → its Name tag, where it has one."""
    pending_pods: int | None = None
    """Pods in phase Pending (unscheduled, or stuck in ContainerCreating)."""
    enis_attached: int | None = None
    """ENIs attached to the nodes' instances."""


def frame_metrics(snap: Snapshot) -> FrameMetrics:
    """Read the sparkline numbers from one frame."""
    views = snap.views
    pending = (
        sum(1 for p in snap.pods if p.status.phase == "Pending") if snap.has(f.K8S_PODS) else None
    )
    enis = None
    used_subnets: set[str] = set()
    if snap.has(f.K8S_NODES) and (snap.has(f.AWS_NETWORK_INTERFACES) or snap.has(f.AWS_INSTANCES)):
        node_instances = {v.instance_id for v in views.nodes if v.instance_id}
        attached = [e for e in views.enis if e.instance_id in node_instances]
        enis = len(attached)
        used_subnets = {e.subnet_id for e in attached if e.subnet_id}
        used_subnets |= {v.subnet.SubnetId for v in views.nodes if v.subnet is not None}
    free: dict[str, int] = {}
    names: dict[str, str] = {}
    for subnet in snap.subnets:
        if subnet.AvailableIpAddressCount is None:
            continue
        if used_subnets and subnet.SubnetId not in used_subnets:
            continue
        free[subnet.SubnetId] = subnet.AvailableIpAddressCount
        name = next((t.Value for t in subnet.Tags or () if t.Key == "Name" and t.Value), None)
        if name:
            names[subnet.SubnetId] = name
    return FrameMetrics(free, names, pending, enis)


@dataclass(frozen=True)
class Series:
    """One number across the frames."""

    key: str
    """`pending-pods`, `enis-attached` or `free-ips/subnet-…`."""
    label: str
    values: list[float | None]

    @property
    def known(self) -> list[float]:
        """The values the frames had (frames lacking the number left out)."""
        return [v for v in self.values if v is not None]


def build_series(metrics: list[FrameMetrics]) -> list[Series]:
    """Pending pods, ENIs attached, then free IPs of every subnet seen, lowest minimum first."""
    series = [
        Series("pending-pods", "pending pods", [m.pending_pods for m in metrics]),
        Series("enis-attached", "ENIs attached", [m.enis_attached for m in metrics]),
    ]
    names: dict[str, str] = {}
    for m in metrics:
        for subnet_id in m.free_ips:
            names[subnet_id] = m.subnet_names.get(subnet_id) or names.get(subnet_id) or ""
    prefix = _common_prefix([n for n in names.values() if n])
    subnets = {
        sid: f"free IPs {name.removeprefix(prefix) if name else sid}" for sid, name in names.items()
    }
    subnet_series = [
        Series(f"free-ips/{sid}", label, [m.free_ips.get(sid) for m in metrics])
        for sid, label in subnets.items()
    ]
    subnet_series.sort(key=lambda s: (min(s.known, default=0), s.key))
    return series + subnet_series


def _common_prefix(names: list[str]) -> str:
    """The prefix every name shares, cut after its last `-` (`atlas-demo-vpc-`); "" for one
    name or none, so a lone subnet keeps its whole name."""
    if len(names) < 2:
        return ""
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    cut = first[:n].rfind("-")
    return first[: cut + 1] if cut >= 0 else ""
