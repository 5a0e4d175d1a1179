"""nodeport-exposure: NodePort misuse, read against the load balancers that use the NodePorts.

A NodePort is legitimate when an instance-mode target (ALB Ingress, NLB/CLB Service,
TargetGroupBinding) sends traffic to it. The check flags NodePorts nothing uses, nodePorts pinned
in manifests, instance-mode targets on ClusterIP services (the controller cannot build them),
instance mode left at its default where `ip` would serve, and node security groups that admit the
whole internet to the NodePort range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netdoctor.engine.api import (
    Check,
    Finding,
    Iterator,
    Mechanism,
    Severity,
    Snapshot,
    Unchecked,
    files,
)
from netdoctor.facts import loadbalancers as lb
from netdoctor.facts.access import node_group_gaps

if TYPE_CHECKING:
    from netdoctor.snapshot import aws_types as a
    from netdoctor.snapshot import k8s_types as k


INSTANCE, IP, UNKNOWN = lb.INSTANCE, lb.IP, lb.UNKNOWN


def _class_source(ing: k.Ingress) -> str:
    if ing.spec.ingressClassName:
        return f"spec.ingressClassName={ing.spec.ingressClassName}"
    return f"{lb.INGRESS_CLASS_ANNOTATION}={lb.ingress_class(ing)}"


@dataclass
class Context:
    """What the mechanisms share during one run."""

    services: dict[tuple[str, str], k.Service]
    consumers: dict[tuple[str, str], list[Any]]
    """(namespace, service) → the `loadbalancers.Consumer`s that target it."""
    node_sgs: str
    """The nodes' security groups, space-separated (the `security_group_id` param)."""
    vpc_cni: bool
    """aws-node is in the bundle, so pods have VPC IPs and ip targets work."""

    def params(self, svc: k.Service) -> dict[str, str]:
        params = {"namespace": svc.metadata.namespace or "default", "service": svc.metadata.name}
        if self.node_sgs:
            params["security_group_id"] = self.node_sgs
        return params

    def add(self, namespace: str, service: str, ref: str, target_type: str) -> None:
        self.consumers.setdefault((namespace, service), []).append(lb.Consumer(ref, target_type))


