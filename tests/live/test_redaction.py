"""Nothing planted in the cluster reaches the bundle; the CNI settings the checks need do."""

from __future__ import annotations

import gzip
import io
import ipaddress
import tarfile
from pathlib import Path

from netdoctor.snapshot import files as f
from netdoctor.sources.live import capture
from netdoctor.sources.live.redact import LAST_APPLIED, MARKER
from tests.live.helpers import check_results, doc, items
from tests.live.k8s_world import SECRETS


def _archive_bytes(path: Path) -> bytes:
    """Every byte of every member, decompressed, plus the raw decompressed stream."""
    raw = gzip.decompress(path.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        members = [tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]
    return raw + b"".join(members)


def test_no_planted_secret_reaches_the_bundle(live, tmp_path: Path) -> None:
    source = live.source_bundle()
    source_bytes = b"".join(p.read_bytes() for p in source.rglob("*.json"))
    assert all(s.encode() in source_bytes for s in SECRETS.values())  # they were planted

    result = capture(live.options(tmp_path / "out.tar.gz"))

    data = _archive_bytes(result.path)
    leaked = [name for name, secret in SECRETS.items() if secret.encode() in data]
    assert leaked == []
    assert b"managedFields" not in data and LAST_APPLIED.encode() not in data
    paths = [r.path for r in live.server.requests]
    assert not [p for p in paths if "secrets" in p or p.endswith("/configmaps")]
    assert [p for p in paths if "aws-auth" in p] == [
        "/api/v1/namespaces/kube-system/configmaps/aws-auth"
    ]


def test_aws_node_cni_settings_survive_and_other_env_is_masked_or_dropped(
    live, tmp_path: Path
) -> None:
    result = capture(live.options(tmp_path / "out"))

    daemonsets = {d["metadata"]["name"]: d for d in items(result.path, f.K8S_DAEMONSETS)}
    env = {
        e["name"]: e.get("value")
        for e in daemonsets["aws-node"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["ENABLE_PREFIX_DELEGATION"] == "false"
    assert env["WARM_ENI_TARGET"] == "1"
    assert env["AWS_VPC_K8S_CNI_EXTERNALSNAT"] == "false"
    assert env["VPC_ID"] == live.world.vpc_id
    assert env["CLUSTER_NAME"] == "atlas"
    assert env["THIRD_PARTY_WEBHOOK"] == MARKER
    assert env["AWS_SECRET_ACCESS_KEY"] == MARKER  # a CNI-looking prefix is not enough
    assert env["MY_NODE_NAME"] is None  # valueFrom entries have no value to hide
    proxy = daemonsets["kube-proxy"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["name"]: e.get("value") for e in proxy}["PROXY_TOKEN"] == MARKER

    # Nothing reads a pod's env, args or ephemeral containers: they never leave the cluster.
    pod = next(p for p in items(result.path, f.K8S_PODS) if p["spec"].get("initContainers"))
    assert pod["spec"]["initContainers"] == [{"name": "migrate", "image": "busybox"}]
    assert "ephemeralContainers" not in pod["spec"]
    assert set(pod["spec"]["containers"][0]) == {"name", "image"}
    configmaps = items(result.path, f.K8S_CONFIGMAPS)
    assert [c["metadata"]["name"] for c in configmaps] == ["amazon-vpc-cni", "aws-auth"]
    assert configmaps[0]["data"]["warm-ip-target"] == "1"


def test_redact_ids_tokens_are_stable_per_key_and_checks_still_run(live, tmp_path) -> None:
    plain = capture(live.options(tmp_path / "plain"))
    one = capture(live.options(tmp_path / "one", redact_ids=True, redact_key="k1"))
    two = capture(live.options(tmp_path / "two", redact_ids=True, redact_key="k1"))

    def all_bytes(root: Path) -> bytes:
        return b"".join(p.read_bytes() for p in sorted(root.rglob("*.json")))

    redacted = all_bytes(one.path)
    nat = doc(plain.path, f.AWS_NAT_GATEWAYS)["NatGateways"][0]["NatGatewayAddresses"][0]
    for value in ("123456789012", "atlas", "203.0.113.0", nat["PublicIp"], ".eks.amazonaws.com"):
        assert value.encode() in all_bytes(plain.path)
        assert value.encode() not in redacted, value
    # Addresses inside the VPC stay: the checks join nodes, ENIs and subnets on them.
    node_ip = live.world.nodes[0].private_ip
    assert node_ip.encode() in redacted
    cidrs = doc(one.path, f.AWS_CLUSTER)["cluster"]["resourcesVpcConfig"]["publicAccessCidrs"]
    token = ipaddress.ip_network(cidrs[0])
    assert token.prefixlen == 24 and token.subnet_of(ipaddress.ip_network("240.0.0.0/4"))
    meta_one, meta_two = doc(one.path, f.META), doc(two.path, f.META)
    assert meta_one["cluster"] == meta_two["cluster"] != "atlas"
    assert meta_one["cluster"].startswith("name-")
    # Same key, same tokens: two frames of an incident still diff (only the timestamps move).
    for rel in (f.AWS_CLUSTER, f.AWS_NAT_GATEWAYS, f.K8S_NODES, f.K8S_TARGET_GROUP_BINDINGS):
        assert doc(one.path, rel) == doc(two.path, rel), rel

    statuses = {k: v[0] for k, v in check_results(one.path).items()}
    assert statuses == {k: v[0] for k, v in check_results(plain.path).items()}
