"""`netdoctor trace` as a user runs it: exit status 0/1/3/2, the JSON contract of
docs/trace.schema.json, one clear line for bad input."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import FIXTURES, REPO, run_cli
from tests.trace.test_paths import NAT_A, POD

TRACE = FIXTURES / "trace"
SCHEMA = json.loads((REPO / "docs" / "trace.schema.json").read_text())


@pytest.mark.parametrize(
    ("scenario", "destination", "code", "verdict"),
    [
        ("pass-healthy", "internet", 0, "reachable"),
        ("fail-nat-failed", "internet", 1, "blocked"),
        ("unknown-no-acls", "internet", 3, "unknown"),
        ("pass-healthy", "svc/search/ledger", 0, "reachable"),
    ],
)
def test_exit_status_and_json(scenario: str, destination: str, code: int, verdict: str) -> None:
    result = run_cli(
        "trace", str(TRACE / scenario), "--from", POD, "--to", destination, "--format", "json"
    )
    assert result.code == code, result.err
    doc = json.loads(result.out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["verdict"] == verdict
    blocked = doc["blocked_at"]
    assert (blocked is not None) == (verdict == "blocked")
    if blocked:
        assert blocked == next(h for h in doc["hops"] if h["verdict"] == "block")
        assert blocked["id"] == NAT_A and blocked["kind"] == "nat-gateway"
        assert blocked["playbook"] == {"id": "egress-snat-route", "mechanism": "nat-unavailable"}
    if verdict == "unknown":
        assert doc["missing"] == ["aws/ec2-describe-network-acls.json"]


def test_text_draws_the_hops_and_names_the_blocking_one() -> None:
    result = run_cli("trace", str(TRACE / "fail-nat-failed"), "--from", POD, "--to", "internet")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith(f"trace {POD} (192.168.126.24) → internet (0.0.0.0/0) tcp/443")
    assert f"✗ block   nat-gateway {NAT_A}  ← blocked here" in result.out
    assert "verdict: blocked" in lines
    assert "fix: netdoctor playbook egress-snat-route (option #nat-unavailable)" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--from", "shop/nope", "--to", "internet"),
            "--from shop/nope: no such pod in k8s/pods.json",
        ),
        (("--from", POD, "--to", "elsewhere"), "--to elsewhere: not an IP, CIDR, internet, api"),
        (("--from", POD, "--to", "internet", "--port", "70000"), "--port 70000: expected 1-65535"),
        (("--from", POD, "--to", "svc/shop/none"), "--to svc/shop/none: no such service"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run_cli("trace", str(TRACE / "pass-healthy"), *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_help_explains_the_contract() -> None:
    result = run_cli("trace", "--help")
    assert result.code == 0
    for piece in (
        "--from",
        "--to",
        "internet",
        "api",
        "svc/NAMESPACE/NAME",
        "0 reachable",
        "3 unknown",
    ):
        assert piece in result.out
