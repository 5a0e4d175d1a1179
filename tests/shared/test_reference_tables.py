"""netdoctor's instance arithmetic against the tables AWS publishes (../shared/reference): the
VPC CNI's eni-max-pods.txt and the VPC resource controller's trunking table."""

from __future__ import annotations

import csv
from pathlib import Path

from netdoctor.facts.instances import offline_table
from netdoctor.facts.maxpods import eni_max_pods

# Types where moto's EC2 data (our offline table) splits the ENIs over two network cards while
# the VPC CNI's table counts them on one: max-pods only counts the default card, so the
# figures differ. type → (published, ours).
KNOWN_MISMATCHES = {
    "i7ie.48xlarge": (737, 394),
    "i7ie.metal-48xl": (737, 394),
    "i8ge.48xlarge": (1178, 590),
    "i8ge.metal-48xl": (1178, 590),
}


def _published(reference: Path) -> dict[str, int]:
    rows = {}
    for line in (reference / "eni-max-pods.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split()
            rows[name] = int(value)
    return rows


def test_formula_matches_every_published_row_the_table_knows(reference: Path) -> None:
    table = offline_table()
    published = _published(reference)
    known = {name: value for name, value in published.items() if name in table}
    assert len(known) > 1300, "the offline table lost most instance types"
    ours = {name: eni_max_pods(table[name]) for name in known}
    mismatches = {name: (known[name], ours[name]) for name in known if ours[name] != known[name]}
    assert mismatches == KNOWN_MISMATCHES


# A handful of types the resource controller lists as not trunking-compatible although they are
# Nitro and not burstable; netdoctor's rule (Nitro, no `t` family) cannot know them.
KNOWN_CAN_TRUNK_DIFFERENCES = {"i4i.large", "u-6tb1.56xlarge", "u-6tb1.112xlarge"}


def test_can_trunk_agrees_with_the_resource_controller_table(reference: Path) -> None:
    table = offline_table()
    compared, differences = 0, set()
    with (reference / "instance-limits.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            limits = table.get(row["instance_type"])
            if limits is None or row["is_trunking_compatible"] == "":
                continue
            compared += 1
            if limits.can_trunk != (row["is_trunking_compatible"] == "true"):
                differences.add(row["instance_type"])
    assert compared > 1000
    assert differences <= KNOWN_CAN_TRUNK_DIFFERENCES, differences - KNOWN_CAN_TRUNK_DIFFERENCES
