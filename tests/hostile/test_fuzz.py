"""Seeded mutation fuzzing of bundles: every case ends in a report or one clean error line.

CI runs `NETDOCTOR_FUZZ_CASES` cases (default 300, about 10 s on 2 cores) from a fixed seed, so
a failure reproduces; `python bench/fuzz.py --cases 5000` runs the full sweep over many seeds.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import BUNDLES, run_cli
from tests.hostile import fuzz

CASES = int(os.environ.get("NETDOCTOR_FUZZ_CASES", "300"))
SEED = int(os.environ.get("NETDOCTOR_FUZZ_SEED", "20260301"))


def test_every_fuzzed_bundle_ends_in_a_report_or_one_clean_error(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    problems = []
    kinds = set()
    for case in fuzz.cases(SEED, CASES):
        named, problem = fuzz.check_case(case, work)
        kinds.add(named.mutation.partition(":")[0])
        if problem:
            problems.append(f"{named}: {problem}")
    assert problems == []
    assert len(kinds) >= 25  # the sweep really mixes the mutation kinds


def _deep_bundle(tmp_path: Path, rel: str, depth: int) -> Path:
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLES / "egress-snat-route" / "fail-nat-failed", bundle)
    doc = json.loads((bundle / rel).read_text())
    doc["items" if "items" in doc else next(iter(doc))][0]["Deep"] = "__DEEP__"
    text = json.dumps(doc).replace('"__DEEP__"', "[" * depth + "]" * depth)
    (bundle / rel).write_text(text)
    return bundle


@pytest.mark.parametrize("rel", ["k8s/nodes.json", "aws/ec2-describe-instances.json"])
def test_json_nested_past_the_decoder_limit_is_bad_input_naming_the_file(
    tmp_path: Path, rel: str
) -> None:
    bundle = _deep_bundle(tmp_path, rel, 100_000)
    result = run_cli("check", str(bundle), "--format", "json")
    assert result.code == 2, result.err
    assert result.err.startswith(f"netdoctor: error: {rel}: nested more than 500 levels deep at ")
    assert len(result.err.splitlines()) == 1 and result.out == ""


def test_a_deep_but_sane_document_still_reads(tmp_path: Path) -> None:
    # 100 levels of an ignored field is odd but valid: no error.
    bundle = _deep_bundle(tmp_path, "k8s/nodes.json", 100)
    assert run_cli("check", str(bundle), "--format", "json").code == 1


def test_a_last_applied_manifest_nested_past_the_limit_pins_nothing(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLES / "nodeport-exposure" / "fail-pinned-nodeport", bundle)
    doc = json.loads((bundle / "k8s/services.json").read_text())
    annotation = "kubectl.kubernetes.io/last-applied-configuration"
    for svc in doc["items"]:
        if annotation in svc["metadata"].get("annotations", {}):
            svc["metadata"]["annotations"][annotation] = "[" * 100_000 + "]" * 100_000
    (bundle / "k8s/services.json").write_text(json.dumps(doc))
    result = run_cli("check", str(bundle), "--format", "json", "--check", "nodeport-exposure")
    assert result.err == ""
    (check,) = json.loads(result.out)["results"]
    assert check["status"] in ("pass", "partial")  # was `error: RecursionError`
