"""prefix-delegation: the exact findings for each fixture, the healthy look-alikes (PD on Nitro
with max-pods 110) and the cases it leaves to pod-ip-capacity (real-world data: tests/shared)."""

from __future__ import annotations

import pytest

from netdoctor.tooling.fixtures import base
from tests.checks._support import Expect, assert_findings, by_zone, fixture_names
from tests.conftest import BUNDLES, HEALTHY, run_one

CHECK = "prefix-delegation"
FIXTURES = BUNDLES / CHECK
PD_NODES = tuple(
    f"node/ip-192-168-{octet}-20.eu-central-1.compute.internal" for octet in (110, 140, 180)
)
HEALTHY_NODES = tuple(f"node/{name}" for name in by_zone(base().nodes))
M4_NODE = "node/ip-192-168-150-20.eu-central-1.compute.internal"
FRAGMENTED_NODE = "node/ip-192-168-210-20.eu-central-1.compute.internal"
FRAGMENTED = "subnet/subnet-032e126b324612fbc"  # 192.168.210.0/24


FRAGMENTED_EVIDENCE = (
    "(192.168.210.0/24, eu-central-1c): AvailableIpAddressCount 222",
    "13 ENIs in the subnet hold 13 single addresses and 1 /28 prefixes",
    "0 of 16 aligned /28 blocks are entirely free",
)
CASES = {
    "fail-non-nitro-instance-type": [
        Expect(
            "warning",
            "Prefix delegation is on but m4.large is not a Nitro type: 1 node(s) get secondary "
            "IPs only (20 pods)",
            (M4_NODE,),
            (
                "ENABLE_PREFIX_DELEGATION=true (aws-node env)",
                # describe-instances says xen for every instance; describe-instance-types decides
                "m4.large: hypervisor xen (describe-instance-types, bundle)",
                "2 ENIs × (10 − 1) + 2 = 20",
                "kubelet max-pods 110 > 20",
            ),
        )
    ],
    "fail-fragmented-subnet": [
        Expect(
            "warning",
            "Subnet subnet-032e126b324612fbc has 222 free IPs but no free aligned /28",
            (FRAGMENTED, FRAGMENTED_NODE),
            FRAGMENTED_EVIDENCE,
        )
    ],
    "fail-fragmented-subnet-pods-stuck": [
        Expect(
            "critical",
            "Subnet subnet-032e126b324612fbc has 222 free IPs but no free aligned /28",
            (FRAGMENTED, FRAGMENTED_NODE),
            (
                *FRAGMENTED_EVIDENCE,
                "1 pod(s) on these nodes stuck on 'failed to assign an IP address to container': "
                "pod/shop/bad-ingest-6d8f9-wq4zt",
            ),
        )
    ],
    # Two free aligned blocks, but under an explicit reservation: EC2 delegates no prefix there.
    "fail-explicit-reservation-over-free-blocks": [
        Expect(
            "warning",
            "Subnet subnet-032e126b324612fbc has 192 free IPs but no free aligned /28",
            (FRAGMENTED, FRAGMENTED_NODE),
            (
                "AvailableIpAddressCount 224",
                "0 of 16 aligned /28 blocks are entirely free",
                "explicit CIDR reservations touch 2 otherwise free block(s) and withhold 32",
                "explicit reservation scr-07deec7dac3aac764 192.168.210.192/27",
            ),
        )
    ],
    "fail-max-pods-left-at-secondary": [
        Expect(
            "info",
            "Prefix delegation is on but 3 m6i.large node(s) still allow only 29 pods",
            PD_NODES,
            (
                "kubelet max-pods (status.allocatable.pods) = 29",
                "3 ENIs × (10 − 1) × 16 + 2 = 434",
                "recommended max-pods 110",
            ),
        )
    ],
    # The same finding on its own; in the report, the pods it keeps Pending make it critical
    # (tests/checks/test_platforms.py).
    "fail-max-pods-left-at-secondary-pods-pending": [
        Expect(
            "info",
            "Prefix delegation is on but 3 m6i.large node(s) still allow only 29 pods",
            PD_NODES,
            ("kubelet max-pods (status.allocatable.pods) = 29", "recommended max-pods 110"),
        )
    ],
    "fail-max-pods-raised-without-pd": [
        Expect(
            "warning",
            "3 m6i.large node(s) allow 110 pods, a prefix-delegation value, but prefix "
            "delegation is off: the ENIs hold 29",
            HEALTHY_NODES,
            (
                "ENABLE_PREFIX_DELEGATION=false (aws-node env)",
                "without them: 3 ENIs × (10 − 1) + 2 = 29",
                "can place 81 more pods per node",
            ),
        )
    ],
    # PD on m5.large: ceiling 434, kubelet 110 is the recommended value, not "left at the
    # secondary-IP value"; the node monitoring agent's NetworkingReady=True is healthy.
    "pass-prefix-delegation-m5-large-110": [],
    # The same two blocks under a prefix reservation: room for the node's next prefixes.
    "pass-prefix-reservation-keeps-blocks": [],
}


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_fixture_findings(scenario: str) -> None:
    assert_findings(run_one(CHECK, FIXTURES / scenario), CASES[scenario])


