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
from netdoctor.report.render import FORMATS, render, terminal

DESCRIPTION = """\
Run the diagnostic checks on a snapshot bundle (a directory, .tar.gz/.tgz/.tar or .zip of
kubectl and aws CLI JSON; see BUNDLE-FORMAT in the docs) and print the findings.

Exit status: 0 when no finding is at or above --fail-on, 1 when one is (or, with
--fail-on-skip, when a check could not run in full for missing data), 2 for bad input.
The report goes to stdout; diagnostics go to stderr. Colour only on a terminal, never when
NO_COLOR is set."""


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
        "-o",
        "--format",
        choices=FORMATS,
        default="text",
        help="report format (default: text); -o as in kubectl",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="warning",
        help="lowest severity that makes the exit status 1 (default: warning)",
    )
    parser.add_argument(
        "--fail-on-skip",
        action="store_true",
        help="exit 1 also when a check skipped or ran only in part for missing data (for CI)",
    )
    add_check_selection(parser)
    add_bundle_options(parser)
    add_live_options(parser)
    from netdoctor.frontends.commands.incident_check import add_frame_option

    add_frame_option(parser)
    parser.set_defaults(run=run)


def selection_args(args: argparse.Namespace) -> list[str]:
    """The check-selection arguments as given, for the `netdoctor playbook` hints."""
    words: list[str] = []
    for flag, values in (
        ("--checks-dir", getattr(args, "checks_dir", [])),
        ("--check", getattr(args, "check", [])),
        ("--skip-check", getattr(args, "skip_check", [])),
    ):
        for value in values:
            words += [flag, str(value)]
    return words


def print_report(
    report: Report, fmt: str, bundle: str | None = None, selection: list[str] | None = None
) -> None:
    """Write the report to stdout in the chosen format (`bundle`: the path the user gave, and
    `selection` the check-selection arguments, for the playbook hints)."""
    width, color = terminal(sys.stdout)
    text = render(report, fmt, width=width, color=color, bundle=bundle, selection=selection or ())
    sys.stdout.write(text)


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
    print_report(report, args.format, None if args.live else args.bundle, selection_args(args))
    return exit_status(report, args.fail_on, fail_on_skip=args.fail_on_skip)
