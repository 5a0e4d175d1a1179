"""The AWS API layer of capture: boto3 clients, the call record, errors and paging.

Clients use the standard credential chain, adaptive retries and the timeouts asked for; a
`before-call` hook records every operation (tests and the request budget read `AwsApi.calls`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from netdoctor import __version__
from netdoctor.sources.live.errors import Cancelled
from netdoctor.sources.live.permissions import IAM_PREFIX, needs_note

ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "OptInRequired",
    }
)
Hook = tuple[str, Callable[..., Any]]


@dataclass(frozen=True)
class AwsSettings:
    """Which account, region and cluster, and how patient to be."""

    profile: str | None = None
    region: str | None = None
    cluster: str | None = None
    timeout: float = 30.0
    connect_timeout: float = 5.0
    max_attempts: int = 6
    """botocore attempts per call (adaptive retry mode: throttling slows the client down)."""
    workers: int = 4
    hooks: tuple[Hook, ...] = ()
    """Extra botocore event handlers registered on every client, `(event, handler)`; tests use
    them to inject AccessDenied or throttling."""


@dataclass(frozen=True)
class AwsCall:
    """One AWS operation capture made (recorded by a `before-call` hook)."""

    service: str
    """boto3 service name: `ec2`, `eks`, `elbv2`."""
    operation: str
    """`DescribeSubnets`."""
    params: dict[str, Any]


class AwsFailed(Exception):
    """A call failed for good; `str()` is the reason recorded in `missing`."""


class AwsNoAccess(AwsFailed):
    """No credentials or no endpoint: every later call would fail the same way."""


class AwsApi:
    """The eks, ec2 and elbv2 clients of one session, recording every operation."""

    def __init__(
        self, session: Any, region: str, settings: AwsSettings, cancel: threading.Event
    ) -> None:
        from botocore.config import Config

        self.cancel = cancel
        self.calls: list[AwsCall] = []
        """Every operation called, in order (from the `before-call` hook)."""
        self._clients: dict[str, Any] = {}
        self._no_access: str | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        config = Config(
            region_name=region,
            retries={"mode": "adaptive", "max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.timeout,
            user_agent_extra=f"netdoctor/{__version__}",
        )
        for service in ("eks", "ec2", "elbv2"):
            client = session.client(service, config=config)
            client.meta.events.register("before-parameter-build", self._params)
            client.meta.events.register("before-call", self._record)
            for event, handler in settings.hooks:
                client.meta.events.register(event, handler)
            self._clients[service] = client

    def _params(self, params: dict[str, Any], **_: Any) -> None:
        # before-call sees the serialised request; keep the API parameters for the record.
        self._local.params = dict(params)

    def _record(self, model: Any, **_: Any) -> None:
        params = getattr(self._local, "params", {})
        call = AwsCall(model.service_model.service_name, model.name, params)
        with self._lock:
            self.calls.append(call)

    def call(
        self, rel: str, service: str, method: str, params: dict[str, Any], key: str | None
    ) -> tuple[dict[str, Any], int]:
        """One operation, all its pages merged under `key`; returns (document, pages).

        Raises:
            AwsFailed: the call failed (the reason names the missing permission if denied).
            AwsNoAccess: no credentials or no endpoint.
            Cancelled: the capture was interrupted.
        """
        import botocore.exceptions

        if self.cancel.is_set():
            raise Cancelled()
        if self._no_access is not None:
            raise AwsNoAccess(self._no_access)
        try:
            return fetch(self._clients[service], method, params, key, self.cancel)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "Error")
            reason = f"{code}: {error.get('Message') or exc}"
            if code in ACCESS_DENIED:
                reason += needs_note(rel)
            raise AwsFailed(reason) from exc
        except (
            botocore.exceptions.NoCredentialsError,
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.NoRegionError,
        ) as exc:
            self._no_access = f"{type(exc).__name__}: {exc}"
            raise AwsNoAccess(self._no_access) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise AwsFailed(f"{type(exc).__name__}: {exc}") from exc


def fetch(
    client: Any,
    method: str,
    params: dict[str, Any],
    key: str | None,
    cancel: threading.Event | None = None,
) -> tuple[dict[str, Any], int]:
    """Call `method` with every page merged under its one list `key`, as the aws CLI prints
    paginated output; returns (document, pages). No `ResponseMetadata`, no `NextToken`.

    Raises:
        botocore.exceptions.ClientError, BotoCoreError: the call failed.
        Cancelled: `cancel` was set between pages.
    """
    if key is not None and client.can_paginate(method):
        merged: dict[str, Any] = {key: []}
        pages = 0
        for page in client.get_paginator(method).paginate(**params):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            merged[key].extend(page.get(key) or [])
            pages += 1
        return merged, pages
    response = dict(getattr(client, method)(**params))
    response.pop("ResponseMetadata", None)
    response.pop("NextToken", None)
    return response, 1


def operations(calls: Iterable[AwsCall]) -> list[str]:
    """`ec2:DescribeSubnets`-style names of recorded calls, in order."""
    return [f"{IAM_PREFIX.get(c.service, c.service)}:{c.operation}" for c in calls]
