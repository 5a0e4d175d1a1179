"""What changed from one frame to the next, computed from the typed Snapshots.

Pods that changed status, nodes added or removed (or changing readiness), subnet free-IP
deltas, ENIs attached or detached, routes and NAT gateway states that changed, and new
warning events. A file missing from either frame contributes nothing (never a guess).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from netdoctor.snapshot import files as f
from netdoctor.snapshot import k8s_types as k
from netdoctor.snapshot.snapshot import Snapshot

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """One difference between two frames."""

    kind: str
    """`pod`, `node`, `subnet`, `eni`, `route`, `nat-gateway` or `event`."""
    ref: str
    """The object, as findings name it: `pod/NS/NAME`, `subnet/subnet-…`, `route-table/rtb-…`."""
    change: str
    """`added`, `removed` or `changed`."""
    before: str | None
    after: str | None
    text: str
    """One line for people."""
    delta: int | None = None
    """For counts (subnet free IPs, event counts): after − before."""


@dataclass
class FrameDiff:
    """The changes from frame `before` to frame `after` (1-based numbers)."""

    before: int | None
    after: int
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        """The changes of one kind."""
        return [c for c in self.changes if c.kind == kind]

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> str:
        """`9 pods changed status, 1 node added, 2 subnets' free IPs changed` (or `no changes`)."""
        if self.before is None:
            return "first frame"
        counts = Counter((c.kind, c.change) for c in self.changes)
        parts = []
        pods = sum(n for (kind, _), n in counts.items() if kind == "pod")
        if pods:
            parts.append(f"{pods} pod{'s' if pods != 1 else ''} changed")
        for kind, label in (("node", "node"), ("eni", "ENI"), ("nat-gateway", "NAT gateway")):
            for change in (ADDED, REMOVED, CHANGED):
                n = counts.get((kind, change), 0)
                if n:
                    parts.append(f"{n} {label}{'s' if n != 1 else ''} {change}")
        subnets = sum(n for (kind, _), n in counts.items() if kind == "subnet")
        if subnets:
            parts.append(f"{subnets} subnet{'s' if subnets != 1 else ''} changed")
        routes = sum(n for (kind, _), n in counts.items() if kind == "route")
        if routes:
            parts.append(f"{routes} route{'s' if routes != 1 else ''} changed")
        events = len(self.of("event"))
        if events:
            parts.append(f"{events} warning event{'s' if events != 1 else ''}")
        return ", ".join(parts) if parts else "no changes"

    def pod_transitions(self) -> list[tuple[str, str, int]]:
        """Pod status transitions with counts, most frequent first:
        `[("ContainerCreating", "Running", 9), ("(new)", "ContainerCreating", 6)]`."""
        counts = Counter(
            (c.before or "(new)", c.after or "(gone)") for c in self.changes if c.kind == "pod"
        )
        return [(a, b, n) for (a, b), n in counts.most_common()]


def pod_status(pod: k.Pod) -> str:
    """The STATUS `kubectl get pods` shows: a container's waiting reason (ContainerCreating,
    CrashLoopBackOff) when there is one, else the pod's reason or phase."""
    for status in pod.status.containerStatuses or ():
        waiting = status.state.waiting if status.state else None
        if waiting and waiting.reason:
            return waiting.reason
    if pod.status.reason:
        return pod.status.reason
    return pod.status.phase or "Unknown"


def _pod_key(pod: k.Pod) -> str:
    return f"pod/{pod.metadata.namespace or 'default'}/{pod.metadata.name}"


def _node_ready(node: k.Node) -> str:
    ready = next((c for c in node.status.conditions or () if c.type == "Ready"), None)
    if ready is None:
        return "Unknown"
    return "Ready" if ready.status == "True" else f"NotReady ({ready.reason or ready.status})"


def diff_snapshots(
    before: Snapshot | None, after: Snapshot, numbers: tuple[int | None, int] = (None, 0)
) -> FrameDiff:
    """The changes from `before` to `after`; an empty diff for the first frame."""
    diff = FrameDiff(numbers[0], numbers[1])
    if before is None:
        return diff
    both = lambda rel: before.has(rel) and after.has(rel)  # noqa: E731
    if both(f.K8S_PODS):
        diff.changes += _pods(before, after)
    if both(f.K8S_NODES):
        diff.changes += _nodes(before, after)
    if both(f.AWS_SUBNETS):
        diff.changes += _subnets(before, after)
    if both(f.AWS_NETWORK_INTERFACES) or both(f.AWS_INSTANCES):
        diff.changes += _enis(before, after)
    if both(f.AWS_ROUTE_TABLES):
        diff.changes += _routes(before, after)
    if both(f.AWS_NAT_GATEWAYS):
        diff.changes += _nat_gateways(before, after)
    if both(f.K8S_EVENTS):
        diff.changes += _events(before, after)
    return diff


def _compare(
    kind: str,
    old: dict[str, str],
    new: dict[str, str],
    describe: str = "",
) -> Iterable[Change]:
    """Added/removed/changed entries between two `ref → state` maps, in ref order."""
    for ref in sorted(old.keys() | new.keys()):
        a, b = old.get(ref), new.get(ref)
        if a == b:
            continue
        if a is None:
            yield Change(kind, ref, ADDED, None, b, f"{ref} added{describe}: {b}")
        elif b is None:
            yield Change(kind, ref, REMOVED, a, None, f"{ref} removed{describe} (was {a})")
        else:
            yield Change(kind, ref, CHANGED, a, b, f"{ref}: {a} → {b}")


