"""The tree the inspector shows: `ChainNode`, and the base of the walks that build it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.explore.graph import ResourceGraph
from netdoctor.explore.refs import ref_text
from netdoctor.facts.views import NodeView, pod_ref
from netdoctor.snapshot import files as f
from netdoctor.snapshot import k8s_types as k

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot

# Children beyond this many in one group are summarised, so a 5,000-pod node stays usable.
GROUP_LIMIT = 500


@dataclass
class ChainNode:
    """One object (or a group of objects) in a chain."""

    title: str
    """The object's reference (`subnet/subnet-0abc`), or a group name (`pods (12)`)."""
    detail: str = ""
    """Facts from the bundle, e.g. `192.168.96.0/19 · eu-central-1a · 8166 free IPs`."""
    ref: str | None = None
    """Canonical reference to inspect; None for groups and for objects not in the bundle."""
    children: list[ChainNode] = field(default_factory=list)
    missing: bool = False
    """Referenced by another object but absent from the bundle."""
    focus: bool = False
    """The object the walk was asked about."""
    expand: bool = True
    """Whether a UI should show the children at first (groups start folded)."""

    @property
    def label(self) -> str:
        """Title and detail on one line."""
        return f"{self.title}  {self.detail}" if self.detail else self.title

    def walk(self) -> list[ChainNode]:
        """This node and every descendant, depth first."""
        found = [self]
        for child in self.children:
            found += child.walk()
        return found

    def find(self, ref: str) -> ChainNode | None:
        """The first node (depth first) for that reference."""
        return next((n for n in self.walk() if n.ref == ref), None)


def facts(*parts: object) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def seen_leaf(node: ChainNode) -> ChainNode:
    """A leaf standing for an object already expanded higher up the tree."""
    return ChainNode(node.title, facts(node.detail, "see above"), ref=node.ref)


def group(title: str, children: list[ChainNode], expand: bool = False) -> ChainNode:
    shown = children[:GROUP_LIMIT]
    if len(children) > GROUP_LIMIT:
        shown.append(ChainNode(f"… {len(children) - GROUP_LIMIT} more"))
    return ChainNode(f"{title} ({len(children)})", children=shown, expand=expand)


class WalkBase:
    """State shared by the walks: the snapshot, its indexes, and the objects already expanded
    in the tree being built (each is expanded once; later mentions are `see above` leaves,
    which also stops cycles such as NAT → subnet → route table → NAT)."""

    def __init__(self, snap: Snapshot, graph: ResourceGraph | None = None) -> None:
        self.snap = snap
        self.graph = graph or ResourceGraph(snap)
        self.views = snap.views
        self._seen: set[str] = set()

    # Walks call each other's builders; these are implemented by NetworkWalk.
    def node(self, view: NodeView, pod_ip: str | None = None) -> ChainNode:
        raise NotImplementedError

    def subnet(self, subnet_id: str) -> ChainNode:
        raise NotImplementedError

    def subnet_leaf(self, subnet_id: str) -> ChainNode:
        raise NotImplementedError

    def _missing(self, title: str, rel: str) -> ChainNode:
        why = f"not in {rel}" if self.snap.has(rel) else f"{rel} not collected"
        return ChainNode(title, why, missing=True)

    def _first(self, node: ChainNode) -> bool:
        """True the first time an object is expanded in this tree."""
        if node.ref in self._seen:
            return False
        self._seen.add(node.ref or node.title)
        return True

    def pod_leaf(self, pod: k.Pod, with_node: bool = True) -> ChainNode:
        return ChainNode(
            pod_ref(pod),
            facts(
                pod.status.phase or "?", pod.status.podIP, pod.spec.nodeName if with_node else ""
            ),
            ref=pod_ref(pod),
        )

    def _events(self, events: list[k.Event]) -> ChainNode:
        leaves = [
            ChainNode(e.reason or "?", facts(e.type, f"×{e.count}" if e.count else "", e.text))
            for e in events
        ]
        return group("events", leaves)

    def security_group(self, group_id: str) -> ChainNode:
        ref = ref_text("security-group", group_id)
        group = self.views.security_groups_by_id.get(group_id)
        if group is None:
            return self._missing(ref, f.AWS_SECURITY_GROUPS)
        inbound = len(group.IpPermissions or ())
        outbound = len(group.IpPermissionsEgress or ())
        return ChainNode(
            ref,
            facts(group.GroupName, f"{inbound} inbound / {outbound} outbound rules"),
            ref=ref,
        )
