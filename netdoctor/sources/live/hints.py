"""Where capture finds the cluster name, region and AWS profile when the user did not say.

Sources, in order of trust: the command line; the kubeconfig context (the `aws eks get-token`
exec args `--cluster-name`/`--region`, an `AWS_PROFILE` in its env, a cluster ARN as context or
cluster name, an EKS endpoint host); the nodes (providerIDs `aws:///ZONE/i-…`, eksctl labels);
finally the node instances' tags. Pure functions over parsed data: no network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)")
_ARN = re.compile(r"^arn:aws[a-z-]*:eks:([a-z0-9-]+):\d{12}:cluster/([\w.-]+)$")
_EKS_HOST = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com")
_PROVIDER_ID = re.compile(r"^aws:///([^/]*)/(i-[0-9a-zA-Z]+)$")
CLUSTER_LABELS = ("alpha.eksctl.io/cluster-name", "eks.amazonaws.com/cluster-name")
CLUSTER_TAGS = ("eks:cluster-name", "aws:eks:cluster-name")
_OWNED_TAG = "kubernetes.io/cluster/"


def region_of_zone(zone: str | None) -> str | None:
    """`eu-central-1a` → `eu-central-1`; Local and Wavelength Zones too (`us-west-2-lax-1a`)."""
    match = _REGION.match(zone or "")
    return match[1] if match else None


def parse_provider_id(provider_id: str | None) -> tuple[str | None, str | None]:
    """`aws:///eu-central-1a/i-0abc` → (`eu-central-1a`, `i-0abc`); (None, None) otherwise."""
    match = _PROVIDER_ID.match(provider_id or "")
    if not match:
        return None, None
    return match[1] or None, match[2]


@dataclass
class ContextHints:
    """What the kubeconfig context says about the EKS cluster behind it."""

    context: str | None = None
    cluster: str | None = None
    region: str | None = None
    profile: str | None = None


def _flag(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (odd shapes read as absent)."""
    return value if isinstance(value, dict) else {}


def _named(entries: Any, name: str | None) -> dict[str, Any]:
    if not isinstance(entries, list):
        return {}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name:
            body = next((v for k, v in entry.items() if k != "name" and isinstance(v, dict)), {})
            return body
    return {}


def kubeconfig_paths(explicit: str | None = None) -> list[Path]:
    """The kubeconfig files kubectl would read: `--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`."""
    if explicit:
        return [Path(explicit).expanduser()]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [Path("~/.kube/config").expanduser()]


def load_kubeconfig(paths: Iterable[Path]) -> dict[str, Any]:
    """The merged kubeconfig (first file wins per name, as kubectl merges); `{}` if none."""
    merged: dict[str, Any] = {"clusters": [], "contexts": [], "users": []}
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        if not merged.get("current-context") and data.get("current-context"):
            merged["current-context"] = data["current-context"]
        for key in ("clusters", "contexts", "users"):
            if isinstance(data.get(key), list):
                merged[key].extend(data[key])
    return merged


def context_hints(config: dict[str, Any], context: str | None = None) -> ContextHints:
    """Cluster name, region and profile that the kubeconfig context implies."""
    name = context or config.get("current-context")
    ctx = _named(config.get("contexts"), name)
    hints = ContextHints(context=name)
    cluster_ref = ctx.get("cluster")
    user = _named(config.get("users"), ctx.get("user"))
    exec_ = _mapping(user.get("exec"))
    args = [str(a) for a in exec_.get("args") or [] if isinstance(a, str | int)]
    hints.cluster = _flag(args, "--cluster-name", "--cluster-id", "-i")
    hints.region = _flag(args, "--region")
    for var in exec_.get("env") or []:
        if isinstance(var, dict) and var.get("name") == "AWS_PROFILE" and var.get("value"):
            hints.profile = str(var["value"])
        if isinstance(var, dict) and var.get("name") in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            hints.region = hints.region or (str(var.get("value")) or None)
    hints.profile = hints.profile or _flag(args, "--profile")
    for candidate in (cluster_ref, name):
        match = _ARN.match(str(candidate or ""))
        if match:
            hints.region = hints.region or match[1]
            hints.cluster = hints.cluster or match[2]
    server = _named(config.get("clusters"), cluster_ref).get("server")
    match = _EKS_HOST.search(str(server or ""))
    if match:
        hints.region = hints.region or match[1]
    return hints


@dataclass
class NodeFacts:
    """What the node list says about the AWS side: instance ids, zones, types, cluster name."""

    instance_ids: list[str] = field(default_factory=list)
    zones: set[str] = field(default_factory=set)
    instance_types: set[str] = field(default_factory=set)
    cluster_names: set[str] = field(default_factory=set)

    def add(self, node: Any) -> None:
        """Record one node object (raw JSON); odd shapes are ignored."""
        if not isinstance(node, dict):
            return
        spec = _mapping(node.get("spec"))
        zone, instance_id = parse_provider_id(spec.get("providerID"))
        if instance_id:
            self.instance_ids.append(instance_id)
        if zone:
            self.zones.add(zone)
        labels = _mapping(_mapping(node.get("metadata")).get("labels"))
        for key in ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"):
            if isinstance(labels.get(key), str) and labels[key]:
                self.instance_types.add(labels[key])
                break
        for key in CLUSTER_LABELS:
            if isinstance(labels.get(key), str) and labels[key]:
                self.cluster_names.add(labels[key])

    @property
    def region(self) -> str | None:
        """The region of the nodes' zones, when they agree."""
        regions = {r for r in map(region_of_zone, self.zones) if r}
        return regions.pop() if len(regions) == 1 else None

    @property
    def cluster(self) -> str | None:
        """The cluster name the node labels give, when they agree."""
        return next(iter(self.cluster_names)) if len(self.cluster_names) == 1 else None


def cluster_from_tags(instances: Iterable[Any]) -> str | None:
    """The cluster name in instance tags (`eks:cluster-name`, `kubernetes.io/cluster/NAME`)."""
    found: set[str] = set()
    for instance in instances:
        tags = instance.get("Tags") if isinstance(instance, dict) else None
        for tag in tags if isinstance(tags, list) else []:
            if not isinstance(tag, dict):
                continue
            key, value = str(tag.get("Key") or ""), str(tag.get("Value") or "")
            if key in CLUSTER_TAGS and value:
                found.add(value)
            elif key.startswith(_OWNED_TAG) and value in ("owned", "shared"):
                found.add(key.removeprefix(_OWNED_TAG))
    return found.pop() if len(found) == 1 else None