class NodeportExposure(Check):
    id = "nodeport-exposure"
    title = "NodePort misuse: direct exposure, pinned ports, instance-mode targets, open node SGs"
    needs = (files.K8S_SERVICES,)
    wants = (
        files.K8S_INGRESSES,
        files.K8S_TARGET_GROUP_BINDINGS,
        files.K8S_EVENTS,
        files.K8S_DAEMONSETS,
        files.K8S_NODES,
        files.AWS_INSTANCES,
        files.AWS_NETWORK_INTERFACES,
        files.AWS_SECURITY_GROUPS,
    )
    severity = Severity.WARNING
    provides = ("namespace", "service", "security_group_id")
    mechanisms = (
        Mechanism("Ingress targets, and NodePorts nothing uses", (files.K8S_INGRESSES,)),
        Mechanism(
            "TargetGroupBinding targets, and NodePorts nothing uses",
            (files.K8S_TARGET_GROUP_BINDINGS,),
        ),
        Mechanism("target type ip where the VPC CNI gives pods VPC IPs", (files.K8S_DAEMONSETS,)),
    )

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        views = snap.views
        ctx = Context(
            services={
                (s.metadata.namespace or "default", s.metadata.name): s for s in snap.services
            },
            consumers={},
            node_sgs=" ".join(
                sorted({sg for v in views.nodes for sg in views.node_security_group_ids(v)})
            ),
            vpc_cni=snap.has(files.K8S_DAEMONSETS) and views.cni.found,
        )
        yield from self._ingresses(snap, ctx)
        yield from self._target_group_bindings(snap, ctx)
        yield from self._services(snap, ctx)
        yield from self._open_security_groups(snap, ctx)

    @staticmethod
    def _warning_events(snap: Snapshot, kind: str, meta: k.ObjectMeta) -> list[str]:
        events = snap.views.events_for(kind, meta.namespace, meta.name)
        return [
            f"event {e.reason} on {lb.ref(kind.lower(), meta)}: {e.text}"
            for e in events
            if e.type == "Warning"
        ][:3]

    def _ingresses(self, snap: Snapshot, ctx: Context) -> Iterator[Finding]:
        for ing in snap.ingresses:
            ns = ing.metadata.namespace or "default"
            klass = lb.ingress_class(ing)
            ing_ref = lb.ref("ingress", ing.metadata)
            for name in lb.backend_services(ing):
                svc = ctx.services.get((ns, name))
                if klass != lb.ALB_CLASS:
                    # IngressClasses are not in the bundle: a class with another name (or the
                    # default class) may still belong to the ALB controller.
                    ctx.add(ns, name, ing_ref, UNKNOWN)
                    continue
                if svc is None:
                    continue
                target, explicit, why = lb.alb_target_type(ing, svc)
                ctx.add(ns, name, ing_ref, target)
                svc_type = svc.spec.type or "ClusterIP"
                refs = [ing_ref, lb.ref("service", svc.metadata)]
                if target == INSTANCE and svc_type == "ClusterIP":
                    yield self.finding(
                        Severity.CRITICAL,
                        f"Ingress {ns}/{ing.metadata.name} sends ALB instance-mode traffic to "
                        f"ClusterIP service {ns}/{name}: the controller cannot build its target "
                        "group",
                        resources=refs,
                        evidence=[
                            f"{_class_source(ing)} (AWS Load Balancer Controller)",
                            f"target type instance: {why}",
                            f"service/{ns}/{name} is type {svc_type}: no NodePort for instance "
                            "targets",
                            *self._warning_events(snap, "Ingress", ing.metadata),
                        ],
                        params=ctx.params(svc),
                        mechanism="instance-target-without-nodeport",
                    )
                elif target == INSTANCE and not explicit and lb.node_ports(svc) and ctx.vpc_cni:
                    yield self.finding(
                        Severity.INFO,
                        f"Ingress {ns}/{ing.metadata.name} reaches service {ns}/{name} through "
                        "NodePorts by default; target type ip would send traffic straight to "
                        "the pods",
                        resources=refs,
                        evidence=[
                            f"{_class_source(ing)}; target type instance: {why}",
                            f"service/{ns}/{name} is type {svc_type} with nodePort "
                            f"{lb.port_text(lb.node_ports(svc))}",
                            f"aws-node (VPC CNI {snap.views.cni.version_text}) gives pods VPC "
                            "IPs, so ip targets work and skip the extra hop through a node",
                        ],
                        params=ctx.params(svc),
                        mechanism="instance-mode-default",
                    )

    def _target_group_bindings(self, snap: Snapshot, ctx: Context) -> Iterator[Finding]:
        for tgb in snap.target_group_bindings:
            ref = tgb.spec.serviceRef
            if ref is None or not ref.name:
                continue
            ns = tgb.metadata.namespace or "default"
            target = (tgb.spec.targetType or UNKNOWN).lower()
            tgb_ref = lb.ref("targetgroupbinding", tgb.metadata)
            ctx.add(ns, ref.name, tgb_ref, target)
            svc = ctx.services.get((ns, ref.name))
            if svc is None or target != INSTANCE or (svc.spec.type or "ClusterIP") != "ClusterIP":
                continue
            yield self.finding(
                Severity.CRITICAL,
                f"TargetGroupBinding {ns}/{tgb.metadata.name} registers instance targets for "
                f"ClusterIP service {ns}/{ref.name}: the controller rejects it",
                resources=[tgb_ref, lb.ref("service", svc.metadata)],
                evidence=[
                    f"{tgb_ref} spec.targetType=instance, targetGroupARN="
                    f"{tgb.spec.targetGroupARN or '?'}",
                    f"service/{ns}/{ref.name} is type ClusterIP: no NodePort for instance targets",
                    *self._warning_events(snap, "TargetGroupBinding", tgb.metadata),
                ],
                params=ctx.params(svc),
                mechanism="instance-target-without-nodeport",
            )

    def _services(self, snap: Snapshot, ctx: Context) -> Iterator[Finding]:
        # "Nothing uses it" can only be said after seeing every Ingress and TargetGroupBinding.
        seen_all = snap.has(files.K8S_INGRESSES) and snap.has(files.K8S_TARGET_GROUP_BINDINGS)
        for (ns, name), svc in sorted(ctx.services.items()):
            svc_ref = lb.ref("service", svc.metadata)
            ports = lb.node_ports(svc)
            all_ports = svc.spec.ports or []
            mode = lb.lb_mode(svc) if svc.spec.type == "LoadBalancer" else None
            own_lb_uses = mode is not None and mode.target_type == INSTANCE
            no_alloc = svc.spec.allocateLoadBalancerNodePorts is False
            if mode and own_lb_uses and no_alloc and len(ports) < len(all_ports):
                yield self.finding(
                    Severity.CRITICAL,
                    f"Service {ns}/{name} asks for an instance-mode load balancer but has no "
                    "NodePort to target (allocateLoadBalancerNodePorts: false)",
                    resources=[svc_ref],
                    evidence=[
                        f"target type instance: {mode.why}",
                        "spec.allocateLoadBalancerNodePorts=false; "
                        f"{len(all_ports) - len(ports)} of {len(all_ports)} port(s) have no "
                        "nodePort",
                        *self._warning_events(snap, "Service", svc.metadata),
                    ],
                    params=ctx.params(svc),
                    mechanism="instance-target-without-nodeport",
                )
            users = [c for c in ctx.consumers.get((ns, name), []) if c.target_type != IP]
            direct = svc.spec.type == "NodePort" or (svc.spec.type == "LoadBalancer" and no_alloc)
            if ports and direct and seen_all and not users and not own_lb_uses:
                ip_users = [c.ref for c in ctx.consumers.get((ns, name), [])]
                yield self.finding(
                    Severity.WARNING,
                    f"Service {ns}/{name} exposes NodePort {lb.port_text(ports)} directly on every "
                    "node; no instance-mode load balancer uses it",
                    resources=[svc_ref],
                    evidence=[
                        f"{svc_ref} type {svc.spec.type}, nodePort {lb.port_text(ports)}",
                        "no Ingress, instance-mode load balancer Service or "
                        "TargetGroupBinding targets it"
                        + (
                            f"; only ip-mode {', '.join(ip_users)}, which bypasses NodePorts"
                            if ip_users
                            else ""
                        ),
                        "clients must call node IPs directly, and those change as nodes scale",
                    ],
                    params=ctx.params(svc),
                    mechanism="nodeport-direct",
                )
            pinned = lb.pinned_node_ports(svc)
            if pinned and svc.spec.type in ("NodePort", "LoadBalancer"):
                listed = ", ".join(map(str, pinned))
                yield self.finding(
                    Severity.WARNING,
                    f"Service {ns}/{name} pins nodePort {listed} in its manifest",
                    resources=[svc_ref],
                    evidence=[
                        f"{lb.LAST_APPLIED} sets spec.ports[].nodePort = {listed}",
                        "a fixed nodePort must be free cluster-wide: a second copy of this "
                        "manifest, or any service that was handed the port first, makes the "
                        "apply fail with 'provided port is already allocated'",
                    ],
                    params=ctx.params(svc),
                    mechanism="nodeport-pinned",
                )
            if mode and mode.controller == "lbc" and not mode.explicit and ports and ctx.vpc_cni:
                yield self.finding(
                    Severity.INFO,
                    f"Service {ns}/{name} reaches its pods through NodePorts by default; NLB "
                    "target type ip would send traffic straight to the pods",
                    resources=[svc_ref],
                    evidence=[
                        f"target type instance: {mode.why}",
                        f"nodePort {lb.port_text(ports)} open on every node",
                        f"aws-node (VPC CNI {snap.views.cni.version_text}) gives pods VPC IPs",
                    ],
                    params=ctx.params(svc),
                    mechanism="instance-mode-default",
                )

    def _open_security_groups(self, snap: Snapshot, ctx: Context) -> Iterator[Finding | Unchecked]:
        views = snap.views
        nodes_by_sg: dict[str, list[str]] = {}
        public: dict[str, str] = {}
        for view in views.nodes:
            for group in views.node_security_group_ids(view):
                nodes_by_sg.setdefault(group, []).append(view.name)
            if view.instance and view.instance.PublicIpAddress:
                public[view.name] = view.instance.PublicIpAddress
        exposed = [
            (svc, port)
            for _, svc in sorted(ctx.services.items())
            if svc.spec.type in ("NodePort", "LoadBalancer")
            for port in lb.node_ports(svc)
        ]
        lacking = node_group_gaps(snap) + [
            rel for rel in (files.AWS_SECURITY_GROUPS,) if not snap.has(rel)
        ]
        if exposed and lacking:
            yield self.unchecked("node security groups open to the internet", *lacking)
        for sg_id, nodes in sorted(nodes_by_sg.items()):
            sg = views.security_groups_by_id.get(sg_id)
            rules = lb.world_rules(sg) if sg else []
            reachable = [(s, p) for s, p in exposed if any(lb.admits(r, p) for r, _ in rules)]
            # One NodePort opened to the clients for an instance-mode NLB is the controller's
            # documented design; a range or all traffic open to the world is not.
            broad = [(r, c) for r, c in rules if not any(lb.single_port(r, p) for _, p in exposed)]
            by_design = [
                (s, p)
                for s, p in reachable
                if lb.nlb_instance_mode(s) and not any(lb.admits(r, p) for r, _ in broad)
            ]
            if by_design and len(by_design) == len(reachable):
                yield from self._nlb_client_rules(ctx, sg_id, nodes, rules, by_design)
                continue
            if not reachable:
                continue
            listed = [
                f"{s.metadata.namespace}/{s.metadata.name} {p.nodePort}/{p.protocol or 'TCP'}"
                for s, p in reachable
            ]
            with_ip = [f"{n} ({public[n]})" for n in nodes if n in public]
            yield self.finding(
                Severity.WARNING,
                f"Node security group {sg_id} admits the whole internet to the NodePort range: "
                f"{len(reachable)} NodePort(s) reachable from anywhere",
                resources=[f"security-group/{sg_id}", *(f"node/{n}" for n in nodes)],
                evidence=[
                    *(f"{sg_id} inbound rule: {lb.rule_text(r, c)}" for r, c in rules),
                    f"{sg_id} is on {len(nodes)} node(s): {', '.join(nodes)}",
                    "reachable NodePorts: "
                    + ", ".join(listed[:10])
                    + (f" (+{len(listed) - 10} more)" if len(listed) > 10 else ""),
                    f"nodes with public IPs: {', '.join(with_ip)}"
                    if with_ip
                    else "the nodes have no public IP: anything routed into the VPC (peering, "
                    "VPN, Transit Gateway, a public load balancer) reaches these ports",
                ],
                params={**ctx.params(reachable[0][0]), "security_group_id": sg_id},
                mechanism="nodeport-open-to-world",
            )

    def _nlb_client_rules(
        self,
        ctx: Context,
        sg_id: str,
        nodes: list[str],
        rules: list[tuple[a.IpPermission, str]],
        services: list[tuple[k.Service, k.ServicePort]],
    ) -> Iterator[Finding]:
        for svc, port in services:
            ns, name = svc.metadata.namespace, svc.metadata.name
            own = [(r, c) for r, c in rules if lb.single_port(r, port)]
            yield self.finding(
                Severity.INFO,
                f"Service {ns}/{name}'s instance-mode NLB admits its clients "
                f"({', '.join(sorted({c for _, c in own}))}) to NodePort {port.nodePort} on node "
                f"security group {sg_id}, as the controller does for an NLB without security "
                "groups",
                resources=[lb.ref("service", svc.metadata), f"security-group/{sg_id}"],
                evidence=[
                    *(f"{sg_id} inbound rule: {lb.rule_text(r, c)}" for r, c in own),
                    f"{sg_id} is on {len(nodes)} node(s)",
                    "an NLB without security groups passes the client's address through, so the "
                    "node security group admits the client CIDRs (loadBalancerSourceRanges, "
                    "default 0.0.0.0/0) to the one NodePort; nothing else is open",
                    "to narrow it: set spec.loadBalancerSourceRanges, or an NLB with security "
                    "groups (controller v2.6+) so only the load balancer reaches the nodes",
                ],
                params={**ctx.params(svc), "security_group_id": sg_id},
                mechanism="nlb-client-rule",
            )
