"""One opener and one set of live-source options for every command (check, tui, record,
capture): each used to have its own, and they disagreed."""

from __future__ import annotations

import pytest

from netdoctor.frontends.cli import build_parser
from netdoctor.frontends.commands.live_source import live_options
from netdoctor.frontends.tui.loader import RunPlan
from tests.conftest import FIXTURES

FRAME = FIXTURES / "incidents" / "demo" / "frames" / "0003"


def test_the_tui_opens_an_incident_frame_as_check_does(cli) -> None:
    # The TUI's own opener refused the frame's links into the incident ("is a link … outside
    # the bundle") while `netdoctor check` on the same path worked.
    snap = RunPlan(bundle=FRAME).open()
    assert snap.nodes, "the frame's nodes.json (a link into the incident store) was read"
    result = cli("check", str(FRAME), "--format", "json")
    assert result.code in (0, 1), result.err


@pytest.mark.parametrize("command", ["capture", "check", "tui", "record"])
def test_every_live_command_takes_the_same_source_options(command: str) -> None:
    # `netdoctor tui --live --namespace kube-system` was "unrecognized arguments".
    words = [
        command,
        "--namespace",
        "kube-system,default",
        "--kubeconfig",
        "/nowhere",
        "--context",
        "ctx",
        "--cluster",
        "c1",
        "--region",
        "eu-west-1",
        "--profile",
        "p",
        "--request-timeout",
        "5",
    ]
    if command in ("check", "tui"):
        words.insert(1, "--live")
    if command == "record":
        words += ["-o", "/nowhere/incident"]
    args = build_parser(words).parse_args(words)
    options = live_options(args, None)
    assert options.namespaces == ("kube-system", "default")
    assert (options.context, options.cluster, options.region, options.profile) == (
        "ctx",
        "c1",
        "eu-west-1",
        "p",
    )
    assert options.timeout == 5
