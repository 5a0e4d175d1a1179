"""Pilot tests of the habits an SRE brings from k9s: q and escape go back one screen (q quits
from the top), ctrl+c quits from anywhere, the `:` prompt, the severity threshold; and of what
the TUI shows about where it is: untrusted names as plain text, partial checks, the platform."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual.widgets import Input

from netdoctor.frontends.tui.screens.capacity import CapacityScreen
from netdoctor.frontends.tui.screens.finding import FindingScreen
from netdoctor.frontends.tui.screens.inspector import InspectorScreen
from netdoctor.frontends.tui.screens.triage import TriageScreen
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable
from tests.tui.conftest import BROKEN, sample_app, settle

SIZE = (120, 40)


def _last(app) -> str:
    return list(app._notifications)[-1].message


async def _type_command(pilot, line: str) -> None:
    await pilot.press("colon")
    await pilot.pause()
    box = pilot.app.screen.query_one(Input)
    box.value = line
    await pilot.press("enter")
    await settle(pilot)


async def test_q_goes_back_one_screen_and_quits_from_the_top() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)  # back, not gone
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CapacityScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_c_quits_from_any_screen() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_colon_prompt_opens_capacity_filters_a_check_and_quits() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await _type_command(pilot, "capacity")
        assert isinstance(app.screen, CapacityScreen)
        await _type_command(pilot, "check tui-sample")
        assert isinstance(app.screen, TriageScreen)
        assert app.triage.check == "tui-sample"
        await _type_command(pilot, "check no-such-check")
        assert "No check 'no-such-check'" in _last(app)
        await _type_command(pilot, "find 192.168.300.5")
        assert "'192.168.300.5' is not an IP address" in _last(app)
        await _type_command(pilot, "replay")
        assert "not a recorded incident" in _last(app)
        await _type_command(pilot, "bogus")
        assert "Unknown command :bogus" in _last(app)
        await _type_command(pilot, "q")
    assert app.return_code == 0


async def test_find_says_who_holds_an_address_and_opens_its_node() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await _type_command(pilot, "find 192.168.107.189")
        await settle(pilot)
        said = _last(app)
        assert said.startswith("192.168.107.189 held by")
        assert "node node/ip-192-168-107-189.eu-central-1.compute.internal" in said
        assert "primary address" in said
        assert isinstance(app.screen, InspectorScreen)
        await pilot.press("escape")
        await _type_command(pilot, "find 8.8.8.8")
        assert "held by nothing in the bundle" in _last(app)
        assert "outside the VPC" in _last(app)


HOSTILE_CHECK = """
from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, files


class Hostile(Check):
    id = "tui-hostile"
    title = "Names an attacker chose"
    needs = (files.K8S_NODES,)

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        yield self.finding(
            Severity.CRITICAL,
            "Pod evil\\x1b]52;c;cm0gLXJmIH4=\\x07[bold red]FAKE[/] \\x1b[2Jcleared",
            resources=["pod/default/evil"],
            evidence=["event: [link=https://evil.example]click[/link] \\x9b31m"],
        )
"""


def _texts(app) -> str:
    """Every visible widget's rendered text on the current screen."""
    from rich.text import Text

    parts = []
    for widget in app.screen.query("*"):
        if not widget.display:
            continue
        content = widget.render()
        parts.append(content.plain if isinstance(content, Text) else str(content))
    return "\n".join(parts)


async def test_hostile_names_reach_the_screen_as_plain_visible_text(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(BROKEN, bundle)
    meta = json.loads((bundle / "meta.json").read_text())
    meta["cluster"] = "prod[reverse]\x1b[31mX"
    (bundle / "meta.json").write_text(json.dumps(meta))
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "hostile.py").write_text(HOSTILE_CHECK)
    app = sample_app(bundle, only=("tui-hostile",), checks_dirs=[checks])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FindingsTable)
        title = table.get_row_at(0)[3].plain
        assert "\x1b" not in title and title.startswith("Pod evil␛]52;c;")
        preview = str(app.screen.query_one("#preview").render())
        assert "[bold red]FAKE[/] ␛[2Jcleared" in preview  # markup shown, not applied
        shown = _texts(app)
        assert "cluster prod[reverse]␛[31mX" in shown  # the header, markup shown as text
        assert "\x1b" not in shown and "\x9b" not in shown
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)
        shown = _texts(app)
        assert "[bold red]FAKE[/]" in shown and "[link=https://evil.example]" in shown
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown


PARTIAL_CHECK = """
from netdoctor.engine.api import Check, Finding, Iterator, Snapshot, files


class Partial(Check):
    id = "tui-partial"
    title = "Checks two mechanisms, one of them needs a file the bundle lacks"
    needs = (files.K8S_NODES,)
    wants = (files.K8S_SECURITY_GROUP_POLICIES,)

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        yield self.unchecked("security group policies", files.K8S_SECURITY_GROUP_POLICIES)
"""


async def test_a_partial_check_is_shown_as_partial_with_what_it_could_not_check(
    tmp_path: Path,
) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "partial.py").write_text(PARTIAL_CHECK)
    app = sample_app(only=("tui-partial",), checks_dirs=[checks])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.state.checks["tui-partial"].status.value == "partial"
        panel = str(app.screen.query_one("#not-run").render())
        assert "tui-partial ran in part" in panel
        assert "not checked: security group policies (missing k8s/securitygrouppolicies.json)" in (
            panel
        )
        assert "collect it: kubectl get securitygrouppolicies" in panel
        empty = str(app.screen.query_one("#empty-state").render())
        assert "✓" not in empty  # no green "all clear" over a check that did not see everything


async def test_the_header_names_the_platform_the_checks_saw() -> None:
    app = sample_app()
    async with app.run_test(size=(160, 20)) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#snapshot-facts").render())
        assert "vpc-cni v1.20.1 (secondary-ip) · IPv4 · " in header
