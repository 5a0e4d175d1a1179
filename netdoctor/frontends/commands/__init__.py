"""The subcommands of `netdoctor`: one module each, listed in `COMMANDS`.

The CLI imports only the module of the command being run (and none for `netdoctor --help`),
so `netdoctor check` never pays for the TUI, live capture or the synthetic generator.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    """A subcommand: the module that defines its parser and `run`, and its one-line help."""

    module: str
    summary: str


COMMANDS: dict[str, Command] = {
    "check": Command(
        "netdoctor.frontends.commands.check",
        "run the checks on a bundle and print a report",
    ),
    "capture": Command(
        "netdoctor.frontends.commands.capture",
        "capture a bundle from the live cluster and AWS account",
    ),
    "record": Command(
        "netdoctor.frontends.commands.record",
        "record an incident: a capture every interval, stored as frames",
    ),
    "watch": Command(
        "netdoctor.frontends.commands.watch",
        "keep checking the live cluster: Prometheus metrics, forecasts, frames on change",
    ),
    "replay": Command(
        "netdoctor.frontends.commands.replay",
        "step through a recorded incident in the TUI: timeline, sparklines, frame diffs",
    ),
    "checks": Command(
        "netdoctor.frontends.commands.checks",
        "list the available checks (id, title, needs, source)",
    ),
    "playbook": Command(
        "netdoctor.frontends.commands.playbook",
        "print a remediation playbook",
    ),
    "whereis": Command(
        "netdoctor.frontends.commands.whereis",
        "who holds an IP address: pod, node, ENI (primary, secondary, prefix), owner, subnet",
    ),
    "trace": Command(
        "netdoctor.frontends.commands.trace",
        "can this pod reach that destination, and if not, which hop drops it",
    ),
    "max-pods": Command(
        "netdoctor.frontends.commands.max_pods",
        "compute max-pods for instance types",
    ),
    "what-if": Command(
        "netdoctor.frontends.commands.what_if",
        "would N more pods or N more nodes fit: max-pods, ENI/IP room, subnet space",
    ),
    "demo": Command(
        "netdoctor.frontends.commands.demo",
        "open the bundled demo (a cluster with several problems) in the TUI",
    ),
    "tui": Command(
        "netdoctor.frontends.commands.tui",
        "open the interactive triage screen on a bundle or a live cluster",
    ),
    "serve": Command(
        "netdoctor.frontends.commands.serve",
        "serve a bundle as a read-only Kubernetes API on 127.0.0.1 (for kubectl, k9s)",
    ),
    "synth": Command(
        "netdoctor.frontends.commands.synth",
        "generate a realistic synthetic bundle (demos, load tests, benchmarks)",
    ),
    "mcp": Command(
        "netdoctor.frontends.commands.mcp",
        "serve the checks as read-only MCP tools for AI agents (stdio)",
    ),
}
"""Every subcommand, in --help order."""


def summary(name: str) -> str:
    """The one-line help of a subcommand."""
    return COMMANDS[name].summary
