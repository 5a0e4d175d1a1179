"""The raw JSON of one object, syntax-highlighted and scrollable."""

from __future__ import annotations

import orjson
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from netdoctor.explore import RawObject


class JsonView(VerticalScroll):
    """A titled, scrollable JSON pane."""

    text = ""
    """The JSON shown, as text (empty while a message is shown instead)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="json-source")
        yield Static("", id="json-body")

    def show_message(self, title: str, message: str) -> None:
        self.text = ""
        self.query_one("#json-source", Static).update(Text(title, style="bold"))
        self.query_one("#json-body", Static).update(Text(message, style="dim"))

    def show(self, ref: str, raw: RawObject | None, facts: str = "") -> None:
        """Show the object (with the chain's one line of facts about it above the JSON), or
        say that the bundle does not hold it."""
        if raw is None:
            self.show_message(ref, "No raw JSON: the bundle does not hold this object.")
            return
        text = self.text = orjson.dumps(raw.data, option=orjson.OPT_INDENT_2).decode()
        source = Text(ref, style="bold")
        if facts:
            source.append(f"\n{facts}")
        source.append(f"\nfrom {raw.file}", style="dim")
        self.query_one("#json-source", Static).update(source)
        self.query_one("#json-body", Static).update(
            Syntax(text, "json", theme="ansi_dark", background_color="default", word_wrap=True)
        )
        self.scroll_home(animate=False)
