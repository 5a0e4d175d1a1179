"""`netdoctor whereis BUNDLE IP…`: which pod, node, ENI and subnet hold an address."""

from __future__ import annotations

import argparse

from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import add_bundle_options

DESCRIPTION = """\
For each IP address: the pods holding it (status.podIP / podIPs), the node with it as an
address, the ENI holding it and how (primary, secondary, or inside a delegated /28 or IPv6 /80
prefix), who owns that ENI (VPC CNI, branch/trunk ENI, NAT gateway, load balancer, VPC
endpoint, EKS control plane, Lambda, EC2 instance, or leaked: a VPC CNI ENI whose instance is
gone), and the subnet and VPC CIDR it falls in. An address nothing holds still gets its subnet,
or a note that it lies outside the VPC.

JSON (-o json): a list, one object per IP: {"ip", "matches": [{"kind", "id", …}], "notes"}.
Exit status: 0, or 2 for a bad address or bundle."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "whereis",
        help=summary("whereis"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("bundle", metavar="BUNDLE", help="bundle directory or archive")
    parser.add_argument("ips", nargs="+", metavar="IP", help="IPv4 or IPv6 addresses")
    parser.add_argument(
        "-o", "--format", choices=("text", "json"), default="text", help="output format"
    )
    add_bundle_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from netdoctor.errors import UsageError
    from netdoctor.explore.whereis import locate
    from netdoctor.facts.addresses import parse_ip
    from netdoctor.frontends.commands.common import open_snapshot
    from netdoctor.report.escape import printable

    for ip in args.ips:
        if parse_ip(ip) is None:
            raise UsageError(f"not an IP address: {printable(ip)!r}")
    with open_snapshot(args.bundle, args) as snap:
        found = [locate(snap, ip) for ip in args.ips]
    if args.format == "json":
        import orjson

        print(orjson.dumps([x.as_dict() for x in found], option=orjson.OPT_INDENT_2).decode())
        return 0
    for location in found:
        print(location.ip)
        for match in location.matches:
            print("  " + printable(_line(match.kind, match.id, match.details)))
        for note in location.notes:
            print("  " + printable(note))
    return 0


def _line(kind: str, ident: str, d: dict[str, str]) -> str:
    if kind == "pod":
        extra = ", host network" if d.get("host_network") else ""
        return f"pod {ident} on node {d['node'] or '?'} ({d['phase'] or '?'}{extra})"
    if kind == "node":
        return f"node {ident}" + (f" (instance {d['instance']})" if d.get("instance") else "")
    if kind == "eni":
        where = [f"subnet {d['subnet']}"] if d["subnet"] else []
        if d["node"]:
            where.append(f"node {d['node']}")
        elif d["instance"]:
            where.append(f"instance {d['instance']}")
        return (
            f"ENI {ident}: {d['role']} address, owner {d['owner_label']}, "
            f"{d['status'] or 'status unknown'}" + (f"; {', '.join(where)}" if where else "")
        )
    if kind == "subnet":
        return f"subnet {ident} ({d['cidr']}, {d['zone'] or '?'}, VPC {d['vpc'] or '?'})"
    return f"VPC {ident} ({d['cidr']})"
