"""`netdoctor replay INCIDENT`: step through the frames of a recorded incident in the TUI."""

from __future__ import annotations

import argparse
from pathlib import Path

from netdoctor.errors import BundleError
from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import add_bundle_options, add_check_selection, size_limits

DESCRIPTION = """\
Open a recorded incident (a directory or .tar.gz made by `netdoctor record`, or any directory
of bundles whose meta.json carry captured_at) in the triage screen, with a timeline bar above
it: the checks run on every frame; step with [ and ] (or ←/→ on the focused timeline, t
focuses it), g/G (home/end) for the first/last frame, p to play or pause, +/- for the speed.
Each finding is marked with the frame it first appeared in and the frame it cleared in; the
sparklines follow free IPs per subnet, pending pods and ENIs attached across the frames, and
the diff pane shows what changed since the previous frame. Press ? for every key."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `netdoctor replay`."""
    parser = subparsers.add_parser(
        "replay",
        help=summary("replay"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("incident", metavar="INCIDENT", help="incident directory or archive")
    parser.add_argument(
        "--frame",
        metavar="N|TIME",
        help="open at this frame: its number, first/last, a time (RFC 3339 or HH:MM:SS) or "
        "+DURATION after the first frame (default: the first frame in the incident's worst "
        "state, once every frame is checked; w jumps there)",
    )
    add_check_selection(parser)
    add_bundle_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from netdoctor.sources.incident.reader import is_incident

    if not Path(args.incident).exists():
        raise BundleError(f"{args.incident}: no such file or directory")
    if not is_incident(args.incident):
        raise BundleError(
            f"{args.incident}: not a recorded incident (a single bundle: open it with "
            "'netdoctor tui')"
        )
    from netdoctor.frontends.tui.replay.app import make_replay_app

    app = make_replay_app(
        args.incident,
        checks_dirs=args.checks_dir,
        only=args.check,
        skip=args.skip_check,
        limits=size_limits(args),
        start=args.frame,
    )
    app.run()
    return app.return_code or 0
