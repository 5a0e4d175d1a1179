"""Capture progress: one row per bundle file, with items and pages, on stderr.

Collectors report `FileProgress` events to a `ProgressSink` from their threads. The CLI shows a
rich live display on a terminal, one line per finished file otherwise, nothing with `-q`; the
TUI passes a `CallbackProgress` that posts messages.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Literal, Protocol

from netdoctor.snapshot import files as f

if TYPE_CHECKING:
    from rich.progress import TaskID

State = Literal["running", "done", "missing"]


@dataclass(frozen=True, slots=True)
class FileProgress:
    """Where the capture of one bundle file stands."""

    file: str
    """Bundle path, e.g. `k8s/pods.json`."""
    state: State
    items: int = 0
    """Objects collected so far."""
    pages: int = 0
    """API responses (pages) received so far."""
    total: int | None = None
    """Expected objects, when the API said (`remainingItemCount`); else None."""
    detail: str = ""
    """Why the file is missing (`state == "missing"`)."""


class ProgressSink(Protocol):
    """Receives progress events; called from collector threads."""

    def update(self, event: FileProgress) -> None: ...


class NullProgress:
    """Shows nothing (`-q`)."""

    def update(self, event: FileProgress) -> None:
        pass


class CallbackProgress:
    """Forwards every event to a callable (the TUI posts a message from it)."""

    def __init__(self, callback: Callable[[FileProgress], None]) -> None:
        self.callback = callback

    def update(self, event: FileProgress) -> None:
        self.callback(event)


def _summary(event: FileProgress) -> str:
    if event.state == "missing":
        return f"not collected: {event.detail}"
    pages = plural(event.pages, "page")
    if event.total is not None and event.state == "running":
        return f"{event.items:,}/{event.total:,} items, {pages}"
    return f"{plural(event.items, 'item')}, {pages}"


def plural(count: int, noun: str) -> str:
    """`1 page`, `3 pages`, `1,204 items`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class LineProgress:
    """One line per finished or missing file: for logs and pipes."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()

    def update(self, event: FileProgress) -> None:
        if event.state == "running":
            return
        with self._lock:
            print(f"capture: {event.file}: {_summary(event)}", file=self.stream, flush=True)


class RichProgress:
    """A live rich display on a terminal; use as a context manager around the capture."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
        from rich.table import Column

        console = Console(file=stream or sys.stderr)
        widest = max(len(rel) for rel in (*f.K8S_FILES, *f.AWS_FILES))
        self._progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn(
                "{task.description}",
                style="bold",
                table_column=Column(min_width=widest, no_wrap=True),
            ),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[status]}"),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, event: FileProgress) -> None:
        with self._lock:
            task = self._tasks.get(event.file)
            if task is None:
                task = self._progress.add_task(event.file, total=None, status="")
                self._tasks[event.file] = task
        from rich.markup import escape

        status = escape(_summary(event))
        if event.state == "missing":
            status = f"[yellow]{status}[/]"
        done = event.state != "running"
        total = event.total if not done else max(event.items, 1)
        completed = event.items if not done else total
        self._progress.update(task, total=total, completed=completed, status=status)
        if done:
            self._progress.stop_task(task)
