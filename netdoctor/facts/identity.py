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


NODES_GROUP = "system:nodes"


@dataclass(frozen=True)
class RoleAccess:
    """Whether EKS lets a node's IAM role in, as far as the bundle shows."""

    mapped: bool | None
    """True (an access entry, or an aws-auth mapping to `system:nodes`), False, or None when
    the bundle cannot tell."""
    evidence: tuple[str, ...]
    missing: tuple[str, ...] = ()
    """Absent files that leave `mapped` unknown."""


def node_role_access(snap: Snapshot, role_arn: str) -> RoleAccess:
    """Look the node role up where the cluster's authentication mode says EKS does: its access
    entries (`API`, `API_AND_CONFIG_MAP`) and aws-auth's `mapRoles` (`CONFIG_MAP`,
    `API_AND_CONFIG_MAP`). Roles are compared by name (aws-auth drops the role's path)."""
    from netdoctor.snapshot import files

    mode = authentication_mode(snap)
    if mode is None:
        return RoleAccess(None, ("describe-cluster has no accessConfig.authenticationMode",))
    name = role_name(role_arn)
    evidence = [f"cluster authenticationMode={mode}"]
    missing: list[str] = []
    found = False
    if mode in API_MODES:
        entries = snap.access_entries
        if entries is None:
            missing.append(files.AWS_ACCESS_ENTRIES)
        else:
            match = [e for e in entries if role_name(e) == name]
            found |= bool(match)
            evidence.append(
                f"access entry for {match[0]}"
                if match
                else f"no access entry for role {name} among {len(entries)} entries"
            )
    if mode in CONFIG_MAP_MODES:
        roles = aws_auth_roles(snap)
        if roles is None:
            missing.append(files.K8S_CONFIGMAPS)
            evidence.append(
                f"no aws-auth ConfigMap in {files.K8S_CONFIGMAPS}: its role mappings are unknown"
            )
        else:
            mapped = [r for r in roles if role_name(r.rolearn) == name]
            nodes = [r for r in mapped if NODES_GROUP in r.groups]
            found |= bool(nodes)
            if mapped:
                role = (nodes or mapped)[0]
                evidence.append(
                    f"aws-auth maps {role.rolearn} to groups {', '.join(role.groups) or 'none'}"
                    + ("" if nodes else f": not {NODES_GROUP}, so the kubelet cannot register")
                )
            else:
                evidence.append(f"aws-auth mapRoles has no entry for role {name}")
    if found:
        return RoleAccess(True, tuple(evidence))
    return RoleAccess(None if missing else False, tuple(evidence), tuple(missing))
