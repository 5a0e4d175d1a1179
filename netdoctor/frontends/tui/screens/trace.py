"""The trace screen: the hops of one path top to bottom, each with its verdict and the rule that
decided under it; the blocking hop highlighted; `p` opens the highlighted hop's playbook (the
blocking one's when nothing else is chosen). Opened with `t` from a finding."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from netdoctor.errors import NetdoctorError
from netdoctor.facts.paths import Hop, HopVerdict, Trace, Verdict, trace
from netdoctor.frontends.tui.widgets.header import SnapshotHeader
from netdoctor.frontends.tui.widgets.navigation import NavOptionList
from netdoctor.frontends.tui.widgets.playbook_view import PlaybookView
from netdoctor.playbooks import get_playbook
from netdoctor.report.escape import printable
from netdoctor.report.trace import MARKS, hop_title

if TYPE_CHECKING:
    from netdoctor.models import Finding, SnapshotInfo
    from netdoctor.snapshot.snapshot import Snapshot

STYLES = {HopVerdict.PASS: "green", HopVerdict.BLOCK: "bold red", HopVerdict.UNKNOWN: "yellow"}
VERDICT_STYLES = {
    Verdict.REACHABLE: "reverse green",
    Verdict.BLOCKED: "reverse red",
    Verdict.UNKNOWN: "reverse yellow",
}
ENDPOINT_CHECK = "private-endpoint-access"


def question(finding: Finding, check: str) -> tuple[str, str] | None:
    """(from, to) for the path a finding is about: its first pod (else node) to the internet,
    or to `api` for the endpoint check; None when it names neither."""
    pods = [r.removeprefix("pod/") for r in finding.resources if r.startswith("pod/")]
    nodes = [r.removeprefix("node/") for r in finding.resources if r.startswith("node/")]
    sources = pods or nodes
    if not sources:
        return None
    return sources[0], "api" if check == ENDPOINT_CHECK else "internet"


def trace_for_finding(snap: Snapshot, finding: Finding, check: str) -> Trace | None:
    """The trace of the finding's path (see `question`), or None (also when the bundle cannot
    place the source: the finding's pod is gone from it, say)."""
    asked = question(finding, check)
    if asked is None:
        return None
    try:
        return trace(snap, *asked)
    except NetdoctorError:
        return None


def hop_text(hop: Hop, blocking: bool) -> Text:
    """Two lines: the verdict and the hop, then the deciding rule (and missing files)."""
    style = STYLES[hop.verdict]
    line = Text(f" {MARKS[hop.verdict]} {hop.verdict.value:<7} ", style=style)
    line.append(hop_title(hop), style="bold" if blocking else "")
    if blocking:
        line.append("  ← blocked here", style="bold red")
    line.append("\n      " + printable(hop.reason), style="dim" if not blocking else "")
    if hop.missing:
        line.append("\n      missing: " + printable(", ".join(hop.missing)), style="yellow")
    return line


class TracePlaybookScreen(Screen):
    """A hop's playbook, its option first."""

    CSS_PATH = "../styles/finding.tcss"

    def __init__(self, markdown: str, header: str, badge: str) -> None:
        super().__init__()
        self.markdown, self.header, self.badge = markdown, header, badge

    def compose(self) -> ComposeResult:
        yield SnapshotHeader(self.badge, self.header)
        yield PlaybookView(id="playbook")
        yield Footer()

    async def on_mount(self) -> None:
        await self.query_one(PlaybookView).show(self.markdown)


class TraceScreen(Screen):
    """One trace, hop by hop."""

    DEFAULT_CSS = """
    TraceScreen #trace-head { height: auto; padding: 1 1 0 1; }
    TraceScreen #trace-verdict { padding-bottom: 1; }
    TraceScreen #hops { height: 1fr; margin: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("p", "playbook", "Playbook")]

    def __init__(self, result: Trace, info: SnapshotInfo | None, header: str, badge: str) -> None:
        super().__init__()
        self.result = result
        self.info = info
        self.header = header
        self.badge = badge

    def compose(self) -> ComposeResult:
        t = self.result
        port = f"/{t.port}" if t.port is not None else ""
        title = Text("Trace ", style="bold")
        title.append(
            printable(
                f"{t.source.text} ({t.source.address or '?'}) → {t.destination.text} "
                f"({t.destination.address or '?'}) {t.protocol}{port}"
            )
        )
        verdict = Text(f" {t.verdict.value.upper()} ", style=VERDICT_STYLES[t.verdict])
        blocked = t.blocked_at
        if blocked is not None:
            verdict.append(f"  at {hop_title(blocked)}", style="bold red")
            if blocked.playbook is not None:
                book = blocked.playbook
                verdict.append(
                    printable(f" · p: playbook {book.id} #{book.mechanism}"), style="dim"
                )
        elif t.missing:
            verdict.append(printable(f"  collect: {', '.join(t.missing)}"), style="yellow")
        yield SnapshotHeader(self.badge, self.header)
        with Vertical(id="trace-head"):
            yield Static(title, id="trace-title")
            yield Static(verdict, id="trace-verdict")
        yield NavOptionList(
            *[Option(hop_text(h, h is blocked), id=str(i)) for i, h in enumerate(t.hops)],
            id="hops",
        )
        yield Footer()

    def on_mount(self) -> None:
        hops = self.query_one("#hops", OptionList)
        blocked = self.result.blocked_at
        if hops.option_count:
            hops.highlighted = self.result.hops.index(blocked) if blocked is not None else 0
        hops.focus()

    def chosen_hop(self) -> Hop | None:
        """The highlighted hop when it has a playbook, else the blocking hop."""
        index = self.query_one("#hops", OptionList).highlighted
        hops = self.result.hops
        if index is not None and hops[index].playbook is not None:
            return hops[index]
        return self.result.blocked_at

    def action_playbook(self) -> None:
        hop = self.chosen_hop()
        if hop is None or hop.playbook is None:
            self.notify("No playbook for this hop.", severity="warning")
            return
        params: dict[str, str] = {}
        if self.info is not None and self.info.cluster:
            params["cluster"] = self.info.cluster
        if self.info is not None and self.info.region:
            params["region"] = self.info.region
        try:
            book = get_playbook(hop.playbook.id)
            markdown = book.render(params, mechanism=hop.playbook.mechanism, all_options=False)
        except NetdoctorError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.app.push_screen(TracePlaybookScreen(markdown, self.header, self.badge))
