"""Typed shapes of the Kubernetes bundle files: only the fields netdoctor reads.

Decoding with these msgspec structs skips every other field without building it, which is what
keeps a 150,000-pod bundle fast and small. Field names are the API's own (camelCase).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

T = TypeVar("T")


class Struct(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """Base for the bundle shapes: keyword-only, unknown fields ignored, untracked by the
    cyclic GC (the shapes hold no cycles; tracking millions of them is what slows big parses)."""


class OwnerReference(Struct):
    kind: str = ""
    name: str = ""


class ObjectMeta(Struct):
    name: str = ""
    namespace: str | None = None
    uid: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    creationTimestamp: Any = None
    ownerReferences: list[OwnerReference] | None = None


class KubeList(Struct, Generic[T]):
    """A `kubectl get -o json` List: only `items` matters."""

    items: list[T]


# --- nodes -------------------------------------------------------------------------------

Quantity = str | int | float


class NodeCondition(Struct):
    type: str = ""
    status: str = ""
    reason: str | None = None
    message: str | None = None
    lastTransitionTime: Any = None


class NodeAddress(Struct):
    type: str = ""
    address: str = ""


class Taint(Struct):
    key: str = ""
    value: str | None = None
    effect: str = ""


class NodeSpec(Struct):
    providerID: str | None = None
    unschedulable: bool | None = None
    taints: list[Taint] | None = None


class NodeSystemInfo(Struct):
    osImage: str | None = None
    kubeletVersion: str | None = None


class NodeStatus(Struct):
    capacity: dict[str, Quantity] | None = None
    allocatable: dict[str, Quantity] | None = None
    conditions: list[NodeCondition] | None = None
    addresses: list[NodeAddress] | None = None
    nodeInfo: NodeSystemInfo | None = None


class Node(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: NodeSpec = msgspec.field(default_factory=NodeSpec)
    status: NodeStatus = msgspec.field(default_factory=NodeStatus)


# --- pods --------------------------------------------------------------------------------


class ContainerStateWaiting(Struct):
    reason: str | None = None
    message: str | None = None


class ContainerStateRunning(Struct):
    startedAt: Any = None


class ContainerState(Struct):
    waiting: ContainerStateWaiting | None = None
    running: ContainerStateRunning | None = None


class ContainerStatus(Struct):
    name: str = ""
    ready: bool | None = None
    state: ContainerState | None = None


class PodCondition(Struct):
    type: str = ""
    status: str = ""
    reason: str | None = None
    message: str | None = None


class PodIP(Struct):
    ip: str = ""


class PodStatus(Struct):
    phase: str | None = None
    podIP: str | None = None
    podIPs: list[PodIP] | None = None
    """Every address of a dual-stack pod (`podIP` is the first)."""
    hostIP: str | None = None
    reason: str | None = None
    message: str | None = None
    startTime: Any = None
    conditions: list[PodCondition] | None = None
    containerStatuses: list[ContainerStatus] | None = None


class PodSpec(Struct):
    nodeName: str | None = None
    hostNetwork: bool | None = None
    serviceAccountName: str | None = None
    nodeSelector: dict[str, str] | None = None


class PodMeta(Struct):
    """Pods are most of a big bundle: keep only what checks read (no annotations, owners)."""

    name: str = ""
    namespace: str | None = None
    labels: dict[str, str] | None = None


class Pod(Struct):
    metadata: PodMeta = msgspec.field(default_factory=PodMeta)
    spec: PodSpec = msgspec.field(default_factory=PodSpec)
    status: PodStatus = msgspec.field(default_factory=PodStatus)


# --- events ------------------------------------------------------------------------------


class ObjectReference(Struct):
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None


class Event(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    involvedObject: ObjectReference | None = None
    regarding: ObjectReference | None = None  # events.k8s.io/v1 shape
    reason: str | None = None
    message: str | None = None
    note: str | None = None  # events.k8s.io/v1 shape
    type: str | None = None
    count: int | None = None
    firstTimestamp: Any = None
    lastTimestamp: Any = None
    eventTime: Any = None

    @property
    def target(self) -> ObjectReference:
        """The object the event is about, from either event API shape."""
        return self.involvedObject or self.regarding or ObjectReference()

    @property
    def text(self) -> str:
        """The event's message, from either event API shape."""
        return self.message or self.note or ""


# --- services and ingresses --------------------------------------------------------------


class ServicePort(Struct):
    name: str | None = None
    protocol: str | None = None
    port: int | None = None
    targetPort: int | str | None = None
    nodePort: int | None = None


class ServiceSpec(Struct):
    type: str | None = None
    clusterIP: str | None = None
    ports: list[ServicePort] | None = None
    selector: dict[str, str] | None = None
    externalTrafficPolicy: str | None = None
    loadBalancerClass: str | None = None
    allocateLoadBalancerNodePorts: bool | None = None


class LoadBalancerIngress(Struct):
    hostname: str | None = None
    ip: str | None = None


class LoadBalancerStatus(Struct):
    ingress: list[LoadBalancerIngress] | None = None


class LoadBalancedStatus(Struct):
    """`status` of a Service or an Ingress: the load balancer built for it, if any."""

    loadBalancer: LoadBalancerStatus | None = None

    @property
    def hostnames(self) -> list[str]:
        found = self.loadBalancer.ingress if self.loadBalancer else None
        return [i.hostname or i.ip or "" for i in found or () if i.hostname or i.ip]


