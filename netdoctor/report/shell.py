"""Values from a bundle made safe to paste into a shell command.

A playbook's commands are templates filled with names read from the cluster (`{node}`,
`{service}`, `{cluster}`...). Whoever can create a pod or tag a resource chooses those names, so
a value is pasted into a command only when it matches the grammar AWS or Kubernetes gives that
kind of name (a subnet id is `subnet-[0-9a-f]+`, a Service name a DNS-1035 label), and every
word is quoted with `shlex.quote` where the shell would read it. A value that fails its grammar
is reported, never pasted.

Grammars: AWS resource ids (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/
API_Subnet.html and siblings: prefix, dash, hex), Kubernetes object names (DNS-1123 subdomain
and label, DNS-1035 label: https://kubernetes.io/docs/concepts/overview/working-with-objects/
names/), EKS cluster and node group names (`^[0-9A-Za-z][A-Za-z0-9-_]*`, CreateCluster API).
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from netdoctor.models import unset_marker

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SAFE = re.compile(r"^[A-Za-z0-9@%+=:,./_-]+$")
"""What `shlex.quote` leaves alone: a word that means the same quoted or not."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _cidr(word: str) -> bool:
    if not re.fullmatch(r"[0-9a-fA-F:.]+/\d{1,3}", word):
        return False
    try:
        ipaddress.ip_network(word, strict=False)
    except ValueError:
        return False
    return True


def _cidr_list(word: str) -> bool:
    return all(_cidr(part) for part in word.split(","))


@dataclass(frozen=True)
class Grammar:
    """What one word of a value must look like."""

    what: str
    """The grammar in words, for the error message."""
    accepts: Callable[[str], bool]


def _pattern(what: str, pattern: str, limit: int = 253) -> Grammar:
    compiled = re.compile(pattern)
    return Grammar(what, lambda word: len(word) <= limit and bool(compiled.fullmatch(word)))


def _aws_id(prefix: str, what: str) -> Grammar:
    return _pattern(f"{what} ({prefix}-[0-9a-f]+)", rf"{prefix}-[0-9a-f]+", 64)


_SUBNET = _aws_id("subnet", "a subnet id")
_RTB = _aws_id("rtb", "a route table id")
_NAT = _aws_id("nat", "a NAT gateway id")
_SG = _aws_id("sg", "a security group id")
_VPC = _aws_id("vpc", "a VPC id")
_VPCE = _aws_id("vpce", "a VPC endpoint id")
_SUBDOMAIN = _pattern(
    "a Kubernetes name (DNS-1123 subdomain)", rf"{_DNS_LABEL}(\.{_DNS_LABEL})*", 253
)
_CIDRS = Grammar("a CIDR list (a.b.c.d/n, comma-separated)", _cidr_list)

GRAMMARS: dict[str, Grammar] = {
    "cluster": _pattern(
        "an EKS cluster name ([0-9A-Za-z][A-Za-z0-9_-]*)", r"[0-9A-Za-z][A-Za-z0-9_-]*", 100
    ),
    "nodegroup": _pattern(
        "an EKS node group name ([0-9A-Za-z][A-Za-z0-9_-]*)", r"[0-9A-Za-z][A-Za-z0-9_-]*", 63
    ),
    "region": _pattern("an AWS region (e.g. eu-central-1)", r"[a-z]{2}(-[a-z]+)+-\d+", 32),
    "zone": _pattern("an availability zone (e.g. eu-central-1a)", r"[a-z]{2}(-[a-z0-9]+)+", 64),
    "node": _SUBDOMAIN,
    "eniconfig": _SUBDOMAIN,
    "namespace": _pattern("a Kubernetes namespace (DNS-1123 label)", _DNS_LABEL, 63),
    "service": _pattern(
        "a Kubernetes Service name (DNS-1035 label)", r"[a-z]([-a-z0-9]*[a-z0-9])?", 63
    ),
    "instance_id": _aws_id("i", "an instance id"),
    "instance_ids": _aws_id("i", "an instance id"),
    "eni_ids": _aws_id("eni", "a network interface id"),
    "instance_type": _pattern(
        "an instance type (e.g. m5.large)", r"[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*", 64
    ),
    "max_pods": _pattern("a number", r"\d{1,5}", 5),
    "subnet_id": _SUBNET,
    "subnet_ids": _SUBNET,
    "tag_subnet_ids": _SUBNET,
    "lb_kind": _pattern("ingress or service", r"ingress|service", 7),
    "lb_name": _SUBDOMAIN,
    "role_tag": _pattern(
        "a load balancer subnet role tag", r"kubernetes\.io/role/(internal-)?elb", 40
    ),
    "route_table_id": _RTB,
    "route_table_ids": _RTB,
    "nat_gateway_id": _NAT,
    "misplaced_nat_id": _NAT,
    "vpc_id": _VPC,
    "security_group_id": _SG,
    "cluster_sg_id": _SG,
    "node_sg_id": _SG,
    "private_dns_off_endpoints": _VPCE,
    "s3_gateway_endpoint": _VPCE,
    "exclude_snat_cidrs": _CIDRS,
    "public_access_cidrs": _CIDRS,
    "dead_cidrs": _CIDRS,
    "interface_endpoints": _pattern(
        "a VPC endpoint service suffix (e.g. ecr.api)", r"[a-z0-9][a-z0-9.-]*", 64
    ),
}
"""The grammar of each placeholder the built-in checks fill. A value is words separated by
single spaces (a list, as `for n in {node}` iterates), each matching the grammar."""

_ANY = Grammar("one line of printable text", lambda word: not _CONTROL.search(word))
"""Placeholders of plug-in playbooks: any printable word, quoted where the shell reads it."""


def problem(name: str, value: str) -> str | None:
    """Why `value` cannot fill the placeholder `name`, or None when it can."""
    if value == unset_marker(name) or value == "":
        return None
    grammar = GRAMMARS.get(name, _ANY)
    if _CONTROL.search(value) or "\n" in value:
        return f"is not {grammar.what}: it holds control characters"
    for word in value.split(" "):
        if not grammar.accepts(word):
            return f"is not {grammar.what}"
    return None


def safe_everywhere(value: str) -> bool:
    """True when every word means the same to a shell quoted or not, inside quotes or out, and
    carries nothing Markdown would interpret (what every known grammar admits)."""
    return all(_SAFE.match(word) for word in value.split(" ") if word)


def shell_words(name: str, value: str) -> str:
    """`value` for an unquoted spot of a command: each word `shlex.quote`d, the words joined by
    spaces (a list stays a list); the unset marker stays a variable reference."""
    if value == unset_marker(name):
        return value
    if value == "":
        return "''"
    return " ".join(shlex.quote(word) for word in value.split(" "))
