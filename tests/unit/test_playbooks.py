"""Playbooks you can act on: every finding's mechanism has a Fix option, the option prints with
every placeholder the finding can fill filled, and `netdoctor playbook --bundle --finding N`
uses the number every report prints."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import BUNDLES, FIXTURES, REPO, open_snapshot, run_cli

CASES = sorted([p for p in BUNDLES.glob("*/*") if p.is_dir()] + [FIXTURES / "demo"])


@cache
def _playbooks():
    from netdoctor.playbooks import load_playbooks

    return load_playbooks()


def _report(bundle: Path):
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks

    checks = list(load_checks(plugins=False).checks.values())
    return run_checks(checks, open_snapshot(bundle))


def test_every_playbook_has_the_sections_and_fix_options() -> None:
    from netdoctor.engine.registry import load_checks
    from netdoctor.playbooks import SECTIONS

    checks = load_checks(plugins=False).checks
    for playbook_id, playbook in _playbooks().items():
        assert playbook.sections == list(SECTIONS), playbook_id
        assert playbook.options, f"{playbook_id}: no '### Option: TITLE {{#key}}' under Fix"
        assert set(playbook.meta.checks) <= set(checks), playbook_id
        # every `netdoctor playbook X` the text points at exists
        for other in re.findall(r"netdoctor playbook ([a-z][a-z0-9-]+)", playbook.body):
            assert other in _playbooks(), f"{playbook_id} points at unknown playbook {other}"
        # every Fix heading is an option (a bare ### would belong to no mechanism)
        fix = playbook.body.split("\n## Fix\n", 1)[1].split("\n## ", 1)[0]
        bare = [h for h in re.findall(r"^### .*$", fix, flags=re.M) if "{#" not in h]
        assert bare == [], playbook_id
    for check in checks.values():
        assert check.playbook in _playbooks(), check.id


@pytest.mark.parametrize("bundle", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_finding_gets_its_option_with_every_value_filled(bundle: Path) -> None:
    from netdoctor.playbooks import PLACEHOLDER

    report = _report(bundle)
    for _, finding in report.findings():
        playbook = _playbooks()[finding.playbook]
        assert finding.mechanism in playbook.mechanisms, (finding.title, finding.mechanism)
        params = dict(finding.params, cluster="atlas", region="eu-central-1")
        text = playbook.render(params, mechanism=finding.mechanism, all_options=False)
        assert PLACEHOLDER.findall(text) == [], finding.title
        assert "Not filled in" not in text, finding.title
        shown = {o.title for o in playbook.options if f"### {o.title}\n" in text}
        assert shown == {o.title for o in playbook.select(finding.mechanism)}, finding.title


def _playbook(*args: str) -> tuple[int, str, str]:
    result = run_cli("playbook", *args, cwd=REPO)
    return result.code, result.out, result.err


NAT_MISPLACED = "fixtures/bundles/egress-snat-route/fail-nat-in-private-subnet"


def test_the_finding_fills_the_misplaced_nat_and_only_its_option_prints() -> None:
    report = _report(REPO / NAT_MISPLACED)
    (_, finding) = next((r, f) for r, f in report.findings() if f.mechanism == "nat-misplaced")
    misplaced = finding.params["misplaced_nat_id"]
    code, out, err = _playbook(
        "egress-snat-route", "--bundle", NAT_MISPLACED, "--finding", str(finding.index)
    )
    assert (code, err) == (0, "")
    assert out.startswith("# Pods or nodes cannot reach the internet")
    assert f"Filled from finding {finding.index} of {NAT_MISPLACED}: CRITICAL NAT gateway" in out
    assert "MISPLACED_NAT_ID" not in out
    assert f"aws ec2 delete-nat-gateway --region eu-central-1 --nat-gateway-id {misplaced}" in out
    assert "### NAT gateway in a subnet without an internet gateway route" in out
    assert "### Create a NAT gateway in a public subnet" in out
    assert "### External SNAT is on" not in out
    assert "_Showing the options for this finding (`nat-misplaced`); `--all` shows all 8._" in out
    _, everything, _ = _playbook(
        "egress-snat-route", "--bundle", NAT_MISPLACED, "--finding", str(finding.index), "--all"
    )
    assert "### External SNAT is on but the subnet routes to an internet gateway" in everything
    assert f"--nat-gateway-id {misplaced}" in everything
    assert "{#" not in everything


def test_finding_numbers_are_the_report_s() -> None:
    # [1] is cni-health; [3] and [4] are pod-ip-capacity consequences ranked under
    # custom-networking's [2]
    code, out, err = _playbook("egress-snat-route", "--bundle", "fixtures/demo", "--finding", "5")
    assert code == 0, err
    assert "Filled from finding 5 of fixtures/demo: CRITICAL Subnet subnet-04e2a9587c5ead4ba" in out
    code, _, err = _playbook("egress-snat-route", "--bundle", "fixtures/demo", "--finding", "2")
    assert code == 2
    assert err == (
        "netdoctor: error: finding 2 is a custom-networking finding (2 node(s) select ENIConfig "
        "'eu-central-1c', which does not exist: their pods cannot get IPs); its playbook is "
        "'custom-networking', not 'egress-snat-route': run netdoctor playbook custom-networking "
        "--bundle fixtures/demo --finding 2\n"
    )
    code, _, err = _playbook("egress-snat-route", "--bundle", "fixtures/demo", "--finding", "99")
    assert (code, err) == (
        2,
        "netdoctor: error: --finding 99: fixtures/demo has 29 finding(s) (numbers: 1–29)\n",
    )


def test_finding_without_a_bundle_is_a_usage_error() -> None:
    code, out, err = _playbook("egress-snat-route", "--finding", "1")
    assert (code, out) == (2, "")
    assert err == (
        "netdoctor: error: --finding needs --bundle: the finding is numbered in that "
        "bundle's report\n"
    )


def test_without_a_finding_every_option_prints_with_its_placeholders() -> None:
    code, out, _ = _playbook("egress-snat-route")
    assert code == 0
    assert out.count("\n### ") == 8
    assert "--nat-gateway-id MISPLACED_NAT_ID" in out  # the fallback word, for the reader
    assert "--route-table-id {route_table_id}" in out
