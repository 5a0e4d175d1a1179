"""Managed prefix lists: the CIDRs a route or a security group rule names by `pl-…` id.

Read from `aws/ec2-describe-managed-prefix-lists.json` (each list with the `Entries` capture
adds). A list the bundle does not describe has unknown entries: None, never an empty list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdoctor.facts.addresses import Network
from netdoctor.facts.flows import covers

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot


def prefix_list_cidrs(snap: Snapshot, prefix_list_id: str | None) -> list[str] | None:
    """The list's CIDRs; None when the bundle does not hold the list (or its entries)."""
    for entry in snap.prefix_lists:
        if entry.PrefixListId == prefix_list_id:
            if entry.Entries is None:
                return None
            return [e.Cidr for e in entry.Entries if e.Cidr]
    return None


def prefix_list_match(snap: Snapshot, prefix_list_id: str | None, target: Network) -> str | None:
    """The most specific entry of the list that covers `target`, `""` when none does, None when
    the entries are unknown."""
    cidrs = prefix_list_cidrs(snap, prefix_list_id)
    if cidrs is None:
        return None
    matching = [c for c in cidrs if covers(c, target)]
    return max(matching, key=lambda c: int(c.rsplit("/", 1)[-1]), default="")
