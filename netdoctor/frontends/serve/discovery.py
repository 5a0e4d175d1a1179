"""API discovery: the `/`, `/api`, `/apis` and `/version` documents clients read first.

They list only the kinds served, so `kubectl api-resources` shows what the bundle holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from netdoctor.frontends.serve.responses import not_found
from netdoctor.snapshot.kinds import ApiKind

DEFAULT_KUBERNETES_VERSION = "1.31"
"""What `/version` reports when the bundle does not say."""


def document(parts: Sequence[str], kinds: Sequence[ApiKind], address: str) -> dict[str, Any] | None:
    """The discovery document at the path made of `parts`; None if it is not a discovery path.

    Args:
        parts: the URL path split on `/` (`[]` for `/`, `["apis", "apps"]` ...).
        kinds: the kinds served.
        address: `host:port` clients reach the server on.

    Raises:
        ApiError: 404 for a group or group version with no kind served.
    """
    match parts:
        case []:
            return {"paths": _paths(kinds)}
        case ["api"]:
            versions = {"kind": "APIVersions", "versions": ["v1"]}
            cidrs = [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]
            return {**versions, "serverAddressByClientCIDRs": cidrs}
        case ["api", "v1"]:
            return _resource_list(kinds, "", "v1")
        case ["apis"]:
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": _groups(kinds)}
        case ["apis", group]:
            for entry in _groups(kinds):
                if entry["name"] == group:
                    return {"kind": "APIGroup", "apiVersion": "v1", **entry}
            raise not_found()
        case ["apis", group, version]:
            if not any((k.group, k.version) == (group, version) for k in kinds):
                raise not_found()
            return _resource_list(kinds, group, version)
    return None


def version_info(kubernetes_version: str) -> dict[str, str]:
    """The `/version` document for a `major.minor` Kubernetes version."""
    major, _, minor = kubernetes_version.partition(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{kubernetes_version}.0-netdoctor-serve",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "",
        "compiler": "netdoctor",
        "platform": "linux/amd64",
    }


def _groups(kinds: Sequence[ApiKind]) -> list[dict[str, Any]]:
    versions: dict[str, set[str]] = {}
    for kind in kinds:
        if kind.group:
            versions.setdefault(kind.group, set()).add(kind.version)
    groups = []
    for group, found in versions.items():
        entries = [
            {"groupVersion": f"{group}/{v}", "version": v} for v in sorted(found, key=_version_key)
        ]
        groups.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
    return groups


def _resource_list(kinds: Sequence[ApiKind], group: str, version: str) -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": [k.api_resource() for k in kinds if (k.group, k.version) == (group, version)],
    }


def _paths(kinds: Sequence[ApiKind]) -> list[str]:
    paths = {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"}
    for kind in kinds:
        if kind.group:
            paths.update((f"/apis/{kind.group}", f"/apis/{kind.group}/{kind.version}"))
    return sorted(paths)


def _version_key(version: str) -> tuple[int, int, int, str]:
    """Kubernetes version priority: GA before beta before alpha, newer first."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0, version)
    stage = {None: 0, "beta": 1, "alpha": 2}[m[2]]
    return (stage, -int(m[1]), -int(m[3] or 0), "")
