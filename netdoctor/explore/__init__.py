"""The resource graph, headless: the chain an object sits on, its raw JSON, capacity figures.

    >>> tree = build_chain(snap, "pod/shop/web-7d9")   # pod → node → instance → ENIs → subnet …
    >>> raw_object(snap, "subnet/subnet-0abc").data     # the describe-subnets entry, every field

The walk uses the typed snapshot views; only the selected object's raw JSON is read generically.
Nothing here imports Textual: the TUI and any other front end build on it.
"""

from __future__ import annotations

from netdoctor.explore.capacity import (
    NodeCapacity,
    SubnetCapacity,
    node_capacity,
    subnet_capacity,
)
from netdoctor.explore.chain import ChainBuilder, ChainNode, build_chain
from netdoctor.explore.graph import ResourceGraph
from netdoctor.explore.raw import RawObject, raw_object
from netdoctor.explore.refs import Ref, parse_ref, ref_text

__all__ = [
    "ChainBuilder",
    "ChainNode",
    "NodeCapacity",
    "RawObject",
    "Ref",
    "ResourceGraph",
    "SubnetCapacity",
    "build_chain",
    "node_capacity",
    "parse_ref",
    "raw_object",
    "ref_text",
    "subnet_capacity",
]
