"""IPv4 arithmetic and a per-subnet allocator of addresses and /28 prefixes."""

from __future__ import annotations

import random


def ip_str(value: int) -> str:
    """Dotted form of a 32-bit address."""
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def ip_int(text: str) -> int:
    """32-bit value of a dotted address."""
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def parse_cidr(cidr: str) -> tuple[int, int]:
    """(network address, prefix length) of `a.b.c.d/n`."""
    addr, length = cidr.split("/")
    return ip_int(addr), int(length)


def cidr_size(cidr: str) -> int:
    """Number of addresses in a CIDR block."""
    return 1 << (32 - parse_cidr(cidr)[1])


def in_cidr(ip: str, cidr: str) -> bool:
    """True when the address lies inside the block."""
    base, length = parse_cidr(cidr)
    return ip_int(ip) >> (32 - length) == base >> (32 - length)


class SubnetAllocator:
    """Hands out free addresses and free, aligned /28 prefixes of one subnet, like EC2 does.

    AWS reserves the first four addresses and the last one of every subnet. Single addresses are
    drawn at random from a few /28 blocks at a time so that whole blocks stay free for prefix
    delegation, as they mostly do in a real, not yet fragmented subnet.
    """

    def __init__(self, cidr: str, rng: random.Random) -> None:
        self.cidr = cidr
        self.base, length = parse_cidr(cidr)
        self.size = 1 << (32 - length)
        self.usable = self.size - 5
        self.used = 0
        self._rng = rng
        blocks = list(range(self.size // 16))
        rng.shuffle(blocks)
        self._free_blocks = blocks
        self._loose: list[int] = []

    @property
    def free(self) -> int:
        """What describe-subnets reports as AvailableIpAddressCount."""
        return self.usable - self.used

    def _reserved(self, value: int) -> bool:
        offset = value - self.base
        return offset < 4 or offset == self.size - 1

    def _open_blocks(self) -> None:
        # Wider subnets scatter single addresses wider, as EC2's random choice does.
        count = max(8, self.size // 256)
        opened: list[int] = []
        while self._free_blocks and len(opened) < 16 * count:
            start = self.base + 16 * self._free_blocks.pop()
            opened.extend(v for v in range(start, start + 16) if not self._reserved(v))
        self._rng.shuffle(opened)
        self._loose = opened

    def take_ip(self) -> str | None:
        """One free address, or None when the subnet is full."""
        if not self._loose:
            self._open_blocks()
            if not self._loose:
                return None
        self.used += 1
        return ip_str(self._loose.pop())

    def take_prefix(self) -> str | None:
        """One free /28 (all 16 addresses unused and unreserved), or None."""
        while self._free_blocks:
            start = self.base + 16 * self._free_blocks.pop()
            if self._reserved(start) or self._reserved(start + 15):
                # Blocks holding reserved addresses can still serve single addresses.
                self._loose.extend(v for v in range(start, start + 16) if not self._reserved(v))
                self._rng.shuffle(self._loose)
                continue
            self.used += 16
            return f"{ip_str(start)}/28"
        return None

    def give_back_prefix(self, prefix: str) -> None:
        """Return a prefix taken by an operation that then failed."""
        self._free_blocks.append((ip_int(prefix.split("/")[0]) - self.base) // 16)
        self.used -= 16
