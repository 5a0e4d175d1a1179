"""The headless core never imports Textual, kubernetes or boto3: `netdoctor check` in CI must not
pay for (or break on) the TUI or the cloud clients. Checked in a fresh interpreter, where
sys.modules tells the truth. The built-in checks import only the check API and the facts."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import HEALTHY, REPO

PROGRAM = f"""
import contextlib, io, json, sys
import netdoctor.frontends.cli, netdoctor.engine.runner, netdoctor.explore, netdoctor.models
import netdoctor.report.json, netdoctor.report.markdown, netdoctor.report.console
import netdoctor.snapshot.snapshot, netdoctor.facts.views
from netdoctor.frontends.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["check", {str(HEALTHY)!r}, "--format", "json"])
from netdoctor.explore import build_chain, raw_object, node_capacity
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot
snap = Snapshot(open_bundle({str(HEALTHY)!r}))
tree = build_chain(snap, snap.views.nodes[0].ref)
raw = raw_object(snap, tree.ref)
print(json.dumps({{
    "code": code,
    "checks": len(json.loads(out.getvalue())["results"]),
    "chain": tree.title,
    "raw": raw.file if raw else None,
    "textual": sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")),
    "clients": sorted(
        m for m in sys.modules if m.split(".")[0] in ("kubernetes", "boto3", "botocore")
    ),
}}))
"""


def test_check_path_and_inspect_never_import_textual_kubernetes_or_boto3() -> None:
    import json

    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["textual"] == []
    assert result["clients"] == []
    # It did the work, not just the imports: a report over every check, a chain, raw JSON.
    assert result["code"] == 0 and result["checks"] >= 1
    assert result["chain"].startswith("node/ip-192-168-")
    assert result["raw"] == "k8s/nodes.json"


CHECKS = REPO / "checks"
CHECK_API = ("netdoctor.engine.api", "netdoctor.models", "netdoctor.snapshot.files")
"""What a built-in check may import at run time, with `netdoctor.facts.*` and the standard
library. import-linter cannot see checks/ (loaded by path, not a package), so this test does."""
TYPE_ONLY = ("netdoctor.snapshot.k8s_types", "netdoctor.snapshot.aws_types")
"""The decoded shapes a check reads, named in annotations under `if TYPE_CHECKING:` only."""


def _imports(tree: ast.Module) -> list[tuple[str, int, bool]]:
    """(name, line, type_only) for every name imported: `a.b` for `import a.b`, `a.b.c` for
    `from a.b import c`, relative ones starting with a dot."""
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            guarded = type_only or (
                isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING")
            )
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, type_only) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = "." * child.level + (child.module or "")
                sep = "" if base.endswith(".") else "."
                found.extend((f"{base}{sep}{a.name}", child.lineno, type_only) for a in child.names)
            visit(child, guarded)

    visit(tree, False)
    return found


def _within(name: str, modules: tuple[str, ...]) -> bool:
    return any(name == m or name.startswith(m + ".") for m in modules)


def _allowed(name: str, type_only: bool) -> bool:
    if name.startswith("."):
        return True  # a sibling helper in checks/ (`from . import _ipam`)
    if name.split(".")[0] in sys.stdlib_module_names:
        return True
    if _within(name, (*CHECK_API, "netdoctor.facts")):
        return True
    return type_only and _within(name, TYPE_ONLY)


@pytest.mark.parametrize("path", sorted(CHECKS.glob("*.py")), ids=lambda p: p.name)
def test_builtin_checks_import_only_the_check_api_and_facts(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [f"{path.name}:{line} {m}" for m, line, t in _imports(tree) if not _allowed(m, t)]
    assert not bad, "checks may import only the check API, facts and the stdlib: " + str(bad)


def test_the_checks_import_rule_catches_a_forbidden_import() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import boto3\n"
        "from netdoctor.snapshot.bundle import open_bundle\n"
        "from netdoctor.facts import ipam\n"
        "if TYPE_CHECKING:\n"
        "    from netdoctor.snapshot import k8s_types\n"
        "    from netdoctor.snapshot.k8s_types import Pod\n"
        "def run():\n"
        "    from netdoctor.frontends.tui import app\n"
    )
    rejected = [m for m, _, t in _imports(tree) if not _allowed(m, t)]
    assert rejected == [
        "boto3",
        "netdoctor.snapshot.bundle.open_bundle",
        "netdoctor.frontends.tui.app",
    ]
