"""The load-balancing half of the chain: service → ingress / TargetGroupBinding → target
group → load balancer, and the pods a service selects."""

from __future__ import annotations

from netdoctor.explore.refs import ref_text
from netdoctor.explore.tree import ChainNode, WalkBase, facts, group, seen_leaf
from netdoctor.snapshot import files as f
from netdoctor.snapshot import k8s_types as k


class LoadBalancingWalk(WalkBase):
    """Builds the load-balancing chain nodes."""

    # --- load balancing ------------------------------------------------------------------

    def service(self, svc: k.Service) -> ChainNode:
        namespace = svc.metadata.namespace or "default"
        ref = ref_text("service", svc.metadata.name, namespace)
        ports = ", ".join(
            f"{p.port}→{p.targetPort}" + (f" (nodePort {p.nodePort})" if p.nodePort else "")
            for p in svc.spec.ports or ()
        )
        node = ChainNode(ref, facts(svc.spec.type or "ClusterIP", ports), ref=ref)
        if not self._first(node):
            return seen_leaf(node)
        # Ancestors (the ingress or TGB the walk came from) are not repeated under the service.
        for ing in self.graph.ingresses_for_service(svc):
            if ref_text("ingress", ing.metadata.name, namespace) not in self._seen:
                node.children.append(self.ingress(ing, expand_services=False))
        for tgb in self.graph.tgbs_for_service(svc):
            if ref_text("targetgroupbinding", tgb.metadata.name, namespace) not in self._seen:
                node.children.append(self.tgb(tgb, expand_service=False))
        pods = self.graph.pods_for_service(svc)
        node.children.append(group("pods", [self.pod_leaf(p) for p in pods], expand=True))
        return node

    def ingress(self, ing: k.Ingress, expand_services: bool = True) -> ChainNode:
        namespace = ing.metadata.namespace or "default"
        ref = ref_text("ingress", ing.metadata.name, namespace)
        notes = ing.metadata.annotations or {}
        node = ChainNode(
            ref,
            facts(
                f"class {ing.spec.ingressClassName}" if ing.spec.ingressClassName else "",
                "target-type "
                + notes.get("alb.ingress.kubernetes.io/target-type", "instance (default)"),
            ),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        for tgb in self.graph.tgbs_for_ingress(ing):
            node.children.append(self.tgb(tgb, expand_service=False))
        if expand_services:
            names = dict.fromkeys(b.service_name for b in ing.backends() if b.service_name)
            for name in names:
                svc = self.graph.services_by_key.get((namespace, name))
                node.children.append(
                    self.service(svc)
                    if svc
                    else self._missing(ref_text("service", name, namespace), f.K8S_SERVICES)
                )
        return node

    def tgb(self, tgb: k.TargetGroupBinding, expand_service: bool = True) -> ChainNode:
        namespace = tgb.metadata.namespace or "default"
        ref = ref_text("targetgroupbinding", tgb.metadata.name, namespace)
        service_ref = tgb.spec.serviceRef
        node = ChainNode(
            ref,
            facts(
                f"targetType {tgb.spec.targetType}" if tgb.spec.targetType else "",
                f"→ service {service_ref.name}:{service_ref.port}" if service_ref else "",
            ),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        if tgb.spec.targetGroupARN:
            node.children.append(self.target_group(tgb.spec.targetGroupARN))
        if expand_service and service_ref is not None:
            svc = self.graph.services_by_key.get((namespace, service_ref.name))
            if svc is not None:
                node.children.append(self.service(svc))
        return node

    def target_group(self, key: str) -> ChainNode:
        tg = self.graph.target_groups.get(key)
        if tg is None:
            return self._missing(ref_text("target-group", key), f.AWS_TARGET_GROUPS)
        ref = ref_text("target-group", tg.TargetGroupName or tg.TargetGroupArn)
        node = ChainNode(
            ref,
            facts(
                f"{tg.Protocol}:{tg.Port}" if tg.Protocol else "",
                f"target-type {tg.TargetType}" if tg.TargetType else "",
            ),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        for arn in tg.LoadBalancerArns or ():
            node.children.append(self.load_balancer(arn))
        return node

    def load_balancer(self, key: str) -> ChainNode:
        lb = self.graph.load_balancers.get(key)
        if lb is None:
            return self._missing(ref_text("load-balancer", key), f.AWS_LOAD_BALANCERS)
        ref = ref_text("load-balancer", lb.LoadBalancerName or lb.LoadBalancerArn)
        node = ChainNode(
            ref,
            facts(lb.Type, lb.Scheme, lb.State.Code if lb.State else "", lb.DNSName),
            ref=ref,
        )
        if not self._first(node):
            return seen_leaf(node)
        for group_id in lb.SecurityGroups or ():
            node.children.append(self.security_group(group_id))
        return node
