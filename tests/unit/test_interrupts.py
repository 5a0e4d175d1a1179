"""SIGTERM stops a command as Ctrl-C does, only inside the block, and only on the main thread."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from netdoctor.frontends.interrupts import sigterm_interrupts


def test_sigterm_raises_keyboard_interrupt_inside_the_block_and_the_old_handler_returns() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with pytest.raises(KeyboardInterrupt), sigterm_interrupts():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler runs here at the latest
            pytest.fail("SIGTERM did not interrupt")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        assert seen == [signal.SIGTERM]  # the handler from before the block is back
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_off_the_main_thread_it_leaves_signals_alone() -> None:
    before = signal.getsignal(signal.SIGTERM)
    during: list[object] = []

    def worker() -> None:
        with sigterm_interrupts():
            during.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert during == [before]
