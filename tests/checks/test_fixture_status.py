"""Every fixture bundle under fixtures/bundles/<check-id>/<status>-<scenario>/ gives that status,
and every finding fills the placeholders its playbook uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BUNDLES, run_one

CASES = sorted(p for p in BUNDLES.glob("*/*") if p.is_dir())


@pytest.mark.parametrize("bundle", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_gives_the_status_its_name_says(bundle: Path) -> None:
    from netdoctor.engine.registry import load_checks
    from netdoctor.playbooks import load_playbooks

    expected = bundle.name.split("-")[0]
    result = run_one(bundle.parent.name, bundle)
    assert result.status.value == expected, (result.reason, result.findings)
    check = load_checks(plugins=False).checks[bundle.parent.name]
    playbooks = load_playbooks()
    from netdoctor.models import RESOURCE_KINDS

    for finding in result.findings:
        kinds = {ref.split("/", 1)[0] for ref in finding.resources}
        assert kinds <= set(RESOURCE_KINDS), f"unknown resource kinds {kinds - set(RESOURCE_KINDS)}"
        assert set(finding.params) <= set(check.provides), finding
        playbook = playbooks[finding.playbook]
        missing = playbook.placeholders - set(finding.params) - {"cluster", "region"}
        assert not missing, f"{finding.title}: playbook placeholders not filled: {missing}"
