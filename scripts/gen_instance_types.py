"""Regenerate netdoctor/data/instance_types.json from the EC2 data the moto package ships.

Usage: python scripts/gen_instance_types.py

Keeps only what the max-pods arithmetic and the trunk/Nitro checks need, per instance type:
[ENIs on the default network card, IPv4 addresses per ENI, hypervisor ("nitro"/"xen"/""),
bare metal, default vCPUs].
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import moto

SOURCE = Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
TARGET = Path(__file__).resolve().parent.parent / "netdoctor" / "data" / "instance_types.json"


def default_card_enis(network: dict) -> int:
    """ENIs on the default network card (max-pods counts only that card)."""
    cards = network.get("NetworkCards") or []
    index = network.get("DefaultNetworkCardIndex", 0)
    for card in cards:
        if card.get("NetworkCardIndex") == index:
            return int(card["MaximumNetworkInterfaces"])
    return int(network.get("MaximumNetworkInterfaces", 0))


def main() -> None:
    data = json.loads(gzip.decompress(SOURCE.read_bytes()))
    table = {}
    for name in sorted(data):
        info = data[name]
        network = info.get("NetworkInfo") or {}
        table[name] = [
            default_card_enis(network),
            int(network.get("Ipv4AddressesPerInterface", 0)),
            info.get("Hypervisor", ""),
            bool(info.get("BareMetal", False)),
            int((info.get("VCpuInfo") or {}).get("DefaultVCpus", 0)),
        ]
    header = {
        "_source": f"moto {moto.__version__} ec2/resources/instance_types.json.gz",
        "_columns": ["max_enis", "ipv4_per_eni", "hypervisor", "bare_metal", "vcpus"],
    }
    text = json.dumps({**header, "types": table}, separators=(",", ":"))
    TARGET.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(table)} instance types to {TARGET}")


if __name__ == "__main__":
    main()
