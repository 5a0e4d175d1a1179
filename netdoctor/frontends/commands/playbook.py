"""`netdoctor playbook ID`: print a remediation playbook, commands filled when possible."""

from __future__ import annotations

import argparse
import sys

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import summary
from netdoctor.playbooks import get_playbook, load_playbooks


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "playbook",
        help=summary("playbook"),
        description="Print a playbook as Markdown. With --set (or --bundle and --finding), "
        "the command templates ({subnet_id}, {node}, {cluster}, {region}...) are filled in.",
    )
    parser.add_argument("id", nargs="?", metavar="ID", help="playbook id (omit to list them)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fill a placeholder, e.g. --set subnet_id=subnet-0abc (repeatable)",
    )
    parser.add_argument(
        "--bundle",
        metavar="BUNDLE",
        help="run the playbook's checks on BUNDLE and fill placeholders from a finding",
    )
    parser.add_argument(
        "--finding",
        type=int,
        default=1,
        metavar="N",
        help="with --bundle: use the Nth finding that names this playbook (default 1)",
    )
    parser.set_defaults(run=run, checks_dir=[], check=[], skip_check=[])


def _params_from_bundle(
    args: argparse.Namespace, playbook_id: str, checks: list[str]
) -> dict[str, str]:
    from netdoctor.engine.runner import run_checks
    from netdoctor.frontends.commands.common import open_snapshot, selected_checks

    args.check = checks
    with open_snapshot(args.bundle, args) as snap:
        report = run_checks(selected_checks(args), snap)
    findings = [f for r in report.results for f in r.findings if f.playbook == playbook_id]
    if not findings:
        raise UsageError(f"{args.bundle}: no finding uses playbook {playbook_id!r}")
    if not 1 <= args.finding <= len(findings):
        raise UsageError(
            f"--finding {args.finding}: there are {len(findings)} findings for {playbook_id!r}"
        )
    finding = findings[args.finding - 1]
    params = dict(finding.params)
    if report.snapshot.cluster:
        params.setdefault("cluster", report.snapshot.cluster)
    if report.snapshot.region:
        params.setdefault("region", report.snapshot.region)
    return params


def run(args: argparse.Namespace) -> int:
    if not args.id:
        for playbook_id, playbook in sorted(load_playbooks().items()):
            print(f"{playbook_id}\t{playbook.meta.title}")
        return 0
    playbook = get_playbook(args.id)
    params: dict[str, str] = {}
    if args.bundle:
        params.update(_params_from_bundle(args, args.id, playbook.meta.checks))
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set {item!r}: expected NAME=VALUE")
        params[name] = value
    sys.stdout.write(playbook.render(params))
    return 0
