"""`netdoctor max-pods`: the VPC CNI max-pods calculator, on AWS's published figures (the whole
published table is compared in tests/shared/test_reference_tables.py)."""

from __future__ import annotations

import orjson
import pytest

from netdoctor.facts.instances import offline_table
from netdoctor.facts.maxpods import MaxPodsInput, recommended_max_pods
from tests.conftest import run_cli


def max_pods_json(*args: str) -> tuple[int, dict[str, dict]]:
    result = run_cli("max-pods", *args, "--format", "json")
    assert "Traceback" not in result.err
    return result.code, {row["instance_type"]: row for row in orjson.loads(result.out)}


def test_published_figures_with_show_max_allowed() -> None:
    code, rows = max_pods_json(
        "t3.medium", "m5.large", "m5.xlarge", "c5.4xlarge", "m5.24xlarge", "--show-max-allowed"
    )
    assert code == 0
    assert {name: row["max_pods"] for name, row in rows.items()} == {
        "t3.medium": 17,
        "m5.large": 29,
        "m5.xlarge": 58,
        "c5.4xlarge": 234,
        "m5.24xlarge": 737,
    }


def test_recommendation_caps_at_110_and_250_above_30_vcpus() -> None:
    code, rows = max_pods_json("m5.large", "c5.4xlarge", "m5.24xlarge")
    assert code == 0
    assert rows["m5.large"]["max_pods"] == 29  # under the cap
    assert (rows["c5.4xlarge"]["max_pods"], rows["c5.4xlarge"]["max_allowed"]) == (110, 234)
    assert rows["m5.24xlarge"]["vcpus"] == 96
    assert (rows["m5.24xlarge"]["max_pods"], rows["m5.24xlarge"]["max_allowed"]) == (250, 737)


def test_custom_networking_leaves_the_primary_eni_out() -> None:
    code, rows = max_pods_json("m5.large", "--custom-networking")
    assert code == 0
    assert rows["m5.large"]["max_pods"] == 20


def test_prefix_delegation_is_capped_at_110() -> None:
    code, rows = max_pods_json("m5.large", "m4.large", "--prefix-delegation")
    assert code == 0
    assert (rows["m5.large"]["max_pods"], rows["m5.large"]["max_allowed"]) == (110, 434)
    # a Xen type gets no prefixes: aws-node (and max-pods-calculator.sh) use secondary IPs
    assert (rows["m4.large"]["max_pods"], rows["m4.large"]["nitro"]) == (20, False)
    assert "Nitro" in rows["m4.large"]["warning"]


def test_prefix_delegation_with_custom_networking_allows_290() -> None:
    code, rows = max_pods_json(
        "m5.large", "--prefix-delegation", "--custom-networking", "--show-max-allowed"
    )
    assert code == 0
    assert rows["m5.large"]["max_pods"] == 290


def test_unknown_type_gives_null_and_exit_2() -> None:
    code, rows = max_pods_json("m5.large", "x9.nonexistent")
    assert code == 2
    assert rows["x9.nonexistent"]["max_pods"] is None
    assert rows["m5.large"]["max_pods"] == 29


@pytest.mark.parametrize(
    ("instance_type", "settings", "expected"),
    [
        ("m5.large", MaxPodsInput(max_eni=2), 20),  # --cni-max-eni 2: 2 × 9 + 2
        ("m5.large", MaxPodsInput(max_eni=9), 29),  # MAX_ENI above the instance limit
        ("t3.medium", MaxPodsInput(prefix_delegation=True), 110),  # 3 × 5 × 16 + 2 = 242
        ("c5.4xlarge", MaxPodsInput(prefix_delegation=True), 110),
        ("m5.24xlarge", MaxPodsInput(prefix_delegation=True), 250),
    ],
)
def test_recommended_values(instance_type: str, settings: MaxPodsInput, expected: int) -> None:
    assert recommended_max_pods(offline_table()[instance_type], settings) == expected
