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


def test_multi_card_types_count_only_the_default_cards_enis() -> None:
    """ipamd attaches pod ENIs to network card 0 only (VPC CNI v1.7.10 release notes; v1.20's
    ENABLE_MULTI_NIC adds multi-homed pods on the other cards, not ordinary pod room). EC2 puts
    8 of i7ie.48xlarge's 15 ENIs and 12 of i8ge.48xlarge's 24 on card 0, so the ceiling is
    8 × 49 + 2 = 394 and 12 × 49 + 2 = 590, below the 737/1178 of AWS's eni-max-pods.txt,
    which counted every card's ENIs."""
    code, rows = max_pods_json(
        "i7ie.48xlarge",
        "i7ie.metal-48xl",
        "i8ge.48xlarge",
        "i8ge.metal-48xl",
        "--show-max-allowed",
    )
    assert code == 0
    assert {name: (row["max_pods"], row["enis"]) for name, row in rows.items()} == {
        "i7ie.48xlarge": (394, 8),
        "i7ie.metal-48xl": (394, 8),
        "i8ge.48xlarge": (590, 12),
        "i8ge.metal-48xl": (590, 12),
    }


@pytest.mark.parametrize(
    ("labels", "os_image", "expected"),
    [
        (
            {"karpenter.sh/nodepool": "default"},
            "Amazon Linux 2023.6",
            "Karpenter (NodePool default)",
        ),
        ({"eks.amazonaws.com/compute-type": "auto"}, "Bottlerocket OS 1.30", "EKS Auto Mode"),
        ({}, "Bottlerocket OS 1.30.0 (aws-k8s-1.32)", "Bottlerocket: settings.kubernetes.max-pods"),
        ({}, "Amazon Linux 2023.6.20250115", "nodeadm (AL2023)"),
        ({}, "Amazon Linux 2", "bootstrap.sh (AL2)"),
        ({}, None, "the bundle does not show who set it"),
    ],
)
def test_max_pods_origin_names_who_set_it(
    labels: dict[str, str], os_image: str | None, expected: str
) -> None:
    from netdoctor.facts.maxpods import max_pods_origin

    assert expected in max_pods_origin(labels, os_image)
