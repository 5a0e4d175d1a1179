"""netdoctor reads every foreign bundle (real JSON other projects recorded, ../shared/foreign)
without a crash: each check passes, fails or skips, or the CLI gives the contract's one-line
error and exit 2; the fast decode path and the inspector agree with the plain ones there too."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import open_snapshot, run_cli
from tests.shared._corpus import MALFORMED
from tests.unit.test_fast_path import report_of


def test_foreign_bundle_gives_a_verdict_per_check_or_a_clean_error(
    any_foreign_bundle: Path,
) -> None:
    result = run_cli("check", str(any_foreign_bundle), "--format", "json", "--fail-on", "never")
    assert "Traceback" not in result.err
    if any_foreign_bundle.name == MALFORMED:
        assert result.code == 2
        assert result.err.count("\n") == 1 and "aws/ec2-describe-" in result.err
        assert "line " in result.err
        return
    assert result.code == 0, result.err
    report = orjson.loads(result.out)
    errors = {r["check"]: r["reason"] for r in report["results"] if r["status"] == "error"}
    assert not errors


def test_typed_decode_gives_the_same_report_as_a_generic_parse(foreign_bundle: Path) -> None:
    assert report_of(foreign_bundle, "typed") == report_of(foreign_bundle, "generic")


def test_decoding_item_by_item_gives_the_same_report(
    foreign_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netdoctor.snapshot import snapshot

    monkeypatch.setattr(snapshot, "RESPONSIVE_MIN_BYTES", 0)
    assert report_of(foreign_bundle, "typed", responsive=True) == report_of(foreign_bundle, "typed")


def test_foreign_bundles_never_crash_the_inspector(foreign_bundle: Path) -> None:
    from netdoctor.explore import build_chain, node_capacity, raw_object, subnet_capacity
    from netdoctor.facts.views import pod_ref

    snap = open_snapshot(foreign_bundle)
    refs = [
        *(v.ref for v in snap.views.nodes),
        *(pod_ref(p) for p in snap.pods),
        *(f"subnet/{s.SubnetId}" for s in snap.subnets),
        *(f"route-table/{t.RouteTableId}" for t in snap.route_tables),
        *(f"nat-gateway/{n.NatGatewayId}" for n in snap.nat_gateways),
        *(f"security-group/{g.GroupId}" for g in snap.security_groups),
        *(f"eni/{e.eni_id}" for e in snap.views.enis),
        *(f"instance/{i.InstanceId}" for i in snap.instances),
        *(f"service/{s.metadata.namespace}/{s.metadata.name}" for s in snap.services),
        *(f"ingress/{s.metadata.namespace}/{s.metadata.name}" for s in snap.ingresses),
        *(f"daemonset/{d.metadata.namespace}/{d.metadata.name}" for d in snap.daemonsets),
        *(f"vpc-endpoint/{e.VpcEndpointId}" for e in snap.vpc_endpoints),
        *(f"load-balancer/{b.LoadBalancerArn}" for b in snap.load_balancers),
        *(f"target-group/{t.TargetGroupArn}" for t in snap.target_groups),
        *([f"cluster/{snap.cluster.name}"] if snap.cluster and snap.cluster.name else []),
    ]
    assert refs
    for ref in refs:
        root = build_chain(snap, ref)
        assert not root.missing, (ref, root.detail)  # every object listed is found
        assert raw_object(snap, ref) is not None, ref
    node_capacity(snap)
    subnet_capacity(snap)
