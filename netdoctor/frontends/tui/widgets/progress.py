"""A progress line fed by the run: loading the bundle, then one step per check."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static


class RunProgress(Horizontal):
    """`Running checks 3/7` and a bar; hidden (class `-done`) once every check has run."""

    DEFAULT_CSS = "RunProgress { height: 1; } RunProgress.-done { display: none; }"

    def compose(self) -> ComposeResult:
        yield Static("Starting…", id="progress-label")
        yield ProgressBar(show_eta=False, show_percentage=False, id="progress-bar")

    def show(self, label: str, done: int | None = None, total: int | None = None) -> None:
        """Show a step; `total` None means the length is not known yet (loading)."""
        self.remove_class("-done")
        self.query_one("#progress-label", Static).update(label)
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=done or 0)

    def finish(self) -> None:
        self.add_class("-done")
