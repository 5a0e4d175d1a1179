"""Role mappings: aws-auth's mapRoles as capture keeps it and as kubectl recorded it."""

from __future__ import annotations

import json
from pathlib import Path

from netdoctor.facts.identity import (
    MappedRole,
    authentication_mode,
    aws_auth_roles,
    mapped_roles,
    role_name,
)
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot


def _snap(tmp_path: Path, configmaps: list[dict], cluster: dict | None = None) -> Snapshot:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "aws").mkdir()
    listing = {"apiVersion": "v1", "kind": "List", "items": configmaps}
    (tmp_path / "k8s" / "configmaps.json").write_text(json.dumps(listing))
    if cluster is not None:
        doc = {"cluster": {"name": "c", **cluster}}
        (tmp_path / "aws" / "eks-describe-cluster.json").write_text(json.dumps(doc))
    return Snapshot(open_bundle(tmp_path))


def _aws_auth(map_roles: str) -> dict:
    return {
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": map_roles},
    }


def test_kubectl_yaml_and_capture_json_give_the_same_roles(tmp_path: Path) -> None:
    yaml_text = (
        "- rolearn: arn:aws:iam::111122223333:role/nodes\n"
        "  username: system:node:{{EC2PrivateDNSName}}\n"
        "  groups:\n  - system:bootstrappers\n  - system:nodes\n"
    )
    as_json = json.dumps(mapped_roles(yaml_text))
    for index, text in enumerate((yaml_text, as_json)):
        root = tmp_path / str(index)
        root.mkdir()
        assert aws_auth_roles(_snap(root, [_aws_auth(text)])) == [
            MappedRole(
                "arn:aws:iam::111122223333:role/nodes", ("system:bootstrappers", "system:nodes")
            )
        ]


def test_no_aws_auth_in_the_bundle_is_unknown_not_empty(tmp_path: Path) -> None:
    vpc_cni = {"metadata": {"name": "amazon-vpc-cni", "namespace": "kube-system"}, "data": {}}
    assert aws_auth_roles(_snap(tmp_path, [vpc_cni])) is None


def test_an_aws_auth_that_is_not_yaml_maps_nothing(tmp_path: Path) -> None:
    assert aws_auth_roles(_snap(tmp_path, [_aws_auth("{broken: [")])) == []


def test_authentication_mode_comes_from_describe_cluster(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    assert (
        authentication_mode(_snap(a, [], {"accessConfig": {"authenticationMode": "API"}})) == "API"
    )
    assert authentication_mode(_snap(b, [], {})) is None


def test_role_names_ignore_the_path() -> None:
    assert role_name("arn:aws:iam::111122223333:role/team/a/nodes") == "nodes"
    assert role_name("arn:aws:iam::111122223333:role/nodes") == "nodes"
