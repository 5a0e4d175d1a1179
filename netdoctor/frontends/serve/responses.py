"""What the API answers: a `Response` to write, or an `ApiError` sent as a Kubernetes `Status`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from netdoctor.snapshot.kinds import ApiKind

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
"""`Status.reason` for each HTTP status the API answers with."""


class ApiError(Exception):
    """An error answer, sent as a Kubernetes `Status` object."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": REASONS.get(self.code, "Unknown"),
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


@dataclass
class Response:
    """An answer to write: status, body chunks (so big lists need no single copy), headers."""

    status: int
    body: list[bytes]
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None
    """Chunks sent with chunked transfer encoding after `body` (a watch); None for a plain
    answer with a Content-Length."""

    @classmethod
    def json(cls, obj: Any, status: int = 200, content_type: str = "application/json") -> Response:
        return cls(status, [orjson.dumps(obj)], content_type)

    @classmethod
    def error(cls, err: ApiError) -> Response:
        return cls(err.code, [orjson.dumps(err.status())], headers=dict(err.headers))


def not_found() -> ApiError:
    """404 for a path the API does not serve."""
    return ApiError(404, "the server could not find the requested resource", details={})


def kind_details(kind: ApiKind, **extra: str) -> dict[str, str]:
    """`Status.details` naming `kind` (and e.g. `name=`), as the API server fills them in."""
    return {**extra, "kind": kind.plural, **({"group": kind.group} if kind.group else {})}
