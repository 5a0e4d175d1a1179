"""Files saved in layouts the bundle format does not use (a recorded boto3 response, a bare
array, a single object where kubectl prints a List) end in one line naming the file and what
it holds, and CNINode features written as plain names read as those names. The real-world
originals are in the shared tier (tests/shared/test_foreign2.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import BUNDLES, HEALTHY, run_cli, run_one


def _bundle(tmp_path: Path, rel: str, text: str) -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(HEALTHY, root)
    (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("rel", "text", "says"),
    [
        (
            "aws/ec2-describe-subnets.json",
            '{"status_code": 200, "data": {"Subnets": []}}',
            "a recorded API response",
        ),
        ("k8s/nodes.json", '[{"kind": "Node"}]', "expected a Kubernetes List"),
        (
            "k8s/nodes.json",
            '{\n    "apiVersion": "v1",\n    "kind": "Node",\n    "metadata": {}\n}',
            "got a single Node object",
        ),
        ("aws/ec2-describe-subnets.json", "[]", "expected an object, got a JSON array"),
    ],
    ids=["placebo-envelope", "array-for-a-list", "single-object", "array-for-an-aws-file"],
)
def test_a_foreign_layout_is_one_line_naming_the_file(
    tmp_path: Path, rel: str, text: str, says: str
) -> None:
    result = run_cli("check", str(_bundle(tmp_path, rel, text)))
    assert result.code == 2
    assert result.err.startswith(f"netdoctor: error: {rel}: ") and result.err.count("\n") == 1
    assert says in result.err


def test_a_list_kind_and_a_list_with_items_first_are_still_lists(tmp_path: Path) -> None:
    nodes = json.loads((HEALTHY / "k8s" / "nodes.json").read_text(encoding="utf-8"))
    nodes["kind"] = "NodeList"  # the API server's own list kind
    text = json.dumps({"kind": nodes["kind"], **nodes}, indent=4)  # kind first
    result = run_cli("check", str(_bundle(tmp_path, "k8s/nodes.json", text)))
    assert result.code == 0, result.err


def test_cninode_features_written_as_plain_names_mark_the_node(tmp_path: Path) -> None:
    """AWS's sample CNINode (amazon-vpc-resource-controller-k8s config/samples) lists features
    as strings where the CRD says `{name, value}` objects."""
    fixture = BUNDLES / "trunk-node-label" / "pass-sgp-cni-1-15-cninode-features"
    root = tmp_path / "bundle"
    shutil.copytree(fixture, root)
    path = root / "k8s" / "cninodes.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for item in doc["items"]:
        item["spec"]["features"] = ["SecurityGroupsForPods", "CustomNetworking"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert run_one("trunk-node-label", root).status.value == "pass"
    for item in doc["items"]:
        item["spec"]["features"] = ["CustomNetworking"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run_one("trunk-node-label", root)
    assert result.status.value == "fail"
    assert all(
        "lacks the CNINode feature SecurityGroupsForPods" in f.title for f in result.findings
    )
