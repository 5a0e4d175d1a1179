"""pod-ip-capacity: the exact findings for each fixture, the healthy look-alikes and the cases it
leaves to prefix-delegation and custom-networking (odd real-world data: tests/shared)."""

from __future__ import annotations

import pytest

from netdoctor.tooling.fixtures import base
from tests.checks._support import Expect, assert_findings, by_zone, fixture_names
from tests.conftest import BUNDLES, HEALTHY, run_one

CHECK = "pod-ip-capacity"
FIXTURES = BUNDLES / CHECK
_, NODE_B, NODE_C = (f"node/{name}" for name in by_zone(base().nodes))
T3_SMALL = "node/ip-192-168-171-20.eu-central-1.compute.internal"
SMALL_SUBNET_NODE = "node/ip-192-168-192-10.eu-central-1.compute.internal"
SMALL_SUBNET = "subnet/subnet-0c5dae1a9aa1c75d7"  # 192.168.192.0/27
SHORT_SUBNET = "subnet/subnet-089f61415f4e932b3"  # 192.168.200.0/26
SHORT_NODES = (
    "node/ip-192-168-200-10.eu-central-1.compute.internal",
    "node/ip-192-168-200-40.eu-central-1.compute.internal",
)
SANDBOX_FAILURE = "add cmd: failed to assign an IP address to container"


LEAK_SUBNET = "subnet/subnet-07695dffd940e910d"
LEAK_NODE = "node/ip-192-168-192-10.eu-central-1.compute.internal"
LEAKED = ("eni/eni-0f4cc2f511b67019d", "eni/eni-00b64a5721f5061c6", "eni/eni-0335df76b046e489d")
"""fail-leaked-enis: the /26 and the three ENIs made for a terminated node."""

