"""The `:` command prompt (as in k9s and vim): one line at the bottom, enter runs it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from netdoctor.frontends.tui.prompt_commands import usage


class PromptScreen(ModalScreen[str | None]):
    """Returns the command typed (without the `:`), or None when cancelled with escape."""

    DEFAULT_CSS = """
    PromptScreen { align: left bottom; background: $background 0%; }
    #prompt-bar { height: 2; dock: bottom; background: $boost; }
    #prompt-colon { width: 1; height: 1; }
    #prompt-input { width: 1fr; height: 1; border: none; padding: 0; }
    #prompt-usage { dock: bottom; height: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, initial: str = "") -> None:
        super().__init__()
        self.initial = initial
        """Text already typed (`trace pod/shop/web-1 `), the cursor after it."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="prompt-bar"):
            yield Static(":", id="prompt-colon")
            yield Input(
                self.initial,
                placeholder="capacity · replay · find IP · trace SRC DST · check ID · q",
                id="prompt-input",
                select_on_focus=False,
            )
        yield Static(usage(), id="prompt-usage", markup=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip().lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss(None)
