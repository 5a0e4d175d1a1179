"""`netdoctor playbook ID`: print a remediation playbook, commands filled when possible."""

from __future__ import annotations

import argparse
import sys

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import summary
from netdoctor.playbooks import Playbook, finding_params, get_playbook, load_playbooks

DESCRIPTION = """\
Print a playbook as Markdown (rendered on a terminal, plain when piped).

With --bundle B --finding N the checks run on B and finding N (the number every report
prints) fills the command templates ({subnet_id}, {node}, {cluster}, {region}...); only the
Fix option for the way that finding broke things is shown (--all shows every option).
Values from the bundle are pasted only when they look like what they name (a subnet id, a
Kubernetes name...), quoted for the shell; others are reported at the top and left out.
--set NAME=VALUE fills a placeholder by hand."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from netdoctor.frontends.commands.common import add_bundle_options, add_check_selection

    parser = subparsers.add_parser(
        "playbook",
        help=summary("playbook"),
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        help="run the checks on BUNDLE and fill placeholders from a finding",
    )
    parser.add_argument(
        "--finding",
        type=int,
        metavar="N",
        help="with --bundle: finding N of the report (the number `netdoctor check` prints); "
        "default: the first finding that uses this playbook",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="show every Fix option, not only the one for the finding",
    )
    add_check_selection(parser)
    add_bundle_options(parser)
    parser.set_defaults(run=run)


def _from_bundle(args: argparse.Namespace, playbook_id: str) -> tuple[dict[str, str], str, str]:
    """(params, mechanism, intro line) of the finding `--finding` names (or the first one
    that uses the playbook), numbered as `netdoctor check` numbers them."""
    from netdoctor.engine.runner import run_checks
    from netdoctor.frontends.commands.common import open_snapshot, selected_checks
    from netdoctor.report.escape import markdown_text, printable
    from netdoctor.report.summary import playbook_command

    with open_snapshot(args.bundle, args) as snap:
        report = run_checks(selected_checks(args), snap)
    pairs = report.findings()
    where = printable(args.bundle)
    if args.finding is None:
        chosen = next(((r, f) for r, f in pairs if f.playbook == playbook_id), None)
        if chosen is None:
            raise UsageError(f"{where}: no finding uses playbook {playbook_id!r}")
    else:
        chosen = report.finding(args.finding)
        if chosen is None:
            count = len(pairs)
            numbers = f"1–{count}" if count > 1 else "1" if count else "none"
            raise UsageError(
                f"--finding {args.finding}: {where} has {count} finding(s) (numbers: {numbers})"
            )
    result, finding = chosen
    if finding.playbook != playbook_id:
        hint = (
            playbook_command(finding.playbook, finding.index, args.bundle)
            if finding.playbook
            else ""
        )
        raise UsageError(
            f"finding {finding.index} is a {printable(result.check)} finding "
            f"({printable(finding.title)}); its playbook is {finding.playbook!r}, not "
            f"{playbook_id!r}" + (f": run {hint}" if hint else "")
        )
    params = finding_params(finding, report.snapshot)
    intro = (
        f"Filled from finding {finding.index} of {markdown_text(args.bundle)}: "
        f"{finding.severity.value.upper()} {markdown_text(finding.title)}"
    )
    return params, finding.mechanism or "", intro


def _write(markdown: str) -> None:
    """Rendered Markdown on a terminal, the Markdown itself when piped."""
    from netdoctor.report.render import terminal

    width, color = terminal(sys.stdout)
    if not sys.stdout.isatty():
        sys.stdout.write(markdown)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(width=width, no_color=not color, highlight=False, emoji=False)
    console.print(Markdown(markdown, hyperlinks=False))


def _listing() -> int:
    for playbook_id, playbook in sorted(load_playbooks().items()):
        print(f"{playbook_id}\t{playbook.meta.title}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.finding is not None and not args.bundle:
        raise UsageError(
            "--finding needs --bundle: the finding is numbered in that bundle's report"
        )
    if not args.id:
        if args.bundle or args.set:
            raise UsageError("give a playbook ID (netdoctor playbook lists them)")
        return _listing()
    playbook: Playbook = get_playbook(args.id)
    params: dict[str, str] = {}
    mechanism: str | None = None
    intro: str | None = None
    if args.bundle:
        params, found, intro = _from_bundle(args, args.id)
        mechanism = found or None
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set {item!r}: expected NAME=VALUE")
        params[name] = value
    _write(playbook.render(params, mechanism=mechanism, all_options=args.all, intro=intro))
    return 0
