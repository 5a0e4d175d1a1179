"""A folder of bundles from different clusters (or regions) is not an incident: `netdoctor
check DIR` refuses it in one line naming two of them, exit 2; frames of one cluster still form
an incident."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import HEALTHY, run_cli


def _bundle(folder: Path, name: str, cluster: str, region: str, minute: int) -> None:
    target = folder / name
    shutil.copytree(HEALTHY, target)
    meta = json.loads((target / "meta.json").read_text())
    meta.update(cluster=cluster, region=region, captured_at=f"2025-10-18T08:{minute:02d}:00Z")
    (target / "meta.json").write_text(json.dumps(meta))


def test_bundles_of_two_clusters_are_refused_naming_both(tmp_path: Path) -> None:
    _bundle(tmp_path, "a", "prod-eu", "eu-west-1", 0)
    _bundle(tmp_path, "b", "staging-us", "eu-west-1", 5)
    result = run_cli("check", str(tmp_path))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "'prod-eu'" in lines[0] and "'staging-us'" in lines[0]
    assert "not one incident" in lines[0] and "Traceback" not in result.err


def test_bundles_of_two_regions_are_refused(tmp_path: Path) -> None:
    _bundle(tmp_path, "a", "prod", "eu-west-1", 0)
    _bundle(tmp_path, "b", "prod", "us-east-1", 5)
    result = run_cli("check", str(tmp_path))
    assert result.code == 2
    assert "'eu-west-1'" in result.err and "'us-east-1'" in result.err


def test_frames_of_one_cluster_are_still_an_incident(tmp_path: Path) -> None:
    _bundle(tmp_path, "a", "prod", "eu-west-1", 0)
    _bundle(tmp_path, "b", "prod", "eu-west-1", 5)
    result = run_cli("check", str(tmp_path), "--fail-on", "never")
    assert result.code == 0, result.err
