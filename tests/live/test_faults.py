"""Faults on both sides: capture retries what is transient, records what is not, and never
fails as a whole; checks then skip for want of the file instead of passing."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from netdoctor.frontends.cli import main
from netdoctor.frontends.serve.kubeconfig import write_kubeconfig
from netdoctor.frontends.serve.server import BundleApiServer
from netdoctor.snapshot import files as f
from netdoctor.sources.live import CaptureError, capture
from tests.live.helpers import check_results, items, names, needs_of, with_meta_of

EVENTS = "/api/v1/events"
PODS = "/api/v1/pods"
SERVICES = "/api/v1/services"
CNINODES = "/apis/vpcresources.k8s.aws/v1alpha1/cninodes"
TGBS = "/apis/elbv2.k8s.aws/v1beta1/targetgroupbindings"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def elb_error(code: str, status: int) -> AWSResponse:
    """An ELBv2 (query protocol) error answer, as the HTTP layer hands it to botocore."""
    body = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{code} (injected)</Message>"
        "</Error><RequestId>netdoctor-test</RequestId></ErrorResponse>"
    ).encode()
    return AWSResponse("https://elb.invalid/", status, {}, _Raw(body))


def deny(operation: str, code: str = "UnauthorizedOperation") -> tuple[str, Any]:
    """A `before-call` hook that answers `operation` with an access-denied error."""

    def handler(**_: Any) -> tuple[Any, dict[str, Any]]:
        parsed = {
            "Error": {
                "Code": code,
                "Message": "User: arn:aws:sts::123456789012:assumed-role/oncall/bob is not "
                f"authorized to perform: {operation}",
            },
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return AWSResponse("https://denied.invalid/", 403, {}, None), parsed

    service = "eks" if operation.startswith("eks:") else "ec2"
    return f"before-call.{service}.{operation.split(':')[1]}", handler


def test_transient_faults_are_retried_and_the_bundle_is_whole(live, tmp_path: Path) -> None:
    server = live.server
    server.add_fault(PODS, [429], retry_after=1)
    server.add_fault(EVENTS, [500, 503])
    server.add_fault(CNINODES, delay=1.5)  # once, past the 0.5 s timeout
    throttled: list[str] = []

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        if not throttled:
            throttled.append(request.url)
            return elb_error("Throttling", 400)
        return None

    started = time.monotonic()
    result = capture(
        live.options(
            tmp_path / "b",
            timeout=0.5,
            aws_hooks=(("before-send.elastic-load-balancing-v2.DescribeTargetGroups", throttle),),
        )
    )
    elapsed = time.monotonic() - started

    assert result.missing == {}
    assert elapsed >= 1.0  # Retry-After: 1 was honoured (the backoff itself is 10 ms)
    statuses = [r.status for r in server.requests if r.path == PODS]
    assert statuses == [429, 200]
    assert [r.status for r in server.requests if r.path == EVENTS] == [500, 503, 200]
    assert len(throttled) == 1
    tg_calls = [c for c in result.aws_calls if c.operation == "DescribeTargetGroups"]
    assert len(tg_calls) == 1  # botocore retried below the call, in adaptive mode
    for rel in (f.K8S_PODS, f.K8S_EVENTS, f.K8S_CNINODES):
        assert names(items(result.path, rel)) == names(live.objects[rel]), rel
    source = live.source_bundle()
    with_meta_of(source, result.path)
    assert check_results(result.path) == check_results(source)


def test_lasting_faults_are_recorded_and_checks_skip(live, tmp_path: Path, capsys) -> None:
    server = live.server
    server.forbid("daemonsets")
    server.add_fault(SERVICES, [500], forever=True)
    server.add_fault(TGBS, delay=2.0, forever=True)
    hooks = (deny("ec2:DescribeVpcEndpoints"), deny("eks:DescribeCluster", "AccessDeniedException"))

    result = capture(live.options(tmp_path / "b", timeout=0.4, attempts=2, aws_hooks=hooks))

    missing = result.missing
    assert set(missing) == {
        f.K8S_DAEMONSETS, f.K8S_SERVICES, f.K8S_TARGET_GROUP_BINDINGS,
        f.AWS_VPC_ENDPOINTS, f.AWS_CLUSTER,
    }  # fmt: skip
    assert missing[f.K8S_DAEMONSETS].startswith("Forbidden: daemonsets.apps is forbidden")
    assert missing[f.K8S_DAEMONSETS].endswith("(needs RBAC list daemonsets.apps in kube-system)")
    assert "InternalError" in missing[f.K8S_SERVICES]
    assert "gave up after 2 attempts" in missing[f.K8S_SERVICES]
    assert missing[f.K8S_TARGET_GROUP_BINDINGS].startswith("no answer within 0.4s")
    assert missing[f.AWS_VPC_ENDPOINTS].startswith("UnauthorizedOperation: User: arn:aws:sts::")
    assert missing[f.AWS_VPC_ENDPOINTS].endswith("(needs IAM ec2:DescribeVpcEndpoints)")
    assert missing[f.AWS_CLUSTER].endswith("(needs IAM eks:DescribeCluster)")
    meta = json.loads((result.path / f.META).read_text())
    assert meta["missing"] == missing
    for rel in missing:
        assert not (result.path / rel).exists()
    # Without describe-cluster, the VPC came from the node instances: the rest is there.
    assert (result.path / f.AWS_SUBNETS).is_file() and (result.path / f.K8S_PODS).is_file()

    statuses = {k: v[0] for k, v in check_results(result.path).items()}
    for check_id, status in statuses.items():
        if set(needs_of(check_id)) & set(missing):
            assert status == "skip", check_id

    code = main(["check", str(result.path), "--format", "json", "--fail-on", "never"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    skipped = [r for r in report["results"] if r["status"] == "skip"]
    assert skipped, "some built-in check needs a file that is missing"
    for r in skipped:
        named = {m["file"]: m["capture"] for m in r["missing"]}
        assert named and all(named[rel] == missing[rel] for rel in named if rel in missing)


def test_a_crd_that_is_not_installed_is_absent_not_an_error(live, tmp_path: Path) -> None:
    without = {k: v for k, v in live.objects.items() if k not in (f.K8S_CNINODES, f.K8S_ENICONFIGS)}
    with BundleApiServer(without) as server:
        kubeconfig = write_kubeconfig(tmp_path / "kc", server.url)
        options = live.options(tmp_path / "b")
        options.kubeconfig = str(kubeconfig)
        result = capture(options)
        paths = {r.path for r in server.requests}

    assert set(result.missing) == {f.K8S_CNINODES, f.K8S_ENICONFIGS}
    assert result.missing[f.K8S_CNINODES] == (
        "not installed: the API server does not serve cninodes.vpcresources.k8s.aws "
        "(vpcresources.k8s.aws/v1alpha1)"
    )
    assert CNINODES not in paths  # discovery said so: no request wasted on it
    assert (result.path / f.K8S_SECURITY_GROUP_POLICIES).is_file()


def test_nothing_reachable_is_a_clean_error_and_leaves_nothing(
    live, tmp_path: Path, monkeypatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    live.server.stop()  # the API server is gone: connection refused
    target = tmp_path / "never.tar.gz"

    with pytest.raises(CaptureError, match="nothing could be captured"):
        capture(live.options(target, attempts=2))

    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".never")] == []


def test_check_live_reports_capture_gaps_on_stderr(live, tmp_path, monkeypatch, capsys) -> None:
    live.server.forbid("daemonsets")
    monkeypatch.setenv("KUBECONFIG", str(live.kubeconfig))
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal: line progress

    code = main(["check", "--live", "--format", "json", "--fail-on", "never"])

    import sys

    err = sys.stderr.getvalue()  # type: ignore[attr-defined]
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["snapshot"]["source"] == "live"
    assert (
        "netdoctor: capture: k8s/daemonsets.json not collected: Forbidden: daemonsets.apps is "
        'forbidden: User "netdoctor" cannot list resource "daemonsets"'
    ) in err
    assert "(needs RBAC list daemonsets.apps in kube-system)" in err
    assert "capture: k8s/nodes.json: 3 items, 1 page" in err
    pod_ip = next(r for r in report["results"] if r["check"] == "pod-ip-capacity")
    assert pod_ip["status"] == "skip"
    (gap,) = (m for m in pod_ip["missing"] if m["file"] == "k8s/daemonsets.json")
    assert "(needs RBAC list daemonsets.apps in kube-system)" in gap["capture"]
