"""The chain an object sits on, as a tree: pod → node → instance → ENIs → subnet → route table
→ NAT/IGW, and service → ingress / TargetGroupBinding → target group → load balancer, pods.

Each node of the tree carries the canonical reference of its object (so a UI can show its raw
JSON or re-root the walk there) and one line of facts read from the bundle, with numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from netdoctor.explore.cluster import ClusterWalk
from netdoctor.explore.graph import ResourceGraph
from netdoctor.explore.loadbalancing import LoadBalancingWalk
from netdoctor.explore.network import NetworkWalk
from netdoctor.explore.refs import Ref, parse_ref
from netdoctor.explore.tree import ChainNode
from netdoctor.snapshot import files as f

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot


class ChainBuilder(NetworkWalk, LoadBalancingWalk, ClusterWalk):
    """Builds chain trees over one snapshot."""

    # --- entry point ---------------------------------------------------------------------

    def build(self, text: str) -> ChainNode:
        """The chain for a reference; a root marked `missing` when the bundle lacks it."""
        self._seen = set()
        ref = parse_ref(text)
        if ref is None:
            return ChainNode(text, "not a resource netdoctor can inspect", missing=True)
        root = self._root(ref)
        target = root.find(str(ref))
        if target is not None:
            target.focus = True
            target.expand = True
        else:
            root.focus = True
        return root

    def _root(self, ref: Ref) -> ChainNode:
        g, name, ns = self.graph, ref.name, ref.namespace
        if ref.kind == "instance":
            owner = g.node_by_instance.get(name)
            return self.node(owner) if owner else self.instance(name)
        if ref.kind == "eni":
            return self._eni_root(ref)
        by_id = {
            "subnet": self.subnet_root,
            "route-table": self.route_table_root,
            "nat-gateway": self.nat_root,
            "internet-gateway": self.igw_root,
            "security-group": self.security_group_root,
            "vpc": self.vpc_root,
            "target-group": self.target_group,
            "load-balancer": self.load_balancer,
            "cluster": self.cluster,
            "vpc-endpoint": self.vpc_endpoint,
        }
        if ref.kind in by_id:
            return by_id[ref.kind](name)
        # Kubernetes objects: kind → (find it, walk it, the file that holds it). Lazy, so
        # asking for a node never indexes 60,000 pods.
        lookups: dict[str, tuple[Callable[[], Any], Callable[[Any], ChainNode], str]] = {
            "pod": (lambda: g.find_namespaced(g.pods_by_key, name, ns), self.pod, f.K8S_PODS),
            "node": (lambda: self.views.nodes_by_name.get(name), self.node, f.K8S_NODES),
            "service": (
                lambda: g.find_namespaced(g.services_by_key, name, ns),
                self.service,
                f.K8S_SERVICES,
            ),
            "ingress": (
                lambda: g.find_namespaced(g.ingresses_by_key, name, ns),
                self.ingress,
                f.K8S_INGRESSES,
            ),
            "targetgroupbinding": (
                lambda: g.find_namespaced(g.tgbs_by_key, name, ns),
                self.tgb,
                f.K8S_TARGET_GROUP_BINDINGS,
            ),
            "daemonset": (
                lambda: g.find_namespaced(g.daemonsets_by_key, name, ns),
                self.daemonset,
                f.K8S_DAEMONSETS,
            ),
            "securitygrouppolicy": (
                lambda: g.find_namespaced(g.sgps_by_key, name, ns),
                self.security_group_policy,
                f.K8S_SECURITY_GROUP_POLICIES,
            ),
            "eniconfig": (
                lambda: g.eniconfigs_by_name.get(name),
                self.eniconfig,
                f.K8S_ENICONFIGS,
            ),
            "cninode": (lambda: g.cninodes_by_name.get(name), self.cninode, f.K8S_CNINODES),
        }
        find, walk, rel = lookups[ref.kind]
        found = find()
        return walk(found) if found is not None else self._missing(str(ref), rel)

    def _eni_root(self, ref: Ref) -> ChainNode:
        """An ENI is shown on its owner's chain: the node, else the instance, else itself."""
        eni = self.graph.enis_by_id.get(ref.name)
        if eni is None:
            return self._missing(str(ref), f.AWS_NETWORK_INTERFACES)
        owner = self.graph.node_by_instance.get(eni.instance_id or "")
        if owner is not None:
            return self.node(owner)
        if eni.instance_id and eni.instance_id in self.views.instances_by_id:
            return self.instance(eni.instance_id)
        return self.eni(eni)


def build_chain(snap: Snapshot, ref: str, graph: ResourceGraph | None = None) -> ChainNode:
    """The chain tree for one reference (`pod/NS/NAME`, `node/NAME`, `subnet/subnet-…`, `rtb-…`,
    `nat-…`, `sg-…`, `eni/eni-…`, `instance/i-…`, `service/NS/NAME`, `ingress/NS/NAME`…).

    The object asked about is marked `focus`. An unknown or absent object gives a root marked
    `missing` that says why, never an exception.
    """
    return ChainBuilder(snap, graph).build(ref)


__all__ = ["ChainBuilder", "ChainNode", "build_chain"]
