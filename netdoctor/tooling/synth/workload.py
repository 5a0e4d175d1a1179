"""The controller behind a set of pods: what every pod of it shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netdoctor.tooling.synth.nodes import NodeGroup


@dataclass(eq=False)
class Workload:
    """A Deployment (through its current ReplicaSet) or a DaemonSet.

    Shared sub-objects (container, volumes, pod_spec) are reused by reference in every pod
    rendered from it and must never be mutated after creation.
    """

    kind: str
    namespace: str
    name: str
    labels: dict[str, str]
    container: dict[str, Any]
    pod_spec: dict[str, Any]
    owner_uid: str
    """Uid of the pods' owner: the ReplicaSet, or the DaemonSet."""
    uid: str
    """Uid of the Deployment (or the DaemonSet)."""
    rollout: int
    """When the current ReplicaSet (or DaemonSet) was created."""
    digest: str
    """sha256 of the image, as the kubelet reports it."""
    replicas: int = 0
    mounts: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    annotations: dict[str, str] = field(default_factory=dict)
    host_network: bool = False
    automount: bool = True
    recent: bool = False
    """Rolled out less than an hour ago, so its events have not expired yet."""
    pending: int = 0
    """Extra replicas the scheduler could not place."""
    pending_message: str = ""
    group: NodeGroup | None = None
    """The bad node group this workload is pinned to, if any."""
    problem: str | None = None
    placed: int = 0

    @property
    def template_hash(self) -> str:
        """The pod-template-hash (Deployments) or controller-revision-hash (DaemonSets)."""
        return self.labels.get("pod-template-hash") or self.labels["controller-revision-hash"]

    @property
    def owner_name(self) -> str:
        """Name of the pods' owner object."""
        return self.name if self.kind == "DaemonSet" else f"{self.name}-{self.template_hash}"

    @property
    def image(self) -> str:
        """The container image."""
        return str(self.container["image"])

    @cached_property
    def qos_class(self) -> str:
        """Guaranteed, Burstable or BestEffort, from the container's resources."""
        res = self.container.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if not req and not lim:
            return "BestEffort"
        # Unset requests default to the limits.
        if set(lim) >= {"cpu", "memory"} and {**lim, **req} == lim:
            return "Guaranteed"
        return "Burstable"