CASES = {
    "fail-max-pods-over-eni-capacity": [
        Expect(
            "warning",
            "allows 58 pods but its ENIs support only 29",
            (NODE_C,),
            (
                "kubelet max-pods (status.allocatable.pods) = 58",
                "3 ENIs × (10 − 1) + 2 = 29 (m6i.large: 3 ENIs, 10 IPv4 per ENI, bundle)",
                "ENABLE_PREFIX_DELEGATION=false (aws-node env)",
                "can place up to 29 pods more than the ENIs can address",
            ),
        )
    ],
    "fail-too-many-pods": [
        Expect(
            "critical",
            "2 pod(s) cannot run because nodes are at their max-pods (Too many pods)",
            ("pod/batch/bad-report-7c9d5-kx2lp", "pod/batch/bad-report-7c9d5-q8z4w", T3_SMALL),
            (
                "FailedScheduling: 0/4 nodes are available: 1 Too many pods",
                f"{T3_SMALL}: 11 pods running or starting, kubelet max-pods 11; ENI capacity "
                "3 ENIs × (4 − 1) + 2 = 11",
            ),
        )
    ],
    "fail-ip-assign-eni-limit": [
        # the node's max-pods 17 is above its capacity 11: named here, not again as (a)
        Expect(
            "critical",
            "3 pod(s) on node ip-192-168-171-20.eu-central-1.compute.internal cannot get an IP "
            "address (stuck in ContainerCreating): the node is at its ENI and IP limit",
            (
                T3_SMALL,
                "pod/batch/bad-ingest-6d8f9-2vbnm",
                "pod/batch/bad-ingest-6d8f9-7hq2x",
                "pod/batch/bad-ingest-6d8f9-tz5kd",
            ),
            (
                SANDBOX_FAILURE,
                "3 of 3 ENIs attached",
                "9 of 9 secondary IP slots on those ENIs allocated, giving 9 pod IPs; 9 pod(s)",
                "kubelet max-pods 17 > ENI capacity 11",
            ),
        )
    ],
    "fail-ip-assign-subnet-exhausted": [
        Expect(
            "critical",
            "the subnet is out of free IPs (7 left)",
            (
                SMALL_SUBNET_NODE,
                "pod/batch/bad-ingest-6d8f9-4kq9s",
                "pod/batch/bad-ingest-6d8f9-wp7fd",
                SMALL_SUBNET,
            ),
            (
                SANDBOX_FAILURE,
                "event IPAMDNoIPs ×6: There are no available IP addresses for IPAMD",
                "2 of 3 ENIs attached",
                "(192.168.192.0/27): AvailableIpAddressCount 7",
                "a new ENI needs 10 free IPs (WARM_ENI_TARGET=1",
            ),
        )
    ],
    # The same subnet, and EKS's node group health says so too: quoted, not a second finding.
    "fail-subnet-exhausted-eks-agrees": [
        Expect(
            "critical",
            "the subnet is out of free IPs (7 left)",
            (
                SMALL_SUBNET_NODE,
                "pod/batch/bad-ingest-6d8f9-4kq9s",
                "pod/batch/bad-ingest-6d8f9-wp7fd",
                SMALL_SUBNET,
            ),
            (
                "(192.168.192.0/27): AvailableIpAddressCount 7",
                "EKS reports InsufficientFreeAddresses on nodegroup/bad-small-subnet: One or more",
            ),
        )
    ],
    "pass-eks-upgrade-insight-only": [],
    "fail-ip-assign-eni-attach-failing": [
        Expect(
            "critical",
            "neither the ENI limit nor the subnet explains it",
            (NODE_B, "pod/shop/bad-api-5f7b8-9xk2p"),
            (
                "2 of 3 ENIs attached",
                "18 pod IPs; 18 pod(s) on the node hold one",
                "AvailableIpAddressCount 8166",
                "read ipamd.log",
            ),
        )
    ],
    "fail-ip-assign-ips-idle": [
        Expect(
            "critical",
            "the node's ENIs still have unused IPs",
            (NODE_B, "pod/shop/bad-api-5f7b8-9xk2p"),
            ("17 allocated pod IPs are not held by any pod",),
        )
    ],
    "fail-subnet-short-for-warm-pool": [
        Expect(
            "warning",
            f"Subnet {SHORT_SUBNET[7:]} has 19 free IPs, less than one warm-pool round of its "
            "2 node(s) needs (20)",
            (SHORT_SUBNET, *SHORT_NODES),
            (
                "(192.168.200.0/26, eu-central-1b): AvailableIpAddressCount 19",
                "next top-up WARM_ENI_TARGET=1: whole m6i.large ENIs, 10 IPs",
                "needs 20 IPs; 19 IPs are free",
            ),
        )
    ],
    "fail-leaked-enis": [
        Expect(
            "warning",
            "has 9 free IPs, less than one warm-pool round of its 1 node(s) needs (10)",
            (LEAK_SUBNET, LEAK_NODE),
        ),
        Expect(
            "warning",
            f"3 ENI(s) left behind by terminated nodes hold 30 addresses of subnet "
            f"{LEAK_SUBNET[7:]}",
            (LEAK_SUBNET, *LEAKED),
            (
                "description 'aws-K8S-i-0d1e2f3a4b5c6d7e8', made by the VPC CNI for "
                "i-0d1e2f3a4b5c6d7e8, which is not a live instance of the bundle",
                "together 30 addresses, 76% of what the subnet would have free (9 free now, "
                "39 after deleting them)",
            ),
            {
                "subnet_id": LEAK_SUBNET[7:],
                # the playbook's check and delete commands name exactly these
                "eni_ids": " ".join(ref[4:] for ref in LEAKED),
                "instance_ids": "i-0d1e2f3a4b5c6d7e8",
            },
        ),
    ],
    "pass-available-eni-of-live-instance": [],
    "fail-explicit-reservation-short": [
        Expect(
            "warning",
            "has 8 free IPs, less than one warm-pool round of its 1 node(s) needs (10)",
            ("subnet/subnet-013026b6abdf154e3", LEAK_NODE),
            (
                "AvailableIpAddressCount 39",
                "explicit reservation scr-0303c501896c58aee 192.168.192.32/27",
                "needs 10 IPs; 8 IPs are free",
            ),
        )
    ],
    "pass-small-explicit-reservation": [],
    "pass-healthy-with-node-monitoring": [],
    "pass-node-full-nothing-pending": [],
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
    assert result.status.value == "skip"
    assert result.reason == "missing aws/ec2-describe-subnets.json"


def test_finding_params_fill_the_playbook_commands() -> None:
    finding = run_one(CHECK, FIXTURES / "fail-ip-assign-subnet-exhausted").findings[0]
    assert finding.params == {
        "node": SMALL_SUBNET_NODE[5:],
        "instance_type": "m6i.large",
        "max_pods": "29",
        "subnet_id": SMALL_SUBNET[7:],
        "nodegroup": "bad-small-subnet",
    }
    assert finding.mechanism == "subnet-exhausted"


# Root causes that prefix-delegation or custom-networking explain are theirs alone (_ipam.py).
OWNED_ELSEWHERE = [
    "prefix-delegation/fail-non-nitro-instance-type",
    "prefix-delegation/fail-max-pods-raised-without-pd",
    "prefix-delegation/fail-max-pods-left-at-secondary",
    "prefix-delegation/fail-fragmented-subnet",
    "prefix-delegation/pass-prefix-delegation-m5-large-110",
    "custom-networking/fail-max-pods-not-lowered",
    "custom-networking/fail-eniconfig-subnet-short",
    "custom-networking/pass-per-zone-eniconfigs-max-pods-20",
]


@pytest.mark.parametrize("fixture", OWNED_ELSEWHERE)
def test_cases_owned_by_other_checks_are_not_reported_twice(fixture: str) -> None:
    assert_findings(run_one(CHECK, BUNDLES / fixture), [])


def test_pods_stuck_on_a_fragmented_subnet_point_to_the_prefix_delegation_playbook() -> None:
    result = run_one(CHECK, BUNDLES / "prefix-delegation/fail-fragmented-subnet-pods-stuck")
    assert_findings(
        result,
        [
            Expect(
                "critical",
                "the subnet has no free aligned /28 prefix",
                (
                    "node/ip-192-168-210-20.eu-central-1.compute.internal",
                    "pod/shop/bad-ingest-6d8f9-wq4zt",
                    "subnet/subnet-032e126b324612fbc",
                ),
                ("no aligned /28 block is free for a prefix (InsufficientCidrBlocks)",),
                playbook="prefix-delegation",
            )
        ],
    )


def test_pods_stuck_without_an_eniconfig_point_to_the_custom_networking_playbook() -> None:
    result = run_one(CHECK, BUNDLES / "custom-networking/fail-no-eniconfig-for-zone")
    node = "node/ip-192-168-180-30.eu-central-1.compute.internal"
    assert_findings(
        result,
        [
            Expect(
                "critical",
                "custom networking finds no ENIConfig subnet for the node",
                (node, "pod/shop/bad-web-7f6c9-zk4qp"),
                (
                    "selects ENIConfig 'eu-central-1c' (label topology.kubernetes.io/zone), "
                    "which does not exist",
                ),
                playbook="custom-networking",
            )
        ],
    )
    params = result.findings[0].params
    assert (params["eniconfig"], params["zone"], params["max_pods"]) == (
        "eu-central-1c",
        "eu-central-1c",
        "20",
    )
