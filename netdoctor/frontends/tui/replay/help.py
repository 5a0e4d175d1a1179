"""Help for the replay: its own keys first, then every key of the triage screens."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from netdoctor.frontends.tui.screens.help import HELP, HelpScreen

REPLAY_HELP = Path(__file__).resolve().parent / "help.md"


class ReplayHelpScreen(HelpScreen):
    """The key reference with the replay keys on top."""

    def compose(self) -> ComposeResult:
        text = REPLAY_HELP.read_text(encoding="utf-8") + "\n" + HELP.read_text(encoding="utf-8")
        with VerticalScroll(id="help-box", classes="modal-box"):
            yield Markdown(text, id="help")
