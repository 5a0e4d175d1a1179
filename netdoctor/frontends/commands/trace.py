"""`netdoctor trace BUNDLE --from SRC --to DST`: can this source reach that destination, and if
not, which hop drops it."""

from __future__ import annotations

import argparse

from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import add_bundle_options

DESCRIPTION = """\
Walks the path hop by hop, offline, from the bundle: the VPC CNI's SNAT decision, the security
groups of the sending ENI (egress) and of the receiving one (ingress), the network ACLs of every
subnet boundary crossed (replies to the ephemeral ports too), the route table of the sender's
subnet (longest prefix match, prefix lists included), the NAT gateway and its own subnet's route,
the internet gateway (which needs a public address on the sender), and for --to api the EKS
endpoint settings (private access and VPC DNS, publicAccessCidrs).

SRC: a pod (NAMESPACE/NAME), a node name, an EC2 instance id, an IP the bundle knows, or
`internet` towards svc/NAMESPACE/NAME (a LoadBalancer Service) or ingress/NAMESPACE/NAME (an ALB
Ingress): through the load balancer (scheme, state, its security groups, its subnets' route to
the internet gateway) to a node's NodePort or a pod, as the target type says.
DST: an IP or CIDR, `internet` (any public address no route or rule singles out), `api` (the
cluster's API endpoint as this source resolves it), a pod, a node, svc/NAMESPACE/NAME (its
ClusterIP → one of its ready endpoints).

A hop whose data is not in the bundle is `unknown` and names the missing file: the verdict is
then unknown unless another hop blocks; never reachable on data not seen. A route to a transit
gateway, peering connection or VPN gateway passes (the VPC's part is done, as for centralised
egress) and the output says the verdict covers the VPC up to that hop (JSON `leaves_vpc_at`).
See docs/trace.md.

Exit status: 0 reachable, 1 blocked, 3 unknown, 2 bad input."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trace",
        help=summary("trace"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("bundle", metavar="BUNDLE", help="bundle directory or archive")
    parser.add_argument("--from", dest="source", required=True, metavar="SRC", help="the sender")
    parser.add_argument(
        "--to", dest="destination", required=True, metavar="DST", help="the receiver"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help="destination port (default 443; for svc/… the service's first port)",
    )
    parser.add_argument(
        "--protocol", choices=("tcp", "udp", "icmp"), default="tcp", help="protocol (default tcp)"
    )
    parser.add_argument(
        "-o", "--format", choices=("text", "json"), default="text", help="output format"
    )
    add_bundle_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from netdoctor.facts.paths import trace
    from netdoctor.frontends.commands.common import open_snapshot
    from netdoctor.report.trace import render_json, render_text

    with open_snapshot(args.bundle, args) as snap:
        result = trace(snap, args.source, args.destination, port=args.port, protocol=args.protocol)
    print(render_json(result) if args.format == "json" else render_text(result))
    return result.verdict.exit_code
