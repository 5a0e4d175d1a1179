"""`netdoctor check INCIDENT`: every frame's report plus the timeline, `--frame` for one frame
(then exactly the single-bundle report), text and Markdown timeline tables, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from tests.conftest import HEALTHY, REPO, run_cli
from tests.incident.conftest import DEMO, NODE_A

SCHEMAS = REPO / "docs"


@pytest.fixture(scope="module")
def demo_json() -> dict:
    result = run_cli("check", str(DEMO), "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_the_incident_json_follows_its_schema_and_reuses_the_single_report(demo_json) -> None:
    report_schema = json.loads((SCHEMAS / "report.schema.json").read_text())
    incident_schema = json.loads((SCHEMAS / "incident-report.schema.json").read_text())
    registry = Registry().with_resource(report_schema["$id"], Resource.from_contents(report_schema))
    jsonschema.Draft202012Validator(incident_schema, registry=registry).validate(demo_json)
    assert demo_json["incident"] == {
        "frames": 12,
        "first": "2025-10-18T08:00:00Z",
        "last": "2025-10-18T08:05:30Z",
        "source": str(DEMO),
        "cluster": "orbit-dev",
        "region": "eu-central-1",
    }
    assert [f["snapshot"]["captured_at"][11:] for f in demo_json["frames"]][:3] == [
        "08:00:00Z",
        "08:00:30Z",
        "08:01:00Z",
    ]
    on_node_a = [t for t in demo_json["timeline"] if f"node/{NODE_A}" in t["resources"]]
    assert [(t["first_seen"], t["cleared"], t["frames_held"]) for t in on_node_a] == [
        ("2025-10-18T08:00:00Z", "2025-10-18T08:01:00Z", 2),  # subnet short for warm pool
        ("2025-10-18T08:01:00Z", "2025-10-18T08:04:30Z", 7),  # pods without an IP
        ("2025-10-18T08:01:30Z", "2025-10-18T08:02:00Z", 1),  # Too many pods
    ]


def test_one_frame_by_number_or_time_prints_exactly_the_single_bundle_report(demo_json) -> None:
    by_number = run_cli("check", str(DEMO), "--frame", "4", "--format", "json")
    by_time = run_cli("check", str(DEMO), "--frame", "08:01:45", "--format", "json")
    assert by_number.code == 1  # frame 4 has critical findings
    single = json.loads(by_number.out)
    assert set(single) == {"netdoctor", "snapshot", "results", "notes", "eks_signals"}
    assert single == demo_json["frames"][3]
    assert json.loads(by_time.out) == single  # the last frame at or before 08:01:45
    frame_dir = run_cli("check", str(DEMO / "frames" / "0004"), "--format", "json")
    assert json.loads(frame_dir.out) == single  # a frame directory is a bundle of its own


def test_the_text_and_markdown_reports_show_the_timeline_table() -> None:
    text = run_cli("check", str(DEMO))
    assert text.code == 1  # critical findings held in some frames
    assert "Timeline" in text.out and "First seen → cleared" in text.out
    assert "08:01:00 (+1m, frame 3)" in text.out and "→ 08:04:30 (+4m30s, frame 10)" in text.out
    assert "··███████···" in text.out
    assert "4 findings over 12 frames; 0 still open in the last frame." in text.out
    markdown = run_cli("check", str(DEMO), "--format", "markdown", "--fail-on", "never")
    assert markdown.code == 0
    assert "## Timeline" in markdown.out
    row = next(line for line in markdown.out.splitlines() if "Too many pods" in line)
    assert "08:01:30 (+1m30s, frame 4) | 08:02:00 (+2m, frame 5) | 1/12 `···█········`" in row


def test_a_frame_that_does_not_exist_is_a_one_line_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", str(DEMO), "--frame", "13")
    assert result.code == 2
    assert result.err == f"netdoctor: error: {DEMO}: no frame 13; the incident has frames 1..12\n"
    single = run_cli("check", str(HEALTHY), "--frame", "2")
    assert single.code == 2 and "--frame needs a recorded incident" in single.err


def test_checking_and_recording_an_incident_never_imports_textual(tmp_path: Path) -> None:
    out = str(tmp_path / "i")
    code = (
        "import sys, contextlib, io\n"
        "from netdoctor.frontends.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['check', {str(DEMO)!r}, '--format', 'markdown']) == 1\n"
        f"    assert main(['record', '--from', {str(DEMO)!r}, '-q', '-o', {out!r}]) == 0\n"
        "import netdoctor.sources.incident.analysis, netdoctor.sources.incident.diff\n"
        "import netdoctor.sources.incident.series\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
