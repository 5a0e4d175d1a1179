"""Removing one file from a failing fixture never turns the verdict into `pass`.

A denied AWS call or an uninstalled CRD leaves a file out of a bundle. The check that fails on
the full bundle must then fail anyway, skip (a needed file), or say which mechanism it could not
run (`partial`, or `fail` with `unchecked`): never `pass`, and never fewer findings without
saying why. With `--fail-on-skip` the exit status stays 1.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netdoctor.engine.registry import load_checks
from netdoctor.engine.runner import exit_status, run_checks
from netdoctor.models import Report, Status
from netdoctor.snapshot import files
from tests.conftest import BUNDLES, open_snapshot

FAILING = sorted(BUNDLES.glob("*/fail-*"))
# Files that only ever refine a count: a bundle captured before netdoctor collected them (or by
# a role without the permission) must not turn every check partial. Without the reservations
# file the free counts assume no reservation (docs/bundle-format.md says so), so these
# fixtures, whose shortage only the reservation explains, pass.
REFINEMENTS = {
    ("pod-ip-capacity/fail-explicit-reservation-short", files.AWS_SUBNET_CIDR_RESERVATIONS),
    (
        "prefix-delegation/fail-explicit-reservation-over-free-blocks",
        files.AWS_SUBNET_CIDR_RESERVATIONS,
    ),
}


def _report(check_id: str, bundle: Path) -> Report:
    return run_checks(load_checks(plugins=False).select([check_id]), open_snapshot(bundle))


def _data_files(bundle: Path) -> list[str]:
    rels = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*.json")]
    return sorted(rel for rel in rels if rel != files.META)


@pytest.mark.parametrize("fixture", FAILING, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_removing_any_one_file_never_yields_pass(fixture: Path, tmp_path: Path) -> None:
    check_id = fixture.parent.name
    full = _report(check_id, fixture)
    assert full.results[0].status is Status.FAIL
    full_exit = exit_status(full, "warning", fail_on_skip=True)
    problems = []
    for rel in _data_files(fixture):
        if (f"{check_id}/{fixture.name}", rel) in REFINEMENTS:
            continue
        bundle = tmp_path / rel.replace("/", "_")
        shutil.copytree(fixture, bundle)
        (bundle / rel).unlink()
        report = _report(check_id, bundle)
        result = report.results[0]
        if result.status is Status.PASS:
            problems.append(f"without {rel}: pass")
        fewer = len(result.findings) < len(full.results[0].findings)
        if result.status is Status.FAIL and fewer and not result.unchecked:
            problems.append(f"without {rel}: fewer findings, nothing listed as unchecked")
        if full_exit == 1 and exit_status(report, "warning", fail_on_skip=True) != 1:
            problems.append(f"without {rel}: --fail-on-skip exit status 0")
        shutil.rmtree(bundle)
    assert not problems, problems


def test_the_removal_sweep_covers_every_failing_fixture() -> None:
    # Every check has failing fixtures, and the sweep has hundreds of removals to try.
    assert {p.parent.name for p in FAILING} == set(load_checks(plugins=False).checks)
    assert sum(len(_data_files(p)) for p in FAILING) >= 300
