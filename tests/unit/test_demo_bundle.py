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
    # the checks of other platforms (Cilium ENI IPAM, IPv6) say they do not apply; every other fails
    other_platforms = {
        r["check"] for r in report["results"] if r.get("reason_code") == "not_applicable"
    }
    assert other_platforms == {"cilium-eni-ipam", "ipv6-pod-prefixes"}
    assert {c: s for c, s in statuses.items() if c not in other_platforms} == {
        c: "fail" for c in statuses if c not in other_platforms
    }
    assert len(statuses) == 12
    findings = [f for r in report["results"] for f in r["findings"]]
    assert any(f["severity"] == "critical" for f in findings)
    resources = {ref for f in findings for ref in f["resources"]}
    assert any(ref.startswith("pod/default/bad-subnet-exhausted") for ref in resources)
    # the NodePort service sits beside the workload it selects
    assert "service/shipping/bad-nodeport-direct" in resources
    assert any(ref.startswith("node/") for ref in resources)
