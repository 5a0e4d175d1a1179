"""Helpers for the live-capture tests: read bundles, compare check results."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

from netdoctor.snapshot import files as f


def extract(archive: Path, into: Path) -> Path:
    """Unpack a captured `.tar.gz` (our own output) and return the bundle root."""
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def items(root: Path, rel: str) -> list[dict[str, Any]]:
    return json.loads((root / rel).read_text(encoding="utf-8"))["items"]


def doc(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text(encoding="utf-8"))


def names(objects: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    """(namespace, name) of each object, sorted."""
    return sorted((o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects)


def check_results(root: Path) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    """Every built-in check on the bundle: id → (status, findings as comparable tuples)."""
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks
    from netdoctor.snapshot.bundle import open_bundle
    from netdoctor.snapshot.snapshot import Snapshot

    registry = load_checks(plugins=False)
    with open_bundle(root) as bundle:
        report = run_checks(registry.select([], []), Snapshot(bundle))
    return {
        r.check: (
            r.status.value,
            [(x.severity.value, x.title, x.resources, x.evidence) for x in r.findings],
        )
        for r in report.results
    }


def needs_of(check_id: str) -> tuple[str, ...]:
    from netdoctor.engine.registry import load_checks

    registry = load_checks(plugins=False)
    return registry.select([check_id], [])[0].needs


def with_meta_of(source: Path, captured: Path) -> None:
    """Give the source bundle the capture's `captured_at`, so time-relative evidence matches."""
    meta = doc(source, f.META)
    meta["captured_at"] = doc(captured, f.META)["captured_at"]
    (source / f.META).write_text(json.dumps(meta), encoding="utf-8")
