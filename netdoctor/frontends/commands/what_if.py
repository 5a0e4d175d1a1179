"""`netdoctor what-if BUNDLE --pods N | --nodes N --instance-type T`: would it fit?"""

from __future__ import annotations

import argparse

from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import add_bundle_options

DESCRIPTION = """\
Would N more pods, or N more nodes, fit in the cluster the bundle shows?

--pods N spreads N pods one at a time over the eligible nodes with the most room left (room =
the lower of kubelet max-pods and the VPC CNI's ENI/IP ceiling, minus the pods already there);
--node-group, --subnet or --namespace (nodes already running pods of that namespace) narrow
the nodes. Each node then tops up its warm pool (WARM_ENI_TARGET, WARM_IP_TARGET,
MINIMUM_IP_TARGET, WARM_PREFIX_TARGET): the extra addresses (or /28 blocks with prefix
delegation) are checked against each subnet's free space.

--nodes N --instance-type T adds N empty nodes of type T spread over the subnets of the node
group's nodes (all nodes without --node-group), each holding its initial warm pool.

With an overlay CNI or IPv6 pods, VPC IP limits do not apply and only max-pods is counted.
The answer names the first limit hit. JSON (-o json): {"fits", "limits", "nodes", "subnets",
"notes"}. Exit status: 0 fits, 1 does not fit, 2 bad input."""


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "what-if",
        help=summary("what-if"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("bundle", metavar="BUNDLE", help="bundle directory or archive")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--pods", type=_count, metavar="N", help="N more pods")
    what.add_argument("--nodes", type=_count, metavar="N", help="N more nodes (--instance-type)")
    parser.add_argument("--instance-type", metavar="T", help="instance type of the new nodes")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--namespace", metavar="NS", help="nodes already running pods of NS")
    where.add_argument(
        "--node-group", metavar="G", help="managed node group (or Karpenter NodePool) G"
    )
    where.add_argument("--subnet", metavar="S", help="nodes whose pod IPs come from subnet S")
    parser.add_argument(
        "-o", "--format", choices=("text", "json"), default="text", help="output format"
    )
    add_bundle_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from netdoctor.errors import UsageError
    from netdoctor.explore.whatif import WhatIfError, more_nodes, more_pods
    from netdoctor.frontends.commands.common import open_snapshot
    from netdoctor.report.escape import printable

    if args.nodes is not None:
        if not args.instance_type:
            raise UsageError("--nodes needs --instance-type")
        if args.namespace or args.subnet:
            raise UsageError("--nodes takes only --node-group (not --namespace or --subnet)")
    elif args.instance_type:
        raise UsageError("--instance-type goes with --nodes")
    with open_snapshot(args.bundle, args) as snap:
        try:
            if args.nodes is not None:
                answer = more_nodes(snap, args.nodes, args.instance_type, args.node_group)
            else:
                answer = more_pods(snap, args.pods, args.namespace, args.node_group, args.subnet)
        except WhatIfError as exc:
            raise UsageError(printable(str(exc))) from None
    if args.format == "json":
        import orjson

        print(orjson.dumps(answer.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        print("fits" if answer.fits else f"does not fit: {printable(answer.limits[0]['message'])}")
        for limit in answer.limits[1:]:
            print(f"  also: {printable(limit['message'])}")
        for node in answer.nodes:
            if "name" in node:
                print(
                    printable(
                        f"  node {node['name']} ({node['instance_type']}): {node['pods']} pods, "
                        f"max-pods {node['max_pods']}, ENI/IP ceiling {node['eni_ip_ceiling']}, "
                        f"room {node['room']}, +{node['added']}"
                    )
                )
            else:
                print(
                    printable(
                        f"  {node['new_nodes']} new {node['instance_type']}: ENI/IP ceiling "
                        f"{node['eni_ip_ceiling']} pods each"
                    )
                )
        for row in answer.subnets:
            line = (
                f"  subnet {row['id']} ({row['cidr']}, {row['zone']}): needs "
                f"{row['needed_ips']} IPs, {row['free_ips']} free"
            )
            if "needed_prefixes" in row:
                line += (
                    f"; needs {row['needed_prefixes']} /28 blocks, {row['free_prefix_blocks']} free"
                )
            print(printable(line))
        for note in answer.notes:
            print(f"  note: {printable(note)}")
    return 0 if answer.fits else 1
