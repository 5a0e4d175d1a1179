"""The playbook of a finding, rendered as Markdown, and the commands it contains."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

_FENCE = re.compile(r"^(```|~~~)[ \t]*([\w+-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
_SHELL = {"", "sh", "bash", "shell", "console", "zsh", "shell-session"}


def extract_commands(markdown: str) -> list[str]:
    """The shell blocks of a playbook, one entry per fenced block (prompts `$ ` removed)."""
    commands = []
    for match in _FENCE.finditer(markdown):
        if match[2].lower() not in _SHELL:
            continue
        lines = [line[2:] if line.startswith("$ ") else line for line in match[3].splitlines()]
        block = "\n".join(lines).strip("\n")
        if block.strip():
            commands.append(block)
    return commands


class PlaybookView(VerticalScroll):
    """A scrollable Markdown pane (frogmouth's viewer, minus navigation)."""

    def compose(self) -> ComposeResult:
        yield Markdown("*Loading the playbook…*", id="playbook-md")

    async def show(self, markdown: str) -> None:
        await self.query_one(Markdown).update(markdown)
        self.scroll_home(animate=False)
