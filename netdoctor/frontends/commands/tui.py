"""`netdoctor tui BUNDLE` and `netdoctor tui --live`: the interactive triage screen."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from netdoctor.errors import BundleError, UsageError
from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import add_bundle_options, add_check_selection, size_limits
from netdoctor.frontends.commands.live_source import add_live_source_options, live_options

if TYPE_CHECKING:
    from netdoctor.frontends.tui.loader import Opener

DESCRIPTION = """\
Open the interactive triage screen on a snapshot bundle (a directory, .tar.gz/.tgz/.tar or
.zip of kubectl and aws CLI JSON), or on a live cluster with --live. Every check runs in the
background; findings appear as they arrive. Press ? for the keys, q to quit."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tui",
        help=summary("tui"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("bundle", nargs="?", metavar="BUNDLE", help="bundle directory or archive")
    parser.add_argument(
        "--live",
        action="store_true",
        help="capture from the kubeconfig context and its AWS account (again on every reload)",
    )
    add_live_source_options(parser)
    add_check_selection(parser)
    add_bundle_options(parser)
    parser.set_defaults(run=run)


def live_opener(args: argparse.Namespace) -> Opener:
    """The Snapshot factory for `--live` (context, cluster, region, profile).

    The live-capture module plugs in here: return a callable that captures and returns a
    Snapshot; the TUI calls it again on every reload.
    """
    from netdoctor.sources.live.opener import LiveOpener

    return LiveOpener(live_options(args, None))


def run(args: argparse.Namespace) -> int:
    if args.live and args.bundle:
        raise UsageError("give either BUNDLE or --live, not both")
    if not args.live and not args.bundle:
        raise UsageError("give a BUNDLE to open, or --live for the current cluster")
    from netdoctor.frontends.tui.app import make_app

    options = {
        "checks_dirs": args.checks_dir,
        "only": args.check,
        "skip": args.skip_check,
        "limits": size_limits(args),
    }
    if args.live:
        app = make_app(opener=live_opener(args), source_badge="LIVE", **options)
    else:
        if not Path(args.bundle).exists():
            raise BundleError(f"{args.bundle}: no such file or directory")
        from netdoctor.sources.incident.reader import is_incident

        if is_incident(args.bundle):  # a recorded incident opens in replay mode
            from netdoctor.frontends.tui.replay.app import make_replay_app

            app = make_replay_app(args.bundle, **options)
        else:
            app = make_app(args.bundle, **options)
    app.run()
    return app.return_code or 0
