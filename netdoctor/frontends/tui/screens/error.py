"""What the TUI shows instead of crashing when a bundle cannot be read."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from netdoctor.report.escape import printable


class ErrorScreen(Screen):
    """The error's title and the same one line the CLI prints (`netdoctor: error: …`)."""

    CSS_PATH = "../styles/modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "app.reload", "Retry"),
        Binding("escape", "app.quit", "Quit", show=False),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.error_title = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box", classes="modal-box"):
            yield Static(Text(self.error_title, style="bold red"), id="error-title")
            yield Static(Text(printable(self.message)), id="error-message")
            yield Static(
                "Press r to try again (a live source captures again), or q to quit.", id="hint"
            )
        yield Footer()
