"""The fast path (typed decode that skips unread fields) changes no result: on every fixture,
the example and the foreign bundles, the JSON report is byte for byte the one the straightforward
path (a full generic parse, then conversion) gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BUNDLES, FIXTURES, FOREIGN, HEALTHY

CASES = [
    HEALTHY,
    *sorted(p for p in BUNDLES.glob("*/*") if p.is_dir()),
    *sorted(p for p in FOREIGN.iterdir() if p.is_dir() and p.name != "awscli-examples-malformed"),
    *([FIXTURES / "demo"] if (FIXTURES / "demo" / "k8s").is_dir() else []),
]


def _report(path: Path, decode: str) -> str:
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks
    from netdoctor.report.json import render_json
    from netdoctor.snapshot.bundle import open_bundle
    from netdoctor.snapshot.snapshot import Snapshot

    checks = list(load_checks(plugins=False).checks.values())
    with open_bundle(path) as bundle:
        return render_json(run_checks(checks, Snapshot(bundle, decode=decode)))


@pytest.mark.parametrize("bundle", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_typed_decode_gives_the_same_report_as_a_generic_parse(bundle: Path) -> None:
    assert _report(bundle, "typed") == _report(bundle, "generic")
