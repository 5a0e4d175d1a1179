"""cni-health: the exact findings for every fixture bundle, the look-alikes that must stay quiet,
the links to pod-ip-capacity, and no new finding on any other fixture of the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdoctor.models import Severity
from netdoctor.tooling.fixtures import base
from tests.checks._support import Expect, assert_findings, by_zone, fixture_names
from tests.conftest import BUNDLES, HEALTHY, REPO, run_one

CHECK = "cni-health"
FIXTURES = BUNDLES / CHECK
A, B, C = by_zone(base().nodes)
AWS_NODE = {A: "aws-node-bhsx6", B: "aws-node-j9fj6", C: "aws-node-rzwgq"}
PROBE = 'timeout: failed to connect service \\":50051\\" within 5s'

CASES: dict[str, list[Expect]] = {
    "fail-cni-not-initialized": [
        Expect(
            "critical",
            f"Node {A} is NotReady: the CNI is not initialized (aws-node (VPC CNI)",
            (f"node/{A}", f"pod/kube-system/{AWS_NODE[A]}", "pod/shop/orders-7c9d8-x2kfq"),
            (
                "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin "
                "not initialized",
                f"pod/kube-system/{AWS_NODE[A]} (aws-node) is not Ready",
                "event Unhealthy (×42): Readiness probe failed:",
                PROBE,
                "1 pod(s) Pending with NetworkNotReady: pod/shop/orders-7c9d8-x2kfq",
            ),
            {"node": A},
        )
    ],
    "fail-aws-node-not-ready": [
        Expect(
            "warning",
            f"aws-node on node {B} is not ready: ipamd does not answer its health probe",
            (f"node/{B}", f"pod/kube-system/{AWS_NODE[B]}"),
            ("event Unhealthy (×30)", PROBE),
            {"node": B},
        )
    ],
    "fail-ipamd-unauthorized": [
        Expect(
            "critical",
            "ipamd is denied ec2:AssignPrivateIpAddresses, ec2:CreateNetworkInterface on 3 "
            "node(s): the aws-node IAM role lacks AmazonEKS_CNI_Policy",
            (
                *(f"node/{n}" for n in sorted((A, B, C))),
                *(f"pod/kube-system/{AWS_NODE[n]}" for n in (A, B, C)),
            ),
            (
                f"pod/kube-system/{AWS_NODE[A]} event MissingIAMPermissions (×18): Unauthorized "
                "operation: failed to call ec2:AssignPrivateIpAddresses due to missing "
                "permissions",
                "runs as service account kube-system/aws-node",
                "eks.amazonaws.com/role-arn",
            ),
            {"node": " ".join(sorted((A, B, C)))},
        )
    ],
    "fail-nma-ipamdnoips-stale": [
        Expect(
            "info",
            f"Node {A}: NetworkingReady=False (IPAMDNoIPs) is stale",
            (f"node/{A}",),
            (
                "condition NetworkingReady=False (IPAMDNoIPs) since 2025-10-18T05:51:40Z",
                "1 pod(s) on the node got an IP after 2025-10-18T05:51:40Z: orders-7c9d8-s1",
                "#215, #250",
            ),
            {"node": A},
        )
    ],
    "fail-nma-ipamd-not-ready-current": [
        Expect(
            "warning",
            f"Node {B}: the node monitoring agent reports NetworkingReady=False (IPAMDNotReady)",
            (f"node/{B}",),
            ("IPAM-D has failed to connect to API Server",),
            {"node": B},
        )
    ],
    "pass-node-was-notready-now-ready": [],
    "pass-ipamd-unauthorized-fixed": [],
    "pass-transient-sgp-failed-get-ip-now-running": [],
    "pass-nma-ipamdnoips-current": [],
}


def test_every_fixture_has_a_case() -> None:
    assert fixture_names(CHECK) == {*CASES, "skip-no-nodes"}


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_exact_findings(scenario: str) -> None:
    assert_findings(run_one(CHECK, FIXTURES / scenario), CASES[scenario])


def test_missing_nodes_skips() -> None:
    result = run_one(CHECK, FIXTURES / "skip-no-nodes")
    assert result.status.value == "skip"
    assert "k8s/nodes.json" in (result.reason or "")


def test_unexplained_stuck_pod_is_linked_to_the_iam_denial() -> None:
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks
    from tests.conftest import open_snapshot

    checks = load_checks(plugins=False).select([CHECK, "pod-ip-capacity"])
    report = run_checks(checks, open_snapshot(FIXTURES / "fail-ipamd-unauthorized"))
    by_check = {r.check: r for r in report.results}
    (iam,) = by_check[CHECK].findings
    (stuck,) = by_check["pod-ip-capacity"].findings
    assert stuck.caused_by == iam.index
    assert f"node/{B}" in stuck.resources


def test_stale_ipamdnoips_is_not_repeated_by_pod_ip_capacity() -> None:
    assert run_one("pod-ip-capacity", FIXTURES / "fail-nma-ipamdnoips-stale").status.value == "pass"


def test_current_ipamdnoips_stays_with_pod_ip_capacity() -> None:
    result = run_one("pod-ip-capacity", FIXTURES / "pass-nma-ipamdnoips-current")
    (finding,) = result.findings
    assert finding.severity is Severity.CRITICAL
    assert any("NetworkingReady=False (IPAMDNoIPs)" in line for line in finding.evidence)


def test_transient_sgp_failure_is_quiet_for_every_check() -> None:
    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks
    from tests.conftest import open_snapshot

    bundle = FIXTURES / "pass-transient-sgp-failed-get-ip-now-running"
    registry = load_checks(plugins=False)
    report = run_checks(registry.select(list(registry.checks)), open_snapshot(bundle))
    assert not [f.title for r in report.results for f in r.findings]


OTHER_BUNDLES = sorted(
    p
    for p in [*BUNDLES.glob("*/*"), *(REPO / "fixtures" / "platforms").glob("*"), HEALTHY]
    if p.is_dir() and p.parent.name != CHECK and (p / "k8s").is_dir()
)


@pytest.mark.parametrize("bundle", OTHER_BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_finding_on_other_fixtures(bundle: Path) -> None:
    """The project's other fixtures hold no CNI failure: cni-health must stay quiet on them."""
    result = run_one(CHECK, bundle)
    assert result.status.value in ("pass", "partial", "skip"), [f.title for f in result.findings]


