"""`netdoctor mcp` with `live: true`: the SDK's stdio client asks for a live check against the
loopback cluster and moto, and gets what `netdoctor check --live` prints."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

pytest.importorskip("mcp")


def test_a_live_check_over_mcp_equals_check_live_and_only_reads(live, tmp_path: Path) -> None:
    from tests.agents.client import with_server

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    env["TMPDIR"] = str(temp)

    async def body(client: Any) -> tuple[Any, Any, Any]:
        return (
            await client.call_tool("check", {"live": True, "request_timeout": 5}),
            await client.call_tool("capacity", {"live": True}),
            await client.call_tool("check", {"live": True, "redact_ids": True}),
        )

    # The kubeconfig is a server default (`netdoctor mcp --kubeconfig`), not a call argument.
    checked, capacity, redacted = with_server(body, "--kubeconfig", str(live.kubeconfig), env=env)

    on_cli = run_cli(
        "check",
        "--live",
        "--format",
        "json",
        "--fail-on",
        "never",
        env={"KUBECONFIG": str(live.kubeconfig)},
    )
    assert not checked.is_error, checked.content
    assert checked.structured_content["results"] == json.loads(on_cli.out)["results"]
    assert checked.structured_content["snapshot"]["source"] == "live"
    assert checked.structured_content["snapshot"]["cluster"] == "atlas"
    # redact_ids tokenises identifying names as `capture --redact-ids` does.
    assert not redacted.is_error, redacted.content
    assert redacted.structured_content["snapshot"]["cluster"] not in (None, "atlas")
    assert "atlas" not in json.dumps(redacted.structured_content)
    assert not capacity.is_error, capacity.content
    assert len(capacity.structured_content["nodes"]) == 3
    assert capacity.structured_content["source"] == "live"
    # Read-only toward the cluster, and no temporary bundle left behind.
    assert live.server.requests and {r.method for r in live.server.requests} == {"GET"}
    assert list(temp.iterdir()) == []
