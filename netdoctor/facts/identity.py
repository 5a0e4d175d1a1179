"""Who may join the cluster: EKS access entries and the aws-auth ConfigMap's role mappings.

The cluster's `accessConfig.authenticationMode` says which of the two EKS consults: `API`
(access entries only), `CONFIG_MAP` (aws-auth only) or `API_AND_CONFIG_MAP` (either).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netdoctor.snapshot.snapshot import Snapshot

AWS_AUTH = "aws-auth"
KUBE_SYSTEM = "kube-system"
CONFIG_MAP_MODES = frozenset({"CONFIG_MAP", "API_AND_CONFIG_MAP"})
API_MODES = frozenset({"API", "API_AND_CONFIG_MAP"})


@dataclass(frozen=True, slots=True)
class MappedRole:
    """One `mapRoles` entry of aws-auth: the IAM role and the Kubernetes groups it gets."""

    rolearn: str
    groups: tuple[str, ...]


def mapped_roles(text: Any) -> list[dict[str, Any]]:
    """`[{rolearn, groups}]` of an aws-auth `mapRoles` YAML string; [] when it is not one.

    Entries without a `rolearn` string are skipped; anything but `rolearn` and `groups` (the
    username template, mapUsers, mapAccounts) is left out."""
    import yaml

    if not isinstance(text, str):
        return []
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    roles = []
    for entry in parsed if isinstance(parsed, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("rolearn"), str):
            continue
        groups = entry.get("groups")
        kept = [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []
        roles.append({"rolearn": entry["rolearn"], "groups": kept})
    return roles


def aws_auth_roles(snap: Snapshot) -> list[MappedRole] | None:
    """The roles aws-auth maps; None when the bundle holds no aws-auth ConfigMap (capture
    before netdoctor collected it, or a collection without it: unknown, not empty)."""
    for cm in snap.configmaps:
        if (cm.metadata.name, cm.metadata.namespace) == (AWS_AUTH, KUBE_SYSTEM):
            data = cm.data or {}
            return [
                MappedRole(r["rolearn"], tuple(r["groups"]))
                for r in mapped_roles(data.get("mapRoles"))
            ]
    return None


def authentication_mode(snap: Snapshot) -> str | None:
    """`API`, `API_AND_CONFIG_MAP` or `CONFIG_MAP`; None when describe-cluster does not say
    (older clusters and recordings predate access entries: EKS then used aws-auth alone)."""
    cluster = snap.cluster
    if cluster is None or cluster.accessConfig is None:
        return None
    return cluster.accessConfig.authenticationMode


def role_name(arn: str) -> str:
    """`nodes` of `arn:aws:iam::111122223333:role/some/path/nodes` (aws-auth wants the ARN
    without the path, access entries keep it: compare by name)."""
    return arn.rsplit("/", 1)[-1] if ":role/" in arn else arn
