"""A tiny pool of daemon threads: a hung request must never keep the process alive after Ctrl-C
(`concurrent.futures` joins its non-daemon workers at exit)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def run_parallel(tasks: Sequence[Callable[[], object]], workers: int, name: str) -> None:
    """Run `tasks` on up to `workers` daemon threads; wait for all; re-raise the first error.

    A task that raises stops its thread; the other threads finish the queue.
    """
    queue = list(tasks)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        while True:
            with lock:
                if not queue or errors:
                    return
                task = queue.pop(0)
            try:
                task()
            except BaseException as exc:  # Cancelled, or a bug: the caller decides
                with lock:
                    errors.append(exc)
                return

    threads = [
        threading.Thread(target=work, name=f"{name}-{i}", daemon=True)
        for i in range(max(1, min(workers, len(queue))))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
