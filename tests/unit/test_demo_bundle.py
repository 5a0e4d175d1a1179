"""The bundled whole-cluster demo (fixtures/demo, written by scripts/fixtures/demo.py) shows
several problems at once: every built-in check fails on it, naming the seeded `bad-…` objects,
and the report validates."""

from __future__ import annotations

import orjson

from tests.conftest import FIXTURES, run_cli


def test_demo_bundle_fails_every_check_with_named_objects() -> None:
    result = run_cli("check", str(FIXTURES / "demo"), "--format", "json")
    assert result.code == 1, result.err
    report = orjson.loads(result.out)
    assert report["snapshot"]["cluster"] == "shop-prod"
    statuses = {r["check"]: r["status"] for r in report["results"]}
    assert set(statuses.values()) == {"fail"}, statuses
    assert len(statuses) == 8
    findings = [f for r in report["results"] for f in r["findings"]]
    assert any(f["severity"] == "critical" for f in findings)
    resources = {ref for f in findings for ref in f["resources"]}
    assert any(ref.startswith("pod/default/bad-subnet-exhausted") for ref in resources)
    # the NodePort service sits beside the workload it selects
    assert "service/shipping/bad-nodeport-direct" in resources
    assert any(ref.startswith("node/") for ref in resources)
