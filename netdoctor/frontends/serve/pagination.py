"""List pagination: `limit` and the opaque `continue` tokens that carry a list to its next page.

A token holds the next offset and a fingerprint of the list request it belongs to, so a token
replayed against another kind, namespace or selector is refused instead of paging wrongly.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from netdoctor.frontends.serve.responses import ApiError


def fingerprint(*parts: str) -> str:
    """A short digest of what identifies a list request (kind, namespace, selectors)."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def encode_continue(offset: int, fingerprint: str) -> str:
    """The `continue` token resuming a list at `offset`."""
    raw = orjson.dumps({"o": offset, "f": fingerprint})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_continue(token: str, fingerprint: str) -> int:
    """The offset a `continue` token resumes at.

    Raises:
        ApiError: 400 when the token is not ours or belongs to another list request.
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        offset = data["o"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(offset)
    except (ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise ApiError(400, "continue key is not valid: not a netdoctor serve token") from None
    if data.get("f") != fingerprint:
        raise ApiError(400, "continue key is not valid: it belongs to a different list request")
    return offset


def paginate(
    selected: Sequence[int], params: Mapping[str, str], fingerprint: str
) -> tuple[Sequence[int], dict[str, Any]]:
    """The page of `selected` that `limit` and `continue` in `params` ask for, and the list
    metadata to send with it (`continue` and `remainingItemCount` when more pages follow).

    Raises:
        ApiError: 400 for a bad `limit` or `continue`.
    """
    try:
        limit = int(params.get("limit") or 0)
    except ValueError:
        raise ApiError(400, f"limit: invalid value {params['limit']!r}") from None
    token = params.get("continue")
    start = decode_continue(token, fingerprint) if token else 0
    end = len(selected) if limit <= 0 else min(len(selected), start + limit)
    meta: dict[str, Any] = {}
    if end < len(selected):
        meta["continue"] = encode_continue(end, fingerprint)
        meta["remainingItemCount"] = len(selected) - end
    return selected[start:end], meta
