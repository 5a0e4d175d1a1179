"""The one-line header every screen shows: cluster, region, capture time, CNI version, source."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from netdoctor.models import SnapshotInfo

BADGES = ("LIVE", "RECORDED", "DEMO")


def header_text(info: SnapshotInfo | None, cni_version: str | None, loading: str = "") -> str:
    """`cluster atlas-demo · eu-central-1 · captured … · VPC CNI v1.20.1`."""
    if info is None:
        return f"loading {loading}…" if loading else "loading…"
    parts = [
        f"cluster {info.cluster}" if info.cluster else "cluster (unknown)",
        info.region or "region (unknown)",
        f"captured {info.captured_at}" if info.captured_at else "capture time (unknown)",
        f"VPC CNI {cni_version}" if cni_version else "",
    ]
    return " · ".join(p for p in parts if p)


class SnapshotHeader(Horizontal):
    """Header line: app name, snapshot facts, and a LIVE / RECORDED / DEMO badge."""

    DEFAULT_CSS = "SnapshotHeader { height: 1; }"

    def __init__(self, badge: str, text: str = "loading…") -> None:
        super().__init__()
        self.badge = badge.upper()
        self._text = text

    def compose(self) -> ComposeResult:
        yield Static("netdoctor", id="app-name")
        yield Static(self._text, id="snapshot-facts")
        yield Static(f" {self.badge} ", id="badge", classes=f"-{self.badge.lower()}")

    def show(self, text: str) -> None:
        """Replace the facts text."""
        self._text = text
        if self.is_mounted:
            self.query_one("#snapshot-facts", Static).update(text)