@pytest.mark.parametrize(
    "message",
    [
        # VPC CNI >= 1.23 probes the ipamd socket (cmd/grpc-health-probe/main.go format)
        'Readiness probe failed: {"msg":"timeout: failed to connect service '
        '\\"unix:///var/run/aws-node/ipamd.sock\\" within 5s"}',
        'Liveness probe failed: {"msg":"timeout: failed to connect service '
        '\\":50051\\" within 1s"}',
    ],
)
def test_probe_texts_of_every_version_are_read(message: str) -> None:
    from netdoctor.facts import signatures as sig
    from netdoctor.snapshot.k8s_types import Event, ObjectReference

    event = Event(
        involvedObject=ObjectReference(kind="Pod", namespace="kube-system", name="aws-node-x"),
        reason="Unhealthy",
        message=message,
    )
    assert event.text.startswith(sig.PROBE_FAILED)
    assert any(text in event.text for text in sig.GRPC_PROBE_TEXTS)


@pytest.mark.parametrize(
    "message",
    [
        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
        "message:Network plugin returns error: cni plugin not initialized",
        "runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
        "message:docker: network plugin is not ready: cni config uninitialized",
    ],
)
def test_not_ready_texts_of_containerd_and_dockershim(message: str) -> None:
    from netdoctor.facts import signatures as sig
    from netdoctor.facts.views import NodeView
    from netdoctor.snapshot.k8s_types import Node, NodeCondition, NodeStatus

    node = Node(status=NodeStatus(conditions=[NodeCondition("Ready", "False", "x", message)]))
    view = NodeView(node, "n", None, None, None, None, None)
    assert sig.cni_not_ready(view) is not None
