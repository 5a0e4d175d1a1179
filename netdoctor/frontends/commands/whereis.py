"""`netdoctor whereis BUNDLE IP…`: who holds an IP address in the bundle."""

from __future__ import annotations

import argparse
import json

from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import add_bundle_options

DESCRIPTION = """\
For each IP: the pods holding it (status.podIP; hostNetwork pods share their node's), the node
whose InternalIP it is, the ENI holding it and how (primary address, secondary address, or inside
a delegated /28 or IPv6 /80 prefix), the ENI's owner (VPC CNI, trunk/branch ENI, NAT gateway,
load balancer, VPC endpoint, EKS control plane, Lambda, or a leaked VPC CNI ENI whose instance is
gone) and its subnet. An address nobody holds is placed in its subnet or VPC CIDR, or said to be
outside the VPC.

Exit status: 0 every address is held by something, 1 some address is held by nothing the bundle
knows, 2 bad input."""


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
    from netdoctor.explore.whereis import BadAddress, WhereIs, locate
    from netdoctor.frontends.commands.common import open_snapshot
    from netdoctor.report.escape import printable

    found: list[WhereIs] = []
    with open_snapshot(args.bundle, args) as snap:
        for text in args.ips:
            try:
                found.append(locate(snap, text))
            except BadAddress as exc:
                raise UsageError(printable(str(exc))) from None
    if args.format == "json":
        print(json.dumps([f.as_json() for f in found], indent=2))
    else:
        for n, where in enumerate(found):
            if n:
                print()
            print(where.ip)
            for match in where.matches:
                print(printable(f"  {match.kind} {match.id}: {match.detail}"))
            if not where.matches:
                print("  held by nothing in the bundle")
            places = ", ".join(where.within) or "outside every subnet and VPC CIDR in the bundle"
            print(printable(f"  within: {places}"))
    return 0 if all(f.matches for f in found) else 1
