"""`netdoctor capture`: write a snapshot bundle from the live cluster and AWS account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.live_source import add_live_source_options, live_options
from netdoctor.frontends.interrupts import sigterm_interrupts

if TYPE_CHECKING:
    from netdoctor.sources.live.capture import CaptureOptions, CaptureResult

DESCRIPTION = """\
Capture a snapshot bundle from the cluster of your kubeconfig context and its AWS account:
kubectl-style Lists of nodes, pods, services, ingresses, events, the kube-system aws-node
DaemonSet and amazon-vpc-cni ConfigMap and the VPC CNI / load balancer CRDs, plus the EKS and
EC2/ELB describe output for the cluster's VPC. Read-only: get/list and Describe calls only
(deploy/rbac.yaml and deploy/iam-policy.json grant exactly those).

Secrets are never read, and each Kubernetes object keeps only the fields netdoctor reads (an
allow-list): args, commands, probes, hooks, volumes, pod env, managedFields and annotations
the checks do not read never leave the cluster; DaemonSet env values are masked except
aws-node's CNI settings. A call that is denied or fails leaves its file out, and meta.json's
"missing" says why and which permission would fill the gap.

The bundle path is printed on stdout; progress and warnings go to stderr."""

EPILOG = """\
examples:
  netdoctor capture -o incident.tar.gz
  netdoctor capture --context prod --region eu-central-1 --cluster atlas -o snap/
  netdoctor capture --redact-ids --redact-key "$KEY" -o frame-01.tar.gz
  netdoctor check incident.tar.gz"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `netdoctor capture`."""
    parser = subparsers.add_parser(
        "capture",
        help=summary("capture"),
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE.tar.gz|DIR",
        help="where to write the bundle: a .tar.gz/.tgz archive, else a new directory "
        "(default: ./netdoctor-capture-<UTC time>.tar.gz)",
    )
    add_live_source_options(parser)
    parser.add_argument(
        "--redact-ids",
        action="store_true",
        help="also replace AWS account ids, IPs outside the VPC, AWS host names and identifying "
        "names (cluster, load balancers, Name tags) with stable tokens",
    )
    parser.add_argument(
        "--redact-key",
        metavar="KEY",
        help="key for --redact-ids tokens, so separate captures use the same tokens (default: "
        "$NETDOCTOR_REDACT_KEY, else a random key per capture)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    parser.set_defaults(run=run)


def run_capture(options: CaptureOptions, quiet: bool) -> CaptureResult:
    """Capture with the progress display the terminal allows; report what is missing.

    SIGTERM (a `timeout`, a CI job cancelled) is handled like Ctrl-C: no half bundle is left.
    """
    from netdoctor.sources.live.capture import capture
    from netdoctor.sources.live.progress import LineProgress, NullProgress, RichProgress

    with sigterm_interrupts():
        if quiet:
            options.progress = NullProgress()
            return report_missing(capture(options))
        if sys.stderr.isatty():
            with RichProgress() as progress:
                options.progress = progress
                result = capture(options)
        else:
            options.progress = LineProgress()
            result = capture(options)
    return report_missing(result)


def report_missing(result: CaptureResult) -> CaptureResult:
    """One stderr line per file that could not be collected, naming the fix."""
    for rel, why in result.missing.items():
        print(f"netdoctor: capture: {rel} not collected: {why}", file=sys.stderr)
    return result


def run(args: argparse.Namespace) -> int:
    from netdoctor.sources.live.capture import rfc3339_now
    from netdoctor.sources.live.progress import plural

    if args.redact_key and not args.redact_ids:
        raise UsageError("--redact-key only makes sense with --redact-ids")
    stamp = rfc3339_now().replace("-", "").replace(":", "")
    output = Path(args.output or f"netdoctor-capture-{stamp}.tar.gz")
    result = run_capture(live_options(args, output), args.quiet)
    if not args.quiet:
        print(
            f"netdoctor: captured {result.path} in {result.seconds:.1f}s "
            f"({plural(result.kube_requests, 'Kubernetes request')}, "
            f"{plural(len(result.aws_calls), 'AWS call')}, "
            f"{plural(len(result.missing), 'file')} not collected)",
            file=sys.stderr,
        )
    print(result.path)
    return 0
