"""Resource references: the `kind/name` strings findings carry, parsed into one canonical form."""

from __future__ import annotations

from dataclasses import dataclass

from netdoctor.models import RESOURCE_KINDS

# The kinds of netdoctor.models.RESOURCE_KINDS, which findings use, by every other spelling a
# user may type (kubectl short names, AWS console words).
_ALIASES: dict[str, str] = {
    "po": "pod",
    "pods": "pod",
    "no": "node",
    "nodes": "node",
    "svc": "service",
    "ing": "ingress",
    "ds": "daemonset",
    "sgp": "securitygrouppolicy",
    "tgb": "targetgroupbinding",
    "ec2": "instance",
    "networkinterface": "eni",
    "network-interface": "eni",
    "rtb": "route-table",
    "routetable": "route-table",
    "nat": "nat-gateway",
    "natgateway": "nat-gateway",
    "igw": "internet-gateway",
    "internetgateway": "internet-gateway",
    "sg": "security-group",
    "securitygroup": "security-group",
    "vpce": "vpc-endpoint",
    "vpcendpoint": "vpc-endpoint",
    "lb": "load-balancer",
    "loadbalancer": "load-balancer",
    "tg": "target-group",
    "targetgroup": "target-group",
}

# AWS ids name their kind by prefix, so a bare `rtb-0abc` needs no `kind/`.
ID_PREFIXES: dict[str, str] = {
    "i-": "instance",
    "eni-": "eni",
    "subnet-": "subnet",
    "rtb-": "route-table",
    "nat-": "nat-gateway",
    "igw-": "internet-gateway",
    "sg-": "security-group",
    "vpce-": "vpc-endpoint",
    "vpc-": "vpc",
}

NAMESPACED = frozenset(
    {"pod", "service", "ingress", "targetgroupbinding", "daemonset", "securitygrouppolicy"}
)

KINDS = frozenset(RESOURCE_KINDS)
"""What the inspector can walk: netdoctor.models.RESOURCE_KINDS."""


@dataclass(frozen=True)
class Ref:
    """One object netdoctor can inspect: a kind, a name (an AWS id for AWS kinds) and, for
    namespaced Kubernetes kinds, a namespace (None = any namespace)."""

    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        if self.kind in NAMESPACED:
            return f"{self.kind}/{self.namespace or 'default'}/{self.name}"
        return f"{self.kind}/{self.name}"


def _elb_arn(text: str) -> Ref | None:
    # arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID or loadbalancer/app/NAME/ID
    resource = text.split(":", 5)[-1]
    if resource.startswith("targetgroup/"):
        return Ref("target-group", text)
    if resource.startswith("loadbalancer/"):
        return Ref("load-balancer", text)
    return None


def parse_ref(text: str) -> Ref | None:
    """`pod/NS/NAME`, `node/NAME`, `subnet/subnet-…`, `route-table/rtb-…` (or a bare `rtb-…`),
    an ELB ARN… → a Ref; None when the text names nothing the inspector knows."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("arn:") and ":elasticloadbalancing:" in text:
        return _elb_arn(text)
    if "/" not in text:
        kind = next((k for p, k in ID_PREFIXES.items() if text.startswith(p)), None)
        return Ref(kind, text) if kind else None
    head, rest = text.split("/", 1)
    kind = head.lower()
    kind = kind if kind in KINDS else _ALIASES.get(kind)
    if kind is None or not rest:
        return None
    if kind in NAMESPACED:
        namespace, sep, name = rest.partition("/")
        if not sep:
            return Ref(kind, namespace, None)
        return Ref(kind, name, namespace) if name else None
    return Ref(kind, rest)


def ref_text(kind: str, name: str, namespace: str | None = None) -> str:
    """The canonical text of a reference built from its parts."""
    return str(Ref(kind, name, namespace))
