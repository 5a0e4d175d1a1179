"""SIGTERM stops a command the way Ctrl-C does: the one signal handler of the front ends.

Ctrl-C (SIGINT) raises KeyboardInterrupt by Python's default; `cli.main` turns that into
"netdoctor: interrupted" and exit status 130, and every long-running command (capture, record,
serve) already cleans up on it. Inside `sigterm_interrupts()` SIGTERM (`kill`, `timeout`, a
container stopping) raises the same KeyboardInterrupt, so it runs the same cleanup.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block SIGTERM raises KeyboardInterrupt; the previous handler comes back after.

    Off the main thread (the TUI captures in a worker) it changes nothing: only the main thread
    may set signal handlers, and the TUI handles its own signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