class Service(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: ServiceSpec = msgspec.field(default_factory=ServiceSpec)
    status: LoadBalancedStatus = msgspec.field(default_factory=LoadBalancedStatus)


class ServiceBackendPort(Struct):
    number: int | None = None
    name: str | None = None


class IngressServiceBackend(Struct):
    name: str = ""
    port: ServiceBackendPort | None = None


class IngressBackend(Struct):
    service: IngressServiceBackend | None = None
    serviceName: str | None = None  # networking.k8s.io/v1beta1 shape, still seen in the wild
    servicePort: int | str | None = None

    @property
    def service_name(self) -> str | None:
        """The backend service name, from either Ingress API shape."""
        return self.service.name if self.service else self.serviceName


class HTTPIngressPath(Struct):
    path: str | None = None
    backend: IngressBackend | None = None


class HTTPIngressRuleValue(Struct):
    paths: list[HTTPIngressPath] | None = None


class IngressRule(Struct):
    host: str | None = None
    http: HTTPIngressRuleValue | None = None


class IngressSpec(Struct):
    ingressClassName: str | None = None
    defaultBackend: IngressBackend | None = None
    backend: IngressBackend | None = None
    rules: list[IngressRule] | None = None


class Ingress(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: IngressSpec = msgspec.field(default_factory=IngressSpec)
    status: LoadBalancedStatus = msgspec.field(default_factory=LoadBalancedStatus)

    def backends(self) -> list[IngressBackend]:
        """Every backend the Ingress routes to: default backend first, then each path."""
        found = [b for b in (self.spec.defaultBackend, self.spec.backend) if b]
        for rule in self.spec.rules or ():
            for path in (rule.http.paths if rule.http else None) or ():
                if path.backend:
                    found.append(path.backend)
        return found


# --- DaemonSets and ConfigMaps -----------------------------------------------------------


class EnvVar(Struct):
    name: str = ""
    value: str | None = None


class DaemonContainer(Struct):
    name: str = ""
    image: str | None = None
    env: list[EnvVar] | None = None


class DaemonPodSpec(Struct):
    containers: list[DaemonContainer] | None = None
    initContainers: list[DaemonContainer] | None = None


class DaemonPodTemplate(Struct):
    spec: DaemonPodSpec = msgspec.field(default_factory=DaemonPodSpec)


class DaemonSetSpec(Struct):
    template: DaemonPodTemplate = msgspec.field(default_factory=DaemonPodTemplate)


class DaemonSetStatus(Struct):
    desiredNumberScheduled: int | None = None
    numberReady: int | None = None


class DaemonSet(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: DaemonSetSpec = msgspec.field(default_factory=DaemonSetSpec)
    status: DaemonSetStatus = msgspec.field(default_factory=DaemonSetStatus)


class ConfigMap(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    data: dict[str, str] | None = None


# --- VPC CNI and load balancer controller custom resources -------------------------------


class ENIConfigSpec(Struct):
    subnet: str | None = None
    securityGroups: list[str] | None = None


class ENIConfig(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: ENIConfigSpec = msgspec.field(default_factory=ENIConfigSpec)


class LabelSelectorRequirement(Struct):
    key: str = ""
    operator: str = ""
    values: list[str] | None = None


class LabelSelector(Struct):
    matchLabels: dict[str, str] | None = None
    matchExpressions: list[LabelSelectorRequirement] | None = None


class SecurityGroupIds(Struct):
    groupIds: list[str] | None = None


class SecurityGroupPolicySpec(Struct):
    podSelector: LabelSelector | None = None
    serviceAccountSelector: LabelSelector | None = None
    securityGroups: SecurityGroupIds | None = None


class SecurityGroupPolicy(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: SecurityGroupPolicySpec = msgspec.field(default_factory=SecurityGroupPolicySpec)


class CNINodeFeature(Struct):
    name: str = ""
    value: str | None = None


class CNINodeSpec(Struct):
    features: list[CNINodeFeature | str] | None = None
    """Objects `{name, value}` per the CRD; AWS's own sample CNINode lists plain names (a wrong
    shape people copy), read as the names they are."""

    @property
    def feature_names(self) -> list[str]:
        """The features' names, whichever of the two shapes they come in."""
        return [f if isinstance(f, str) else f.name for f in self.features or ()]


class CNINode(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: CNINodeSpec = msgspec.field(default_factory=CNINodeSpec)


class ServiceReference(Struct):
    name: str = ""
    port: int | str | None = None


class TargetGroupBindingSpec(Struct):
    serviceRef: ServiceReference | None = None
    targetGroupARN: str | None = None
    targetType: str | None = None


class TargetGroupBinding(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: TargetGroupBindingSpec = msgspec.field(default_factory=TargetGroupBindingSpec)


# --- discovery.k8s.io/v1 EndpointSlice (trace: a service's endpoints) ---------------------


class EndpointConditions(Struct):
    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None


class EndpointTargetRef(Struct):
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None


class Endpoint(Struct):
    addresses: list[str] | None = None
    conditions: EndpointConditions | None = None
    nodeName: str | None = None
    targetRef: EndpointTargetRef | None = None


class EndpointPort(Struct):
    name: str | None = None
    port: int | None = None
    protocol: str | None = None


class EndpointSlice(Struct):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    addressType: str | None = None
    endpoints: list[Endpoint] | None = None
    ports: list[EndpointPort] | None = None
