"""`netdoctor checks`: list the checks that would run."""

from __future__ import annotations

import argparse

from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.common import add_check_selection, selected_checks


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "checks",
        help=summary("checks"),
        description="List every check netdoctor found: built-in, --checks-dir and plug-ins.",
    )
    parser.add_argument(
        "-o", "--format", choices=("text", "json"), default="text", help="output format"
    )
    add_check_selection(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    checks = selected_checks(args)
    if args.format == "json":
        import orjson

        rows = [
            {
                "id": c.id,
                "title": c.title,
                "needs": list(c.needs),
                "wants": list(c.wants),
                "playbook": c.playbook,
                "source": c.source,
            }
            for c in checks
        ]
        print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(checks)} checks")
    for column in ("id", "title", "needs", "source"):
        table.add_column(column)
    for c in checks:
        table.add_row(c.id, c.title, "\n".join(c.needs), c.source)
    Console().print(table)
    return 0
