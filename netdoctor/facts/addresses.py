"""IP addresses and CIDRs: parsing, membership, containment. The one home for address math.

IPv4 dotted quads take a fast integer path (a bundle holds tens of thousands of ENI addresses,
where `ipaddress` objects cost 30x more); everything else goes through `ipaddress`, so IPv6
addresses and prefixes work the same way. Nothing here raises on bad text: an unreadable
address or CIDR comes back as None.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netdoctor.facts.views import EniView

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

AWS_RESERVED = 5
"""Addresses AWS reserves in every subnet: network, VPC router, DNS, future use, broadcast."""


def ipv4_int(text: str | None) -> int | None:
    """A dotted-quad IPv4 address as an int; None for anything else."""
    parts = (text or "").split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 for p in parts):
        return None
    a, b, c, d = (int(p) for p in parts)
    if max(a, b, c, d) > 255:
        return None
    return (a << 24) | (b << 16) | (c << 8) | d


def parse_ip(text: str | None) -> Address | None:
    """An IPv4 or IPv6 address; None when `text` is not one."""
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def parse_network(text: str | None) -> Network | None:
    """A CIDR (host bits allowed, as AWS prints prefixes); None when `text` is not one."""
    try:
        return ipaddress.ip_network((text or "").strip(), strict=False)
    except ValueError:
        return None


def ipv4_network(text: str | None) -> ipaddress.IPv4Network | None:
    """An IPv4 CIDR, None for IPv6 or bad text."""
    net = parse_network(text)
    return net if isinstance(net, ipaddress.IPv4Network) else None


def ip_in(ip: str | None, cidrs: Iterable[str | None]) -> bool | None:
    """True when the address falls in one of the CIDRs; None when the address is invalid."""
    address = parse_ip(ip)
    if address is None:
        return None
    for cidr in cidrs:
        net = parse_network(cidr)
        if net is not None and net.version == address.version and address in net:
            return True
    return False


def cidr_covered(cidr: str | None, by: Iterable[str | None]) -> bool | None:
    """True when `cidr` lies inside one of `by`; None when `cidr` is not a network."""
    network = parse_network(cidr)
    if network is None:
        return None
    for outer in by:
        other = parse_network(outer)
        if other is not None and other.version == network.version and network.subnet_of(other):  # type: ignore[arg-type]
            return True
    return False


def cidrs_overlap(first: str | None, second: str | None) -> bool | None:
    """True when the two networks share an address; None when either is unreadable."""
    a, b = parse_network(first), parse_network(second)
    if a is None or b is None:
        return None
    if isinstance(a, ipaddress.IPv4Network) and isinstance(b, ipaddress.IPv4Network):
        return a.overlaps(b)
    if isinstance(a, ipaddress.IPv6Network) and isinstance(b, ipaddress.IPv6Network):
        return a.overlaps(b)
    return False  # one IPv4, one IPv6: no address in common


def prefix_length(cidr: str | None) -> int | None:
    """`/19` → 19; None for bad text."""
    net = parse_network(cidr)
    return net.prefixlen if net is not None else None


def usable_addresses(cidr: str | None) -> int | None:
    """Addresses an IPv4 subnet can hand out: CIDR size − 5 reserved; None for a bad CIDR."""
    net = ipv4_network(cidr)
    return max(net.num_addresses - AWS_RESERVED, 0) if net is not None else None


def is_public(ip: str | None) -> bool | None:
    """True for a globally routable address (what an internet gateway needs on the sender)."""
    address = parse_ip(ip)
    return None if address is None else address.is_global


def ip_in_eni(ip: str | None, eni: EniView) -> bool:
    """True when the ENI holds the address: primary, secondary, or inside a delegated prefix
    (IPv4 /28 or IPv6 /80)."""
    if not ip:
        return False
    if ip == eni.primary_ip or ip in eni.secondary_ips or ip in eni.ipv6_addresses:
        return True
    return bool(eni.prefixes or eni.ipv6_prefixes) and bool(
        ip_in(ip, (*eni.prefixes, *eni.ipv6_prefixes))
    )
