"""nodeport-exposure: the exact findings for every fixture bundle, plus the healthy example and
the foreign bundles (old-shape Ingress, in-tree LoadBalancer services with allocated nodePorts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.checks._support import (
    assert_script_rebuilds_fixtures,
    copy_fixture,
    fixture_names,
    match_findings,
)
from tests.conftest import BUNDLES, FOREIGN, HEALTHY, run_one

CHECK = "nodeport-exposure"
FIXTURES = BUNDLES / CHECK
NODE_SG = "sg-0cab24e4f8ae2d5dc"
NODES = (
    "node/ip-192-168-102-239.eu-central-1.compute.internal",
    "node/ip-192-168-130-71.eu-central-1.compute.internal",
    "node/ip-192-168-170-158.eu-central-1.compute.internal",
)


@dataclass(frozen=True)
class Expected:
    severity: str
    title: str
    """A substring of the title."""
    resources: tuple[str, ...]
    evidence: tuple[str, ...]
    """Substrings that must each appear in some evidence line."""
    service: str
    """The `service` playbook param (namespace is always bookstore here)."""


CASES: dict[str, list[Expected]] = {
    "fail-nodeport-exposed-directly": [
        Expected(
            "warning",
            "Service bookstore/bad-debug-console exposes NodePort 31544/TCP directly",
            ("service/bookstore/bad-debug-console",),
            (
                "type NodePort, nodePort 31544/TCP",
                "no Ingress, instance-mode load balancer Service",
            ),
            "bad-debug-console",
        ),
        Expected(
            "warning",
            "Service bookstore/bad-legacy-api exposes NodePort 30412/TCP directly",
            ("service/bookstore/bad-legacy-api",),
            ("only ip-mode targetgroupbinding/bookstore/bad-legacy-api-tg",),
            "bad-legacy-api",
        ),
    ],
    "fail-pinned-nodeport": [
        Expected(
            "warning",
            "Service bookstore/bad-pinned-web pins nodePort 30080",
            ("service/bookstore/bad-pinned-web",),
            ("last-applied-configuration sets spec.ports[].nodePort = 30080", "already allocated"),
            "bad-pinned-web",
        ),
    ],
    "fail-instance-target-on-clusterip": [
        Expected(
            "critical",
            "Ingress bookstore/bad-admin sends ALB instance-mode traffic to ClusterIP service "
            "bookstore/bad-admin",
            ("ingress/bookstore/bad-admin", "service/bookstore/bad-admin"),
            (
                "spec.ingressClassName=alb",
                "the controller defaults to instance",
                "is type ClusterIP",
                "event FailedBuildModel on ingress/bookstore/bad-admin: Failed build model due "
                "to TargetGroup port is empty",
            ),
            "bad-admin",
        ),
        Expected(
            "critical",
            "Ingress bookstore/bad-search sends ALB instance-mode traffic to ClusterIP service "
            "bookstore/bad-search",
            ("ingress/bookstore/bad-search", "service/bookstore/bad-search"),
            (
                "kubernetes.io/ingress.class=alb",
                # the Ingress says ip, the Service says instance: the Service wins
                "target-type=instance on service/bookstore/bad-search",
            ),
            "bad-search",
        ),
        Expected(
            "critical",
            "TargetGroupBinding bookstore/bad-orders-tg registers instance targets for ClusterIP "
            "service bookstore/bad-orders",
            ("targetgroupbinding/bookstore/bad-orders-tg", "service/bookstore/bad-orders"),
            ("spec.targetType=instance", "targetgroup/bad-orders-tg/"),
            "bad-orders",
        ),
        Expected(
            "critical",
            "Service bookstore/bad-grpc-nlb asks for an instance-mode load balancer but has no "
            "NodePort",
            ("service/bookstore/bad-grpc-nlb",),
            (
                "aws-load-balancer-nlb-target-type=instance",
                "allocateLoadBalancerNodePorts=false; 1 of 1 port(s) have no nodePort",
                "unable to support instance target type with an unallocated NodePort",
            ),
            "bad-grpc-nlb",
        ),
    ],
    "fail-instance-where-ip-fits": [
        Expected(
            "info",
            "Ingress bookstore/bad-storefront reaches service bookstore/bad-storefront through "
            "NodePorts by default",
            ("ingress/bookstore/bad-storefront", "service/bookstore/bad-storefront"),
            ("the controller defaults to instance", "nodePort 31210/TCP", "VPC CNI v1.20.1"),
            "bad-storefront",
        ),
        Expected(
            "info",
            "Service bookstore/bad-tcp-echo reaches its pods through NodePorts by default",
            ("service/bookstore/bad-tcp-echo",),
            ("no service.beta.kubernetes.io/aws-load-balancer-nlb-target-type", "30950/TCP"),
            "bad-tcp-echo",
        ),
    ],
    "fail-node-sg-open-nodeport-range": [
        Expected(
            "warning",
            f"Node security group {NODE_SG} admits the whole internet to the NodePort range: "
            "1 NodePort(s)",
            (f"security-group/{NODE_SG}", *NODES),
            (
                f"{NODE_SG} inbound rule: tcp 30000-32767 from 0.0.0.0/0",
                f"{NODE_SG} is on 3 node(s)",
                "reachable NodePorts: bookstore/good-web-nodeport 31080/TCP",
                "the nodes have no public IP",
            ),
            "good-web-nodeport",
        ),
    ],
}
PASSING = ["pass-nodeport-behind-instance-alb", "pass-ip-mode-alb-on-clusterip"]


def test_every_fixture_folder_is_covered() -> None:
    assert fixture_names(CHECK) == {*CASES, *PASSING, "skip-no-services"}


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_fixture_gives_exactly_the_expected_findings(scenario: str) -> None:
    result = run_one(CHECK, FIXTURES / scenario)
    for want, found in match_findings(result, CASES[scenario]):
        assert found.params["namespace"] == "bookstore"
        assert found.params["service"] == want.service
        assert found.params["security_group_id"] == NODE_SG


@pytest.mark.parametrize("scenario", PASSING)
def test_healthy_look_alikes_pass(scenario: str) -> None:
    result = run_one(CHECK, FIXTURES / scenario)
    assert (result.status.value, result.findings) == ("pass", [])


def test_missing_services_file_skips_and_names_it() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-services")
    assert result.status.value == "skip"
    assert "k8s/services.json" in result.reason


def test_healthy_example_passes() -> None:
    assert run_one(CHECK, HEALTHY).status.value == "pass"


@pytest.mark.parametrize(
    ("name", "lacking"),
    [
        (
            "hardeneks-pending-no-nodes",
            {
                "k8s/ingresses.json",
                "k8s/targetgroupbindings.json",
                "k8s/nodes.json",
                "aws/ec2-describe-security-groups.json",
            },
        ),
        ("k9s-non-eks", {"k8s/targetgroupbindings.json"}),
    ],
)
def test_foreign_kubernetes_bundles_find_nothing_but_say_what_they_could_not_see(
    name: str, lacking: set[str]
) -> None:
    # In-tree LoadBalancer services use their auto-assigned nodePorts (not direct exposure);
    # the k9s Ingress has no class and the old backend.serviceName shape. Neither bundle holds
    # every file the mechanisms read, so the check cannot pass: it is partial, naming them.
    result = run_one(CHECK, FOREIGN / name)
    assert (result.status.value, result.findings) == ("partial", [])
    assert lacking <= {rel for u in result.unchecked for rel in u.missing}


def test_committed_fixtures_are_what_the_script_builds() -> None:
    assert_script_rebuilds_fixtures(CHECK)


def test_no_direct_exposure_verdict_without_the_target_group_bindings(tmp_path: Path) -> None:
    # A TargetGroupBinding outside the bundle could be the NodePort's legitimate user: no
    # verdict, and no pass either, since that mechanism could not run.
    bundle = copy_fixture(CHECK, "fail-nodeport-exposed-directly", tmp_path)
    (bundle / "k8s" / "targetgroupbindings.json").unlink()
    result = run_one(CHECK, bundle)
    assert (result.status.value, result.findings) == ("partial", [])
    assert [(u.mechanism, u.missing) for u in result.unchecked] == [
        (
            "TargetGroupBinding targets, and NodePorts nothing uses",
            ["k8s/targetgroupbindings.json"],
        )
    ]