def test_every_fixture_has_a_case() -> None:
    assert fixture_names(CHECK) == set(CASES) | {"skip-no-subnets"}


def test_healthy_example_passes() -> None:
    assert_findings(run_one(CHECK, HEALTHY), [])


def test_skips_without_subnets_and_says_which_file() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-subnets")
    assert (result.status.value, result.reason) == ("skip", "missing aws/ec2-describe-subnets.json")


@pytest.mark.parametrize(
    ("scenario", "max_pods"),
    [
        ("fail-non-nitro-instance-type", "20"),  # what the Xen node really holds
        ("fail-max-pods-raised-without-pd", "29"),  # without turning prefixes on
        ("fail-max-pods-left-at-secondary", "110"),  # what prefixes allow, capped
        ("fail-fragmented-subnet", "110"),
    ],
)
def test_the_max_pods_the_playbook_sets(scenario: str, max_pods: str) -> None:
    assert run_one(CHECK, FIXTURES / scenario).findings[0].params["max_pods"] == max_pods


# A max-pods simply above the ENI capacity, with no prefix-delegation value in it, is
# pod-ip-capacity's (see checks/_ipam.py); custom networking's own cases are not ours either.
NOT_OURS = [
    "pod-ip-capacity/fail-max-pods-over-eni-capacity",
    "pod-ip-capacity/fail-ip-assign-eni-limit",
    "pod-ip-capacity/fail-subnet-short-for-warm-pool",
    "custom-networking/fail-max-pods-not-lowered",
    "custom-networking/pass-per-zone-eniconfigs-max-pods-20",
]


@pytest.mark.parametrize("fixture", NOT_OURS)
def test_cases_owned_by_other_checks_are_not_reported_twice(fixture: str) -> None:
    assert_findings(run_one(CHECK, BUNDLES / fixture), [])


def test_evidence_says_who_set_max_pods_and_blames_karpenter_under_pd(tmp_path) -> None:
    """Nodeadm nodes left at 29 say so; the same nodes launched by Karpenter point at its own
    max-pods computation, which does not know prefix delegation (karpenter#8210)."""
    import json
    import shutil

    scenario = FIXTURES / "fail-max-pods-left-at-secondary-pods-pending"
    [finding] = [
        f for f in run_one(CHECK, scenario).findings if f.mechanism == "pd-left-at-secondary"
    ]
    assert "max-pods set by: nodeadm (AL2023)" in "\n".join(finding.evidence)
    bundle = tmp_path / "karpenter"
    shutil.copytree(scenario, bundle)
    nodes_file = bundle / "k8s" / "nodes.json"
    nodes = json.loads(nodes_file.read_text())
    for node in nodes["items"]:
        node["metadata"]["labels"]["karpenter.sh/nodepool"] = "general"
    nodes_file.write_text(json.dumps(nodes))
    [finding] = [
        f for f in run_one(CHECK, bundle).findings if f.mechanism == "pd-left-at-secondary"
    ]
    evidence = "\n".join(finding.evidence)
    assert "max-pods set by: Karpenter (NodePool general)" in evidence
    assert "ignores prefix delegation (karpenter#8210)" in evidence
