"""Pilot tests of the finding detail screen: evidence, resources, the filled playbook, copy."""

from __future__ import annotations

from textual.widgets import Markdown, OptionList

from netdoctor.frontends.tui.screens.finding import FindingScreen
from netdoctor.frontends.tui.screens.triage import TriageScreen
from tests.tui.conftest import sample_app, settle

SIZE = (120, 40)
SUBNET = "subnet-0c3e4e30d4d93c4b6"
NODE = "ip-192-168-107-189.eu-central-1.compute.internal"


async def _open_first_finding(pilot) -> FindingScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FindingScreen)
    return screen


async def test_detail_shows_the_finding_and_its_playbook_filled_with_real_ids() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first_finding(pilot)
        title = str(screen.query_one("#finding-title").render())
        assert title.startswith(" CRITICAL  Subnet subnet-0c3e4e30d4d93c4b6 has 12 free IPs")
        evidence = str(screen.query_one("#evidence").render())
        assert evidence.splitlines() == [
            "• AvailableIpAddressCount = 12",
            "• CIDR 192.168.96.0/19 holds 8187 usable",
        ]
        resources = screen.query_one("#resources", OptionList)
        assert [resources.get_option_at_index(i).id for i in range(resources.option_count)] == [
            f"subnet/{SUBNET}",
            f"node/{NODE}",
            "route-table/rtb-049920c1602a708d4",
        ]
        markdown = screen.query_one(Markdown).source
        assert markdown.startswith("# Sample playbook for the TUI tests")
        assert f"--subnet-ids {SUBNET} --region eu-central-1" in markdown
        assert f"kubectl describe node {NODE}" in markdown
        assert "cluster `orbit-dev`" in markdown
        assert "{" + "subnet_id}" not in markdown and "{" + "region}" not in markdown
        # The three shell blocks, in order; the JSON output sample is not a command.
        assert screen.commands == [
            f"aws ec2 describe-subnets --subnet-ids {SUBNET} --region eu-central-1 "
            "--query 'Subnets[].AvailableIpAddressCount'",
            f"kubectl describe node {NODE}\n"
            f"kubectl get pods -A --field-selector spec.nodeName={NODE}",
            "aws ec2 describe-route-tables --route-table-ids rtb-049920c1602a708d4 "
            "--region eu-central-1",
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)


async def test_y_sends_the_selected_command_and_says_what_it_did(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = sample_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await _open_first_finding(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == screen.commands[0]
        commands = screen.query_one("#commands", OptionList)
        commands.focus()
        await pilot.press("down", "y")
        await pilot.pause()
        assert app.clipboard == screen.commands[1]
        message = [n.message for n in app._notifications][-1]
        assert message.startswith(
            f"Sent to the terminal's clipboard (OSC 52): kubectl describe node {NODE}  (+1 lines)"
        )
        assert "If nothing arrived" in message and "press w" in message
        assert "Copied" not in message
        await pilot.press("w")
        await pilot.pause()
        written = tmp_path / "netdoctor-tui-sample-2.sh"
        assert written.read_text().endswith(screen.commands[1] + "\n")
        assert "(read-only)" in written.read_text().splitlines()[0]


async def test_commands_are_grouped_by_section_and_fix_marked_as_changing_things() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first_finding(pilot)
        commands = screen.query_one("#commands", OptionList)
        lines = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        assert lines[0] == "Confirm  read-only"
        assert lines[3] == "Fix  changes things"
        assert lines[4].startswith("! aws ec2 describe-route-tables")
        assert [e.changes for e in screen.entries] == [False, False, True]


async def test_a_missing_playbook_is_said_not_crashed_on(tmp_path) -> None:
    from shutil import copytree

    from tests.tui.conftest import CHECKS

    checks = tmp_path / "checks"
    copytree(CHECKS, checks)
    (checks / "tui-sample.md").unlink()
    app = sample_app(checks_dirs=[checks])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await _open_first_finding(pilot)
        markdown = screen.query_one(Markdown).source
        assert markdown.startswith("## No playbook\n\nno playbook 'tui-sample'")
        await pilot.press("y")
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["This playbook has no commands to copy."]
