"""Pilot tests of the flows around triage: export, the error screen, reload, help, the command
palette, thousands of findings, and the worker's one-message-per-result contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.message import Message

from netdoctor.frontends.tui.messages import CheckFinished, RunCompleted, SnapshotLoaded
from netdoctor.frontends.tui.screens.capacity import CapacityScreen
from netdoctor.frontends.tui.screens.error import ErrorScreen
from netdoctor.frontends.tui.screens.finding import FindingScreen
from netdoctor.frontends.tui.screens.help import HELP, HelpScreen
from netdoctor.frontends.tui.screens.triage import TriageScreen
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable
from tests.tui.conftest import BAD_JSON, BROKEN, CHECKS, MANY, SAMPLE_IDS, sample_app, settle

SIZE = (120, 40)


def _cli_report(fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What `netdoctor check --format FMT` prints for the same bundle and checks."""
    from netdoctor.frontends.cli import main

    capsys.readouterr()
    args = [f"--check={cid}" for cid in SAMPLE_IDS]
    code = main(["check", str(BROKEN), "--checks-dir", str(CHECKS), *args, "--format", fmt])
    assert code == 1
    return capsys.readouterr().out


@pytest.mark.parametrize(("keys", "fmt"), [(("enter",), "markdown"), (("down", "enter"), "json")])
async def test_export_writes_the_same_report_as_netdoctor_check(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: tuple[str, ...],
    fmt: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    app = sample_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e", *keys)
        await settle(pilot)
        written = list(tmp_path.iterdir())
        assert len(written) == 1
        suffix = ".md" if fmt == "markdown" else ".json"
        name = rf"netdoctor-report-orbit-dev-\d{{8}}-\d{{6}}\{suffix}"
        assert re.fullmatch(name, written[0].name)
        assert [n.message for n in app._notifications] == [f"Report written to {written[0]}"]
    assert written[0].read_text(encoding="utf-8") == _cli_report(fmt, capsys)


async def test_a_bad_bundle_shows_the_clis_error_line_and_quits_with_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from netdoctor.frontends.cli import main

    assert main(["check", str(BAD_JSON)]) == 2
    cli_line = capsys.readouterr().err.strip()
    app = sample_app(BAD_JSON)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.message == cli_line
        assert app.screen.message.startswith("netdoctor: error: k8s/nodes.json: not valid JSON")
        assert str(app.screen.query_one("#error-title").render()) == "Cannot read the bundle"
        await pilot.press("q")
    assert app.return_code == 2


async def test_reload_runs_the_checks_again_from_scratch() -> None:
    seen: list[Message] = []
    app = sample_app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)
        before = app.state
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        assert app.state is not before and app.state.complete
        assert [r.key for r in app.state.rows] == [r.key for r in before.rows]
    runs = [m for m in seen if isinstance(m, SnapshotLoaded | CheckFinished | RunCompleted)]
    # One SnapshotLoaded, one CheckFinished per check, one RunCompleted, for each of two runs.
    kinds = [type(m).__name__ for m in runs]
    one_run = ["SnapshotLoaded", *["CheckFinished"] * len(SAMPLE_IDS), "RunCompleted"]
    assert kinds == one_run * 2
    assert [m.done for m in runs if isinstance(m, CheckFinished)] == [1, 2, 3, 4] * 2


def _keys_in_help() -> set[str]:
    return set(re.findall(r"`([^`]+)`", HELP.read_text(encoding="utf-8")))


async def test_help_lists_every_key_the_screens_bind() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bound: set[str] = set()
        await pilot.press("enter")
        await settle(pilot)
        for screen in (app.screen, app.triage, app):
            for binding in screen._bindings.key_to_bindings.values():
                for b in binding:
                    if b.show or b.key in ("slash", "escape"):
                        bound.add(b.key_display or b.key)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FindingScreen)
    names = {"slash": "/", "question_mark": "?", "escape": "escape"}
    documented = _keys_in_help()
    missing = {names.get(k, k) for k in bound} - documented
    assert not missing, f"keys bound but not in help.md: {missing}"


async def test_command_palette_runs_actions_by_name() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Reload", "Export report", "Capacity", "Help"} <= titles
        assert {"Filter findings", "Cycle severity", "Clear filters"} <= titles
        await pilot.press("ctrl+p", *"capacity")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CapacityScreen)


async def test_thousands_of_findings_stay_usable() -> None:
    app = sample_app(checks_dirs=[MANY], only=("tui-many",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FindingsTable)
        assert table.row_count == 3000
        # Worst first: the 1,000 critical ones (every third finding, from 0002) lead.
        assert table.get_row_at(0)[3].plain.startswith("Finding 0002: pod ünïcødé-名前-2")
        assert all(
            len(table.get_row_at(i)[4].plain) <= table.columns["resource"].width
            for i in (0, 1500, 2999)
        )
        await pilot.press("end", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)
        assert app.screen.row.finding.severity.value == "info"
        await pilot.press("escape")
        await pilot.press("slash", *"2999")
        await pilot.pause()
        assert table.row_count == 1
        assert table.get_row_at(0)[3].plain.startswith("Finding 2999")
