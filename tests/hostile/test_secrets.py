"""Capture keeps an allow-list of fields: nothing planted anywhere else reaches the bundle.

A value is planted in every field kind a workload or an operator can hide a secret in (env, split
and joined flags, commands, probe headers and exec, lifecycle hooks, CSI attributes, image
credentials, annotations, last-applied manifests, managedFields, extra ConfigMap keys, CRD spec
and status extras…), served by `BundleApiServer` on loopback with the AWS side in moto, and
captured for real. Not one planted byte may reach the bundle; what the checks read must.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

import msgspec

from netdoctor.frontends.serve.kubeconfig import write_kubeconfig
from netdoctor.frontends.serve.server import BundleApiServer
from netdoctor.snapshot import files as f
from netdoctor.snapshot.snapshot import LIST_FIELDS
from netdoctor.sources.live import CaptureOptions, capture
from netdoctor.sources.live.allowlist import KINDS, SCALAR, SCALARS, STRINGS, prune
from tests.hostile import planted
from tests.live import aws_world
from tests.live.conftest import _session, reset_moto
from tests.live.helpers import check_results, items


def _capture(endpoint: str, tmp_path: Path) -> tuple[Path, dict[str, Any], dict[str, str]]:
    reset_moto(endpoint)
    world = aws_world.populate(_session(endpoint), "atlas", 2)
    objects, values = planted.build(world)
    server = BundleApiServer(objects).start()
    try:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url)
        options = CaptureOptions(
            output=tmp_path / "bundle", kubeconfig=str(kubeconfig), backoff=0.01, timeout=5.0
        )
        result = capture(options)
    finally:
        server.stop()
    return result.path, objects, values


def test_no_planted_value_reaches_the_bundle(moto_endpoint: str, tmp_path: Path) -> None:
    bundle, objects, values = _capture(moto_endpoint, tmp_path)
    served = json.dumps(objects)
    assert [w for w, v in values.items() if v not in served] == []  # they were planted
    assert len(values) >= 40

    data = b"".join(p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file())
    kept = sorted(where for where, value in values.items() if value.encode() in data)
    assert kept == []
    assert b"PLANTED" not in data


def test_what_the_checks_read_survives(moto_endpoint: str, tmp_path: Path) -> None:
    bundle, _, _ = _capture(moto_endpoint, tmp_path)

    node = items(bundle, f.K8S_NODES)[0]
    assert list(node["metadata"]["annotations"]) == ["k8s.amazonaws.com/eniConfig"]
    service = items(bundle, f.K8S_SERVICES)[0]
    assert service["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
            {"spec": {"ports": [{"nodePort": 30080}]}}
        ),
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    }
    pod = items(bundle, f.K8S_PODS)[0]
    assert pod["spec"]["containers"] == [
        {"name": "web", "image": "registry.example.com/shop/web:1.2"}
    ]
    assert items(bundle, f.K8S_CONFIGMAPS)[0]["data"] == {"warm-ip-target": "1"}
    aws_node = next(
        d for d in items(bundle, f.K8S_DAEMONSETS) if d["metadata"]["name"] == "aws-node"
    )
    env = {
        e["name"]: e["value"] for e in aws_node["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["ENABLE_PREFIX_DELEGATION"] == "false"
    assert env["AWS_SECRET_ACCESS_KEY"] == "<redacted>"
    # The pinned nodePort the last-applied manifest shows is still found.
    findings = check_results(bundle)["nodeport-exposure"][1]
    assert any("pins nodePort 30080" in title for _, title, _, _ in findings)


# --- every field of the typed shapes is on the allow-list -------------------------------------


def _unwrap(tp: Any) -> Any:
    """`X | None` → X."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else Any
    return tp


def _missing(tp: Any, spec: Any, path: str) -> list[str]:
    """Paths of `tp`'s fields the allow-list `spec` does not keep."""
    tp = _unwrap(tp)
    if (
        callable(spec)
        and not isinstance(spec, dict | list)
        and spec not in (SCALAR, SCALARS, STRINGS)
    ):
        return []  # a function decides (annotations, env, ConfigMap data)
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if spec is STRINGS and _unwrap(inner) is str:
            return []
        if not isinstance(spec, list):
            return [path]
        return _missing(inner, spec[0], path + "[]")
    if origin is dict:
        return [] if spec is SCALARS else [path]
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        if not isinstance(spec, dict):
            return [path]
        gaps = []
        for field in msgspec.structs.fields(tp):
            if field.encode_name not in spec:
                gaps.append(f"{path}.{field.encode_name}")
            else:
                gaps += _missing(field.type, spec[field.encode_name], f"{path}.{field.encode_name}")
        return gaps
    return [] if spec is SCALAR else [path]


def test_every_field_the_typed_shapes_read_is_kept() -> None:
    # A new field in netdoctor.snapshot.k8s_types must be added to sources/live/allowlist.py,
    # or capture would drop what a check reads.
    gaps = {
        rel: gap
        for rel, spec in KINDS.items()
        if (gap := _missing(LIST_FIELDS[rel][1], spec, rel.removeprefix("k8s/")))
    }
    assert gaps == {}
    assert set(KINDS) == set(f.K8S_FILES)


def test_cninode_features_are_kept_in_both_shapes_the_resource_controller_writes() -> None:
    # Older resource controllers list features as plain strings; both shapes reach the check.
    item = {
        "metadata": {"name": "ip-10-0-1-5"},
        "spec": {"features": ["SecurityGroupsForPods", {"name": "SecurityGroupsForPods", "x": 1}]},
    }
    kept = prune(item, KINDS[f.K8S_CNINODES])
    assert kept["spec"]["features"] == [
        "SecurityGroupsForPods",
        {"name": "SecurityGroupsForPods"},
    ]
