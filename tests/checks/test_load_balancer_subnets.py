"""load-balancer-subnets: the exact findings for each fixture, the look-alikes that stay quiet,
and the discovery rules (role tag value, cluster tag, free addresses, zone choice) on edited
copies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netdoctor.facts import lbsubnets as ls
from netdoctor.tooling.fixtures import base
from tests.checks._support import (
    Expect,
    assert_findings,
    by_zone,
    copy_fixture,
    edit_json,
    fixture_names,
)
from tests.conftest import BUNDLES, HEALTHY, open_snapshot, run_one

CHECK = "load-balancer-subnets"
FIXTURES = BUNDLES / CHECK
PUBLIC_A, PUBLIC_B, PUBLIC_C = by_zone(base().public_subnets)
PRIVATE_A, PRIVATE_B, PRIVATE_C = by_zone(base().private_subnets)
LB_PRIVATE_A, LB_PRIVATE_B = "subnet-0ebb07ed97889b110", "subnet-0574a36654ba2f86a"
"""fail-subnet-too-few-ips: the two /28 subnets tagged for internal load balancers."""
SUBNETS = "aws/ec2-describe-subnets.json"
EVENTS = "k8s/events.json"

CASES = {
    "fail-no-elb-tag": [
        Expect(
            "critical",
            "Ingress shop/bad-storefront: no subnet is tagged kubernetes.io/role/elb for its "
            "internet-facing ALB",
            ("ingress/shop/bad-storefront", f"subnet/{PUBLIC_A}"),
            (
                "none of the 6 subnets of the cluster's VPC carries kubernetes.io/role/elb",
                f"subnet {PUBLIC_A} has kubernetes.io/role/elb='true': the controller's tag "
                "filter matches only 1 or an empty value",
                "controllers before v2.12.1 fail",
                "event FailedBuildModel on ingress/shop/bad-storefront: Failed build model due "
                "to couldn't auto-discover subnets",
            ),
            {
                "namespace": "shop",
                "lb_kind": "ingress",
                "lb_name": "bad-storefront",
                "role_tag": "kubernetes.io/role/elb",
                "subnet_ids": PUBLIC_A,
                "tag_subnet_ids": f"{PUBLIC_A} {PUBLIC_B} {PUBLIC_C}",
                "vpc_id": base().vpc_id,
            },
        )
    ],
    "fail-single-az-alb": [
        Expect(
            "warning",
            "Ingress shop/bad-checkout: its internet-facing ALB finds usable subnets in 1 "
            "zone(s), 2 needed",
            ("ingress/shop/bad-checkout", f"subnet/{PUBLIC_A}"),
            (
                f"usable: {PUBLIC_A} in 1 zone(s) (eu-central-1a); an ALB needs 2",
                f"subnets to tag kubernetes.io/role/elb=1 in other zones: {PUBLIC_B}",
            ),
            {"subnet_ids": PUBLIC_A, "tag_subnet_ids": f"{PUBLIC_B} {PUBLIC_C}"},
        )
    ],
    "fail-subnet-too-few-ips": [
        Expect(
            "critical",
            "Service shop/bad-ledger-grpc: no tagged subnet can hold its internal NLB",
            ("service/shop/bad-ledger-grpc", f"subnet/{LB_PRIVATE_B}", f"subnet/{LB_PRIVATE_A}"),
            (
                f"subnet {LB_PRIVATE_A} has 4 free addresses: the controller skips subnets with "
                "fewer than 8",
                "nothing left: 'unable to resolve at least one subnet'",
                "Evaluated 2 subnets: 0 are tagged for other clusters, and 2 have insufficient",
            ),
            {
                "lb_kind": "service",
                "role_tag": "kubernetes.io/role/internal-elb",
                "subnet_ids": f"{LB_PRIVATE_B} {LB_PRIVATE_A}",
                "tag_subnet_ids": f"{PRIVATE_A} {PRIVATE_B} {PRIVATE_C}",
            },
        )
    ],
    "pass-tagged": [],
    "pass-annotation": [],
    "pass-internal": [],
}
MECHANISMS = {
    "fail-no-elb-tag": "no-role-tag",
    "fail-single-az-alb": "single-az",
    "fail-subnet-too-few-ips": "too-few-ips",
}


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_fixture_findings(scenario: str) -> None:
    result = run_one(CHECK, FIXTURES / scenario)
    assert_findings(result, CASES[scenario])
    assert [f.mechanism for f in result.findings] == [
        MECHANISMS[s] for s in [scenario] if s in MECHANISMS
    ]


def test_every_fixture_has_a_case() -> None:
    assert fixture_names(CHECK) == set(CASES)


def test_healthy_example_passes() -> None:
    assert_findings(run_one(CHECK, HEALTHY), [])


# --- edited copies -----------------------------------------------------------------------


def _subnet(doc: dict[str, Any], subnet_id: str) -> dict[str, Any]:
    return next(s for s in doc["Subnets"] if s["SubnetId"] == subnet_id)


def _retag(subnet: dict[str, Any], key: str, value: str | None) -> None:
    subnet["Tags"] = [t for t in subnet["Tags"] if t["Key"] != key]
    if value is not None:
        subnet["Tags"].append({"Key": key, "Value": value})


def _no_events(bundle: Path) -> None:
    edit_json(bundle, EVENTS, lambda doc: doc.update(items=[]))


def test_a_load_balancer_with_an_address_and_no_event_stays_quiet(tmp_path: Path) -> None:
    """The controller placed it (IngressClassParams may name its subnets): no prediction."""
    bundle = copy_fixture(CHECK, "fail-no-elb-tag", tmp_path)
    _no_events(bundle)

    def provision(doc: dict[str, Any]) -> None:
        for ing in doc["items"]:
            if ing["metadata"]["name"] == "bad-storefront":
                ing["status"] = {"loadBalancer": {"ingress": [{"hostname": "k8s-x.elb"}]}}

    edit_json(bundle, "k8s/ingresses.json", provision)
    assert_findings(run_one(CHECK, bundle), [])


def test_without_the_event_the_missing_role_tag_is_a_warning_when_v2_12_could_fall_back(
    tmp_path: Path,
) -> None:
    bundle = copy_fixture(CHECK, "fail-no-elb-tag", tmp_path)
    _no_events(bundle)
    [finding] = run_one(CHECK, bundle).findings
    assert finding.severity.value == "warning"
    assert any(
        "v2.12.1+ fall back to subnets by internet-gateway route and would use" in e
        for e in finding.evidence
    )


def test_without_route_tables_the_fallback_is_unknown(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-no-elb-tag", tmp_path)
    _no_events(bundle)
    (bundle / "aws/ec2-describe-route-tables.json").unlink()
    [finding] = run_one(CHECK, bundle).findings
    assert finding.severity.value == "warning"
    assert any("which the bundle cannot tell" in e for e in finding.evidence)
    assert finding.params["tag_subnet_ids"] == "$TAG_SUBNET_IDS"


def test_auto_mode_has_no_reachability_fallback(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-no-elb-tag", tmp_path)
    _no_events(bundle)
    edit_json(
        bundle,
        "aws/eks-describe-cluster.json",
        lambda doc: doc["cluster"].update(computeConfig={"enabled": True}),
    )
    [finding] = run_one(CHECK, bundle).findings
    assert finding.severity.value == "critical"
    assert any("EKS Auto Mode requires the role tag" in e for e in finding.evidence)
    assert any("built by EKS Auto Mode's load balancing" in e for e in finding.evidence)


def test_an_empty_role_tag_value_matches(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-no-elb-tag", tmp_path)
    _no_events(bundle)

    def empty(doc: dict[str, Any]) -> None:
        for subnet_id in (PUBLIC_A, PUBLIC_B):
            _retag(_subnet(doc, subnet_id), "kubernetes.io/role/elb", "")

    edit_json(bundle, SUBNETS, empty)
    assert_findings(run_one(CHECK, bundle), [])


def test_subnets_tagged_for_another_cluster_are_skipped(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-tagged", tmp_path)

    def other(doc: dict[str, Any]) -> None:
        for subnet_id in (PUBLIC_B, PUBLIC_C):
            subnet = _subnet(doc, subnet_id)
            _retag(subnet, f"kubernetes.io/cluster/{base().cluster}", None)
            _retag(subnet, "kubernetes.io/cluster/orbit-prod", "owned")

    edit_json(bundle, SUBNETS, other)
    [finding] = run_one(CHECK, bundle).findings
    assert finding.mechanism == "other-cluster-tag"
    assert finding.resources == (
        "ingress/shop/good-storefront",
        f"subnet/{PUBLIC_B}",
        f"subnet/{PUBLIC_C}",
    )
    assert any(
        f"subnet {PUBLIC_B} is tagged for another cluster (kubernetes.io/cluster/orbit-prod)" in e
        for e in finding.evidence
    )


def test_a_subnet_without_any_cluster_tag_is_eligible(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-tagged", tmp_path)

    def untagged(doc: dict[str, Any]) -> None:
        for subnet in doc["Subnets"]:
            _retag(subnet, f"kubernetes.io/cluster/{base().cluster}", None)

    edit_json(bundle, SUBNETS, untagged)
    assert_findings(run_one(CHECK, bundle), [])


def test_one_subnet_per_zone_prefers_this_clusters_tag_then_the_lowest_id(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-tagged", tmp_path)

    def twin(doc: dict[str, Any]) -> None:
        clone = dict(_subnet(doc, PUBLIC_A))
        clone["SubnetId"] = "subnet-00000000000000001"  # lower id, no cluster tag
        clone["Tags"] = [{"Key": "kubernetes.io/role/elb", "Value": "1"}]
        doc["Subnets"].append(clone)

    edit_json(bundle, SUBNETS, twin)
    snap = open_snapshot(bundle)
    found = ls.discover(snap.views, base().cluster, "internet-facing", ls.APPLICATION, ls.LBC)
    assert [s.SubnetId for s in found.chosen] == sorted([PUBLIC_A, PUBLIC_B, PUBLIC_C])


def test_annotated_subnets_in_one_zone_cannot_hold_an_alb(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-annotation", tmp_path)

    def one_zone(doc: dict[str, Any]) -> None:
        for ing in doc["items"]:
            if ing["metadata"]["name"] == "good-storefront":
                ing["metadata"]["annotations"]["alb.ingress.kubernetes.io/subnets"] = (
                    f"{PUBLIC_A},{PRIVATE_A}"
                )

    edit_json(bundle, "k8s/ingresses.json", one_zone)
    [finding] = run_one(CHECK, bundle).findings
    assert finding.mechanism == "explicit-subnets"
    assert finding.severity.value == "warning"
    assert any(
        f"{PUBLIC_A} and {PRIVATE_A} are both in eu-central-1a" in e for e in finding.evidence
    )


def test_annotated_subnet_names_the_vpc_does_not_hold(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-annotation", tmp_path)

    def unknown(doc: dict[str, Any]) -> None:
        for svc in doc["items"]:
            if svc["metadata"]["name"] == "good-ledger-grpc":
                svc["metadata"]["annotations"][ls.NLB_SUBNETS_ANNOTATION] = "lb-private-z"

    edit_json(bundle, "k8s/services.json", unknown)
    [finding] = run_one(CHECK, bundle).findings
    assert finding.resources == ("service/shop/good-ledger-grpc",)
    assert any("lb-private-z not among the 6 subnets" in e for e in finding.evidence)


def test_a_subnet_event_the_subnets_do_not_explain_is_reported(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-no-elb-tag", tmp_path)

    def fixed(doc: dict[str, Any]) -> None:
        for subnet_id in (PUBLIC_A, PUBLIC_B):
            _retag(_subnet(doc, subnet_id), "kubernetes.io/role/elb", "1")

    edit_json(bundle, SUBNETS, fixed)
    [finding] = run_one(CHECK, bundle).findings
    assert finding.mechanism == "controller-event"
    assert finding.severity.value == "warning"


def test_in_tree_load_balancers_are_not_judged_by_the_controllers_rules(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "fail-subnet-too-few-ips", tmp_path)
    _no_events(bundle)

    def in_tree(doc: dict[str, Any]) -> None:
        for svc in doc["items"]:
            if svc["metadata"]["name"] == "bad-ledger-grpc":
                del svc["spec"]["loadBalancerClass"]

    edit_json(bundle, "k8s/services.json", in_tree)
    assert_findings(run_one(CHECK, bundle), [])


def test_skips_without_services_and_says_which_file(tmp_path: Path) -> None:
    bundle = copy_fixture(CHECK, "pass-tagged", tmp_path)
    (bundle / "k8s/services.json").unlink()
    result = run_one(CHECK, bundle)
    assert result.status.value == "skip"
    assert result.reason == "missing k8s/services.json"
