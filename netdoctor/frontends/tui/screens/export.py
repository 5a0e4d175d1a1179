"""A small modal asking for the export format (Markdown by default)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from netdoctor.frontends.tui.widgets.navigation import NavOptionList


class ExportScreen(ModalScreen[str | None]):
    """Returns `markdown`, `json`, or None when cancelled."""

    CSS_PATH = "../styles/modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box", classes="modal-box"):
            yield Static("Export the report as", classes="pane-title")
            yield NavOptionList(
                Option("Markdown (.md)", id="markdown"),
                Option("JSON (.json)", id="json"),
                id="formats",
            )
            yield Static("enter: export to the current directory · escape: cancel", id="hint")

    def on_mount(self) -> None:
        formats = self.query_one("#formats", OptionList)
        formats.highlighted = 0
        formats.focus()

    @on(OptionList.OptionSelected, "#formats")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
