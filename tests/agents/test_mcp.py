"""`netdoctor mcp` answers the official SDK's stdio client: the tools it lists, their schemas,
results that equal what the CLI prints, and the CLI's one-line errors for bad arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netdoctor.frontends.agents.tools import TOOLS
from tests.agents.client import text, with_server
from tests.conftest import BUNDLES, FIXTURES, REPO, run_cli
from tests.trace.test_paths import POD

pytest.importorskip("mcp")

WARM_POOL = BUNDLES / "pod-ip-capacity" / "fail-subnet-short-for-warm-pool"
"""One WARNING finding: subnet-089f61415f4e932b3 has 19 free IPs, a warm-pool round needs 20."""
INCIDENT = FIXTURES / "incidents" / "demo.tar.gz"


def test_lists_every_tool_with_a_documented_closed_read_only_schema() -> None:
    async def body(client: Any) -> Any:
        return (await client.list_tools()).tools

    tools = with_server(body)
    assert [t.name for t in tools] == list(TOOLS)
    assert {"check", "explain", "capacity", "timeline", "playbook"} <= set(TOOLS)
    for tool in tools:
        schema = tool.input_schema
        assert schema["type"] == "object" and schema["additionalProperties"] is False, tool.name
        assert tool.description and len(tool.description) > 60, tool.name
        for name, prop in schema["properties"].items():
            assert prop.get("description"), f"{tool.name}.{name} is undocumented"
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
    by_name = {t.name: t for t in tools}
    assert by_name["explain"].input_schema["required"] == ["finding"]
    assert by_name["timeline"].input_schema["required"] == ["incident"]


def test_check_on_a_fixture_is_the_cli_json_report_and_bad_arguments_are_cli_lines(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-bundle"

    async def body(client: Any) -> dict[str, Any]:
        return {
            "report": await client.call_tool("check", {"bundle": str(WARM_POOL)}),
            "only": await client.call_tool(
                "check", {"bundle": str(WARM_POOL), "checks": ["pod-ip-capacity"]}
            ),
            "missing": await client.call_tool("check", {"bundle": str(missing)}),
            "unknown_check": await client.call_tool(
                "check", {"bundle": str(WARM_POOL), "checks": ["no-such-check"]}
            ),
            "wrong_type": await client.call_tool("check", {"bundle": 7}),
            "unknown_arg": await client.call_tool("check", {"bundel": str(WARM_POOL)}),
            "nothing": await client.call_tool("check", {}),
            "live_option_alone": await client.call_tool(
                "check", {"bundle": str(WARM_POOL), "context": "prod"}
            ),
            "frame_of_a_bundle": await client.call_tool(
                "check", {"bundle": str(WARM_POOL), "frame": "2"}
            ),
        }

    got = with_server(body)
    cli = run_cli("check", str(WARM_POOL), "--format", "json", "--fail-on", "never")
    assert cli.code == 0, cli.err
    report = got["report"]
    assert not report.is_error
    assert report.structured_content == json.loads(cli.out)
    assert json.loads(text(report)) == json.loads(cli.out)
    [finding] = [f for r in report.structured_content["results"] for f in r["findings"]]
    assert finding["index"] == 1 and "subnet-089f61415f4e932b3" in finding["title"]
    assert [r["check"] for r in got["only"].structured_content["results"]] == ["pod-ip-capacity"]

    # The same line the CLI prints on stderr for the same mistake.
    cli_missing = run_cli("check", str(missing))
    assert cli_missing.code == 2
    assert got["missing"].is_error
    assert text(got["missing"]) == cli_missing.err.strip()
    assert text(got["missing"]) == f"netdoctor: error: {missing}: no such file or directory"
    cli_unknown = run_cli("check", str(WARM_POOL), "--check", "no-such-check")
    assert text(got["unknown_check"]) == cli_unknown.err.strip()
    for key, expected in {
        "wrong_type": "netdoctor: error: check: argument bundle: 7 is not of type 'string'",
        "unknown_arg": "netdoctor: error: check: Additional properties are not allowed "
        "('bundel' was unexpected)",
        "nothing": "netdoctor: error: give a bundle path, or live: true to capture from the "
        "cluster",
        "live_option_alone": "netdoctor: error: context: only with live: true",
        "frame_of_a_bundle": "netdoctor: error: frame needs a recorded incident; bundle is a "
        "single snapshot",
    }.items():
        assert got[key].is_error, key
        assert text(got[key]) == expected
        assert "\n" not in text(got[key])


def test_explain_fills_the_playbook_from_the_finding_and_refuses_a_number_out_of_range() -> None:
    async def body(client: Any) -> tuple[Any, Any, Any]:
        return (
            await client.call_tool("explain", {"bundle": str(WARM_POOL), "finding": 1}),
            await client.call_tool("explain", {"bundle": str(WARM_POOL), "finding": 5}),
            await client.call_tool("explain", {"bundle": str(WARM_POOL), "finding": 0}),
        )

    one, five, zero = with_server(body)
    assert not one.is_error, text(one)
    got = one.structured_content
    assert got["check"] == "pod-ip-capacity"
    assert got["finding"]["index"] == 1 and got["finding"]["playbook"] == "pod-ip-capacity"
    markdown = got["playbook"]["markdown"]
    # Filled from the finding, as `netdoctor playbook --bundle B --finding 1` fills it.
    cli = run_cli("playbook", "pod-ip-capacity", "--bundle", str(WARM_POOL), "--finding", "1")
    assert cli.code == 0, cli.err
    assert "--subnet-ids subnet-089f61415f4e932b3" in markdown
    assert "--region eu-central-1" in markdown
    assert "{subnet_id}" not in markdown
    assert markdown.split("\n", 3)[3] == cli.out.split("\n", 3)[3]  # same body, own intro
    assert five.is_error
    assert text(five) == (f"netdoctor: error: finding 5: {WARM_POOL} has 1 finding(s) (numbers: 1)")
    assert (
        text(zero) == "netdoctor: error: explain: argument finding: 0 is less than the minimum of 1"
    )


def test_capacity_timeline_and_playbook_answer_from_the_same_code_as_the_cli() -> None:
    frame = "3"

    async def body(client: Any) -> dict[str, Any]:
        return {
            "capacity": await client.call_tool("capacity", {"bundle": str(WARM_POOL)}),
            "timeline": await client.call_tool("timeline", {"incident": str(INCIDENT)}),
            "frame": await client.call_tool(
                "check", {"bundle": str(INCIDENT), "frame": frame, "checks": ["pod-ip-capacity"]}
            ),
            "not_incident": await client.call_tool("timeline", {"incident": str(WARM_POOL)}),
            "list": await client.call_tool("playbook", {}),
            "one": await client.call_tool(
                "playbook", {"id": "pod-ip-capacity", "set": {"subnet_id": "subnet-0abc"}}
            ),
            "hostile": await client.call_tool(
                "playbook", {"id": "pod-ip-capacity", "set": {"subnet_id": "x; rm -rf /"}}
            ),
            "unknown": await client.call_tool("playbook", {"id": "no-such-playbook"}),
        }

    got = with_server(body)
    subnets = {s["subnet_id"]: s for s in got["capacity"].structured_content["subnets"]}
    short = subnets["subnet-089f61415f4e932b3"]
    assert (short["cidr"], short["free"], short["usable"]) == ("192.168.200.0/26", 19, 59)
    assert short["used"] == 40 and short["nodes"] == 2
    nodes = got["capacity"].structured_content["nodes"]
    assert nodes and all(n["headroom"] == n["ceiling"] - n["pods"] for n in nodes if n["ceiling"])

    cli = run_cli("check", str(INCIDENT), "--format", "json", "--fail-on", "never")
    assert cli.code == 0, cli.err
    expected = json.loads(cli.out)
    timeline = got["timeline"].structured_content
    assert timeline["timeline"] == expected["timeline"]
    assert timeline["incident"] == expected["incident"]
    assert timeline["summary"].startswith(f"{len(expected['timeline'])} findings over 12 frames")
    cli_frame = run_cli(
        "check",
        str(INCIDENT),
        "--frame",
        frame,
        "--check",
        "pod-ip-capacity",
        "--format",
        "json",
        "--fail-on",
        "never",
    )
    assert got["frame"].structured_content == json.loads(cli_frame.out)
    assert text(got["not_incident"]) == (
        f"netdoctor: error: {WARM_POOL}: not a recorded incident (see `netdoctor record`)"
    )

    ids = [p["id"] for p in got["list"].structured_content["playbooks"]]
    assert "pod-ip-capacity" in ids and ids == sorted(ids)
    assert "--subnet-ids subnet-0abc" in got["one"].structured_content["markdown"]
    hostile = got["hostile"].structured_content["markdown"]
    assert "rm -rf" not in hostile.split("**Not filled in**")[1].split("\n\n", 1)[1]
    assert "**Not filled in**" in hostile
    assert text(got["unknown"]).startswith("netdoctor: error: no playbook 'no-such-playbook'")


def test_root_and_no_live_bound_what_a_session_may_read(tmp_path: Path) -> None:
    async def body(client: Any) -> tuple[Any, Any, Any]:
        return (
            await client.call_tool("check", {"bundle": str(WARM_POOL)}),
            await client.call_tool("check", {"bundle": str(REPO / "fixtures" / "healthy")}),
            await client.call_tool("check", {"live": True}),
        )

    inside, outside, live = with_server(body, "--root", str(WARM_POOL.parent), "--no-live")
    assert not inside.is_error
    assert outside.is_error and text(outside).startswith(
        f"netdoctor: error: {REPO / 'fixtures' / 'healthy'}: outside the directories"
    )
    assert text(live) == (
        "netdoctor: error: live: this server was started with --no-live; give a bundle path"
    )


def test_mcp_command_line_errors_are_one_line_before_serving(tmp_path: Path) -> None:
    bad = run_cli("mcp", "--root", str(tmp_path / "absent"))
    assert bad.code == 2
    assert bad.err.strip() == f"netdoctor: error: --root {tmp_path / 'absent'}: not a directory"


def test_docs_describe_every_tool_and_argument() -> None:
    docs = (REPO / "docs" / "agents.md").read_text(encoding="utf-8")
    for name, tool in TOOLS.items():
        assert f"### `{name}`" in docs, name
        for argument in tool.schema["properties"]:
            assert f"`{argument}`" in docs, f"{name}.{argument} missing from docs/agents.md"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "netdoctor mcp" in readme and "docs/agents.md" in readme


def test_whereis_answers_as_the_cli_does() -> None:
    demo = str(FIXTURES / "demo")

    async def body(client: Any) -> tuple[Any, Any]:
        good = await client.call_tool("whereis", {"bundle": demo, "ips": ["100.64.8.85"]})
        bad = await client.call_tool("whereis", {"bundle": demo, "ips": ["10.0.0.300"]})
        return good, bad

    good, bad = with_server(body)
    cli = json.loads(run_cli("whereis", demo, "100.64.8.85", "-o", "json").out)
    assert good.structured_content["addresses"] == cli
    assert bad.is_error
    assert text(bad) == "netdoctor: error: '10.0.0.300' is not an IP address"


def test_trace_answers_as_the_cli_does() -> None:
    bundle = str(FIXTURES / "trace" / "fail-nat-failed")
    pod = POD

    async def body(client: Any) -> tuple[Any, Any]:
        good = await client.call_tool("trace", {"bundle": bundle, "from": pod, "to": "internet"})
        bad = await client.call_tool("trace", {"bundle": bundle, "from": "shop/nope", "to": "api"})
        return good, bad

    good, bad = with_server(body)
    cli = json.loads(run_cli("trace", bundle, "--from", pod, "--to", "internet", "-o", "json").out)
    assert good.structured_content["trace"] == cli
    assert cli["verdict"] == "blocked" and cli["blocked_at"]["kind"] == "nat-gateway"
    assert bad.is_error
    assert text(bad).startswith("netdoctor: error: --from shop/nope: no such pod")


def test_what_if_answers_as_the_cli_does() -> None:
    demo = str(FIXTURES / "demo")

    async def body(client: Any) -> tuple[Any, Any]:
        good = await client.call_tool("what_if", {"bundle": demo, "pods": 5})
        bad = await client.call_tool("what_if", {"bundle": demo, "nodes": 2})
        return good, bad

    good, bad = with_server(body)
    result = run_cli("what-if", demo, "--pods", "5", "-o", "json")
    cli = json.loads(result.out)
    answer = dict(good.structured_content)
    assert answer.pop("source")
    assert answer == cli
    assert bad.is_error
    assert text(bad) == "netdoctor: error: `nodes` needs `instance_type`"
