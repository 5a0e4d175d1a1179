"""`?watch=1` on a list path: a stream of JSON-line watch events, as the API server sends them.

Without `resourceVersion` (or with `0`) the stream starts with an ADDED event per current
object; with one, it starts after that version, and a version older than the first frame gets
a single ERROR event with a 410 Expired `Status` (the client must list again). Then each frame
the replay advances to sends its events, and, with `allowWatchBookmarks`, a BOOKMARK carrying
the frame's resourceVersion (also every `BOOKMARK_INTERVAL` seconds while idle). The stream
ends after `timeoutSeconds` (default `DEFAULT_TIMEOUT`), when the server stops, or with a 410
ERROR event after `Replay.expire_watches()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from netdoctor.frontends.serve.replay import (
    Replay,
    bookmark_line,
    event_line,
    expired_line,
)
from netdoctor.frontends.serve.responses import ApiError
from netdoctor.frontends.serve.selectors import parse_field_selector, parse_label_selector
from netdoctor.frontends.serve.store import Store, StoreKey

DEFAULT_TIMEOUT = 1800.0
"""Seconds a watch without `timeoutSeconds` stays open (the API server's minimum)."""
BOOKMARK_INTERVAL = 60.0
"""Seconds between BOOKMARK events on an idle watch (the API server sends one about a minute)."""
_WAKE = 0.5
"""Longest wait between checks for the server stopping."""


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise ApiError(400, f"{name}: invalid value {value!r}: expected an integer") from None


def watch_stream(
    replay: Replay,
    key: StoreKey,
    namespace: str | None,
    params: Mapping[str, str],
    stopping: threading.Event,
    bookmark_interval: float = BOOKMARK_INTERVAL,
) -> Iterator[bytes]:
    """The event lines of one watch request on the kind `key` (in `namespace`, or all).

    Raises:
        ApiError: 400 for a bad resourceVersion, timeoutSeconds or selector (before streaming).
    """
    predicates = parse_label_selector(params.get("labelSelector", "")) + parse_field_selector(
        params.get("fieldSelector", "")
    )
    asked = params.get("resourceVersion", "")
    rv = _int_param(params, "resourceVersion")
    timeout = _int_param(params, "timeoutSeconds")
    bookmarks = params.get("allowWatchBookmarks") in ("true", "1")

    def wanted(ns: str, obj: dict[str, Any]) -> bool:
        return (namespace is None or ns == namespace) and all(p(obj) for p in predicates)

    with replay.changed:
        expiries = replay.expiries
        start = replay.current if not rv else replay.index_of(rv)
        initial: list[bytes] = []
        if start is None:
            initial.append(expired_line(asked, str(replay.rvs[0])))
        elif not rv:
            initial.extend(_added(replay.stores[key], wanted))
    if start is None:
        return iter(initial)
    seconds = DEFAULT_TIMEOUT if timeout is None or timeout <= 0 else float(timeout)
    return _follow(
        replay, key, start, initial, wanted, expiries, stopping, seconds, bookmarks,
        bookmark_interval,
    )  # fmt: skip


def _added(store: Store, wanted: Callable[[str, dict[str, Any]], bool]) -> list[bytes]:
    kind = store.kind
    lines = []
    for obj in store.objects:
        ns = (obj.get("metadata") or {}).get("namespace") if kind.namespaced else ""
        if wanted(ns if isinstance(ns, str) else "", obj):
            full = {"apiVersion": kind.group_version, "kind": kind.kind, **obj}
            lines.append(event_line("ADDED", full))
    return lines


def _follow(
    replay: Replay,
    key: StoreKey,
    seen: int,
    initial: list[bytes],
    wanted: Callable[[str, dict[str, Any]], bool],
    expiries: int,
    stopping: threading.Event,
    seconds: float,
    bookmarks: bool,
    bookmark_interval: float,
) -> Iterator[bytes]:
    kind = replay.states[0][key].kind
    deadline = time.monotonic() + seconds
    if initial:
        yield b"".join(initial)
    last_sent = time.monotonic()
    while not stopping.is_set():
        now = time.monotonic()
        if now >= deadline:
            return
        with replay.changed:
            if replay.current == seen and replay.expiries == expiries:
                wait = min(_WAKE, deadline - now)
                if bookmarks:
                    wait = min(wait, max(0.0, last_sent + bookmark_interval - now))
                replay.changed.wait(wait)
            current, expired = replay.current, replay.expiries != expiries
        if stopping.is_set():
            return
        if expired:
            yield expired_line(str(replay.rvs[seen]), str(replay.rvs[current]))
            return
        out: list[bytes] = []
        while seen < current:
            seen += 1
            out.extend(
                e.line for e in replay.events[seen].get(key, ()) if wanted(e.namespace, e.object)
            )
            if bookmarks:
                out.append(bookmark_line(kind, str(replay.rvs[seen])))
        if not out and bookmarks and time.monotonic() - last_sent >= bookmark_interval:
            out.append(bookmark_line(kind, str(replay.rvs[seen])))
        if out:
            last_sent = time.monotonic()
            yield b"".join(out)
