"""Helpers the check tests share: expected findings and how to compare them, fixture copies to
edit, and the fixture scripts that must rebuild the committed bundles."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, TypeVar

from netdoctor.models import CheckResult, Finding, Severity
from tests.conftest import BUNDLES, REPO

SCRIPTS = REPO / "scripts" / "fixtures"


def by_zone(values: dict[str, str]) -> tuple[str, ...]:
    """The values of a `Base` mapping (node subnets, route tables, nodes…) in zone order a, b,
    c."""
    return tuple(values[zone] for zone in sorted(values))


# --- expected findings, in the order the check reports them ----------------------------------


@dataclass(frozen=True)
class Expect:
    """One expected finding: severity, a title substring, the exact resources, evidence
    substrings (each must appear in some evidence line), playbook values it must carry and its
    playbook (None: the check's own)."""

    severity: Severity | str
    title: str
    resources: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)
    playbook: str | None = None


def assert_findings(result: CheckResult, expected: list[Expect]) -> None:
    """The result fails with exactly these findings in this order (passes with none)."""
    assert result.status.value == ("fail" if expected else "pass"), result.reason
    got = [(f.severity, f.resources, f.playbook) for f in result.findings]
    want = [(Severity(e.severity), e.resources, e.playbook or result.check) for e in expected]
    assert got == want, [f.title for f in result.findings]
    for finding, wanted in zip(result.findings, expected, strict=True):
        assert wanted.title in finding.title, finding.title
        assert_evidence(finding, wanted.evidence)
        for key, value in wanted.params.items():
            assert finding.params[key] == value, (key, finding.params)


def assert_evidence(finding: Finding, pieces: tuple[str, ...]) -> None:
    """Each piece appears in some evidence line of the finding."""
    for piece in pieces:
        assert any(piece in line for line in finding.evidence), (piece, finding.evidence)


# --- expected findings, in any order ---------------------------------------------------------


class Described(Protocol):
    """What `match_findings` reads of an expectation (the tests' own dataclasses add more)."""

    @property
    def severity(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def resources(self) -> tuple[str, ...]: ...
    @property
    def evidence(self) -> tuple[str, ...]: ...


E = TypeVar("E", bound=Described)


def match_findings(result: CheckResult, expected: list[E]) -> list[tuple[E, Finding]]:
    """The result fails with one finding per expectation, found by its title substring, of the
    severity, resources and evidence expected; returns the pairs for the caller's own checks."""
    assert result.status.value == "fail"
    assert len(result.findings) == len(expected), [f.title for f in result.findings]
    pairs = []
    for want in expected:
        matches = [f for f in result.findings if want.title in f.title]
        assert len(matches) == 1, (want.title, [f.title for f in result.findings])
        found = matches[0]
        assert found.severity.value == want.severity
        assert found.resources == want.resources
        assert_evidence(found, want.evidence)
        pairs.append((want, found))
    return pairs


# --- fixture bundles -------------------------------------------------------------------------


def fixture_names(check: str) -> set[str]:
    """Everything in `fixtures/bundles/<check>/`: one folder per scenario."""
    return {p.name for p in (BUNDLES / check).iterdir()}


def copy_fixture(check: str, scenario: str, tmp_path: Path) -> Path:
    """A copy of one fixture bundle to edit."""
    target = tmp_path / scenario
    shutil.copytree(BUNDLES / check / scenario, target)
    return target


def edit_json(bundle: Path, rel: str, change: Callable[[dict[str, Any]], object]) -> None:
    """Apply `change` to one document of a bundle in place."""
    path = bundle / rel
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, indent=4), encoding="utf-8")


def fixture_script(name: str) -> ModuleType:
    """`scripts/fixtures/<name>.py` (a check id or a script name), imported."""
    path = SCRIPTS / f"{name.replace('-', '_')}.py"
    spec = importlib.util.spec_from_file_location(f"{path.stem}_fixtures", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def assert_rebuilds(folder: Path, docs: dict[str, Any], label: str = "") -> None:
    """`folder` holds exactly these documents, file for file and byte for byte."""
    from netdoctor.tooling.fixtures.docs import dump

    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*.json")}
    assert on_disk == set(docs), label
    for rel, doc in docs.items():
        text = (folder / rel).read_text(encoding="utf-8")
        assert json.loads(text) == doc, (label, rel)
        assert text == dump(rel, doc), (label, rel)


def assert_script_rebuilds_fixtures(name: str) -> None:
    """The fixture script builds exactly what is committed where it writes: every scenario
    folder of a check's script, or the one bundle of a single-bundle script."""
    script = fixture_script(name)
    if not hasattr(script, "SCENARIOS"):
        assert_rebuilds(script.OUT, script.BUILD(), name)
        return
    assert set(script.SCENARIOS) == {p.name for p in script.OUT.iterdir()}
    for scenario, build in script.SCENARIOS.items():
        assert_rebuilds(script.OUT / scenario, build(), scenario)
