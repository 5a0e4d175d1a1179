"""The fast path (typed decode that skips unread fields) changes no result: on every fixture and
the healthy bundle (the foreign bundles: tests/shared), the JSON report is byte for byte the one
the straightforward path (a full generic parse, then conversion) gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BUNDLES, FIXTURES, HEALTHY

CASES = [
    HEALTHY,
    *sorted(p for p in BUNDLES.glob("*/*") if p.is_dir()),
    *([FIXTURES / "demo"] if (FIXTURES / "demo" / "k8s").is_dir() else []),
]


def report_of(path: Path, decode: str, responsive: bool = False) -> str:
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks
    from netdoctor.report.json import render_json
    from netdoctor.snapshot.bundle import open_bundle
    from netdoctor.snapshot.snapshot import Snapshot

    checks = list(load_checks(plugins=False).checks.values())
    with open_bundle(path) as bundle:
        snap = Snapshot(bundle, decode=decode)
        snap.responsive = responsive
        return render_json(run_checks(checks, snap))


@pytest.mark.parametrize("bundle", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_typed_decode_gives_the_same_report_as_a_generic_parse(bundle: Path) -> None:
    assert report_of(bundle, "typed") == report_of(bundle, "generic")


@pytest.mark.parametrize("bundle", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_decoding_item_by_item_gives_the_same_report(bundle: Path, monkeypatch) -> None:
    from netdoctor.snapshot import snapshot

    monkeypatch.setattr(snapshot, "RESPONSIVE_MIN_BYTES", 0)  # slice even the small fixtures
    assert report_of(bundle, "typed", responsive=True) == report_of(bundle, "typed")


def test_item_by_item_decoding_reports_bad_input_like_the_one_call_path(tmp_path: Path) -> None:
    import shutil

    import orjson

    from netdoctor.errors import BundleError
    from netdoctor.snapshot.bundle import _item_slices, open_bundle
    from netdoctor.snapshot.snapshot import Snapshot

    bundle = tmp_path / "b"
    shutil.copytree(HEALTHY, bundle)
    pods = orjson.loads((bundle / "k8s/pods.json").read_bytes())
    pods["items"][4]["status"]["phase"] = 7
    (bundle / "k8s/pods.json").write_text(__import__("json").dumps(pods, indent=4))
    assert _item_slices((bundle / "k8s/pods.json").read_bytes(), "items") is not None
    messages = []
    for responsive in (False, True):
        snap = Snapshot(open_bundle(bundle))
        snap.responsive = responsive
        from netdoctor.snapshot import snapshot as module

        old, module.RESPONSIVE_MIN_BYTES = module.RESPONSIVE_MIN_BYTES, 0
        try:
            with pytest.raises(BundleError) as caught:
                snap.doc("k8s/pods.json")
        finally:
            module.RESPONSIVE_MIN_BYTES = old
        messages.append(str(caught.value))
    assert (
        messages[0]
        == messages[1]
        == ("k8s/pods.json: items[4].status.phase: expected str, got int")
    )
