"""The healthy base every fixture starts from: made by our own generator, the same bytes every
time, and quiet under every check (a fixture's finding must come from its edit alone)."""

from __future__ import annotations

from pathlib import Path

from netdoctor.engine.registry import load_checks
from netdoctor.engine.runner import run_checks
from netdoctor.models import Status
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.tooling.fixtures import Cluster, base, healthy_docs
from netdoctor.tooling.fixtures.docs import dump, write_docs


def test_the_base_is_deterministic_and_names_its_objects() -> None:
    first, second = healthy_docs(), healthy_docs()
    assert {k: dump(k, v) for k, v in first.items()} == {k: dump(k, v) for k, v in second.items()}
    names = base()
    assert len(names.zones) == 3
    assert set(names.private_subnets) == set(names.private_route_tables) == set(names.nat_gateways)
    assert len(Cluster().node_names()) == 3


def test_every_check_passes_on_the_healthy_base(tmp_path: Path) -> None:
    folder = write_docs(tmp_path / "base", healthy_docs())
    report = run_checks(load_checks(plugins=False).select(), Snapshot(open_bundle(folder)))
    other_platforms = {"cilium-eni-ipam", "ipv6-pod-prefixes"}  # not applicable: VPC CNI, IPv4
    assert {r.check: r.status for r in report.results} == {
        r.check: Status.SKIP if r.check in other_platforms else Status.PASS for r in report.results
    }, [f.title for r in report.results for f in r.findings]
