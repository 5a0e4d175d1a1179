"""The engine: statuses decided by the runner, plug-in discovery, selection and exit codes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import orjson
import pytest

from tests.conftest import HEALTHY, REPO, run_cli

PLUGIN = textwrap.dedent(
    """
    from netdoctor.engine.api import Check, Severity, files

    class FindsTwo(Check):
        id = "acme-finds-two"
        title = "Always finds two things"
        needs = (files.K8S_NODES,)

        def run(self, snap):
            first = snap.nodes[0].metadata.name
            yield self.finding(Severity.INFO, "an info", resources=[f"node/{first}"])
            yield self.finding(Severity.CRITICAL, "a critical", evidence=["fact 1"])

    class FindsNothing(Check):
        id = "acme-finds-nothing"
        title = "Finds nothing"
        needs = (files.K8S_NODES,)

        def run(self, snap):
            return iter(())

    class NeedsMissing(Check):
        id = "acme-needs-missing"
        title = "Needs a file the bundle lacks"
        needs = (files.K8S_NODES, files.AWS_VPC_ENDPOINTS)

        def run(self, snap):
            raise AssertionError("must not run")

    class Crashes(Check):
        id = "acme-crashes"
        title = "Crashes"
        needs = (files.K8S_NODES,)

        def run(self, snap):
            raise KeyError("spec")
    """
)


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "acme_checks.py").write_text(PLUGIN)
    return folder


@pytest.fixture
def bundle_without_endpoints(tmp_path: Path) -> Path:
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(HEALTHY, bundle)
    (bundle / "aws" / "ec2-describe-vpc-endpoints.json").unlink()
    return bundle


def _report(out: str) -> dict:
    report = orjson.loads(out)
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    return report


def _select(plugin_dir: Path) -> list[str]:
    ids = ["acme-finds-two", "acme-finds-nothing", "acme-needs-missing", "acme-crashes"]
    return ["--checks-dir", str(plugin_dir), *[a for i in ids for a in ("--check", i)]]


def test_runner_decides_fail_pass_skip_error(
    plugin_dir: Path, bundle_without_endpoints: Path
) -> None:
    result = run_cli(
        "check", str(bundle_without_endpoints), "--format", "json", *_select(plugin_dir)
    )
    report = _report(result.out)
    by_id = {r["check"]: r for r in report["results"]}
    assert by_id["acme-finds-two"]["status"] == "fail"
    assert [f["severity"] for f in by_id["acme-finds-two"]["findings"]] == ["critical", "info"]
    first_node = orjson.loads((bundle_without_endpoints / "k8s/nodes.json").read_bytes())
    first_name = first_node["items"][0]["metadata"]["name"]
    assert by_id["acme-finds-two"]["findings"][1]["resources"] == [f"node/{first_name}"]
    assert all(f["playbook"] == "acme-finds-two" for f in by_id["acme-finds-two"]["findings"])
    assert by_id["acme-finds-nothing"] == {
        "check": "acme-finds-nothing",
        "status": "pass",
        "reason": "",
        "findings": [],
        "reason_code": None,
        "missing": [],
        "unchecked": [],
    }
    skipped = by_id["acme-needs-missing"]
    assert skipped["status"] == "skip"
    assert skipped["reason"] == "missing aws/ec2-describe-vpc-endpoints.json"
    assert skipped["reason_code"] == "missing_data"
    assert skipped["missing"] == [
        {
            "file": "aws/ec2-describe-vpc-endpoints.json",
            "collect": "aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=$VPC"
            " > aws/ec2-describe-vpc-endpoints.json",
            "capture": None,
        }
    ]
    assert by_id["acme-crashes"]["status"] == "error"
    assert by_id["acme-crashes"]["reason"] == "KeyError: 'spec'"
    assert result.code == 1  # a critical finding, default --fail-on warning


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 1), ("info", 1), ("never", 0)])
def test_fail_on_threshold_sets_exit_status(plugin_dir: Path, fail_on: str, code: int) -> None:
    result = run_cli("check", str(HEALTHY), "--fail-on", fail_on, *_select(plugin_dir))
    assert result.code == code, result.err


def test_exit_zero_when_nothing_reaches_the_threshold(plugin_dir: Path) -> None:
    result = run_cli(
        "check", str(HEALTHY), "--checks-dir", str(plugin_dir), "--check", "acme-finds-nothing"
    )
    assert result.code == 0
    assert "No problems found in 1 check." in result.out


def test_skip_check_removes_a_check(plugin_dir: Path) -> None:
    result = run_cli(
        "check",
        str(HEALTHY),
        "--format",
        "json",
        *_select(plugin_dir),
        "--skip-check",
        "acme-crashes",
    )
    ids = [r["check"] for r in _report(result.out)["results"]]
    assert "acme-crashes" not in ids and "acme-finds-two" in ids


def test_unknown_check_id_lists_known_ids() -> None:
    result = run_cli("check", str(HEALTHY), "--check", "no-such-check")
    assert result.code == 2
    assert "unknown check id 'no-such-check'" in result.err
    assert "pod-ip-capacity" in result.err


def test_broken_plugin_module_is_one_line_and_the_rest_run(plugin_dir: Path) -> None:
    (plugin_dir / "broken.py").write_text("this is not python(\n")
    result = run_cli("checks", "--checks-dir", str(plugin_dir), "--format", "json")
    assert result.code == 0
    warnings = [line for line in result.err.splitlines() if line]
    assert len(warnings) == 1 and "broken.py" in warnings[0] and "SyntaxError" in warnings[0]
    ids = {c["id"] for c in orjson.loads(result.out)}
    assert {"acme-finds-two", "pod-ip-capacity"} <= ids


def test_duplicate_id_names_both_sources(tmp_path: Path) -> None:
    folder = tmp_path / "dupes"
    folder.mkdir()
    (folder / "mine.py").write_text(
        textwrap.dedent(
            """
        from netdoctor.engine.api import Check, files

        class Mine(Check):
            id = "pod-ip-capacity"
            title = "My own"
            needs = (files.K8S_NODES,)
        """
        )
    )
    result = run_cli("checks", "--checks-dir", str(folder))
    assert result.code == 2
    assert "duplicate check id 'pod-ip-capacity'" in result.err
    assert "built-in (pod_ip_capacity.py)" in result.err and str(folder / "mine.py") in result.err


def test_entry_point_plugin_is_discovered(tmp_path: Path) -> None:
    site = tmp_path / "site"
    package = site / "acme_netdoctor"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN)
    dist = site / "acme_netdoctor-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-netdoctor\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[netdoctor.checks]\nacme = acme_netdoctor\n")
    (dist / "RECORD").write_text("")
    result = run_cli("checks", "--format", "json", env={"PYTHONPATH": str(site)})
    assert result.code == 0, result.err
    sources = {c["id"]: c["source"] for c in orjson.loads(result.out)}
    assert sources["acme-finds-two"] == "plug-in acme (acme_netdoctor)"
    result = run_cli(
        "check",
        str(HEALTHY),
        "--check",
        "acme-crashes",
        "--format",
        "json",
        env={"PYTHONPATH": str(site)},
    )
    assert _report(result.out)["results"][0]["status"] == "error"


def test_broken_entry_point_warns_and_the_rest_load(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist = site / "ghost-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ghost\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[netdoctor.checks]\nghost = ghost_missing_module\n")
    result = run_cli("checks", "--format", "json", env={"PYTHONPATH": str(site)})
    assert result.code == 0
    assert "skipping plug-in 'ghost'" in result.err and "ModuleNotFoundError" in result.err
    assert any(c["id"] == "pod-ip-capacity" for c in orjson.loads(result.out))


def test_check_with_bad_metadata_is_rejected_at_class_creation() -> None:
    from netdoctor.engine.api import Check

    with pytest.raises(TypeError, match="unknown bundle files"):
        type("Bad", (Check,), {"id": "bad-one", "title": "t", "needs": ("k8s/nope.json",)})
    with pytest.raises(TypeError, match="kebab-case"):
        type("Bad", (Check,), {"id": "Bad_One", "title": "t"})


def test_every_report_format_on_the_healthy_example() -> None:
    json_result = run_cli("check", str(HEALTHY), "--format", "json")
    report = _report(json_result.out)
    assert report["snapshot"]["cluster"] == "orbit-dev"
    assert {r["status"] for r in report["results"]} <= {"pass", "skip"}
    md = run_cli("check", str(HEALTHY), "--format", "markdown")
    assert md.out.startswith("# netdoctor report") and "orbit-dev" in md.out
    text = run_cli("check", str(HEALTHY))
    assert "No problems found" in text.out and text.code == 0


def test_check_modules_import_their_underscore_helpers_relatively(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "_shared.py").write_text('LABEL = "from the helper"\n')
    (folder / "uses_helper.py").write_text(
        textwrap.dedent(
            """
        from netdoctor.engine.api import Check, Severity, files
        from ._shared import LABEL

        class UsesHelper(Check):
            id = "uses-helper"
            title = "Imports a sibling helper"
            needs = (files.K8S_NODES,)

            def run(self, snap):
                yield self.finding(Severity.INFO, LABEL)
        """
        )
    )
    result = run_cli(
        "check",
        str(HEALTHY),
        "--checks-dir",
        str(folder),
        "--check",
        "uses-helper",
        "--format",
        "json",
    )
    assert _report(result.out)["results"][0]["findings"][0]["title"] == "from the helper"
    ids = orjson.loads(run_cli("checks", "--checks-dir", str(folder), "--format", "json").out)
    assert "_shared" not in {c["id"] for c in ids}
