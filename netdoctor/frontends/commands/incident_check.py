"""`netdoctor check INCIDENT [--frame N|TIME]`: the incident side of the check command."""

from __future__ import annotations

import argparse
import sys

from netdoctor.engine.api import Check
from netdoctor.engine.runner import exit_status, run_checks
from netdoctor.sources.incident.analysis import analyse
from netdoctor.sources.incident.reader import open_incident
from netdoctor.sources.incident.report import incident_exit_status, render_incident_json


def add_frame_option(parser: argparse.ArgumentParser) -> None:
    """`--frame N|TIME` on `netdoctor check`."""
    parser.add_argument(
        "--frame",
        metavar="N|TIME",
        help="with a recorded incident: check one frame only and print the single-bundle "
        "report; N is the 1-based frame number (or first/last), TIME an RFC 3339 time, "
        "HH:MM[:SS] or +DURATION after the first frame (the last frame at or before it)",
    )


def run_incident_check(args: argparse.Namespace, checks: list[Check]) -> int:
    """Check every frame (or the one `--frame` names) and print the report; the exit status
    follows `--fail-on` over every frame checked."""
    from netdoctor.frontends.commands.check import print_report
    from netdoctor.frontends.commands.common import size_limits

    with open_incident(args.bundle, size_limits(args)) as incident:
        if getattr(args, "frame", None):
            frame = incident.select(args.frame)
            report = run_checks(checks, incident.snapshot(frame.number))
            print_report(report, args.format)
            return exit_status(report, args.fail_on)
        result = analyse(incident, checks).report()
    if args.format == "json":
        sys.stdout.write(render_incident_json(result))
    elif args.format == "markdown":
        from netdoctor.sources.incident.render import render_incident_markdown

        sys.stdout.write(render_incident_markdown(result))
    else:
        from rich.console import Console

        from netdoctor.sources.incident.render import render_incident_text

        render_incident_text(result, Console(soft_wrap=False))
    return incident_exit_status(result, args.fail_on)