def _pods(before: Snapshot, after: Snapshot) -> list[Change]:
    old = {_pod_key(p): pod_status(p) for p in before.pods}
    new = {_pod_key(p): pod_status(p) for p in after.pods}
    return list(_compare("pod", old, new))


def _nodes(before: Snapshot, after: Snapshot) -> list[Change]:
    old = {f"node/{n.metadata.name}": _node_ready(n) for n in before.nodes}
    new = {f"node/{n.metadata.name}": _node_ready(n) for n in after.nodes}
    return list(_compare("node", old, new))


def _subnets(before: Snapshot, after: Snapshot) -> list[Change]:
    old = {s.SubnetId: s for s in before.subnets}
    new = {s.SubnetId: s for s in after.subnets}
    changes = []
    for subnet_id in sorted(old.keys() | new.keys()):
        a, b = old.get(subnet_id), new.get(subnet_id)
        ref = f"subnet/{subnet_id}"
        if a is None and b is not None:
            text = f"{ref} added ({b.CidrBlock}, {b.AvailabilityZone}, {_free(b)} free IPs)"
            changes.append(Change("subnet", ref, ADDED, None, _free(b), text))
        elif b is None and a is not None:
            changes.append(Change("subnet", ref, REMOVED, _free(a), None, f"{ref} removed"))
        elif a is not None and b is not None:
            x, y = a.AvailableIpAddressCount, b.AvailableIpAddressCount
            if x is not None and y is not None and x != y:
                text = f"{ref} free IPs {x} → {y} ({y - x:+d})"
                changes.append(Change("subnet", ref, CHANGED, str(x), str(y), text, delta=y - x))
    return changes


def _free(subnet: object) -> str:
    count = getattr(subnet, "AvailableIpAddressCount", None)
    return "?" if count is None else str(count)


def _enis(before: Snapshot, after: Snapshot) -> list[Change]:
    def attached(snap: Snapshot) -> dict[str, str]:
        nodes = {v.instance_id: v.name for v in snap.views.nodes if v.instance_id}
        found = {}
        for eni in snap.views.enis:
            if eni.instance_id is None:
                continue
            owner = nodes.get(eni.instance_id)
            where = f"node/{owner}" if owner else f"instance/{eni.instance_id}"
            found[f"eni/{eni.eni_id}"] = f"attached to {where} in subnet/{eni.subnet_id}"
        return found

    return list(_compare("eni", attached(before), attached(after)))


def _routes(before: Snapshot, after: Snapshot) -> list[Change]:
    def routes(snap: Snapshot) -> dict[str, str]:
        found = {}
        for table in snap.route_tables:
            for route in table.Routes or ():
                dest = (
                    route.DestinationCidrBlock
                    or route.DestinationIpv6CidrBlock
                    or route.DestinationPrefixListId
                    or "?"
                )
                state = f" ({route.State})" if route.State and route.State != "active" else ""
                found[f"route-table/{table.RouteTableId} {dest}"] = f"{route.target}{state}"
            for assoc in table.Associations or ():
                if assoc.SubnetId:
                    key = f"route-table/{table.RouteTableId} association"
                    found[f"{key} subnet/{assoc.SubnetId}"] = "associated"
        return found

    return list(_compare("route", routes(before), routes(after)))


def _nat_gateways(before: Snapshot, after: Snapshot) -> list[Change]:
    def states(snap: Snapshot) -> dict[str, str]:
        return {
            f"nat-gateway/{n.NatGatewayId}": (n.State or "?")
            + (f" ({n.FailureCode})" if n.FailureCode else "")
            for n in snap.nat_gateways
        }

    return list(_compare("nat-gateway", states(before), states(after)))


def _event_key(event: k.Event) -> str:
    target = event.target
    ns = target.namespace or event.metadata.namespace or ""
    kind = (target.kind or "object").lower()
    ref = f"{kind}/{ns}/{target.name}" if ns else f"{kind}/{target.name}"
    return f"{ref} {event.reason or ''}"


def _events(before: Snapshot, after: Snapshot) -> list[Change]:
    """Warning events that are new or whose count went up, summed per object and reason."""

    def counts(snap: Snapshot) -> dict[str, tuple[int, str]]:
        found: dict[str, tuple[int, str]] = {}
        for event in snap.events:
            if event.type != "Warning":
                continue
            key = _event_key(event)
            count, _ = found.get(key, (0, ""))
            found[key] = (count + (event.count or 1), event.text)
        return found

    old, new = counts(before), counts(after)
    changes = []
    for key in sorted(new):
        count, message = new[key]
        was = old.get(key, (0, ""))[0]
        if count > was:
            ref, _, reason = key.partition(" ")
            text = f"{reason} on {ref} ×{count - was}" + (f": {message}" if message else "")
            changes.append(
                Change(
                    "event",
                    ref,
                    ADDED if not was else CHANGED,
                    str(was) if was else None,
                    str(count),
                    text,
                    delta=count - was,
                )
            )
    return changes
