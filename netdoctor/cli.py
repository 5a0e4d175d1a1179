"""The `netdoctor` command line: parse arguments, dispatch, turn errors into one line + exit 2."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from netdoctor import __version__

# Subcommand modules under netdoctor.commands, in --help order.
COMMANDS = (
    "check",
    "capture",
    "record",
    "replay",
    "checks",
    "playbook",
    "max_pods",
    "demo",
    "tui",
    "serve",
    "synth",
)

DESCRIPTION = """\
netdoctor diagnoses Amazon EKS pod networking: pods without IPs, no internet egress, an
unreachable API server endpoint, load balancer traffic that goes nowhere. It reads a snapshot
bundle (kubectl + aws CLI JSON) and walks node → instance → ENIs → subnet → route table → NAT."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netdoctor",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'netdoctor COMMAND --help' for a command's options. "
        "Set NETDOCTOR_DEBUG=1 to see tracebacks.",
    )
    parser.add_argument("--version", action="version", version=f"netdoctor {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"netdoctor.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `netdoctor` and `kubectl-netdoctor`; returns the exit status."""
    from netdoctor.errors import NetdoctorError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    debug = bool(os.environ.get("NETDOCTOR_DEBUG"))
    try:
        return int(args.run(args))
    except NetdoctorError as exc:
        if debug:
            raise
        print(f"netdoctor: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("netdoctor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if debug:
            raise
        print(
            f"netdoctor: internal error: {type(exc).__name__}: {exc} "
            "(NETDOCTOR_DEBUG=1 shows the traceback; please report it)",
            file=sys.stderr,
        )
        return 2
