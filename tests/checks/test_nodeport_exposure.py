"""nodeport-exposure: the exact findings for every fixture bundle, plus the healthy bundle (the
foreign bundles' old-shape Ingress and in-tree LoadBalancer services: tests/shared)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from netdoctor.tooling.fixtures import base
from tests.checks._support import by_zone, copy_fixture, fixture_names, match_findings
from tests.conftest import BUNDLES, HEALTHY, run_one

CHECK = "nodeport-exposure"
FIXTURES = BUNDLES / CHECK
NODE_SG = base().cluster_sg  # on every node; the scenario opens it to the world
NODE_SGS = f"sg-055de5d53eb037320 {NODE_SG}"  # every node's groups: the node SG and NODE_SG
NODES = tuple(f"node/{name}" for name in by_zone(base().nodes))


@dataclass(frozen=True)
class Expected:
    severity: str
    title: str
    """A substring of the title."""
    resources: tuple[str, ...]
    evidence: tuple[str, ...]
    """Substrings that must each appear in some evidence line."""
    service: str
    """The `service` playbook param (namespace is always shop here)."""
    security_groups: str = NODE_SGS
    """The `security_group_id` playbook param: the groups whose rules the fix changes."""


CASES: dict[str, list[Expected]] = {
    "fail-nodeport-exposed-directly": [
        Expected(
            "warning",
            "Service shop/bad-debug-console exposes NodePort 31544/TCP directly",
            ("service/shop/bad-debug-console",),
            (
                "type NodePort, nodePort 31544/TCP",
                "no Ingress, instance-mode load balancer Service",
            ),
            "bad-debug-console",
        ),
        Expected(
            "warning",
            "Service shop/bad-legacy-api exposes NodePort 30412/TCP directly",
            ("service/shop/bad-legacy-api",),
            ("only ip-mode targetgroupbinding/shop/bad-legacy-api-tg",),
            "bad-legacy-api",
        ),
    ],
    "fail-pinned-nodeport": [
        Expected(
            "warning",
            "Service shop/bad-pinned-web pins nodePort 30080",
            ("service/shop/bad-pinned-web",),
            ("last-applied-configuration sets spec.ports[].nodePort = 30080", "already allocated"),
            "bad-pinned-web",
        ),
    ],
    "fail-instance-target-on-clusterip": [
        Expected(
            "critical",
            "Ingress shop/bad-admin sends ALB instance-mode traffic to ClusterIP service "
            "shop/bad-admin",
            ("ingress/shop/bad-admin", "service/shop/bad-admin"),
            (
                "spec.ingressClassName=alb",
                "the controller defaults to instance",
                "is type ClusterIP",
                "event FailedBuildModel on ingress/shop/bad-admin: Failed build model due "
                "to TargetGroup port is empty",
            ),
            "bad-admin",
        ),
        Expected(
            "critical",
            "Ingress shop/bad-search sends ALB instance-mode traffic to ClusterIP service "
            "shop/bad-search",
            ("ingress/shop/bad-search", "service/shop/bad-search"),
            (
                "kubernetes.io/ingress.class=alb",
                # the Ingress says ip, the Service says instance: the Service wins
                "target-type=instance on service/shop/bad-search",
            ),
            "bad-search",
        ),
        Expected(
            "critical",
            "TargetGroupBinding shop/bad-orders-tg registers instance targets for ClusterIP "
            "service shop/bad-orders",
            ("targetgroupbinding/shop/bad-orders-tg", "service/shop/bad-orders"),
            ("spec.targetType=instance", "targetgroup/bad-orders-tg/"),
            "bad-orders",
        ),
        Expected(
            "critical",
            "Service shop/bad-grpc-nlb asks for an instance-mode load balancer but has no NodePort",
            ("service/shop/bad-grpc-nlb",),
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
            "Ingress shop/bad-storefront reaches service shop/bad-storefront through "
            "NodePorts by default",
            ("ingress/shop/bad-storefront", "service/shop/bad-storefront"),
            ("the controller defaults to instance", "nodePort 31210/TCP", "VPC CNI v1.20.1"),
            "bad-storefront",
        ),
        Expected(
            "info",
            "Service shop/bad-tcp-echo reaches its pods through NodePorts by default",
            ("service/shop/bad-tcp-echo",),
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
                "reachable NodePorts: shop/good-web-nodeport 31080/TCP",
                "the nodes have no public IP",
            ),
            "good-web-nodeport",
            NODE_SG,
        ),
    ],
    # The same open rule, but one port for an instance-mode NLB's clients: the controller's
    # design, named as info, not "the whole internet to the NodePort range".
    "fail-nlb-instance-client-rule": [
        Expected(
            "info",
            "Service shop/good-mqtt-nlb's instance-mode NLB admits its clients (0.0.0.0/0) to "
            f"NodePort 31883 on node security group {NODE_SG}",
            ("service/shop/good-mqtt-nlb", f"security-group/{NODE_SG}"),
            (f"{NODE_SG} inbound rule: tcp 31883-31883 from 0.0.0.0/0", "loadBalancerSourceRanges"),
            "good-mqtt-nlb",
            NODE_SG,
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
        assert found.params["namespace"] == "shop"
        assert found.params["service"] == want.service
        assert found.params["security_group_id"] == want.security_groups


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
