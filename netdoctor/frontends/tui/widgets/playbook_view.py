"""The playbook of a finding, rendered as Markdown (its commands: `netdoctor.playbooks`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown


class PlaybookView(VerticalScroll):
    """A scrollable Markdown pane (frogmouth's viewer, minus navigation)."""

    def compose(self) -> ComposeResult:
        yield Markdown("*Loading the playbook…*", id="playbook-md")

    async def show(self, markdown: str) -> None:
        await self.query_one(Markdown).update(markdown)
        self.scroll_home(animate=False)
