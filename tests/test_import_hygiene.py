"""The headless core never imports Textual: `netdoctor check` in CI must not pay for (or break
on) the TUI. Checked in a fresh interpreter, where sys.modules tells the truth."""

from __future__ import annotations

import subprocess
import sys

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
}}))
"""


def test_check_path_and_inspect_never_import_textual() -> None:
    import json

    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["textual"] == []
    # It did the work, not just the imports: a report over every check, a chain, raw JSON.
    assert result["code"] == 0 and result["checks"] >= 1
    assert result["chain"].startswith("node/ip-192-168-")
    assert result["raw"] == "k8s/nodes.json"
