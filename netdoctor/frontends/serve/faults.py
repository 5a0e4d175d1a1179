"""Test instrumentation: injected faults (errors, delays, forbidden kinds) and request records.

`BundleApiServer.add_fault`, `forbid` and `requests` are the public face of this module.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from netdoctor.frontends.serve.responses import ApiError, kind_details
from netdoctor.snapshot.kinds import ApiKind, find_kind


class RequestRecord(NamedTuple):
    """One request as the server answered it."""

    method: str
    path: str
    """URL path without the query, e.g. `/api/v1/pods`."""
    query: str
    """Raw query string, e.g. `limit=7&continue=...`; `""` when none."""
    status: int


@dataclass
class Fault:
    """Injected misbehaviour for the requests whose path starts with `path_prefix`."""

    path_prefix: str
    """`/api/v1/pods` matches paths starting with it; `/api/v1/pods?continue=` also needs
    each query parameter given, with a value starting as given (in any order)."""
    statuses: tuple[int, ...]
    """The n-th matching request answers `statuses[n]`; later ones answer normally."""
    delay: float
    """Seconds each matching request waits before answering."""
    retry_after: int | None
    """`Retry-After` seconds sent with 429 and 503 answers; None sends no header."""
    remaining: int | None
    """Matching requests still to affect; None means forever (statuses then cycle)."""
    hits: int = 0
    """Requests this fault has affected so far."""

    def matches(self, path: str, query: str) -> bool:
        """True when a request for `path?query` is one this fault affects."""
        prefix, _, wanted = self.path_prefix.partition("?")
        if not path.startswith(prefix):
            return False
        if not wanted:
            return True
        given = parse_qs(query, keep_blank_values=True)
        return all(
            any(v.startswith(value) for v in given.get(key, ()))
            for key, values in parse_qs(wanted, keep_blank_values=True).items()
            for value in values
        )


class FaultInjector:
    """The live faults and forbidden kinds of one server; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._forbidden: set[ApiKind] = set()

    def add(
        self,
        path_prefix: str,
        statuses: Sequence[int],
        *,
        delay: float,
        times: int | None,
        retry_after: int | None,
        forever: bool,
    ) -> Fault:
        """Add a fault; see `BundleApiServer.add_fault`.

        Raises:
            ValueError: a status is not 4xx/5xx, or `times` is below 1.
        """
        if any(not 400 <= s <= 599 for s in statuses):
            raise ValueError(f"fault statuses must be HTTP errors (4xx/5xx), got {statuses}")
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        count = None if forever else (times if times is not None else len(statuses) or 1)
        fault = Fault(path_prefix, tuple(statuses), delay, retry_after, count)
        with self._lock:
            self._faults.append(fault)
        return fault

    @property
    def faults(self) -> list[Fault]:
        """Faults that have not worn off yet, oldest first."""
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """Drop every fault and every forbidden kind."""
        with self._lock:
            self._faults.clear()
            self._forbidden.clear()

    def forbid(self, kind: ApiKind | str) -> None:
        with self._lock:
            self._forbidden.add(_resolve_kind(kind))

    def allow(self, kind: ApiKind | str) -> None:
        with self._lock:
            self._forbidden.discard(_resolve_kind(kind))

    def check_allowed(self, kind: ApiKind, verb: str, namespace: str | None) -> None:
        """Raise the 403 RBAC would when `kind` is forbidden.

        Raises:
            ApiError: 403 Forbidden.
        """
        with self._lock:
            forbidden = kind in self._forbidden
        if forbidden:
            raise _forbidden_error(kind, verb, namespace)

    def apply(self, path: str, query: str, stopping: threading.Event) -> None:
        """Let the first fault matching `path?query` act: wait its delay (cut short when
        `stopping` is set), then raise its status if it has one for this request.

        Raises:
            ApiError: the injected status.
        """
        taken = self._take(path, query)
        if taken is None:
            return
        fault, status = taken
        if fault.delay > 0:
            stopping.wait(fault.delay)
        if status is not None:
            raise _fault_error(status, fault, path)

    def _take(self, path: str, query: str) -> tuple[Fault, int | None] | None:
        with self._lock:
            for fault in self._faults:
                if not fault.matches(path, query):
                    continue
                n = fault.hits
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    status = fault.statuses[n] if n < len(fault.statuses) else None
                else:
                    status = fault.statuses[n % len(fault.statuses)] if fault.statuses else None
                return fault, status
        return None


def _resolve_kind(kind: ApiKind | str) -> ApiKind:
    if isinstance(kind, ApiKind):
        return kind
    found = find_kind(kind)
    if found is None:
        raise ValueError(f"unknown kind {kind!r}")
    return found


def _forbidden_error(kind: ApiKind, verb: str, namespace: str | None) -> ApiError:
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (
        f'{kind.resource} is forbidden: User "netdoctor" cannot {verb} resource "{kind.plural}" '
        f'in API group "{kind.group}" {scope}'
    )
    return ApiError(403, message, details=kind_details(kind))


def _fault_error(status: int, fault: Fault, path: str) -> ApiError:
    headers = {}
    details: dict[str, Any] = {}
    if status in (429, 503) and fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
        details["retryAfterSeconds"] = fault.retry_after
    messages = {
        429: "Too many requests, please try again later.",
        403: "forbidden (injected)",
        500: "Internal error occurred (injected)",
        503: "The server is currently unable to handle the request (injected)",
        504: "Timeout: the server was unable to return a response in the time allotted",
    }
    message = messages.get(status, f"injected HTTP {status}")
    return ApiError(status, f"{message} [{path}]", details=details, headers=headers)
