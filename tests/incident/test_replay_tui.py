"""`netdoctor replay`: Pilot tests of stepping frames, the finding marks, the sparklines and the
diff pane on the demo incident, and a snapshot of the replay screen.

The app runs the test check `incident-stuck-pods` only, so what it shows depends on the demo
incident and the replay code, not on the built-in checks other engineers are changing."""

from __future__ import annotations

from rich.text import Text

from netdoctor.frontends.tui.replay.app import ReplayApp, make_replay_app
from netdoctor.frontends.tui.replay.widgets import DiffPane, SeriesPanel, SeriesRow, TimelineBar
from netdoctor.frontends.tui.widgets.findings_table import FindingsTable
from tests.incident.conftest import CHECKS, DEMO, NODE_A, NODE_D, SUBNET_A


def replay_app(**options) -> ReplayApp:
    """The replay over the demo, opening on frame 1 (without `start` it opens on the worst
    frame: test_replay_habits.py)."""
    options.setdefault("start", "first")
    return make_replay_app(
        DEMO,
        checks_dirs=[CHECKS],
        builtin=False,
        plugins=False,
        only=("incident-stuck-pods",),
        **options,
    )


async def ready(pilot) -> None:
    """Wait until every frame is analysed and the screen shows it."""
    app = pilot.app
    for _ in range(100):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.analysis is not None and not any(w.is_running for w in app.workers):
            await pilot.pause()
            return
    raise AssertionError("the replay never finished its analysis")


def titles(app: ReplayApp) -> list[str]:
    return [row.finding.title for row in app.state.rows]


def diff_shown(app: ReplayApp) -> str:
    content = app.screen.query_one(DiffPane).query_one("#diff-text").render()
    return content.plain if isinstance(content, Text) else str(content)


async def test_stepping_frames_shows_each_frames_findings() -> None:
    app = replay_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.frame == 1 and titles(app) == []
        assert app.state.info.captured_at == "2025-10-18T08:00:00Z"
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert app.frame == 3
        assert app.state.info.captured_at == "2025-10-18T08:01:00Z"
        assert titles(app) == [f"6 pod(s) stuck in ContainerCreating on node {NODE_A}"]
        await pilot.press("right_square_bracket")
        assert titles(app) == [
            f"9 pod(s) stuck in ContainerCreating on node {NODE_A}",
            "3 pod(s) not scheduled",
        ]
        await pilot.press("left_square_bracket")
        assert app.frame == 3
        await pilot.press("G")
        assert app.frame == 12 and titles(app) == []
        await pilot.press("g")
        assert app.frame == 1


async def test_the_focused_timeline_steps_with_arrows_and_jumps_on_click() -> None:
    app = replay_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("t")
        bar = app.screen.query_one(TimelineBar)
        assert app.focused is bar
        await pilot.press("right", "right", "right", "right")
        assert app.frame == 5
        await pilot.press("end")
        assert app.frame == 12
        await pilot.press("home")
        assert app.frame == 1
        width = bar._cell_width()
        await pilot.click(TimelineBar, offset=(1 + 5 * width + 1, 1))  # the 6th cell
        await pilot.pause()
        assert app.frame == 6
        assert f"4 pod(s) stuck in ContainerCreating on node {NODE_D}" in titles(app)


async def test_findings_are_marked_with_the_frames_they_appear_and_clear_in() -> None:
    app = replay_app(start="4")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.frame == 4
        table = app.screen.query_one(FindingsTable)
        cells = {
            row.finding.title: table.get_cell(row.key, "title").plain for row in app.state.rows
        }
        assert cells[f"9 pod(s) stuck in ContainerCreating on node {NODE_A}"].startswith(
            "[f3→f10] 9 pod(s)"
        )
        assert cells["3 pod(s) not scheduled"].startswith("[NEW→f5] 3 pod(s)")


async def test_the_diff_pane_shows_what_changed_since_the_previous_frame() -> None:
    app = replay_app(start="5")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        shown = diff_shown(app)
        assert shown.startswith("Since frame 4 (08:01:30): 5 pods changed, 1 node added")
        assert f"node/{NODE_D} added: Ready" in shown
        assert f"subnet/{SUBNET_A} free IPs 6 → 0 (-6)" in shown
        assert "Pending → Running ×3" in shown
        await pilot.press("G")
        assert diff_shown(app) == "Since frame 11 (08:05:00): no changes\n"
        await pilot.press("g")
        assert diff_shown(app) == "First frame: nothing to compare with."
        for _ in range(9):
            await pilot.press("right_square_bracket")
        shown = diff_shown(app)
        assert "ContainerCreating → Running ×13" in shown and "192.168.192.0/19" in shown


