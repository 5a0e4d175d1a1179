"""The states the API goes through: one per frame of a recorded incident, and the watch events
between consecutive frames.

Frame `i` is served with list `resourceVersion` `rvs[i]` (increasing by one per frame, starting
at the newest `resourceVersion` any object carries). Between frame `i-1` and `i` an object,
identified by namespace, name and uid, is ADDED when it appears, DELETED when it goes and
MODIFIED when its content differs; the event's object carries `resourceVersion` `rvs[i]`, as
the API server stamps every write. A single bundle is a replay of one frame: no events.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from netdoctor.frontends.serve.store import Store, StoreKey, index_objects
from netdoctor.snapshot.kinds import API_KINDS, ApiKind

ObjectKey = tuple[str, str, str]
"""(namespace, name, uid) of an object."""


@dataclass(frozen=True)
class WatchEvent:
    """One change of one object between two frames, ready to send as a watch line."""

    type: str
    """ADDED, MODIFIED or DELETED."""
    namespace: str
    object: dict[str, Any]
    line: bytes
    """`{"type": ..., "object": ...}` and a newline, as the API server streams it."""


def event_line(kind: str, obj: Any) -> bytes:
    """One watch event as sent on the wire: a JSON object and a newline."""
    return orjson.dumps({"type": kind, "object": obj}) + b"\n"


def bookmark_line(kind: ApiKind, resource_version: str) -> bytes:
    """A BOOKMARK event: only the kind and the resourceVersion the client may resume from."""
    obj = {
        "kind": kind.kind,
        "apiVersion": kind.group_version,
        "metadata": {"resourceVersion": resource_version},
    }
    return event_line("BOOKMARK", obj)


def expired_line(asked: str, oldest: str) -> bytes:
    """The ERROR event a watch from a compacted resourceVersion gets (410, reason Expired)."""
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"too old resource version: {asked} ({oldest})",
        "reason": "Expired",
        "code": 410,
    }
    return event_line("ERROR", status)


def _key(store: Store, index: int) -> ObjectKey:
    return object_key(store.kind, store.objects[index])


def _stamped(kind: ApiKind, obj: dict[str, Any], resource_version: str) -> dict[str, Any]:
    meta = {**(obj.get("metadata") or {}), "resourceVersion": resource_version}
    return {"apiVersion": kind.group_version, "kind": kind.kind, **obj, "metadata": meta}


def diff_stores(before: Store, after: Store, resource_version: str) -> list[WatchEvent]:
    """The events that turn `before` into `after` (same kind), stamped `resource_version`:
    deletions first, then additions and modifications in `after`'s order."""
    kind = after.kind
    old = {_key(before, i): i for i in range(len(before.objects))}
    new = {_key(after, i): i for i in range(len(after.objects))}
    events: list[WatchEvent] = []

    def add(type_: str, store: Store, index: int) -> None:
        obj = _stamped(kind, store.objects[index], resource_version)
        events.append(WatchEvent(type_, _key(store, index)[0], obj, event_line(type_, obj)))

    for key, i in old.items():
        if key not in new:
            add("DELETED", before, i)
    for key, j in new.items():
        was = old.get(key)
        if was is None:
            add("ADDED", after, j)
        elif before.blobs[was] != after.blobs[j]:
            add("MODIFIED", after, j)
    return events


def _store_key(kind: ApiKind) -> StoreKey:
    return (kind.group, kind.version, kind.plural)


def _apply(served: Store, recorded: Store, events: list[WatchEvent]) -> Store:
    """The next frame as served: the recorded objects in their order, each as its last event
    stamped it (unchanged objects keep the version of the frame they last changed in, as a
    list from the API server shows them)."""
    kind = served.kind
    changed = {object_key(kind, e.object): e.object for e in events if e.type != "DELETED"}
    before = {_key(served, i): served.objects[i] for i in range(len(served.objects))}
    items = []
    for j in range(len(recorded.objects)):
        key = _key(recorded, j)
        items.append(changed.get(key) or before.get(key) or recorded.objects[j])
    return Store(kind, items)


def object_key(kind: ApiKind, obj: dict[str, Any]) -> ObjectKey:
    """(namespace, name, uid): what makes two objects of two frames the same object."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace") if kind.namespaced else ""
    uid = meta.get("uid")
    return (
        namespace if isinstance(namespace, str) else "",
        str(meta.get("name")),
        uid if isinstance(uid, str) else "",
    )


class Replay:
    """Frames as successive API states; `advance()` moves to the next one and wakes watchers."""

    def __init__(self, frames: Sequence[Mapping[str, Sequence[Any]]], start: int = 0) -> None:
        """Index every frame (bundle file → items) and the events between consecutive frames.

        Raises:
            BundleError: an item is not an object with `metadata.name`.
            ValueError: no frames, or `start` outside them.
        """
        if not frames or not 0 <= start < len(frames):
            raise ValueError(f"start frame {start} outside 0..{len(frames) - 1}")
        # A kind one frame lacks is served empty there, so discovery stays the same throughout.
        every = [k for k in API_KINDS if any(k.bundle_file in objects for objects in frames)]
        self.states: list[dict[StoreKey, Store]] = []
        self.events: list[dict[StoreKey, list[WatchEvent]]] = []
        previous: dict[StoreKey, Store] = {}
        for i, objects in enumerate(frames):
            indexed = index_objects(objects)
            recorded = {_store_key(k): indexed.get(_store_key(k)) or Store(k, []) for k in every}
            if i == 0:
                newest = max((s.max_resource_version for s in recorded.values()), default=0)
                # One version per frame, above every version the recorded objects carry.
                self.rvs = [max(newest, 1) + n for n in range(len(frames))]
                self.states.append(recorded)
                self.events.append({})
            else:
                rv = str(self.rvs[i])
                changes = {key: diff_stores(previous[key], recorded[key], rv) for key in recorded}
                served = self.states[-1]
                self.states.append(
                    {
                        key: _apply(served[key], store, changes[key]) if changes[key]
                        else served[key]
                        for key, store in recorded.items()
                    }
                )  # fmt: skip
                self.events.append(changes)
            previous = recorded
        self.current = start
        self.expiries = 0
        """Bumped by `expire_watches`: open watches end with a 410 ERROR event."""
        self.changed = threading.Condition()
        """Notified on every advance and expiry."""

    def __len__(self) -> int:
        return len(self.states)

    @property
    def stores(self) -> dict[StoreKey, Store]:
        """The current frame's stores."""
        return self.states[self.current]

    @property
    def resource_version(self) -> str:
        return str(self.rvs[self.current])

    def index_of(self, resource_version: int) -> int | None:
        """The frame a client at `resource_version` has seen; None when it is older than the
        first frame (compacted history: 410)."""
        if resource_version < self.rvs[0]:
            return None
        seen = [i for i, rv in enumerate(self.rvs) if rv <= resource_version]
        return min(seen[-1], self.current)

    def advance(self) -> bool:
        """Move to the next frame; False at the last one."""
        with self.changed:
            if self.current + 1 >= len(self.states):
                return False
            self.current += 1
            self.changed.notify_all()
            return True

    def expire_watches(self) -> None:
        """End every open watch with a 410 Expired ERROR event (the client must relist)."""
        with self.changed:
            self.expiries += 1
            self.changed.notify_all()

    def wake(self) -> None:
        """Wake every waiting watch (the server stops)."""
        with self.changed:
            self.changed.notify_all()
