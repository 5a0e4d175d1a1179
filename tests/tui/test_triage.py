"""Pilot tests of the triage screen: what an on-call engineer sees and does first."""

from __future__ import annotations

from netdoctor.frontends.tui.screens.triage import TriageScreen
from netdoctor.frontends.tui.widgets.check_list import CheckList
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable
from netdoctor.models import Severity, Status
from tests.tui.conftest import BAD_NODE, BROKEN, CHECKS, sample_app, settle

SIZE = (120, 40)


def shows(cell, full: str) -> bool:
    """A table cell shows `full`, or its start cut with an ellipsis."""
    text = cell.plain
    return text == full or (text.endswith("…") and full.startswith(text[:-1]))


def _table(app) -> FindingsTable:
    return app.screen.query_one(FindingsTable)


async def test_findings_are_listed_worst_first_with_every_check_status() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        severities = [app.state.rows[i].finding.severity for i in range(len(app.state.rows))]
        assert severities == [Severity.CRITICAL] * 2 + [Severity.WARNING] * 2 + [Severity.INFO] * 2
        table = _table(app)
        assert table.row_count == 6
        first = table.get_row_at(0)
        assert first[0].plain == "[1]"  # the report's number: `--finding 1`
        assert first[1].plain == "CRITICAL"
        assert first[2].plain == "tui-sample"
        title = app.state.rows[0].finding.title
        assert title.startswith("Subnet subnet-0c3e4e30d4d93c4b6 has 12 free IPs")
        assert shows(first[3], title)
        assert shows(first[4], "subnet/subnet-0c3e4e30d4d93c4b6")
        statuses = {cid: row.status for cid, row in app.state.checks.items()}
        assert statuses == {
            "tui-sample": Status.FAIL,
            "tui-crash": Status.ERROR,
            "tui-skip": Status.SKIP,
            "tui-quiet": Status.PASS,
        }
        checks = app.screen.query_one(CheckList)
        glyphs = {checks.get_row(cid)[0].plain: cid for cid in statuses}
        assert glyphs == {"✗": "tui-sample", "!": "tui-crash", "–": "tui-skip", "✓": "tui-quiet"}
        assert checks.get_row("tui-sample")[2].plain == "6"


async def test_skipped_check_names_the_missing_file_and_the_command_that_collects_it() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = str(app.screen.query_one("#not-run").render())
        assert "tui-skip skipped: missing k8s/securitygrouppolicies.json" in panel
        assert (
            "kubectl get securitygrouppolicies.vpcresources.k8s.aws -A -o json"
            " > k8s/securitygrouppolicies.json" in panel
        )
        assert "tui-crash crashed: RuntimeError: sample crash for the TUI tests" in panel


async def test_text_filter_keeps_matching_findings_and_escape_clears_it() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"nat-")
        await pilot.pause()
        table = _table(app)
        assert table.row_count == 1
        assert shows(table.get_row_at(0)[4], "nat-gateway/nat-0584bbe9ff799a597")
        assert "1 of 6 findings" in str(app.screen.query_one("#filter-status").render())
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert table.row_count == 6


async def test_severity_key_cycles_a_threshold_critical_then_warning_and_worse() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        seen, status = [], []
        for _ in range(3):
            await pilot.press("s")
            await pilot.pause()
            seen.append({table.get_row_at(i)[1].plain for i in range(table.row_count)})
            status.append(str(app.screen.query_one("#filter-status").render()))
        assert seen == [{"CRITICAL"}, {"CRITICAL", "WARNING"}, {"CRITICAL", "WARNING", "INFO"}]
        assert ["severity: critical" in status[0], "severity: ≥ warning" in status[1]] == [
            True,
            True,
        ]


async def test_findings_carry_the_reports_numbers() -> None:
    from netdoctor.frontends.cli import main

    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        numbers = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert numbers == [f"[{i}]" for i in range(1, table.row_count + 1)]
        report = app.state.report
        assert report is not None
        # row N of the table is finding N of the report (what `--finding N` takes)
        for i, row in enumerate(app.state.rows, start=1):
            _, finding = report.finding(i)
            assert finding.title == row.finding.title
    assert main  # the CLI prints the same numbers: tests/unit/test_report_text.py


async def test_a_consequence_is_marked_under_its_cause() -> None:
    from tests.conftest import REPO

    nat = REPO / "fixtures" / "root-causes" / "nat-failed"
    app = sample_app(nat, only=("egress-snat-route", "private-endpoint-access"), builtin=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        rows = [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]
    assert [(r[0], r[2], r[3].startswith("↳ ")) for r in rows] == [
        ("[1]", "egress-snat-route", False),
        ("[2]", "private-endpoint-access", True),
    ]


async def test_enter_on_a_check_shows_only_its_findings() -> None:
    app = sample_app(only=("pod-ip-capacity", "tui-sample"), builtin=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        checks = app.screen.query_one(CheckList)
        checks.focus()
        checks.move_cursor(row=checks.get_row_index("pod-ip-capacity"))
        await pilot.press("enter")
        await pilot.pause()
        table = _table(app)
        assert table.row_count == 1
        assert table.get_row_at(0)[2].plain == "pod-ip-capacity"
        assert shows(table.get_row_at(0)[4], f"node/{BAD_NODE}")
        await pilot.press("enter")
        await pilot.pause()
        assert table.row_count == 7


async def test_all_pass_shows_no_problems_found() -> None:
    app = sample_app(only=("tui-quiet",), checks_dirs=[CHECKS])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#empty-state")
        assert empty.display and not _table(app).display
        assert str(empty.render()) == "✓ No problems found in 1 check."
        assert empty.has_class("-all-pass")


async def test_a_bundle_path_check_runs_the_built_in_pod_ip_capacity() -> None:
    from netdoctor.frontends.tui.app import make_app

    app = make_app(BROKEN, only=["pod-ip-capacity"], plugins=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.state.checks["pod-ip-capacity"]
        assert row.status is Status.FAIL
        assert [r.first_resource for r in app.state.rows] == [f"node/{BAD_NODE}"]
