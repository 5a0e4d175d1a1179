"""`netdoctor demo`: open the TUI on the bundled demo incident."""

from __future__ import annotations

import argparse

from netdoctor.frontends.commands import summary
from netdoctor.resources import builtin_path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help=summary("demo"),
        description="Open the TUI on the demo bundle that ships with netdoctor, marked DEMO. "
        "Press ? for the keys, q to quit.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from netdoctor.sources.incident.builtin import demo_incident

    incident = demo_incident()
    if incident is not None:  # the demo is a recorded incident: open it in replay mode
        from netdoctor.frontends.tui.replay.app import make_replay_app

        replay = make_replay_app(incident, source_badge="DEMO")
        replay.run()
        return replay.return_code or 0
    from netdoctor.frontends.tui.app import make_app

    app = make_app(builtin_path("demo"), source_badge="DEMO")
    app.run()
    return app.return_code or 0
