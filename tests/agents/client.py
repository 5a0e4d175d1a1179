"""Drive `netdoctor mcp` as an agent does: a subprocess spoken to by the SDK's stdio client."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from tests.conftest import REPO

T = TypeVar("T")


def with_server(
    body: Callable[[Any], Awaitable[T]], *args: str, env: dict[str, str] | None = None
) -> T:
    """Start `python -m netdoctor mcp ARGS` in the repository, connect the SDK's `Client` over
    stdio, run `body(client)` and shut the server down."""
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "netdoctor", "mcp", *args],
        cwd=REPO,
        env={"NO_COLOR": "1", **(env or {})},
    )

    async def main() -> T:
        with anyio.fail_after(120):
            async with Client(params, read_timeout_seconds=90) as client:
                return await body(client)

    return anyio.run(main)


def text(result: Any) -> str:
    """The text of a tool result (one text block)."""
    [block] = result.content
    return str(block.text)
