"""`netdoctor synth`: write a realistic synthetic bundle, optionally seeded with problems."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import summary
from netdoctor.tooling.synth.problems import PROBLEMS, parse_problems

if TYPE_CHECKING:
    from netdoctor.tooling.synth import ProgressCallback, SynthSummary

DESCRIPTION = """\
Generate a snapshot bundle of a made-up but internally consistent EKS cluster: nodes with their
EC2 instances, ENIs and secondary IPs inside their subnets, pods on those IPs, subnets whose free
counts match the ENIs, route tables, NAT and internet gateways, security groups, the aws-node
DaemonSet, services, ingresses, load balancers and events, all in the exact JSON kubectl and the
aws CLI print. Useful for demos, load tests and benchmarks. The same arguments and seed always
write the same bytes."""

EPILOG = (
    "problems (--problems, comma-separated, or 'all'):\n"
    + "\n".join(
        textwrap.fill(text, 96, initial_indent=f"  {name:<21}", subsequent_indent=" " * 23)
        for name, text in PROBLEMS.items()
    )
    + """

Each problem touches a few objects named bad-* (node groups, workloads, subnet, route table,
NAT gateway, service); docs/synth.md lists them. Everything else stays healthy.

examples:
  netdoctor synth --nodes 20 -o demo/
  netdoctor synth --nodes 50 --problems subnet-exhausted,nat-blackhole --seed 7 -o broken/
  netdoctor synth --nodes 5000 --pods-per-node 30 --compact -q -o bench-5k/"""
)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `synth` on the CLI's subparsers."""
    from netdoctor.tooling.synth.generator import DEFAULT_CLUSTER, DEFAULT_REGION

    parser = subparsers.add_parser(
        "synth",
        help=summary("synth"),
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--nodes",
        type=_positive,
        required=True,
        metavar="N",
        help="worker nodes, the problems' bad-* nodes included",
    )
    parser.add_argument(
        "--pods-per-node",
        type=_positive,
        default=30,
        metavar="K",
        help="pods per healthy node, aws-node and kube-proxy included, capped by "
        "the node's max-pods and ENI capacity (default 30)",
    )
    parser.add_argument(
        "--problems",
        default="",
        metavar="LIST",
        help="comma-separated problems to seed, or 'all' (listed below)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="random seed; same seed, same bytes (default 1)",
    )
    parser.add_argument(
        "--compact",
        action="store_true",
        help="write JSON without indentation (smaller benchmark input) instead "
        "of kubectl's 4-space indentation",
    )
    parser.add_argument(
        "--cluster",
        default=DEFAULT_CLUSTER,
        metavar="NAME",
        help=f"cluster name (default {DEFAULT_CLUSTER})",
    )
    parser.add_argument(
        "--region",
        default=DEFAULT_REGION,
        metavar="REGION",
        help=f"AWS region (default {DEFAULT_REGION})",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory to write the bundle to (must be empty or new)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty directory, replacing bundle files",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar (there is none when stderr is not a terminal)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Generate the bundle; the summary goes to stderr."""
    from netdoctor.tooling.synth import generate

    problems = parse_problems(args.problems)
    out: Path = args.output
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise UsageError(f"{out} is not empty; choose a new directory or pass --force")
    started = time.perf_counter()
    with _progress(args.quiet) as progress:
        summary = generate(
            out,
            args.nodes,
            args.pods_per_node,
            problems,
            args.seed,
            args.compact,
            cluster=args.cluster,
            region=args.region,
            progress=progress,
        )
    print(_summary_line(summary, time.perf_counter() - started), file=sys.stderr)
    return 0


@contextmanager
def _progress(quiet: bool) -> Iterator[ProgressCallback | None]:
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description:<48}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("plan", total=1)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=max(total, 1))

        yield report


def _summary_line(s: SynthSummary, seconds: float) -> str:
    problems = ", ".join(s.problems) if s.problems else "none"
    return (
        f"synth: wrote {s.out_dir}: {s.nodes} nodes, {s.pods} pods ({s.pods_pending} not "
        f"running), {s.events} events, {s.services} services, {s.enis} ENIs in "
        f"{s.subnets} subnets; {s.bytes_written / 1e6:.1f} MB in {len(s.files)} files"
        f"{' (compact)' if s.compact else ''}; seed {s.seed}; problems: {problems}; "
        f"{seconds:.1f} s"
    )
