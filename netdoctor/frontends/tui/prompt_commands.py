"""What the `:` prompt understands: a small table of commands, each a function of the app and
the rest of the line. A new command is one entry here (and a line in help.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netdoctor.frontends.tui.app import NetdoctorApp


@dataclass(frozen=True)
class PromptCommand:
    """One `:` command."""

    names: tuple[str, ...]
    """The word typed first (`capacity`, or its short forms)."""
    args: str
    """How the argument is written in the help (`IP`), or "" when it takes none."""
    summary: str
    run: Callable[[NetdoctorApp, str], None]


def _capacity(app: NetdoctorApp, arg: str) -> None:
    app.action_capacity()


def _replay(app: NetdoctorApp, arg: str) -> None:
    app.action_top()
    if not app.is_replay:
        app.notify(
            "This is a single snapshot, not a recorded incident: nothing to replay "
            "(netdoctor replay INCIDENT opens one).",
            severity="warning",
        )


def _find(app: NetdoctorApp, arg: str) -> None:
    """Who holds the address (the `whereis` command's answer); a pod or node that holds it
    opens in the inspector."""
    from netdoctor.explore.whereis import BadAddress, locate
    from netdoctor.frontends.tui.messages import ResourceChosen
    from netdoctor.report.escape import printable

    if not arg:
        app.notify("Usage: :find IP", severity="warning")
        return
    if app.snapshot is None:
        app.notify("No snapshot is loaded yet.", severity="warning")
        return
    try:
        where = locate(app.snapshot, arg)
    except BadAddress as exc:
        app.notify(printable(str(exc)), severity="warning", markup=False)
        return
    lines = [f"{m.kind} {m.id}: {m.detail}" for m in where.matches]
    lines.append("within: " + (", ".join(where.within) or "outside the VPC"))
    held = "held by" if where.matches else "held by nothing in the bundle;"
    app.notify(
        printable(f"{where.ip} {held}\n" + "\n".join(lines), newlines=True),
        title=":find",
        timeout=20,
        markup=False,
    )
    opened = next((m for m in where.matches if m.kind in ("pod", "node")), None)
    if opened is not None:
        app.post_message(ResourceChosen(opened.id))


TRACE_USAGE = "Usage: :trace SRC DST [PORT] — e.g. :trace shop/web-1 internet, :trace NODE api"


def _trace(app: NetdoctorApp, arg: str) -> None:
    """The path from SRC to DST hop by hop (the `trace` command's answer), on its own screen."""
    words = arg.split()
    if len(words) not in (2, 3) or (len(words) == 3 and not words[2].isdigit()):
        app.notify(TRACE_USAGE, severity="warning", markup=False)
        return
    port = int(words[2]) if len(words) == 3 else None
    app.show_trace(words[0], words[1], port)


def _check(app: NetdoctorApp, arg: str) -> None:
    app.show_check(arg)


def _quit(app: NetdoctorApp, arg: str) -> None:
    app.exit(return_code=0)


COMMANDS: tuple[PromptCommand, ...] = (
    PromptCommand(("capacity", "cap"), "", "pods and IPs per node and subnet", _capacity),
    PromptCommand(("replay", "triage"), "", "back to the triage (replay) screen", _replay),
    PromptCommand(("find",), "IP", "which pod, node or ENI holds an IP", _find),
    PromptCommand(("trace",), "SRC DST [PORT]", "which hop drops SRC → DST", _trace),
    PromptCommand(("check",), "ID", "only that check's findings", _check),
    PromptCommand(("q", "quit", "q!"), "", "quit", _quit),
)


def usage() -> str:
    """One line listing every command."""
    return "  ".join(f":{c.names[0]}{' ' + c.args if c.args else ''}" for c in COMMANDS)


def run_prompt(app: NetdoctorApp, line: str) -> None:
    """Run one prompt line; an unknown word is said, never silently ignored."""
    word, _, arg = line.strip().partition(" ")
    if not word:
        return
    for command in COMMANDS:
        if word.lower() in command.names:
            command.run(app, arg.strip())
            return
    app.notify(f"Unknown command :{word}. Known: {usage()}", severity="warning", markup=False)
