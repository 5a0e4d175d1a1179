"""The one-line header every screen shows: cluster, region, capture time, CNI version, source."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from netdoctor.models import SnapshotInfo
from netdoctor.report.escape import printable

BADGES = ("LIVE", "RECORDED", "DEMO")


def header_text(info: SnapshotInfo | None, cni_version: str | None, loading: str = "") -> str:
    """`cluster atlas-demo · eu-central-1 · captured … · VPC CNI v1.20.1`; once the checks
    ran, the platform they saw (`vpc-cni v1.20.1 (prefix-delegation) · IPv4 · 3 ec2`)."""
    if info is None:
        return f"loading {loading}…" if loading else "loading…"
    parts = [
        f"cluster {info.cluster}" if info.cluster else "cluster (unknown)",
        info.region or "region (unknown)",
        f"captured {info.captured_at}" if info.captured_at else "capture time (unknown)",
        info.platform.summary() if info.platform else "",
        f"VPC CNI {cni_version}" if cni_version and not info.platform else "",
    ]
    return " · ".join(p for p in parts if p)


def _facts(text: str) -> Text:
    """The cluster name is untrusted: plain text, never markup, no escape codes."""
    return Text(printable(text), no_wrap=True, overflow="ellipsis")


class SnapshotHeader(Horizontal):
    """Header line: app name, snapshot facts, and a LIVE / RECORDED / DEMO badge."""

    DEFAULT_CSS = "SnapshotHeader { height: 1; }"

    def __init__(self, badge: str, text: str = "loading…") -> None:
        super().__init__()
        self.badge = badge.upper()
        self._text = text

    def compose(self) -> ComposeResult:
        yield Static("netdoctor", id="app-name")
        yield Static(_facts(self._text), id="snapshot-facts")
        yield Static(f" {self.badge} ", id="badge", classes=f"-{self.badge.lower()}")

    def show(self, text: str) -> None:
        """Replace the facts text."""
        self._text = text
        if self.is_mounted:
            self.query_one("#snapshot-facts", Static).update(_facts(text))
