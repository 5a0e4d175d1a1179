"""Kubeconfig files that point kubectl, k9s or the Python client at `netdoctor serve`."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml

NAME = "netdoctor-serve"
"""Cluster, user and context name in the kubeconfigs written here."""


def kubeconfig_dict(
    url: str,
    *,
    token: str | None = None,
    ca_pem: bytes | None = None,
    namespace: str | None = None,
    name: str = NAME,
) -> dict[str, Any]:
    """A kubeconfig as a dict (e.g. for `kubernetes.config.load_kube_config_from_dict`).

    Args:
        url: the server URL, `http://127.0.0.1:PORT` or `https://...`.
        token: bearer token for the user, when the server requires one.
        ca_pem: the PEM certificate to trust for an https URL.
        namespace: default namespace of the context.
        name: cluster, user and context name.
    """
    cluster: dict[str, Any] = {"server": url}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    context: dict[str, Any] = {"cluster": name, "user": name}
    if namespace:
        context["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": {"token": token} if token else {}}],
        "contexts": [{"name": name, "context": context}],
        "current-context": name,
        "preferences": {},
    }


def is_ours(path: str | Path, name: str = NAME) -> bool:
    """True when `path` holds a kubeconfig whose only cluster is `name`, i.e. one we wrote."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    clusters = data.get("clusters") if isinstance(data, dict) else None
    if not isinstance(clusters, list):
        return False
    return [c.get("name") if isinstance(c, dict) else None for c in clusters] == [name]


def write_kubeconfig(
    path: str | Path,
    url: str,
    *,
    token: str | None = None,
    ca_pem: bytes | None = None,
    namespace: str | None = None,
    name: str = NAME,
) -> Path:
    """Write a kubeconfig for `url` to `path` (mode 0600: it may hold a token).

    Arguments are those of `kubeconfig_dict`. It replaces the file as a whole; callers that must
    not clobber a user's own kubeconfig check `is_ours` first.

    Returns:
        The absolute path written.
    """
    target = Path(path).expanduser().absolute()
    text = yaml.safe_dump(
        kubeconfig_dict(url, token=token, ca_pem=ca_pem, namespace=namespace, name=name),
        sort_keys=False,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, target)
    return target
