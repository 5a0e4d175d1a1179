"""A flow between two addresses: what security groups, network ACLs and route tables are asked.

The destination is a network, not only an address: `--to internet` is `0.0.0.0/0`, read as
"any public address no rule or route singles out", so a rule or route decides it only when it
covers the whole network. A single address is a /32 (or /128).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from netdoctor.facts.addresses import Network, parse_network

EPHEMERAL_PORTS = (32768, 60999)
"""The Linux default `net.ipv4.ip_local_port_range`: the client ports return traffic goes to
(what a stateless network ACL must let back in)."""


class Protocol(StrEnum):
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"

    @property
    def number(self) -> str:
        """The IANA number as security groups and network ACLs print it."""
        return {"tcp": "6", "udp": "17", "icmp": "1"}[self.value]


@dataclass(frozen=True)
class Flow:
    """Protocol and destination port (None for ICMP) of the traffic traced."""

    protocol: Protocol
    port: int | None

    def text(self) -> str:
        return self.protocol.value if self.port is None else f"{self.protocol.value}/{self.port}"


def network_of(text: str | None) -> Network | None:
    """An address or CIDR as a network (`10.0.1.5` → `10.0.1.5/32`); None for bad text."""
    return parse_network(text)


def covers(rule_cidr: str | None, target: Network) -> bool:
    """True when the rule's or route's CIDR holds every address of `target`."""
    net = parse_network(rule_cidr)
    if net is None or net.version != target.version:
        return False
    if isinstance(net, ipaddress.IPv4Network) and isinstance(target, ipaddress.IPv4Network):
        return target.subnet_of(net)
    if isinstance(net, ipaddress.IPv6Network) and isinstance(target, ipaddress.IPv6Network):
        return target.subnet_of(net)
    return False


def is_any(target: Network) -> bool:
    """True for `0.0.0.0/0` or `::/0`: "the internet"."""
    return target.prefixlen == 0


def net_text(target: Network) -> str:
    """`10.0.1.5` for a single address, else the CIDR."""
    if target.prefixlen == target.max_prefixlen:
        return str(target.network_address)
    return str(target)
