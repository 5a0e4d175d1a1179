"""`netdoctor check INCIDENT [--frame N|TIME]`: the incident side of the check command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netdoctor.engine.api import Check
from netdoctor.engine.runner import exit_status, run_checks
from netdoctor.report.render import terminal
from netdoctor.sources.incident.analysis import analyse
from netdoctor.sources.incident.reader import open_incident
from netdoctor.sources.incident.report import incident_exit_status


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
    follows `--fail-on` (and `--fail-on-skip`) over every frame checked."""
    from netdoctor.frontends.commands.check import print_report, selection_args
    from netdoctor.frontends.commands.common import size_limits

    fail_on_skip = getattr(args, "fail_on_skip", False)
    with open_incident(args.bundle, size_limits(args)) as incident:
        if getattr(args, "frame", None):
            frame = incident.select(args.frame)
            report = run_checks(checks, incident.snapshot(frame.number))
            # A frame of an incident directory is a bundle of its own: the playbook hint names
            # it. An extracted archive is gone once this returns: no path to point at.
            bundle = str(frame.path) if Path(args.bundle).is_dir() else None
            print_report(report, args.format, bundle, selection_args(args))
            return exit_status(report, args.fail_on, fail_on_skip=fail_on_skip)
        result = analyse(incident, checks).report()
    from netdoctor.sources.incident.render import render_incident

    width, color = terminal(sys.stdout)
    sys.stdout.write(render_incident(result, args.format, width=width, color=color))
    status = incident_exit_status(result, args.fail_on)
    if fail_on_skip and any(frame.incomplete for frame in result.frames):
        return 1
    return status
