"""Pods: binding them to nodes and addresses, then rendering them (and their events) one by one.

Placement keeps one small record per pod; the full objects are built only while pods.json is
streamed, so 150,000 pods never sit in memory at once.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import msgspec
import orjson

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.events import SANDBOX_FAILURE, EventLog
from netdoctor.tooling.synth.ids import IdGen
from netdoctor.tooling.synth.nodes import Node
from netdoctor.tooling.synth.workload import Workload

RUNNING, CREATING, UNSCHEDULABLE = 0, 1, 2
MAX_POD_BYTES = 5800
SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


@dataclass(slots=True)
class PodPlan:
    """Where one pod landed and in what state."""

    workload: Workload
    name: str
    node: Node | None
    ip: str | None
    state: int
    created: int


class _Placer:
    def __init__(self, rng: random.Random, ids: IdGen, now: int) -> None:
        self.rng, self.ids, self.now = rng, ids, now
        self.plans: list[PodPlan] = []
        self.next_ip: dict[int, int] = {}
        self.names: set[str] = set()

    def name(self, w: Workload) -> str:
        prefix = f"{w.owner_name}-"
        while True:
            name = prefix + self.ids.k8s_suffix()
            if name not in self.names:
                self.names.add(name)
                return name

    def bind(self, w: Workload, node: Node | None) -> None:
        # Pods that never started were created recently: their events are still there.
        recent = self.now - 2400 + self.rng.randrange(0, 60)
        if node is None:
            self.plans.append(PodPlan(w, self.name(w), None, None, UNSCHEDULABLE, recent))
            return
        if w.host_network:
            ip: str | None = node.ip
        else:
            k = self.next_ip.get(node.index, 0)
            self.next_ip[node.index] = k + 1
            ip = node.pod_ips[k] if k < len(node.pod_ips) else None
        created = max(w.rollout, node.launch + (30 if w.kind == "DaemonSet" else 150))
        created += self.rng.randrange(0, 60)
        if ip is None:
            created = max(recent, node.launch + 150)
        w.placed += 1
        self.plans.append(PodPlan(w, self.name(w), node, ip, RUNNING if ip else CREATING, created))


def place_pods(
    rng: random.Random,
    ids: IdGen,
    now: int,
    nodes: list[Node],
    daemons: list[Workload],
    system: list[Workload],
    apps: list[Workload],
    bad: list[Workload],
) -> list[PodPlan]:
    """Bind every pod to a node and an address; sorted as `kubectl get pods -A` lists them."""
    p = _Placer(rng, ids, now)
    for node in nodes:
        for d in daemons:
            p.bind(d, node)
    for w in bad:
        assert w.group is not None
        for node in w.group.nodes:
            for _ in range(node.app_slots):
                p.bind(w, node)
        for _ in range(w.pending):
            p.bind(w, None)
    slots = [n for n in nodes if n.group.spec.problem is None for _ in range(n.app_slots)]
    rng.shuffle(slots)
    cursor = 0
    for w in [*system, *apps]:
        take = min(w.replicas, len(slots) - cursor)
        for node in slots[cursor : cursor + take]:
            p.bind(w, node)
        cursor += take
    p.plans.sort(key=lambda x: (x.workload.namespace, x.name))
    return p.plans


def _kube_api_volume(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        "name": "kube-root-ca.crt",
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace",
                            }
                        ]
                    }
                },
            ],
        },
    }


def _condition(
    kind: str, status: str, at: int, reason: str | None = None, message: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"lastProbeTime": None, "lastTransitionTime": clock.k8s(at)}
    if message is not None:
        out["message"] = message
    if reason is not None:
        out["reason"] = reason
    out.update(status=status, type=kind)
    return out


def _repo(image: str) -> str:
    return image.rsplit(":", 1)[0]


class PodRenderer:
    """Turns PodPlans into pod objects and records their events."""

    def __init__(self, ids: IdGen, rng: random.Random, events: EventLog | None, now: int) -> None:
        self.ids, self.rng, self.events, self.now = ids, rng, events, now
        self._owner_refs: dict[int, list[dict[str, Any]]] = {}

    def _owner(self, w: Workload) -> list[dict[str, Any]]:
        ref = self._owner_refs.get(id(w))
        if ref is None:
            ref = [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "DaemonSet" if w.kind == "DaemonSet" else "ReplicaSet",
                    "name": w.owner_name,
                    "uid": w.owner_uid,
                }
            ]
            self._owner_refs[id(w)] = ref
        return ref

    def render_all(self, plans: list[PodPlan]) -> Iterator[dict[str, Any]]:
        """Pods in plan order."""
        for plan in plans:
            yield self.render(plan)

    def render(self, p: PodPlan) -> dict[str, Any]:
        """One pod as `kubectl get pods -A -o json` prints it."""
        w, node, ids = p.workload, p.node, self.ids
        container = dict(w.container)
        mounts = list(w.mounts)
        volumes = list(w.volumes)
        if w.automount:
            kapi = f"kube-api-access-{ids.k8s_suffix()}"
            kapi_mount = {"mountPath": SA_PATH, "name": kapi, "readOnly": True}
            mounts.append(kapi_mount)
            volumes.append(_kube_api_volume(kapi))
        if mounts:
            container["volumeMounts"] = mounts
        spec = dict(w.pod_spec)
        if w.kind == "DaemonSet" and node is not None:
            spec["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchFields": [
                                    {
                                        "key": "metadata.name",
                                        "operator": "In",
                                        "values": [node.name],
                                    }
                                ]
                            }
                        ]
                    }
                }
            }
        spec["containers"] = [container]
        if node is not None:
            spec["nodeName"] = node.name
        if volumes:
            spec["volumes"] = volumes
        uid = ids.uuid()
        rv = str(self.rng.randrange(300000, 900000))
        meta: dict[str, Any] = {}
        if w.annotations:
            meta["annotations"] = w.annotations
        meta.update(
            creationTimestamp=clock.k8s(p.created),
            generateName=f"{w.owner_name}-",
            labels=w.labels,
            name=p.name,
            namespace=w.namespace,
            ownerReferences=self._owner(w),
            resourceVersion=rv,
            uid=uid,
        )
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta,
            "spec": spec,
            "status": self._status(p),
        }
        if self.events is not None and (w.recent or p.state != RUNNING):
            self._events(p, uid, rv, self.events)
        return pod

    def _status(self, p: PodPlan) -> dict[str, Any]:
        w, t = p.workload, p.created
        name = w.container["name"]
        if p.state == UNSCHEDULABLE:
            return {
                "conditions": [
                    _condition("PodScheduled", "False", t, "Unschedulable", w.pending_message)
                ],
                "phase": "Pending",
                "qosClass": w.qos_class,
            }
        node = p.node
        assert node is not None
        host = {"hostIP": node.ip, "hostIPs": [{"ip": node.ip}]}
        if p.state == CREATING:
            unready = f"containers with unready status: [{name}]"
            return {
                "conditions": [
                    _condition("PodReadyToStartContainers", "False", t + 1),
                    _condition("Initialized", "True", t + 1),
                    _condition("Ready", "False", t + 1, "ContainersNotReady", unready),
                    _condition("ContainersReady", "False", t + 1, "ContainersNotReady", unready),
                    _condition("PodScheduled", "True", t),
                ],
                "containerStatuses": [
                    {
                        "image": w.image,
                        "imageID": "",
                        "lastState": {},
                        "name": name,
                        "ready": False,
                        "restartCount": 0,
                        "started": False,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }
                ],
                **host,
                "phase": "Pending",
                "qosClass": w.qos_class,
                "startTime": clock.k8s(t + 1),
            }
        started = t + 3 + (p.created % 3)
        at, scheduled, ready = clock.k8s(t + 1), clock.k8s(t), clock.k8s(started + 1)
        status: dict[str, Any] = {
            # Literal dicts: this runs once per running pod, 150,000 times for a big bundle.
            "conditions": [
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": clock.k8s(t + 3),
                    "status": "True",
                    "type": "PodReadyToStartContainers",
                },
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": at,
                    "status": "True",
                    "type": "Initialized",
                },
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": ready,
                    "status": "True",
                    "type": "Ready",
                },
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": ready,
                    "status": "True",
                    "type": "ContainersReady",
                },
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": scheduled,
                    "status": "True",
                    "type": "PodScheduled",
                },
            ],
            "containerStatuses": [
                {
                    "containerID": f"containerd://{self.ids.hex(64)}",
                    "image": w.image,
                    "imageID": f"{_repo(w.image)}@sha256:{w.digest}",
                    "lastState": {},
                    "name": name,
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": clock.k8s(started)}},
                }
            ],
            **host,
        }
        status.update(
            phase="Running", podIP=p.ip, podIPs=[{"ip": p.ip}], qosClass=w.qos_class, startTime=at
        )
        return status

    def _events(self, p: PodPlan, uid: str, rv: str, ev: EventLog) -> None:
        w, t = p.workload, p.created
        obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": p.name,
            "namespace": w.namespace,
            "resourceVersion": rv,
            "uid": uid,
        }
        ev.add(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": w.owner_name,
                "namespace": w.namespace,
                "resourceVersion": rv,
                "uid": w.owner_uid,
            },
            "SuccessfulCreate",
            f"Created pod: {p.name}",
            first=t,
            source={"component": "replicaset-controller"},
            reporting=("replicaset-controller", ""),
        )
        if p.state == UNSCHEDULABLE:
            repeats = self.rng.randint(4, 12)
            ev.add_scheduler(
                obj,
                "FailedScheduling",
                w.pending_message,
                kind="Warning",
                first=t,
                action="Scheduling",
                repeats=repeats,
                last=self._last(t),
            )
            return
        node = p.node
        assert node is not None
        ev.add_scheduler(
            obj,
            "Scheduled",
            f"Successfully assigned {w.namespace}/{p.name} to {node.name}",
            kind="Normal",
            first=t,
            action="Binding",
        )
        kubelet = {"component": "kubelet", "host": node.name}
        reporting = ("kubelet", node.name)
        if p.state == CREATING:
            ev.add(
                obj,
                "FailedCreatePodSandBox",
                SANDBOX_FAILURE.format(sandbox=self.ids.hex(64)),
                kind="Warning",
                first=t + 2,
                last=self._last(t),
                count=self.rng.randint(10, 40),
                source=kubelet,
                reporting=reporting,
            )
            return
        cobj = {**obj, "fieldPath": f"spec.containers{{{w.container['name']}}}"}
        pull = round(1.5 + self.rng.random() * 4, 2)
        size = self.rng.randrange(20_000_000, 400_000_000)
        for reason, message, at in (
            ("Pulling", f'Pulling image "{w.image}"', t + 1),
            (
                "Pulled",
                f'Successfully pulled image "{w.image}" in {pull}s ({pull}s including '
                f"waiting). Image size: {size} bytes.",
                t + 3,
            ),
            ("Created", f"Created container {w.container['name']}", t + 3),
            ("Started", f"Started container {w.container['name']}", t + 4),
        ):
            ev.add(cobj, reason, message, first=at, source=kubelet, reporting=reporting)

    def _last(self, first: int) -> int:
        """When a repeating event was last seen: shortly before the capture."""
        return max(first + 60, self.now - self.rng.randrange(10, 120))


def pod_size(w: Workload) -> int:
    """Bytes a running pod of `w` takes as `kubectl get pod -o json` prints it."""
    node = cast(
        Node,
        SimpleNamespace(
            name="ip-192-168-100-100.eu-central-1.compute.internal", ip="192.168.100.100"
        ),
    )
    rng = random.Random(0)
    renderer = PodRenderer(IdGen(rng), rng, None, 0)
    pod = renderer.render(
        PodPlan(w, f"{w.owner_name}-abcde", node, "192.168.100.101", RUNNING, w.rollout)
    )
    return len(msgspec.json.format(orjson.dumps(pod), indent=4))
