"""`netdoctor check BUNDLE`: run the checks and print a report."""

from __future__ import annotations

import argparse
import sys

from netdoctor.engine.runner import FAIL_ON, exit_status, run_checks
from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import (
    add_bundle_options,
    add_check_selection,
    add_live_options,
    open_source,
    selected_checks,
)
from netdoctor.models import Report

DESCRIPTION = """\
Run the diagnostic checks on a snapshot bundle (a directory, .tar.gz/.tgz/.tar or .zip of
kubectl and aws CLI JSON; see BUNDLE-FORMAT in the docs) and print the findings.

Exit status: 0 when no finding is at or above --fail-on, 1 when one is, 2 for bad input.
The report goes to stdout; diagnostics go to stderr."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help=summary("check"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "bundle", metavar="BUNDLE", nargs="?", help="bundle directory or archive (or --live)"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="report format (default: text)",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="warning",
        help="lowest severity that makes the exit status 1 (default: warning)",
    )
    add_check_selection(parser)
    add_bundle_options(parser)
    add_live_options(parser)
    from netdoctor.frontends.commands.incident_check import add_frame_option

    add_frame_option(parser)
    parser.set_defaults(run=run)


def print_report(report: Report, fmt: str) -> None:
    """Write the report to stdout in the chosen format."""
    if fmt == "json":
        from netdoctor.report.json import render_json

        sys.stdout.write(render_json(report))
    elif fmt == "markdown":
        from netdoctor.report.markdown import render_markdown

        sys.stdout.write(render_markdown(report))
    else:
        from rich.console import Console

        from netdoctor.report.console import render_text

        render_text(report, Console(soft_wrap=False))


def run(args: argparse.Namespace) -> int:
    checks = selected_checks(args)
    from netdoctor.sources.incident.reader import is_incident

    if args.bundle and is_incident(args.bundle):
        from netdoctor.frontends.commands.incident_check import run_incident_check

        return run_incident_check(args, checks)
    if getattr(args, "frame", None):
        from netdoctor.errors import UsageError

        raise UsageError("--frame needs a recorded incident; BUNDLE is a single snapshot")
    with open_source(args, checks) as snap:
        report = run_checks(checks, snap)
    print_report(report, args.format)
    return exit_status(report, args.fail_on)
