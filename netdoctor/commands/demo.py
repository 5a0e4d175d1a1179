"""`netdoctor demo`: open the bundled demo incident."""

from __future__ import annotations

import argparse

from netdoctor.resources import builtin_path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="open the bundled demo (a cluster with several problems)",
        description="Open the demo bundle that ships with netdoctor. Until the TUI lands, "
        "this prints the text report of the demo.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from netdoctor.commands.check import print_report
    from netdoctor.commands.common import open_snapshot
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks

    with open_snapshot(builtin_path("demo"), args) as snap:
        report = run_checks(list(load_checks().checks.values()), snap)
    print_report(report, "text")
    return 0
