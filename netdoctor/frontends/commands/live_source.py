"""Where a live capture reads from: the options `capture`, `check --live`, `tui --live`,
`record` (and `watch`) share, declared once, and the CaptureOptions they make."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from netdoctor.errors import UsageError

if TYPE_CHECKING:
    from netdoctor.sources.live.capture import CaptureOptions


def add_live_source_options(parser: argparse.ArgumentParser) -> None:
    """`--kubeconfig --context --cluster --region --profile --namespace`: where to capture from."""
    group = parser.add_argument_group("live cluster")
    group.add_argument(
        "--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG)"
    )
    group.add_argument("--context", metavar="NAME", help="kubeconfig context (default: current)")
    group.add_argument(
        "--cluster",
        metavar="NAME",
        help="EKS cluster name (default: from the kubeconfig's aws eks get-token args, the "
        "node labels or the instance tags)",
    )
    group.add_argument(
        "--region",
        metavar="REGION",
        help="AWS region (default: from the kubeconfig, the node providerIDs, or the AWS config)",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        help="AWS profile (default: the kubeconfig exec env's AWS_PROFILE, else the standard "
        "credential chain: env, SSO, IRSA …)",
    )
    group.add_argument(
        "--namespace",
        "-n",
        action="append",
        default=[],
        metavar="NS",
        help="capture namespaced objects (pods, services, events …) only from NS; repeatable "
        "or comma-separated (default: all namespaces)",
    )
    group.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="wait this long for one API response before retrying (default: 30)",
    )


def namespaces_of(args: argparse.Namespace) -> tuple[str, ...]:
    """`-n a,b -n c` → ("a", "b", "c")."""
    names = [n.strip() for value in args.namespace or [] for n in value.split(",")]
    return tuple(dict.fromkeys(n for n in names if n))


def live_options(args: argparse.Namespace, output: Path | None) -> CaptureOptions:
    """CaptureOptions from the live-source options of `capture` or `check --live`."""
    from netdoctor.sources.live.capture import CaptureOptions

    if args.request_timeout <= 0:
        raise UsageError("--request-timeout must be positive")
    key = getattr(args, "redact_key", None) or os.environ.get("NETDOCTOR_REDACT_KEY") or None
    return CaptureOptions(
        output=output,
        kubeconfig=args.kubeconfig,
        context=args.context,
        cluster=args.cluster,
        region=args.region,
        profile=args.profile,
        namespaces=namespaces_of(args),
        redact_ids=bool(getattr(args, "redact_ids", False)),
        redact_key=key,
        timeout=args.request_timeout,
    )
