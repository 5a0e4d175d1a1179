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
    if not arg:
        app.notify("Usage: :find IP", severity="warning")
        return
    app.notify(
        f"Finding who holds {arg!r} is not available in this version yet.",
        severity="warning",
        markup=False,
    )


def _check(app: NetdoctorApp, arg: str) -> None:
    app.show_check(arg)


def _quit(app: NetdoctorApp, arg: str) -> None:
    app.exit(return_code=0)


COMMANDS: tuple[PromptCommand, ...] = (
    PromptCommand(("capacity", "cap"), "", "pods and IPs per node and subnet", _capacity),
    PromptCommand(("replay", "triage"), "", "back to the triage (replay) screen", _replay),
    PromptCommand(("find",), "IP", "which pod, node or ENI holds an IP", _find),
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
