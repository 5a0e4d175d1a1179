"""The `netdoctor` command line: parse arguments, dispatch, turn errors into one line + exit 2."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from netdoctor import __version__
from netdoctor.frontends.commands import COMMANDS

DESCRIPTION = """\
netdoctor diagnoses Amazon EKS pod networking: pods without IPs, no internet egress, an
unreachable API server endpoint, load balancer traffic that goes nowhere. It reads a snapshot
bundle (kubectl + aws CLI JSON) and walks node → instance → ENIs → subnet → route table → NAT."""


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word not starting with `-`)."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the subcommand `argv` names (all of them when `argv` is None) gets its
    full options, the others a stub that lists them in `netdoctor --help`."""
    parser = argparse.ArgumentParser(
        prog="netdoctor",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'netdoctor COMMAND --help' for a command's options. "
        "Set NETDOCTOR_DEBUG=1 to see tracebacks.",
    )
    parser.add_argument("--version", action="version", version=f"netdoctor {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    wanted = _command_in(argv) if argv is not None else None
    for name, command in COMMANDS.items():
        if argv is None or name == wanted:
            importlib.import_module(command.module).add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=command.summary, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `netdoctor` and `kubectl-netdoctor`; returns the exit status."""
    from netdoctor.errors import NetdoctorError

    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
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
