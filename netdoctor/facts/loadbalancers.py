"""Load balancer facts (nodeport-exposure, trace from the internet): who targets a Service, how,
and whether its load balancer faces the internet.

The AWS Load Balancer Controller (LBC) reads the target type from annotations (a Service's
annotation wins over its Ingress's); LoadBalancer Services left to the in-tree cloud provider
always target NodePorts. Pure functions over the typed bundle shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netdoctor.snapshot import aws_types as a
    from netdoctor.snapshot import k8s_types as k

NODEPORT_LOW, NODEPORT_HIGH = 30000, 32767
WORLD = ("0.0.0.0/0", "::/0")
ALB_CLASS = "alb"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
ALB_TARGET_TYPE = "alb.ingress.kubernetes.io/target-type"
NLB_TARGET_TYPE = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"
LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
LBC_SERVICE_CLASS = "service.k8s.aws/nlb"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
LB_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
LB_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal"
ALB_SCHEME = "alb.ingress.kubernetes.io/scheme"
TG_ATTRIBUTES = "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"
INTERNET_FACING, INTERNAL = "internet-facing", "internal"
USE_ANNOTATION = "use-annotation"  # an ALB action backend, not a Service
INSTANCE, IP, UNKNOWN = "instance", "ip", "unknown"
_PROTOCOLS = {"6": "tcp", "17": "udp"}


@dataclass(frozen=True)
class Consumer:
    """Something that may send load-balancer traffic to a Service."""

    ref: str
    target_type: str
    """`instance`, `ip`, or `unknown` (e.g. an Ingress whose class the bundle cannot resolve)."""


@dataclass(frozen=True)
class LbMode:
    """How a LoadBalancer Service's own load balancer reaches its pods."""

    controller: str
    """`lbc` or `in-tree`."""
    target_type: str
    explicit: bool
    """The target type is written on the Service rather than defaulted."""
    why: str


def ref(kind: str, meta: k.ObjectMeta) -> str:
    """`kind/NAMESPACE/NAME` for a finding's resources."""
    return f"{kind}/{meta.namespace or 'default'}/{meta.name}"


def node_ports(svc: k.Service) -> list[k.ServicePort]:
    """The Service's ports that carry an allocated nodePort."""
    return [p for p in svc.spec.ports or () if p.nodePort]


def port_text(ports: list[k.ServicePort]) -> str:
    """`31080/TCP, 31443/TCP`."""
    return ", ".join(f"{p.nodePort}/{p.protocol or 'TCP'}" for p in ports)


def ingress_class(ing: k.Ingress) -> str | None:
    """`spec.ingressClassName`, else the legacy class annotation; None when neither is set."""
    annotations = ing.metadata.annotations or {}
    return ing.spec.ingressClassName or annotations.get(INGRESS_CLASS_ANNOTATION)


def backend_services(ing: k.Ingress) -> list[str]:
    """Service names the Ingress routes to, once each, without ALB action backends."""
    names: list[str] = []
    for backend in ing.backends():
        port = backend.service.port if backend.service else None
        port_name = port.name if port else backend.servicePort
        name = backend.service_name
        if name and name not in names and port_name != USE_ANNOTATION:
            names.append(name)
    return names


def alb_target_type(ing: k.Ingress, svc: k.Service) -> tuple[str, bool, str]:
    """(target type, set explicitly, where it came from) for one ALB backend."""
    for kind, meta in (("service", svc.metadata), ("ingress", ing.metadata)):
        value = (meta.annotations or {}).get(ALB_TARGET_TYPE)
        if value:
            return value.strip().lower(), True, f"{ALB_TARGET_TYPE}={value} on {ref(kind, meta)}"
    return INSTANCE, False, f"no {ALB_TARGET_TYPE} annotation: the controller defaults to instance"


def lb_mode(svc: k.Service) -> LbMode | None:
    """The target mode of a LoadBalancer Service; None when a third-party class owns it."""
    annotations = svc.metadata.annotations or {}
    lb_type = annotations.get(LB_TYPE, "").strip().lower()
    lb_class = svc.spec.loadBalancerClass
    if lb_class == LBC_SERVICE_CLASS or lb_type == "external":
        value = annotations.get(NLB_TARGET_TYPE, "").strip().lower()
        if value:
            return LbMode("lbc", value, True, f"{NLB_TARGET_TYPE}={value}")
        why = f"no {NLB_TARGET_TYPE} annotation: the controller defaults to instance"
        return LbMode("lbc", INSTANCE, False, why)
    if lb_type == "nlb-ip":
        return LbMode("lbc", IP, True, f"{LB_TYPE}=nlb-ip")
    if lb_class:
        return None
    return LbMode("in-tree", INSTANCE, True, "the in-tree cloud provider always targets NodePorts")


def pinned_node_ports(svc: k.Service) -> list[int]:
    """nodePort values written in the last-applied manifest; none known without it."""
    try:
        applied = json.loads((svc.metadata.annotations or {}).get(LAST_APPLIED) or "{}")
        ports = applied.get("spec", {}).get("ports") or []
        return sorted({p["nodePort"] for p in ports if isinstance(p.get("nodePort"), int)})
    except (ValueError, AttributeError, TypeError, RecursionError):
        return []