async def test_the_sparklines_follow_pending_pods_enis_and_free_ips() -> None:
    app = replay_app(start="5")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.pause()
        rows = {row.series.label: row for row in app.screen.query_one(SeriesPanel).query(SeriesRow)}
        assert list(rows)[:3] == ["pending pods", "ENIs attached", "free IPs private-a"]
        assert rows["pending pods"].series.values == [0, 0, 6, 12, 9, 13, 13, 13, 13, 0, 0, 0]
        assert rows["free IPs private-a"].series.values == [6, 6, 6, 6] + [0] * 8
        assert rows["free IPs pods-a"].series.values == [None] * 9 + [8167, 8157, 8157]
        values = {
            label: str(row.query_one(".series-value").render()) for label, row in rows.items()
        }
        assert values["pending pods"] == "9" and values["free IPs pods-a"] == "n/a"


async def test_the_replay_follows_findings_exactly_as_netdoctor_check_reports_them() -> None:
    import contextlib
    import io
    import json

    from netdoctor.frontends.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(
            [
                "check",
                str(DEMO),
                "--checks-dir",
                str(CHECKS),
                "--check",
                "incident-stuck-pods",
                "--format",
                "json",
            ]
        )
    printed = json.loads(out.getvalue())
    app = replay_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.analysis is not None
        shown = app.analysis.report().model_dump(mode="json")
    assert [e["first_frame"] for e in printed["timeline"]] == [3, 4, 6]
    assert shown["timeline"] == printed["timeline"]
    assert shown["frames"] == printed["frames"]
    assert shown["incident"] == printed["incident"]


async def test_play_steps_through_the_frames_and_pause_stops() -> None:
    app = replay_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("plus", "plus", "plus")  # 1 → 8 frames per second
        assert app.speed == 8.0
        await pilot.press("p")
        assert app.playing
        for _ in range(60):  # at most ~3 s, polled
            await pilot.pause(0.05)
            if app.frame >= 4:
                break
        await pilot.press("p")
        assert not app.playing and app.frame >= 4
        stopped_at = app.frame
        await pilot.pause(0.3)
        assert app.frame == stopped_at


def test_the_replay_screen_at_the_burst(snap_compare) -> None:
    async def at_frame_4(pilot) -> None:
        await ready(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await pilot.pause()

    assert snap_compare(replay_app(), terminal_size=(120, 40), run_before=at_frame_4)


async def test_a_long_recording_keeps_the_current_frame_on_the_timeline(tmp_path) -> None:
    from tests.incident.conftest import at, healthy_files, make_incident

    files = {
        rel: data for rel, data in healthy_files().items() if rel.startswith(("meta", "k8s/p"))
    }
    frames = [at(files, f"2025-10-18T10:{n // 60:02d}:{n % 60:02d}Z") for n in range(150)]
    root = make_incident(tmp_path / "long", frames)
    app = make_replay_app(
        root, checks_dirs=[CHECKS], builtin=False, plugins=False, only=("incident-stuck-pods",)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("G")
        bar = app.screen.query_one(TimelineBar)
        window = bar._window()
        assert app.frame == 150 and window[-1] == 150 and len(window) < 150
        await pilot.click(TimelineBar, offset=(1, 1))  # the first visible cell
        await pilot.pause()
        assert app.frame == window[0]


async def test_the_timeline_bar_asks_for_frames_by_message_and_needs_nothing_of_its_app() -> None:
    from textual.app import App, ComposeResult

    from netdoctor.sources.incident.reader import open_incident

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.asked: list[str] = []

        def compose(self) -> ComposeResult:
            yield TimelineBar(id="timeline")

        def on_timeline_bar_moved(self, message: TimelineBar.Moved) -> None:
            self.asked.append(message.where)

    with open_incident(DEMO) as incident:
        app = Host()
        async with app.run_test(size=(120, 10)) as pilot:
            bar = app.query_one(TimelineBar)
            bar.show(incident.frames, 1, {}, False, 1.0)
            bar.focus()
            await pilot.press("right", "end", "left", "home")
            await pilot.click(TimelineBar, offset=(1 + 2 * bar._cell_width() + 1, 1))
            await pilot.pause()
    assert app.asked == ["+1", "last", "-1", "first", "3"]
