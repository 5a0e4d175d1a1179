"""The trace screen: hops top to bottom with their verdicts and deciding rules, the blocking hop
highlighted, its playbook one key away; opened with `t` from a finding. Snapshot regenerated with
`pytest tests/tui/test_trace.py --snapshot-update` after a deliberate change of the look."""

from __future__ import annotations

from textual.app import App

from netdoctor.facts.paths import trace
from tests.conftest import FIXTURES, open_snapshot
from tests.tui.conftest import sample_app, settle

TRACE = FIXTURES / "trace"
POD = "analytics/pricing-qbgc6sqkjk-cskzz"
NAT_A = "nat-0584bbe9ff799a597"
SIZE = (120, 40)


class TraceApp(App[None]):
    """The trace screen alone, over one fixture's trace."""

    def __init__(self, scenario: str, destination: str) -> None:
        super().__init__()
        self.result = trace(open_snapshot(TRACE / scenario), POD, destination)

    def on_mount(self) -> None:
        from netdoctor.frontends.tui.screens.trace import TraceScreen

        header = "cluster orbit-dev · eu-central-1 · captured 2025-10-18T07:55:11Z"
        self.push_screen(TraceScreen(self.result, None, header, "RECORDED"))


def test_trace_screen_snapshot(snap_compare) -> None:
    assert snap_compare(TraceApp("fail-nat-failed", "internet"), terminal_size=SIZE)


async def test_the_blocking_hop_is_highlighted_and_p_opens_its_playbook() -> None:
    from textual.widgets import Markdown, OptionList

    from netdoctor.frontends.tui.screens.trace import TracePlaybookScreen, TraceScreen

    app = TraceApp("fail-nat-failed", "internet")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        hops = screen.query_one("#hops", OptionList)
        blocked = screen.result.blocked_at
        assert blocked is not None and blocked.id == NAT_A
        assert hops.highlighted == screen.result.hops.index(blocked)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, TracePlaybookScreen)
        assert "#nat-unavailable" not in app.screen.markdown  # options shown by title
        assert "NAT gateway" in app.screen.markdown
        await pilot.pause()
        assert app.screen.query_one(Markdown) is not None


async def test_t_on_a_finding_opens_the_trace_of_its_path() -> None:
    from netdoctor.frontends.tui.screens.finding import FindingScreen
    from netdoctor.frontends.tui.screens.trace import TraceScreen

    app = sample_app(
        TRACE / "fail-nat-failed", only=("egress-snat-route",), builtin=True, checks_dirs=[]
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        assert screen.result.destination.text == "internet"
        blocked = screen.result.blocked_at
        assert blocked is not None and blocked.id == NAT_A
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)


def nat_app():
    return sample_app(
        TRACE / "fail-nat-failed", only=("egress-snat-route",), builtin=True, checks_dirs=[]
    )


async def test_the_trace_prompt_command_opens_the_path_or_says_what_is_wrong() -> None:
    from netdoctor.frontends.tui.screens.trace import TraceScreen
    from netdoctor.frontends.tui.screens.triage import TriageScreen

    app = nat_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"trace shop/nope internet", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        assert "--from shop/nope: no such pod" in [n.message for n in app._notifications][-1]
        await pilot.press("colon", *"trace internet", "enter")
        await settle(pilot)
        assert [n.message for n in app._notifications][-1].startswith("Usage: :trace SRC DST")
        await pilot.press("colon", *f"trace {POD} internet 443", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen)
        blocked = app.screen.result.blocked_at
        assert blocked is not None and blocked.id == NAT_A


async def test_the_palette_asks_for_source_and_destination() -> None:
    from textual.widgets import Input

    from netdoctor.frontends.tui.screens.prompt import PromptScreen
    from netdoctor.frontends.tui.screens.trace import TraceScreen

    app = nat_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Trace from")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == "trace "
        await pilot.press(*f"{POD} api", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen)
        assert app.screen.result.destination.text == "api"


async def test_t_in_the_inspector_traces_from_the_highlighted_pod() -> None:
    from textual.widgets import Input

    from netdoctor.frontends.tui.messages import ResourceChosen
    from netdoctor.frontends.tui.screens.inspector import InspectorScreen
    from netdoctor.frontends.tui.screens.prompt import PromptScreen
    from netdoctor.frontends.tui.screens.trace import TraceScreen

    app = nat_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(ResourceChosen(f"pod/{POD}"))
        await settle(pilot)
        assert isinstance(app.screen, InspectorScreen)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == f"trace pod/{POD} "
        await pilot.press(*"internet", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen)
        assert app.screen.result.source.address == "192.168.126.24"
        assert app.screen.result.blocked_at is not None