def _proto(perm: a.IpPermission) -> str:
    return _PROTOCOLS.get(perm.IpProtocol or "", perm.IpProtocol or "")


def _span(perm: a.IpPermission) -> tuple[int, int]:
    low = perm.FromPort if perm.FromPort is not None else 0
    high = perm.ToPort if perm.ToPort is not None else 65535
    return low, high


def world_rules(sg: a.SecurityGroup) -> list[tuple[a.IpPermission, str]]:
    """Inbound rules open to 0.0.0.0/0 or ::/0 that reach into 30000-32767, with the CIDR."""
    found: list[tuple[a.IpPermission, str]] = []
    for perm in sg.IpPermissions or ():
        proto = _proto(perm)
        if proto not in ("-1", "all", "tcp", "udp"):
            continue
        low, high = _span(perm)
        if proto in ("tcp", "udp") and (high < NODEPORT_LOW or low > NODEPORT_HIGH):
            continue
        cidrs = [r.CidrIp for r in perm.IpRanges or ()] + [
            r.CidrIpv6 for r in perm.Ipv6Ranges or ()
        ]
        found.extend((perm, cidr) for cidr in cidrs if cidr in WORLD)
    return found


def rule_text(perm: a.IpPermission, cidr: str) -> str:
    """`tcp 30000-32767 from 0.0.0.0/0`."""
    if _proto(perm) in ("-1", "all"):
        return f"all traffic from {cidr}"
    return f"{_proto(perm)} {perm.FromPort}-{perm.ToPort} from {cidr}"


def nlb_instance_mode(svc: k.Service) -> bool:
    """A LoadBalancer Service whose NLB targets instances: without NLB security groups the
    controller (and the in-tree provider) opens its NodePort on the node security group to the
    client CIDRs (`loadBalancerSourceRanges`, default 0.0.0.0/0) by design."""
    if svc.spec.type != "LoadBalancer":
        return False
    mode = lb_mode(svc)
    if mode is None or mode.target_type != INSTANCE:
        return False
    lb_type = (svc.metadata.annotations or {}).get(LB_TYPE, "").strip().lower()
    return mode.controller == "lbc" or lb_type == "nlb"


def single_port(perm: a.IpPermission, port: k.ServicePort) -> bool:
    """The rule opens exactly that Service port's nodePort, nothing else."""
    low, high = _span(perm)
    return _proto(perm) in ("tcp", "udp") and low == high == port.nodePort and admits(perm, port)


def admits(perm: a.IpPermission, port: k.ServicePort) -> bool:
    """True when the rule lets traffic reach that Service port's nodePort."""
    proto = _proto(perm)
    if proto in ("-1", "all"):
        return True
    low, high = _span(perm)
    return proto == (port.protocol or "TCP").lower() and low <= (port.nodePort or 0) <= high


def service_scheme(svc: k.Service, mode: LbMode) -> tuple[str, str]:
    """(scheme, why) of a LoadBalancer Service's load balancer, from its annotations.

    The LBC defaults to `internal` (LBC docs, Service annotations: `aws-load-balancer-scheme`,
    default internal; the deprecated `aws-load-balancer-internal` still counts); the in-tree
    provider builds an internet-facing one unless `aws-load-balancer-internal` is set to
    anything but "false" (kubernetes/website#15771)."""
    annotations = svc.metadata.annotations or {}
    scheme = annotations.get(LB_SCHEME, "").strip().lower()
    internal = annotations.get(LB_INTERNAL)
    if mode.controller == "lbc":
        if scheme in (INTERNET_FACING, INTERNAL):
            return scheme, f"{LB_SCHEME}={scheme}"
        if internal is not None:
            value = INTERNAL if internal.strip().lower() == "true" else INTERNET_FACING
            return value, f"{LB_INTERNAL}={internal}"
        return INTERNAL, f"no {LB_SCHEME} annotation: the controller defaults to internal"
    if internal is not None and internal.strip().lower() != "false":
        return INTERNAL, f"{LB_INTERNAL}={internal}"
    return INTERNET_FACING, "the in-tree provider builds an internet-facing load balancer"


def ingress_scheme(ing: k.Ingress) -> tuple[str, str]:
    """(scheme, why) of an ALB Ingress (LBC docs, Ingress annotations: `scheme`, default
    internal)."""
    scheme = (ing.metadata.annotations or {}).get(ALB_SCHEME, "").strip().lower()
    if scheme in (INTERNET_FACING, INTERNAL):
        return scheme, f"{ALB_SCHEME}={scheme}"
    return INTERNAL, f"no {ALB_SCHEME} annotation: the controller defaults to internal"


def client_ip_preserved(svc: k.Service, target_type: str, protocol: str) -> bool:
    """Whether an NLB hands the target the client's address (ELB User Guide, NLB target groups,
    "Client IP preservation": on by default for instance targets and for UDP, off for ip
    targets over TCP/TLS); the `preserve_client_ip.enabled` target group attribute wins."""
    for item in (svc.metadata.annotations or {}).get(TG_ATTRIBUTES, "").split(","):
        key, _, value = item.partition("=")
        if key.strip() == "preserve_client_ip.enabled":
            return value.strip().lower() == "true"
    return target_type == INSTANCE or protocol == "udp"
