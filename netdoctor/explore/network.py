"""The network half of the chain: pod → node → instance → ENIs → subnet → route table →
NAT gateway / internet gateway, plus security groups, and roots for each AWS object."""

from __future__ import annotations

from netdoctor.explore.refs import ref_text
from netdoctor.explore.tree import ChainNode, WalkBase, facts, group, seen_leaf
from netdoctor.facts.addresses import ip_in_eni
from netdoctor.facts.views import EniView, NodeView, pod_ref
from netdoctor.snapshot import aws_types as a
from netdoctor.snapshot import files as f
from netdoctor.snapshot import k8s_types as k


class NetworkWalk(WalkBase):
    """Builds the network chain nodes."""

    def pod(self, pod: k.Pod) -> ChainNode:
        ref = pod_ref(pod)
        self._seen.add(ref)
        waiting = next(
            (
                c.state.waiting.reason
                for c in pod.status.containerStatuses or ()
                if c.state and c.state.waiting and c.state.waiting.reason
            ),
            None,
        )
        host = "hostNetwork" if pod.spec.hostNetwork else None
        root = ChainNode(
            ref, facts(pod.status.phase or "?", waiting, pod.status.podIP, host), ref=ref
        )
        name = pod.spec.nodeName
        if not name:
            conditions = pod.status.conditions or ()
            reason = next(
                (c.message or c.reason for c in conditions if c.type == "PodScheduled"),
                None,
            )
            root.children.append(ChainNode("not scheduled to a node", reason or ""))
        elif name in self.views.nodes_by_name:
            ip = None if pod.spec.hostNetwork else pod.status.podIP
            root.children.append(self.node(self.views.nodes_by_name[name], pod_ip=ip))
        else:
            root.children.append(self._missing(f"node/{name}", f.K8S_NODES))
        events = self.views.pod_events(pod)
        if events:
            root.children.append(self._events(events))
        return root

    def node(self, view: NodeView, pod_ip: str | None = None) -> ChainNode:
        ref = view.ref
        capacity = self.views.eni_capacity(view)
        pods = (
            f"{len(view.pods)}/{view.kubelet_max_pods} pods"
            if view.kubelet_max_pods
            else (f"{len(view.pods)} pods")
        )
        node = ChainNode(
            ref,
            facts(
                view.instance_type,
                view.zone,
                pods,
                f"ENI capacity {capacity}" if capacity is not None else "",
            ),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        if view.instance_id:
            node.children.append(self.instance(view.instance_id, pod_ip=pod_ip))
        else:
            node.children.append(ChainNode("no EC2 instance", "spec.providerID is not aws:///…"))
        if view.pods:
            node.children.append(
                group("pods", [self.pod_leaf(p, with_node=False) for p in view.pods])
            )
        events = self.views.events_for("Node", None, view.name)
        if events:
            node.children.append(self._events(events))
        return node

    # --- EC2 and VPC ---------------------------------------------------------------------

    def instance(self, instance_id: str, pod_ip: str | None = None) -> ChainNode:
        ref = ref_text("instance", instance_id)
        inst = self.views.instances_by_id.get(instance_id)
        if inst is None:
            return self._missing(ref, f.AWS_INSTANCES)
        state = inst.State.Name if inst.State else None
        node = ChainNode(
            ref, facts(inst.InstanceType, inst.zone, state, inst.PrivateIpAddress), ref=ref
        )
        if not self._first(node):
            return seen_leaf(node)
        enis = self.graph.views.enis_by_instance.get(instance_id, [])
        for eni in enis:
            node.children.append(self.eni(eni, pod_ip=pod_ip))
        if not enis and inst.SubnetId:
            node.children.append(self.subnet(inst.SubnetId))
        return node

    def eni(self, eni: EniView, pod_ip: str | None = None) -> ChainNode:
        ref = ref_text("eni", eni.eni_id)
        role = None
        if eni.device_index is not None:
            role = f"device {eni.device_index}" + (" (primary)" if eni.device_index == 0 else "")
        kind = eni.interface_type if eni.interface_type != "interface" else None
        count = 1 + len(eni.secondary_ips) if eni.primary_ip else len(eni.secondary_ips)
        ips = f"{count} IP" if count == 1 else f"{count} IPs"
        holds = f"holds pod IP {pod_ip}" if ip_in_eni(pod_ip, eni) else None
        node = ChainNode(
            ref,
            facts(
                role,
                kind,
                eni.primary_ip,
                ips,
                f"{len(eni.prefixes)} /28 prefixes" if eni.prefixes else "",
                holds,
            ),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        for group_id in eni.security_groups:
            node.children.append(self.security_group(group_id))
        if eni.subnet_id:
            node.children.append(self.subnet(eni.subnet_id))
        return node

    def subnet(self, subnet_id: str) -> ChainNode:
        ref = ref_text("subnet", subnet_id)
        subnet = self.views.subnets_by_id.get(subnet_id)
        if subnet is None:
            return self._missing(ref, f.AWS_SUBNETS)
        free = subnet.AvailableIpAddressCount
        node = ChainNode(
            ref,
            facts(
                subnet.CidrBlock,
                subnet.AvailabilityZone,
                f"{free} free IPs" if free is not None else "",
                "public IPs on launch" if subnet.MapPublicIpOnLaunch else "",
            ),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        table = self.views.route_table_for(subnet_id)
        if table is None:
            node.children.append(self._missing("route table", f.AWS_ROUTE_TABLES))
        else:
            implicit = not self.views.route_table_is_explicit(subnet_id)
            node.children.append(self.route_table(table, main=implicit))
        return node

    def subnet_leaf(self, subnet_id: str) -> ChainNode:
        ref = ref_text("subnet", subnet_id)
        subnet = self.views.subnets_by_id.get(subnet_id)
        if subnet is None:
            return self._missing(ref, f.AWS_SUBNETS)
        free = subnet.AvailableIpAddressCount
        return ChainNode(
            ref,
            facts(
                subnet.CidrBlock,
                subnet.AvailabilityZone,
                f"{free} free IPs" if free is not None else "",
            ),
            ref=ref,
        )

    def route_table(self, table: a.RouteTable, main: bool = False) -> ChainNode:
        ref = ref_text("route-table", table.RouteTableId)
        route = self.views.default_route(table)
        if route is None:
            summary = "no 0.0.0.0/0 route"
        else:
            state = f" ({route.State})" if route.State and route.State != "active" else ""
            summary = f"0.0.0.0/0 → {route.target}{state}"
        node = ChainNode(
            ref,
            facts(summary, f"{len(table.Routes or ())} routes", "main table" if main else ""),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        if route is None:
            return node
        target = route.target
        if route.NatGatewayId:
            node.children.append(self.nat(route.NatGatewayId))
        elif target.startswith("igw-"):
            node.children.append(self.igw(target))
        elif target != "?":
            node.children.append(ChainNode(target, "route target"))
        return node

    def nat(self, nat_id: str) -> ChainNode:
        ref = ref_text("nat-gateway", nat_id)
        nat = self.views.nat_gateways_by_id.get(nat_id)
        if nat is None:
            return self._missing(ref, f.AWS_NAT_GATEWAYS)
        failure = f"{nat.FailureCode}" if nat.FailureCode else None
        public = next((x.PublicIp for x in nat.NatGatewayAddresses or () if x.PublicIp), None)
        node = ChainNode(
            ref,
            facts(nat.State, failure, nat.ConnectivityType, public, f"in {nat.SubnetId}"),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        if nat.SubnetId:
            node.children.append(self.subnet(nat.SubnetId))
        return node

    def igw(self, igw_id: str) -> ChainNode:
        ref = ref_text("internet-gateway", igw_id)
        gateway = self.graph.internet_gateways_by_id.get(igw_id)
        if gateway is None:
            return self._missing(ref, f.AWS_INTERNET_GATEWAYS)
        attached = [
            f"{x.VpcId} ({x.State})" if x.State else str(x.VpcId) for x in gateway.Attachments or ()
        ]
        return ChainNode(
            ref, f"attached to {', '.join(attached)}" if attached else "detached", ref=ref
        )

    # --- roots for AWS objects -----------------------------------------------------------

    def _eni_leaf(self, eni: EniView) -> ChainNode:
        owner = self.graph.node_by_instance.get(eni.instance_id or "")
        return ChainNode(
            ref_text("eni", eni.eni_id),
            facts(eni.primary_ip, eni.instance_id, owner.ref if owner else eni.interface_type),
            ref=ref_text("eni", eni.eni_id),
        )

    def subnet_root(self, subnet_id: str) -> ChainNode:
        root = self.subnet(subnet_id)
        if root.missing:
            return root
        enis = self.views.enis_by_subnet.get(subnet_id, [])
        root.children.append(group("ENIs", [self._eni_leaf(e) for e in enis]))
        nodes = [v for v in self.views.nodes if v.subnet and v.subnet.SubnetId == subnet_id]
        root.children.append(group("nodes", [ChainNode(v.ref, ref=v.ref) for v in nodes]))
        return root

    def route_table_root(self, table_id: str) -> ChainNode:
        table = self.graph.route_tables_by_id.get(table_id)
        if table is None:
            return self._missing(ref_text("route-table", table_id), f.AWS_ROUTE_TABLES)
        main = any(x.Main for x in table.Associations or ())
        root = self.route_table(table, main=main)
        subnets = [self.subnet_leaf(s) for s in self.graph.subnets_of(table)]
        root.children.append(group("subnets", subnets, expand=len(subnets) <= 3))
        return root

    def _tables_using(self, gateway_id: str) -> ChainNode:
        tables = [
            ChainNode(
                ref_text("route-table", t.RouteTableId), ref=ref_text("route-table", t.RouteTableId)
            )
            for t in self.graph.route_tables_via(gateway_id)
        ]
        return group("route tables using it", tables, expand=True)

    def nat_root(self, nat_id: str) -> ChainNode:
        root = self.nat(nat_id)
        if not root.missing:
            root.children.append(self._tables_using(nat_id))
        return root

    def igw_root(self, igw_id: str) -> ChainNode:
        root = self.igw(igw_id)
        if not root.missing:
            root.children.append(self._tables_using(igw_id))
        return root

    def security_group_root(self, group_id: str) -> ChainNode:
        root = self.security_group(group_id)
        if root.missing:
            return root
        enis = self.graph.enis_with_group(group_id)
        root.children.append(group("ENIs using it", [self._eni_leaf(e) for e in enis]))
        return root

    def vpc_root(self, vpc_id: str) -> ChainNode:
        ref = ref_text("vpc", vpc_id)
        vpc = self.graph.vpcs_by_id.get(vpc_id)
        if vpc is None:
            return self._missing(ref, f.AWS_VPCS)
        root = ChainNode(ref, facts(", ".join(vpc.cidrs())), ref=ref)
        subnets = [s for s in self.snap.subnets if s.VpcId == vpc_id]
        root.children.append(
            group(
                "subnets",
                [
                    ChainNode(
                        ref_text("subnet", s.SubnetId),
                        facts(s.CidrBlock, s.AvailabilityZone),
                        ref=ref_text("subnet", s.SubnetId),
                    )
                    for s in subnets
                ],
            )
        )
        return root
