"""The replay opens where it matters (the incident's worst frame), `w` jumps there, and the
frame stays put when you open a finding and come back (q, escape or `:replay`)."""

from __future__ import annotations

from textual.widgets import Input

from netdoctor.frontends.tui.replay.app import make_replay_app
from netdoctor.frontends.tui.screens.finding import FindingScreen
from tests.incident.conftest import CHECKS, DEMO
from tests.incident.test_replay_tui import ready


def _app(**options):
    return make_replay_app(
        DEMO, checks_dirs=[CHECKS], builtin=False, plugins=False,
        only=("incident-stuck-pods",), **options,
    )  # fmt: skip


async def test_replay_opens_on_the_worst_frame_and_w_jumps_back_there() -> None:
    app = _app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot)
        assert app.analysis is not None
        worst = app.analysis.worst_frame()
        assert worst is not None and worst > 1  # frame 1 of the demo is calm
        assert app.frame == worst
        ranks = [item.report.worst() for item in app.analysis.frames]
        assert all(r is None or r.rank <= ranks[worst - 1].rank for r in ranks)
        assert f"Opened on frame {worst}" in list(app._notifications)[-1].message
        await pilot.press("g")
        assert app.frame == 1
        await pilot.press("w")
        await pilot.pause()
        assert app.frame == worst


async def test_frame_given_on_the_command_line_wins() -> None:
    app = _app(start="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.frame == 2


async def test_the_replay_keeps_its_frame_when_you_come_back() -> None:
    app = _app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        frame = app.frame
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FindingScreen)
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is app.replay and app.frame == frame
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("colon")
        await pilot.pause()
        app.screen.query_one(Input).value = "replay"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.replay and app.frame == frame
