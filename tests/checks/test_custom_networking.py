"""custom-networking: the exact findings for each fixture and the documented setup that must
pass (per-zone ENIConfigs, max-pods 20 on m5.large); real-world data: tests/shared."""

from __future__ import annotations

import pytest

from netdoctor.tooling.fixtures import base
from netdoctor.tooling.fixtures.docs import stable_id
from tests.checks._support import Expect, assert_findings, fixture_names
from tests.conftest import BUNDLES, HEALTHY, run_one

CHECK = "custom-networking"
FIXTURES = BUNDLES / CHECK
NODE_A = "node/ip-192-168-110-30.eu-central-1.compute.internal"
NODE_B = "node/ip-192-168-140-30.eu-central-1.compute.internal"
NODE_C = "node/ip-192-168-180-30.eu-central-1.compute.internal"
NODE_C2 = "node/ip-192-168-181-30.eu-central-1.compute.internal"
B = base()
# the pod subnets the script adds, ids from their names
PODS_A = f"subnet/{stable_id('subnet', f'{B.cluster}-pods-a')}"  # 100.64.0.0/19, eu-central-1a
SMALL_PODS_C = f"subnet/{stable_id('subnet', f'{B.cluster}-pods-c')}"  # 100.64.96.0/27, 1c
DELETED = f"subnet/{stable_id('subnet', 'deleted-pod-subnet-b')}"
NODE_SGS = f"({B.cluster_sg}, sg-055de5d53eb037320)"  # the base nodes' primary ENI groups


CASES = {
    "fail-no-eniconfig-for-zone": [
        Expect(
            "critical",
            "1 node(s) select ENIConfig 'eu-central-1c', which does not exist",
            (NODE_C,),
            (
                "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true (aws-node env)",
                "select ENIConfig 'eu-central-1c' (label topology.kubernetes.io/zone)",
                "ENIConfigs in the bundle: eu-central-1a, eu-central-1b",
            ),
        )
    ],
    "fail-zone-named-eniconfigs-without-label-def": [
        Expect(
            "critical",
            "3 node(s) select ENIConfig 'default', which does not exist",
            (NODE_A, NODE_B, NODE_C),
            (
                "no k8s.amazonaws.com/eniConfig label or annotation, so the name `default`",
                "ENI_CONFIG_LABEL_DEF=k8s.amazonaws.com/eniConfig (default)",
                "the ENIConfigs are named after zones (eu-central-1a, eu-central-1b, "
                "eu-central-1c) but ENI_CONFIG_LABEL_DEF is not topology.kubernetes.io/zone",
            ),
        )
    ],
    "fail-eniconfig-subnet-in-other-zone": [
        Expect(
            "critical",
            f"ENIConfig eu-central-1b uses subnet {PODS_A[7:]} in eu-central-1a for "
            "1 node(s) in eu-central-1b",
            ("eniconfig/eu-central-1b", PODS_A, NODE_B),
            (
                f"spec.subnet {PODS_A[7:]} (100.64.0.0/19) is in eu-central-1a",
                f"{NODE_B} is in eu-central-1b",
            ),
        )
    ],
    # A deleted subnet blocks every new pod of the nodes selecting it: critical.
    "fail-eniconfig-subnet-deleted": [
        Expect(
            "critical",
            f"ENIConfig eu-central-1b names subnet {DELETED[7:]}, which is not among the VPC's "
            "subnets: the 1 node(s) selecting it get no pod ENIs",
            ("eniconfig/eu-central-1b", DELETED, NODE_B),
            (f"eniconfig/eu-central-1b: spec.subnet {DELETED[7:]}", "mistyped, deleted"),
        )
    ],
    "fail-eniconfig-subnet-short": [
        Expect(
            "warning",
            f"ENIConfig subnet {SMALL_PODS_C[7:]} has 7 free IPs, less than one warm-pool "
            "round of its 2 node(s) needs (10)",
            ("eniconfig/eu-central-1c", SMALL_PODS_C, NODE_C, NODE_C2),
            (
                "(100.64.96.0/27, eu-central-1c): AvailableIpAddressCount 7",
                "next top-up WARM_IP_TARGET=5: 5 IPs",
                "needs 10 IPs; 7 IPs are free",
            ),
        )
    ],
    "fail-eniconfig-without-security-groups": [
        Expect(
            "info",
            "3 ENIConfig(s) set no securityGroups",
            (
                "eniconfig/eu-central-1a",
                "eniconfig/eu-central-1b",
                "eniconfig/eu-central-1c",
                NODE_A,
                NODE_B,
                NODE_C,
            ),
            (
                "eniconfig/eu-central-1a: spec.securityGroups is empty",
                "VPC CNI v1.20.1: since v1.8 pod ENIs then take the node's primary ENI security "
                "groups",
                NODE_SGS,
            ),
        )
    ],
    "fail-max-pods-not-lowered": [
        Expect(
            "warning",
            "3 m5.large node(s) allow 29 pods, the value without custom networking; with the "
            "primary ENI unused they hold 20",
            (NODE_A, NODE_B, NODE_C),
            (
                "kubelet max-pods (status.allocatable.pods) = 29",
                "2 ENIs (primary ENI unused) × (10 − 1) + 2 = 20",
            ),
        )
    ],
    "pass-per-zone-eniconfigs-max-pods-20": [],
}


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_fixture_findings(scenario: str) -> None:
    assert_findings(run_one(CHECK, FIXTURES / scenario), CASES[scenario])


def test_every_fixture_has_a_case() -> None:
    assert fixture_names(CHECK) == set(CASES) | {"skip-no-eniconfigs"}


def test_healthy_example_passes() -> None:
    assert_findings(run_one(CHECK, HEALTHY), [])


def test_skips_without_eniconfigs_and_says_which_file() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-eniconfigs")
    assert (result.status.value, result.reason) == ("skip", "missing k8s/eniconfigs.json")


def test_missing_eniconfig_fills_the_create_command() -> None:
    finding = run_one(CHECK, FIXTURES / "fail-no-eniconfig-for-zone").findings[0]
    assert finding.params == {
        "node": NODE_C[5:],
        "eniconfig": "eu-central-1c",
        "zone": "eu-central-1c",
        "instance_type": "m5.large",
        "max_pods": "20",
        "nodegroup": "general",
        "vpc_id": base().vpc_id,
    }


@pytest.mark.parametrize(
    "fixture",
    [
        "prefix-delegation/pass-prefix-delegation-m5-large-110",
        "prefix-delegation/fail-max-pods-raised-without-pd",
    ],
)
def test_nothing_to_say_without_custom_networking(fixture: str) -> None:
    assert_findings(run_one(CHECK, BUNDLES / fixture), [])
