"""Resolving `--from` and `--to`: a pod, node, instance, address, CIDR, service, `internet` or
`api`, joined to the ENI that holds the address (its subnet and security groups)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdoctor.errors import UsageError
from netdoctor.facts.addresses import ip_in_eni, parse_ip, parse_network
from netdoctor.facts.paths.model import End
from netdoctor.facts.routing import node_subnet_id
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.facts.views import EniView, NodeView, Views
    from netdoctor.snapshot import k8s_types as k

INTERNET = "internet"
API = "api"
ANY_V4 = "0.0.0.0/0"
BRANCH = "branch"


@dataclass
class Place:
    """A resolved end: its address and the ENI that holds it."""

    end: End
    ip: str | None
    node: NodeView | None = None
    pod: k.Pod | None = None
    eni: EniView | None = None
    service: k.Service | None = None
    missing: list[str] = field(default_factory=list)
    """Files whose absence left the ENI (subnet, groups) unknown."""

    @property
    def host_network(self) -> bool:
        return self.pod is None or bool(self.pod.spec.hostNetwork)

    @property
    def subnet_id(self) -> str | None:
        if self.eni is not None and self.eni.subnet_id:
            return self.eni.subnet_id
        return node_subnet_id(self.node) if self.node is not None else None

    @property
    def groups(self) -> list[str] | None:
        """The security groups of the ENI holding the address; None when unknown."""
        return list(self.eni.security_groups) if self.eni is not None else None


def eni_holding(views: Views, ip: str | None) -> EniView | None:
    """The ENI that holds the address; a branch ENI (security groups for pods) first."""
    if not ip:
        return None
    holders = [e for e in views.enis if ip_in_eni(ip, e)]
    holders.sort(key=lambda e: e.interface_type != BRANCH)
    return holders[0] if holders else None


def _eni_gaps(views: Views) -> list[str]:
    snap = views.snap
    if snap.has(files.AWS_NETWORK_INTERFACES) or snap.has(files.AWS_INSTANCES):
        return [] if snap.has(files.AWS_NETWORK_INTERFACES) else [files.AWS_NETWORK_INTERFACES]
    return [files.AWS_NETWORK_INTERFACES, files.AWS_INSTANCES]


def _pod(views: Views, text: str) -> k.Pod | None:
    ref = text.removeprefix("pod/")
    namespace, _, name = ref.partition("/")
    if not name or "/" in name:
        return None
    for pod in views.snap.pods:
        if pod.metadata.name == name and (pod.metadata.namespace or "default") == namespace:
            return pod
    return None


def _node_place(views: Views, text: str, view: NodeView, kind: str) -> Place:
    from netdoctor.facts.access import node_ip

    ip = node_ip(view)
    eni = eni_holding(views, ip)
    return Place(
        End(text, kind, ip), ip, node=view, eni=eni, missing=[] if eni else _eni_gaps(views)
    )


def _pod_place(views: Views, text: str, pod: k.Pod) -> Place:
    ip = pod.status.podIP
    node = views.nodes_by_name.get(pod.spec.nodeName or "")
    eni = eni_holding(views, ip)
    return Place(
        End(text, "pod", ip),
        ip,
        node=node,
        pod=pod,
        eni=eni,
        missing=[] if eni else _eni_gaps(views),
    )


def _named(views: Views, text: str, flag: str) -> Place | None:
    """A pod, node or instance the bundle knows by this name, else None."""
    if text.count("/") in (1, 2) and not parse_network(text):
        if not views.snap.has(files.K8S_PODS):
            raise UsageError(f"{flag} {text}: {files.K8S_PODS} is not in the bundle")
        pod = _pod(views, text)
        if pod is None:
            raise UsageError(f"{flag} {text}: no such pod in {files.K8S_PODS}")
        if not pod.status.podIP:
            raise UsageError(f"{flag} {text}: the pod has no IP (status.podIP is empty)")
        return _pod_place(views, text, pod)
    view = views.nodes_by_name.get(text.removeprefix("node/"))
    if view is not None:
        return _node_place(views, text, view, "node")
    if text.startswith("i-"):
        for view in views.nodes:
            if view.instance_id == text:
                return _node_place(views, text, view, "instance")
        raise UsageError(f"{flag} {text}: no node of the bundle runs on that instance")
    return None


def resolve_address(views: Views, text: str) -> Place:
    """An address: the pod or node that holds it when the bundle says so."""
    for pod in views.snap.pods:
        if pod.status.podIP == text and not pod.spec.hostNetwork:
            ref = f"{pod.metadata.namespace or 'default'}/{pod.metadata.name}"
            place = _pod_place(views, ref, pod)
            place.end = End(text, "pod", text)
            return place
    for view in views.nodes:
        if text in (view.internal_ip, view.instance.PrivateIpAddress if view.instance else None):
            place = _node_place(views, text, view, "node")
            place.end = End(text, "node", text)
            return place
    eni = eni_holding(views, text)
    return Place(End(text, "ip", text), text, eni=eni, missing=[] if eni else _eni_gaps(views))


def resolve_source(views: Views, text: str) -> Place:
    """`--from`: a pod (`ns/name`), a node name, an instance id, or an address.

    Raises:
        UsageError: nothing of that name, or not an address.
    """
    place = _named(views, text, "--from")
    if place is not None:
        return place
    if parse_ip(text) is None:
        raise UsageError(
            f"--from {text}: not a pod (ns/name), node, instance id or IP address of the bundle"
        )
    return resolve_address(views, text)


def resolve_destination(views: Views, text: str) -> Place:
    """`--to`: an address or CIDR, `internet`, `api`, a pod, a node, an instance, `svc/ns/name`.

    Raises:
        UsageError: nothing of that name, or not an address or CIDR.
    """
    if text == INTERNET:
        return Place(End(text, INTERNET, ANY_V4), None)
    if text == API:
        return Place(End(text, API, None), None)
    if text.startswith(("svc/", "service/")):
        return _service(views, text)
    place = _named(views, text, "--to")
    if place is not None:
        return place
    if parse_ip(text) is not None:
        return resolve_address(views, text)
    net = parse_network(text)
    if net is None or "/" not in text:
        raise UsageError(
            f"--to {text}: not an IP, CIDR, internet, api, pod (ns/name), node, instance id "
            "or svc/ns/name"
        )
    return Place(End(text, "cidr", str(net)), None)


def _service(views: Views, text: str) -> Place:
    _, _, ref = text.partition("/")
    namespace, _, name = ref.partition("/")
    if not name:
        raise UsageError(f"--to {text}: expected svc/NAMESPACE/NAME")
    if not views.snap.has(files.K8S_SERVICES):
        raise UsageError(f"--to {text}: {files.K8S_SERVICES} is not in the bundle")
    for svc in views.snap.services:
        if svc.metadata.name == name and (svc.metadata.namespace or "default") == namespace:
            return Place(End(text, "service", svc.spec.clusterIP), svc.spec.clusterIP, service=svc)
    raise UsageError(f"--to {text}: no such service in {files.K8S_SERVICES}")
