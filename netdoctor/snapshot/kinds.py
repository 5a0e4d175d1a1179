"""The Kubernetes API resources a snapshot bundle holds, one per `k8s/*.json` file.

`API_KINDS` is the single table that maps bundle files to REST paths. `netdoctor serve` serves
from it and live capture lists from it, so the two always agree on what a bundle contains.
How `kubectl get` shows each kind lives in `netdoctor.frontends.serve.columns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from netdoctor.snapshot import files as f


@dataclass(frozen=True, slots=True)
class ApiKind:
    """One API resource and the bundle file that records it."""

    bundle_file: str
    """Path inside the bundle, e.g. `k8s/pods.json`."""
    group: str
    """API group; `""` for the core (legacy) group."""
    version: str
    """API version within the group, e.g. `v1`, `v1beta1`."""
    plural: str
    """Resource name in URLs, e.g. `pods`."""
    singular: str
    """Singular resource name, e.g. `pod`."""
    kind: str
    """Object kind, e.g. `Pod`."""
    namespaced: bool
    """True when objects live in namespaces."""
    short_names: tuple[str, ...] = ()
    """kubectl aliases, e.g. `("po",)`."""
    categories: tuple[str, ...] = ()
    """Discovery categories (`all` makes `kubectl get all` include it)."""
    verbs: tuple[str, ...] = ("get", "list")
    """What the serve API allows: read-only."""
    bundle_namespace: str | None = None
    """The one namespace the bundle collects from (`kube-system`), or None for all namespaces."""

    @property
    def group_version(self) -> str:
        """`v1` for the core group, else `group/version`; also the objects' `apiVersion`."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        """Kind of the list response, e.g. `PodList`."""
        return f"{self.kind}List"

    @property
    def resource(self) -> str:
        """Qualified resource name for kubectl: `pods`, `cninodes.vpcresources.k8s.aws`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def api_prefix(self) -> str:
        """`/api/v1` for the core group, else `/apis/<group>/<version>`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def list_path(self, namespace: str | None = None) -> str:
        """REST path that lists this resource, in one namespace or (None) across all of them.

        Raises:
            ValueError: a namespace was given for a cluster-scoped resource.
        """
        if namespace is None:
            return f"{self.api_prefix}/{self.plural}"
        if not self.namespaced:
            raise ValueError(f"{self.plural} are cluster-scoped; they have no namespace")
        return f"{self.api_prefix}/namespaces/{namespace}/{self.plural}"

    def object_path(self, name: str, namespace: str | None = None) -> str:
        """REST path of one object (namespace required for namespaced resources).

        Raises:
            ValueError: the namespace is missing for a namespaced resource or given for a
                cluster-scoped one.
        """
        if self.namespaced and not namespace:
            raise ValueError(f"{self.plural} are namespaced; give a namespace")
        return f"{self.list_path(namespace if self.namespaced else None)}/{name}"

    @property
    def capture_path(self) -> str:
        """The list path whose full result is this bundle file (honours `bundle_namespace`)."""
        return self.list_path(self.bundle_namespace)

    def api_resource(self) -> dict[str, Any]:
        """This resource as an `APIResource` entry of a discovery `APIResourceList`."""
        entry: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        return entry


API_KINDS: tuple[ApiKind, ...] = (
    ApiKind(
        bundle_file=f.K8S_NODES,
        group="",
        version="v1",
        plural="nodes",
        singular="node",
        kind="Node",
        namespaced=False,
        short_names=("no",),
    ),
    ApiKind(
        bundle_file=f.K8S_PODS,
        group="",
        version="v1",
        plural="pods",
        singular="pod",
        kind="Pod",
        namespaced=True,
        short_names=("po",),
        categories=("all",),
    ),
    ApiKind(
        bundle_file=f.K8S_SERVICES,
        group="",
        version="v1",
        plural="services",
        singular="service",
        kind="Service",
        namespaced=True,
        short_names=("svc",),
        categories=("all",),
    ),
    ApiKind(
        bundle_file=f.K8S_INGRESSES,
        group="networking.k8s.io",
        version="v1",
        plural="ingresses",
        singular="ingress",
        kind="Ingress",
        namespaced=True,
        short_names=("ing",),
    ),
    ApiKind(
        bundle_file=f.K8S_EVENTS,
        group="",
        version="v1",
        plural="events",
        singular="event",
        kind="Event",
        namespaced=True,
        short_names=("ev",),
    ),
    ApiKind(
        bundle_file=f.K8S_DAEMONSETS,
        group="apps",
        version="v1",
        plural="daemonsets",
        singular="daemonset",
        kind="DaemonSet",
        namespaced=True,
        short_names=("ds",),
        categories=("all",),
        bundle_namespace="kube-system",
    ),
    ApiKind(
        bundle_file=f.K8S_CONFIGMAPS,
        group="",
        version="v1",
        plural="configmaps",
        singular="configmap",
        kind="ConfigMap",
        namespaced=True,
        short_names=("cm",),
        bundle_namespace="kube-system",
    ),
    ApiKind(
        bundle_file=f.K8S_ENICONFIGS,
        group="crd.k8s.amazonaws.com",
        version="v1alpha1",
        plural="eniconfigs",
        singular="eniconfig",
        kind="ENIConfig",
        namespaced=False,
    ),
    ApiKind(
        bundle_file=f.K8S_SECURITY_GROUP_POLICIES,
        group="vpcresources.k8s.aws",
        version="v1beta1",
        plural="securitygrouppolicies",
        singular="securitygrouppolicy",
        kind="SecurityGroupPolicy",
        namespaced=True,
    ),
    ApiKind(
        bundle_file=f.K8S_CNINODES,
        group="vpcresources.k8s.aws",
        version="v1alpha1",
        plural="cninodes",
        singular="cninode",
        kind="CNINode",
        namespaced=False,
    ),
    ApiKind(
        bundle_file=f.K8S_TARGET_GROUP_BINDINGS,
        group="elbv2.k8s.aws",
        version="v1beta1",
        plural="targetgroupbindings",
        singular="targetgroupbinding",
        kind="TargetGroupBinding",
        namespaced=True,
    ),
    ApiKind(
        bundle_file=f.K8S_ENDPOINT_SLICES,
        group="discovery.k8s.io",
        version="v1",
        plural="endpointslices",
        singular="endpointslice",
        kind="EndpointSlice",
        namespaced=True,
    ),
)
"""Every k8s bundle file, in BUNDLE-FORMAT.md order."""

KINDS_BY_FILE: Mapping[str, ApiKind] = MappingProxyType({k.bundle_file: k for k in API_KINDS})
"""`API_KINDS` keyed by bundle file."""


def find_kind(name: str) -> ApiKind | None:
    """The kind kubectl would resolve `name` to: plural, singular, short name, kind, `plural.group`
    or bundle file, case-insensitively; None if no kind matches."""
    wanted = name.lower()
    for kind in API_KINDS:
        names = {kind.plural, kind.singular, kind.kind.lower(), kind.resource, kind.bundle_file}
        if wanted in names or wanted in kind.short_names:
            return kind
    return None
