"""TUI timing on one bundle, headless: time to the first findings on screen, time to all checks
done, and the worst key-press latency while the bundle loads. Prints JSON.

Usage: python bench/tui_timing.py BUNDLE
Times count from this process's start, as `netdoctor check`'s wall time does. Key latency: a
key press waits at most as long as the event loop's longest stall, measured with a 10 ms timer
(`loop_stall_ms`); `key_latency_ms` is what keys posted between stalls took.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time

START = time.perf_counter()


async def measure(bundle: str) -> dict:
    from textual import events

    from netdoctor.frontends.tui.app import make_app
    from netdoctor.frontends.tui.messages import CheckFinished, RunCompleted

    marks: dict[str, float] = {}

    pending: dict[int, float] = {}
    latencies: list[float] = []

    def hook(message: object) -> None:
        if id(message) in pending:  # a key we sent has reached a handler
            latencies.append(time.perf_counter() - pending.pop(id(message)))
        now = time.perf_counter() - START
        if isinstance(message, CheckFinished) and message.result.findings:
            marks.setdefault("first_findings_s", now)
        if isinstance(message, RunCompleted):
            marks.setdefault("all_done_s", now)

    app = make_app(bundle)
    ticks: list[float] = []
    async with app.run_test(size=(120, 40), message_hook=hook):
        marks["first_paint_s"] = time.perf_counter() - START
        # The event loop's longest stall: a 10 ms timer that cannot run is a key that waits.
        app.set_interval(0.01, lambda: ticks.append(time.perf_counter()))
        while "all_done_s" not in marks:
            key = events.Key("down", None)
            pending[id(key)] = time.perf_counter()
            app.post_message(key)  # what the terminal driver does on a key press
            await asyncio.sleep(0.05)
        await app.workers.wait_for_complete()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return {
        **marks,
        "key_latency_ms": 1000 * max(latencies, default=0.0),
        "keys_pressed_while_loading": len(latencies),
        "loop_stall_ms": 1000 * max(gaps, default=0.0),
    }


def main() -> None:
    print(json.dumps(asyncio.run(measure(sys.argv[1]))))


if __name__ == "__main__":
    main()
