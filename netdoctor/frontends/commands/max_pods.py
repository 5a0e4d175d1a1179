"""`netdoctor max-pods TYPE…`: the VPC CNI max-pods calculator."""

from __future__ import annotations

import argparse

from netdoctor.facts.instances import InstanceCatalog
from netdoctor.facts.maxpods import MaxPodsInput, eni_max_pods, recommended_cap
from netdoctor.frontends.commands import summary

DESCRIPTION = """\
Compute the max-pods value for EC2 instance types the way the VPC CNI does
(ENIs × (IPv4 per ENI − 1) + 2; custom networking skips the primary ENI; prefix delegation
multiplies by 16 on Nitro types, others fall back to secondary IPs), capped at the recommended
110 (≤ 30 vCPUs) or 250 unless --show-max-allowed. Instance data comes from --bundle's
describe-instance-types when given, else from the table shipped with netdoctor. Replaces AWS's
max-pods-calculator.sh."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "max-pods",
        help=summary("max-pods"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("types", nargs="+", metavar="TYPE", help="instance types, e.g. m5.large")
    parser.add_argument(
        "--prefix-delegation",
        action="store_true",
        help="ENABLE_PREFIX_DELEGATION=true (/28 prefixes per slot)",
    )
    parser.add_argument(
        "--custom-networking",
        action="store_true",
        help="AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true (primary ENI unused)",
    )
    parser.add_argument("--max-eni", type=int, metavar="N", help="MAX_ENI: use at most N ENIs")
    parser.add_argument(
        "--cni-version",
        metavar="V",
        help="VPC CNI version, e.g. 1.20.1 (prefix delegation needs >= 1.9)",
    )
    parser.add_argument(
        "--show-max-allowed",
        action="store_true",
        help="print the ENI ceiling without the 110/250 recommendation cap",
    )
    parser.add_argument(
        "--bundle",
        metavar="BUNDLE",
        help="read instance data from this bundle's describe-instance-types",
    )
    parser.add_argument(
        "-o", "--format", choices=("text", "json"), default="text", help="output format"
    )
    parser.set_defaults(run=run)


def _version_allows_pd(version: str | None) -> bool:
    if not version:
        return True
    from netdoctor.facts.cni import parse_version

    parsed = parse_version(":" + version.lstrip("v"))
    return parsed is None or parsed >= (1, 9, 0)


def run(args: argparse.Namespace) -> int:
    from netdoctor.errors import UsageError

    if args.max_eni is not None and args.max_eni < 1:
        raise UsageError("--max-eni must be at least 1")
    if args.prefix_delegation and not _version_allows_pd(args.cni_version):
        raise UsageError(
            f"--prefix-delegation needs VPC CNI 1.9.0 or later (got {args.cni_version})"
        )
    catalog = InstanceCatalog()
    if args.bundle:
        from netdoctor.frontends.commands.common import open_snapshot

        with open_snapshot(args.bundle, args) as snap:
            catalog = InstanceCatalog(snap.instance_types)
    settings = MaxPodsInput(args.prefix_delegation, args.custom_networking, args.max_eni)
    rows = []
    for name in args.types:
        limits = catalog.get(name)
        row: dict[str, object] = {"instance_type": name, "max_pods": None}
        if limits is not None:
            # Like aws-node and max-pods-calculator.sh: no prefixes off Nitro, secondary IPs.
            applied = settings
            if settings.prefix_delegation and not limits.nitro:
                applied = MaxPodsInput(False, settings.custom_networking, settings.max_eni)
            ceiling = eni_max_pods(limits, applied)
            row.update(
                max_pods=ceiling
                if args.show_max_allowed
                else min(ceiling, recommended_cap(limits)),
                max_allowed=ceiling,
                enis=limits.max_enis,
                ipv4_per_eni=limits.ipv4_per_eni,
                hypervisor=limits.hypervisor or None,
                nitro=limits.nitro,
                vcpus=limits.vcpus,
                data_source=limits.source,
            )
            if applied is not settings:
                row["warning"] = (
                    "prefix delegation needs a Nitro instance type: aws-node falls back to "
                    "secondary IPs"
                )
        rows.append(row)
    if args.format == "json":
        import orjson

        print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for column in ("instance type", "max pods", "ENIs", "IPv4/ENI", "hypervisor", "note"):
            table.add_column(column)
        for row in rows:
            if row["max_pods"] is None:
                table.add_row(str(row["instance_type"]), "?", "", "", "", "unknown instance type")
                continue
            note = str(row.get("warning", ""))
            if not args.show_max_allowed and row["max_pods"] != row["max_allowed"]:
                note = note or f"capped from {row['max_allowed']} (--show-max-allowed)"
            table.add_row(
                str(row["instance_type"]),
                str(row["max_pods"]),
                str(row["enis"]),
                str(row["ipv4_per_eni"]),
                str(row["hypervisor"] or "?"),
                note,
            )
        Console().print(table)
    return 2 if any(row["max_pods"] is None for row in rows) else 0
