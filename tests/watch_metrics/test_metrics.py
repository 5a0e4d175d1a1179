"""The metrics `netdoctor watch` serves: values equal the facts, names match the example
alerts, and the HTTP exposition answers on loopback."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from netdoctor.engine.registry import load_checks
from netdoctor.engine.runner import run_checks
from netdoctor.explore.capacity import node_capacity, subnet_capacity
from netdoctor.explore.forecast import Forecast
from netdoctor.frontends.watch.metrics import CycleStats, WatchMetrics, serve
from netdoctor.models import Status
from tests.conftest import BUNDLES, REPO, open_snapshot

POD_CAPACITY = BUNDLES / "pod-ip-capacity"
PREFIX = BUNDLES / "prefix-delegation" / "fail-fragmented-subnet"


def _samples(metrics: WatchMetrics) -> dict[str, list[tuple[dict[str, str], float]]]:
    text = generate_latest(metrics.registry).decode()
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append((dict(s.labels), s.value))
    return out


def _cycle(bundle: Path, forecasts: list[Forecast] | None = None) -> tuple[Any, Any, WatchMetrics]:
    snap = open_snapshot(bundle)
    report = run_checks(load_checks(plugins=False).select(), snap)
    metrics = WatchMetrics()
    metrics.update(
        snap, report, CycleStats(finished_at=1_764_800_000.0, duration=1.5), forecasts or []
    )
    return snap, report, metrics


def _one_bundle(kind: Path) -> Path:
    return sorted(p.parent for p in kind.rglob("meta.json") if p.parent.name.startswith("fail"))[0]


def test_values_equal_the_facts_and_the_report() -> None:
    snap, report, metrics = _cycle(_one_bundle(POD_CAPACITY))
    got = _samples(metrics)
    free = {lab["subnet"]: v for lab, v in got["netdoctor_subnet_free_ips"]}
    rows = subnet_capacity(snap)
    assert rows and free == {r.subnet_id: float(r.free) for r in rows if r.free is not None}
    # What EC2 would hand out: AvailableIpAddressCount less what CIDR reservations withhold
    # (this bundle's first failing fixture reserves 31 of a subnet's 39).
    reserved = {r.subnet_id: r.reserved for r in rows}
    assert free == {
        s.SubnetId: float(s.AvailableIpAddressCount - reserved[s.SubnetId])
        for s in snap.subnets
        if s.SubnetId in free
    }
    assert any(reserved.values())
    headroom = {lab["node"]: v for lab, v in got["netdoctor_node_pod_ip_headroom"]}
    max_pods = {lab["node"]: v for lab, v in got["netdoctor_node_max_pods_headroom"]}
    nodes = node_capacity(snap)
    assert headroom == {
        n.name: float(n.eni_capacity - n.pods) for n in nodes if n.eni_capacity is not None
    }
    assert max_pods == {
        n.name: float(n.kubelet_max - n.pods) for n in nodes if n.kubelet_max is not None
    }
    assert headroom and max_pods
    findings = {(lab["check"], lab["severity"]): v for lab, v in got["netdoctor_findings"]}
    for result in report.results:
        for sev in ("critical", "warning", "info"):
            want = sum(1 for f in result.findings if f.severity.value == sev)
            assert findings[(result.check, sev)] == want
    assert sum(findings.values()) == len(report.findings()) > 0
    status = {(lab["check"], lab["status"]): v for lab, v in got["netdoctor_check_status"]}
    for result in report.results:
        for st in Status:
            assert status[(result.check, st.value)] == (1.0 if result.status is st else 0.0)
    assert got["netdoctor_last_success_timestamp_seconds"] == [({}, 1_764_800_000.0)]
    assert got["netdoctor_cycle_duration_seconds"] == [({}, 1.5)]
    assert "netdoctor_subnet_exhaustion_forecast_seconds" not in got  # absent: no forecast
    assert "netdoctor_subnet_free_prefix_blocks" not in got  # no prefix delegation here


def test_prefix_blocks_forecasts_and_capture_errors() -> None:
    snap, _, metrics = _cycle(_one_bundle(PREFIX), [Forecast("subnet-0abc", "free-ips", 1800.0)])
    metrics.capture_error("ec2:DescribeSubnets")
    metrics.capture_error("ec2:DescribeSubnets", 2)
    got = _samples(metrics)
    blocks = {lab["subnet"]: v for lab, v in got["netdoctor_subnet_free_prefix_blocks"]}
    rows = {r.subnet_id: r for r in subnet_capacity(snap)}
    assert blocks and all(rows[s].free_prefix_blocks == v for s, v in blocks.items())
    assert got["netdoctor_subnet_exhaustion_forecast_seconds"] == [
        ({"subnet": "subnet-0abc", "unit": "free-ips"}, 1800.0)
    ]
    assert got["netdoctor_capture_errors_total"] == [({"api": "ec2:DescribeSubnets"}, 3.0)]
    # The next cycle without a forecast removes the series.
    metrics.update(snap, run_checks([], snap), CycleStats(2.0, 1.0), [])
    assert "netdoctor_subnet_exhaustion_forecast_seconds" not in _samples(metrics)


def test_own_registry_not_the_global_one() -> None:
    a, b = WatchMetrics(), WatchMetrics()  # a second one would clash on the global registry
    assert a.registry is not b.registry and isinstance(a.registry, CollectorRegistry)


def _alert_exprs() -> list[str]:
    doc = yaml.safe_load((REPO / "deploy" / "monitoring" / "prometheusrule.yaml").read_text())
    return [r["expr"] for g in doc["spec"]["groups"] for r in g["rules"]]


def _selectors(node: Any) -> list[tuple[str, set[str]]]:
    """(metric name, label names) of every vector selector in a promql-parser AST."""
    found: list[tuple[str, set[str]]] = []
    if type(node).__name__ == "VectorSelector":
        labels = {m.name for m in node.matchers.matchers if m.name != "__name__"}
        found.append((node.name, labels))
    for attr in ("lhs", "rhs", "expr", "args", "param"):
        child = getattr(node, attr, None)
        for c in child if isinstance(child, list) else [child]:
            if c is not None and not isinstance(c, (str, int, float)):
                found += _selectors(c)
    return found


def test_the_deploy_alerts_use_only_what_the_registry_exposes() -> None:
    promql = pytest.importorskip("promql_parser")
    _, _, metrics = _cycle(_one_bundle(POD_CAPACITY), [Forecast("subnet-0abc", "free-ips", 60.0)])
    metrics.capture_error("list pods")
    exposed: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for s in family.samples:
            exposed.setdefault(s.name, set()).update(s.labels)
    used = []
    for expr in _alert_exprs():
        used += _selectors(promql.parse(expr))
    assert {name for name, _ in used} >= {
        "netdoctor_subnet_exhaustion_forecast_seconds",
        "netdoctor_findings",
        "netdoctor_last_success_timestamp_seconds",
    }
    for name, labels in used:
        assert name in exposed, name
        assert labels <= exposed[name], (name, labels)
    # Names the annotations mention, too (`{{ $labels.subnet }}`, netdoctor_capture_errors_total).
    text = (REPO / "deploy" / "monitoring" / "prometheusrule.yaml").read_text()
    for name in set(re.findall(r"\bnetdoctor_[a-z_]+\b", text)):
        assert name in exposed, name
    assert "subnet" in exposed["netdoctor_subnet_exhaustion_forecast_seconds"]
    assert {"check", "severity"} <= exposed["netdoctor_findings"]  # `sum by (check)`


def test_the_exposition_answers_on_loopback() -> None:
    _, _, metrics = _cycle(_one_bundle(POD_CAPACITY))
    server = serve(metrics, port=0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
        with direct.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            body = resp.read().decode()
        assert resp.status == 200
        names = {f.name for f in text_string_to_metric_families(body)}
        assert {"netdoctor_findings", "netdoctor_last_success_timestamp_seconds"} <= names
    finally:
        server.shutdown()
        server.server_close()
