#!/usr/bin/env python3
"""Generate the demo incident, `fixtures/incidents/demo/`: twelve frames, 30 s apart.

It starts from the shared healthy example (cluster atlas-demo, eu-central-1, three m6i.large
nodes, VPC CNI v1.20.1 with WARM_ENI_TARGET=1 and subnet discovery on) and changes one thing
before frame 1: eu-central-1a's private node subnet is a /27 (27 usable addresses), so its node
holds 20 of them (two ENIs of 10), the EKS control-plane ENI one, and 6 are free: less than the
10 a new ENI needs. Then, with the times of the frames:

 1  10:15:00  quiet. The subnet is already too small for the next warm-pool top-up.
 2  10:15:30  a CronJob scales Deployment bookstore/catalog-import (nodeSelector eu-central-1a)
              to 10: all 10 start on the zone-a node, using its last 10 free pod IPs. ipamd's
              next ENI (10 IPs) does not fit in 6: CreateNetworkInterface fails.
 3  10:16:00  the HPA scales to 16: 6 new pods stick in ContainerCreating with
              FailedCreatePodSandBox "… failed to assign an IP address to container".
 4  10:16:30  the HPA scales to 22: 3 more stick on the node (now at max-pods 29), 3 stay
              Pending: "0/3 nodes are available: 1 Too many pods, …"; cluster-autoscaler
              triggers a scale-up.
 5  10:17:00  a new node joins in eu-central-1a: its primary ENI takes the subnet's last 6
              addresses (subnet free IPs 6 → 0); the 3 Pending pods start on it.
 6  10:17:30  the HPA scales to 28 (its max): 6 more pods on the new node, which has 2 IPs
              left: 4 stick in ContainerCreating there too.
 7–9          nothing recovers; the FailedCreatePodSandBox counts climb.
10  10:19:30  the on-call engineer adds subnet atlas-demo-vpc-pods-a (192.168.192.0/19,
              eu-central-1a, tagged kubernetes.io/role/cni) on the private-a route table;
              subnet discovery puts a new ENI on each zone-a node in it; all 13 stuck pods
              get IPs and run.
11  10:20:00  the new node's ipamd adds its warm ENI in the new subnet.
12  10:20:30  quiet again.

Deterministic: ids, names and times derive from fixed labels; running it twice writes the same
bytes. Kubernetes files are written as `kubectl get -o json` prints them (sorted keys, 4-space
indent), AWS files as the aws CLI does (4-space indent, API key order).

It also packs the incident into `fixtures/incidents/demo.tar.gz` (reproducibly: the same bytes
every run), the single small file the wheel ships for `netdoctor demo`.

Usage: python scripts/make_demo_incident.py [--source DIR] [--out DIR] [--archive FILE]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netdoctor.sources.incident.store import IncidentStore, pack  # noqa: E402

SOURCE = REPO.parent / "shared" / "examples" / "healthy-basic"
OUT = REPO / "fixtures" / "incidents" / "demo"

T0 = datetime(2025, 9, 18, 10, 15, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)
FRAMES = 12

NS = "bookstore"
APP = "catalog-import"
RS_HASH = "6d9c7b5f48"
ZONE = "eu-central-1a"
ACCOUNT = "846203917554"
SUBNET_A = "subnet-0a81eedc195edfd24"
RTB_A = "rtb-0d9841098930aa3f4"
NODE_A_OLD_IP = "192.168.102.239"
INSTANCE_A = "i-04659d7d3b07444d8"
ENI_A0 = "eni-0663ef80144d18994"
ENI_A1 = "eni-08683fc8e14b93a11"
EKS_ENI_A = "eni-0fe51321ec694b74e"
POD_TEMPLATE = "bookstore-web-svf9m2qtqh-92lrn"
IMAGE = f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/bookstore/catalog-import:1.8.2"
SANDBOX_ERROR = (
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
    'sandbox "{sandbox}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to '
    "assign an IP address to container"
)
UNSCHEDULABLE = (
    "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't match Pod's node "
    "affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for "
    "incoming pod, 2 Preemption is not helpful for scheduling."
)
SUBNET_A_CIDR = "192.168.96.0/27"
SUBNET_A2_CIDR = "192.168.192.0/19"
NODE_D_IPS = [
    "192.168.96.5",
    "192.168.96.6",
    "192.168.96.7",
    "192.168.96.8",
    "192.168.96.9",
    "192.168.96.30",
]
SCHEDULER = "default-scheduler-ip-172-16-50-186.eu-central-1.compute.internal"
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


# --- deterministic ids and times ------------------------------------------------------------


def digest(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def hexid(label: str, n: int) -> str:
    return digest(label)[:n]


def uid(label: str) -> str:
    h = digest("uid:" + label)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def suffix(label: str, n: int = 5) -> str:
    value = int(digest("name:" + label), 16)
    out = ""
    for _ in range(n):
        value, rest = divmod(value, len(_NAME_ALPHABET))
        out += _NAME_ALPHABET[rest]
    return out


def ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_micro(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ts_aws(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def frame_time(n: int) -> datetime:
    """Capture time of frame n (1-based)."""
    return T0 + STEP * (n - 1)


# --- the world --------------------------------------------------------------------------------


class World:
    """Every bundle file as parsed JSON, changed step by step by the story."""

    def __init__(self, docs: dict[str, Any]) -> None:
        self.docs = docs
        self.rv = 361000

    @classmethod
    def load(cls, source: Path) -> World:
        docs = {
            p.relative_to(source).as_posix(): json.loads(p.read_text())
            for p in sorted(source.rglob("*.json"))
        }
        return cls(docs)

    def next_rv(self) -> str:
        self.rv += 7
        return str(self.rv)

    def items(self, rel: str) -> list[dict[str, Any]]:
        return self.docs[rel]["items"]

    def dump(self, captured: datetime) -> dict[str, bytes]:
        files = {}
        for rel, doc in self.docs.items():
            if rel == "meta.json":
                doc = {
                    "cluster": doc["cluster"],
                    "region": doc["region"],
                    "captured_at": ts(captured),
                    "source": "synthetic demo incident (scripts/make_demo_incident.py)",
                }
            text = json.dumps(doc, indent=4, sort_keys=rel.startswith("k8s/"), ensure_ascii=False)
            files[rel] = (text + "\n").encode()
        return files

    # --- renumbering zone a ------------------------------------------------------------

    def shrink_subnet_a(self) -> dict[str, str]:
        """Make private-a a /27: renumber every address it holds, everywhere it appears."""
        enis = {e["NetworkInterfaceId"]: e for e in self.aws("ec2-describe-network-interfaces")}
        mapping: dict[str, str] = {}
        eks = enis[EKS_ENI_A]["PrivateIpAddresses"][0]["PrivateIpAddress"]
        mapping[eks] = "192.168.96.4"
        for eni_id, first in ((ENI_A0, 10), (ENI_A1, 20)):
            for i, address in enumerate(enis[eni_id]["PrivateIpAddresses"]):
                mapping[address["PrivateIpAddress"]] = f"192.168.96.{first + i}"
        for rel, doc in self.docs.items():
            text = json.dumps(doc)
            for old, new in mapping.items():
                text = re.sub(rf"(?<![\d.]){re.escape(old)}(?!\d)", new, text)
                text = re.sub(
                    rf"(?<!\d)(?<!\d-){old.replace('.', '-')}(?!\d)", new.replace(".", "-"), text
                )
            self.docs[rel] = json.loads(text)
        text = json.dumps(self.docs)
        leftover = re.findall(r"192\.168\.(?:9[6-9]|1[01]\d|12[0-7])\.\d+(?![\d/])", text)
        unknown = sorted(set(leftover) - set(mapping.values()))
        if unknown:
            raise SystemExit(f"addresses of the old private-a subnet not renumbered: {unknown}")
        subnet = self.subnet(SUBNET_A)
        subnet["CidrBlock"] = SUBNET_A_CIDR
        subnet["AvailableIpAddressCount"] = 27 - len(mapping)
        return mapping

    # --- accessors -------------------------------------------------------------------------

    def aws(self, name: str) -> list[dict[str, Any]]:
        doc = self.docs[f"aws/{name}.json"]
        key = next(k for k, v in doc.items() if isinstance(v, list))
        return doc[key]

    def subnet(self, subnet_id: str) -> dict[str, Any]:
        return next(s for s in self.aws("ec2-describe-subnets") if s["SubnetId"] == subnet_id)

    def eni(self, eni_id: str) -> dict[str, Any]:
        return next(
            e
            for e in self.aws("ec2-describe-network-interfaces")
            if e["NetworkInterfaceId"] == eni_id
        )

    def instance(self, instance_id: str) -> dict[str, Any]:
        for reservation in self.aws("ec2-describe-instances"):
            for instance in reservation["Instances"]:
                if instance["InstanceId"] == instance_id:
                    return instance
        raise KeyError(instance_id)

    def pod(self, name: str) -> dict[str, Any]:
        return next(p for p in self.items("k8s/pods.json") if p["metadata"]["name"] == name)

    def node(self, name: str) -> dict[str, Any]:
        return next(n for n in self.items("k8s/nodes.json") if n["metadata"]["name"] == name)


def replace_all(obj: Any, mapping: dict[str, str]) -> Any:
    """A deep copy of `obj` with every string replacement of `mapping` applied."""
    text = json.dumps(obj)
    for old, new in mapping.items():
        text = text.replace(old, new)
    return json.loads(text)


# --- the story's actors ------------------------------------------------------------------------


class Story:
    """The incident, applied to a World frame by frame."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.node_a = "ip-192-168-96-10.eu-central-1.compute.internal"
        self.node_a_ip = "192.168.96.10"
        self.node_d = "ip-192-168-96-5.eu-central-1.compute.internal"
        self.node_d_ip = NODE_D_IPS[0]
        self.instance_d = "i-0" + hexid("instance-d", 16)
        self.subnet_a2 = "subnet-0" + hexid("subnet-a2", 16)
        self.pods: list[str] = []
        self.stuck: dict[str, dict[str, Any]] = {}  # pod name → its FailedCreatePodSandBox event
        self.free_ips_a = self._free_pod_ips_on_a()
        self.free_ips_d = NODE_D_IPS[1:]
        self.a2_next = 4

    def _free_pod_ips_on_a(self) -> list[str]:
        used = {
            p["status"].get("podIP")
            for p in self.w.items("k8s/pods.json")
            if p["spec"].get("nodeName") == self.node_a
        }
        free = []
        for eni_id in (ENI_A0, ENI_A1):
            for address in self.w.eni(eni_id)["PrivateIpAddresses"]:
                ip = address["PrivateIpAddress"]
                if not address["Primary"] and ip not in used:
                    free.append(ip)
        return free

    # --- pods ------------------------------------------------------------------------------

    def new_pod(self, created: datetime) -> dict[str, Any]:
        index = len(self.pods)
        name = f"{APP}-{RS_HASH}-{suffix(f'pod-{index}')}"
        pod = copy.deepcopy(self.w.pod(POD_TEMPLATE))
        meta = pod["metadata"]
        meta.update(
            creationTimestamp=ts(created),
            generateName=f"{APP}-{RS_HASH}-",
            labels={"app": APP, "pod-template-hash": RS_HASH},
            name=name,
            resourceVersion=self.w.next_rv(),
            uid=uid(name),
        )
        meta["ownerReferences"][0].update(name=f"{APP}-{RS_HASH}", uid=uid("rs"))
        spec = pod["spec"]
        container = spec["containers"][0]
        container.update(
            image=IMAGE,
            name=APP,
            resources={"requests": {"cpu": "250m", "memory": "256Mi"}},
        )
        container.pop("ports", None)
        volume = f"kube-api-access-{suffix(name + '-vol')}"
        container["volumeMounts"][0]["name"] = volume
        spec["volumes"][0]["name"] = volume
        spec["nodeSelector"] = {"topology.kubernetes.io/zone": ZONE}
        spec.pop("nodeName", None)
        pod["status"] = {}
        self.pods.append(name)
        self.w.items("k8s/pods.json").append(pod)
        return pod

    def running(self, pod: dict[str, Any], node: str, node_ip: str, ip: str, at: datetime) -> None:
        name = pod["metadata"]["name"]
        pod["spec"]["nodeName"] = node
        pod["metadata"]["resourceVersion"] = self.w.next_rv()
        created = datetime.fromisoformat(pod["metadata"]["creationTimestamp"])
        started = at
        pod["status"] = {
            "conditions": [
                _condition("PodReadyToStartContainers", "True", started),
                _condition("Initialized", "True", created + timedelta(seconds=1)),
                _condition("Ready", "True", started),
                _condition("ContainersReady", "True", started),
                _condition("PodScheduled", "True", created + timedelta(seconds=1)),
            ],
            "containerStatuses": [
                {
                    "containerID": "containerd://" + digest("container:" + name),
                    "image": IMAGE,
                    "imageID": IMAGE.rsplit(":", 1)[0] + "@sha256:" + digest("image"),
                    "lastState": {},
                    "name": APP,
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": ts(started)}},
                }
            ],
            "hostIP": node_ip,
            "hostIPs": [{"ip": node_ip}],
            "phase": "Running",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "qosClass": "Burstable",
            "startTime": ts(created + timedelta(seconds=1)),
        }
        self.event_started(pod, node, started)

    def creating(self, pod: dict[str, Any], node: str, node_ip: str, at: datetime) -> None:
        pod["spec"]["nodeName"] = node
        pod["metadata"]["resourceVersion"] = self.w.next_rv()
        scheduled = at
        not_ready = "containers with unready status: [catalog-import]"
        pod["status"] = {
            "conditions": [
                _condition("PodReadyToStartContainers", "False", scheduled),
                _condition("Initialized", "True", scheduled),
                _condition("Ready", "False", scheduled, "ContainersNotReady", not_ready),
                _condition("ContainersReady", "False", scheduled, "ContainersNotReady", not_ready),
                _condition("PodScheduled", "True", scheduled),
            ],
            "containerStatuses": [
                {
                    "image": IMAGE,
                    "imageID": "",
                    "lastState": {},
                    "name": APP,
                    "ready": False,
                    "restartCount": 0,
                    "started": False,
                    "state": {"waiting": {"reason": "ContainerCreating"}},
                }
            ],
            "hostIP": node_ip,
            "hostIPs": [{"ip": node_ip}],
            "phase": "Pending",
            "qosClass": "Burstable",
            "startTime": ts(scheduled),
        }

    def unschedulable(self, pod: dict[str, Any], at: datetime) -> None:
        pod["metadata"]["resourceVersion"] = self.w.next_rv()
        pod["status"] = {
            "conditions": [
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": ts(at),
                    "message": UNSCHEDULABLE,
                    "reason": "Unschedulable",
                    "status": "False",
                    "type": "PodScheduled",
                }
            ],
            "phase": "Pending",
            "qosClass": "Burstable",
        }

    # --- events ----------------------------------------------------------------------------

    def event(
        self,
        obj: dict[str, Any],
        reason: str,
        message: str,
        at: datetime,
        *,
        kind: str = "Pod",
        api_version: str = "v1",
        type_: str = "Normal",
        component: str = "kubelet",
        host: str | None = None,
        label: str = "",
    ) -> dict[str, Any]:
        name = obj["metadata"]["name"]
        namespace = obj["metadata"].get("namespace")
        event_name = f"{name}.{hexid(f'event:{name}:{reason}:{label}', 16)}"
        involved = {"apiVersion": api_version, "kind": kind, "name": name}
        if namespace:
            involved["namespace"] = namespace
        involved["resourceVersion"] = self.w.next_rv()
        involved["uid"] = obj["metadata"]["uid"]
        source: dict[str, str] = {"component": component}
        if host:
            source["host"] = host
        event = {
            "apiVersion": "v1",
            "count": 1,
            "eventTime": None,
            "firstTimestamp": ts(at),
            "involvedObject": involved,
            "kind": "Event",
            "lastTimestamp": ts(at),
            "message": message,
            "metadata": {
                "creationTimestamp": ts(at),
                "name": event_name,
                "namespace": namespace or "default",
                "resourceVersion": self.w.next_rv(),
                "uid": uid(event_name),
            },
            "reason": reason,
            "reportingComponent": component,
            "reportingInstance": host or "",
            "source": source,
            "type": type_,
        }
        self.w.items("k8s/events.json").append(event)
        return event

    def event_scheduled(self, pod: dict[str, Any], node: str, at: datetime) -> None:
        name = pod["metadata"]["name"]
        event = self.event(
            pod,
            "Scheduled",
            f"Successfully assigned {NS}/{name} to {node}",
            at,
            component="default-scheduler",
        )
        del event["count"]
        event.update(
            action="Binding",
            eventTime=ts_micro(at),
            firstTimestamp=None,
            lastTimestamp=None,
            source={},
            reportingInstance=SCHEDULER,
        )

    def event_started(self, pod: dict[str, Any], node: str, at: datetime) -> None:
        self.event(pod, "Started", f"Started container {APP}", at, host=node)

    def sandbox_failure(self, pod: dict[str, Any], node: str, at: datetime) -> None:
        name = pod["metadata"]["name"]
        message = SANDBOX_ERROR.format(sandbox=digest("sandbox:" + name))
        self.stuck[name] = self.event(
            pod, "FailedCreatePodSandBox", message, at, type_="Warning", host=node
        )

    def retry_sandboxes(self, at: datetime) -> None:
        """kubelet retries each stuck sandbox; the event's count climbs (x1 every ~10 s,
        backing off)."""
        for name, event in self.stuck.items():
            first = datetime.fromisoformat(event["firstTimestamp"])
            elapsed = (at - first).total_seconds()
            count = 1 + int(elapsed // 12) if elapsed < 120 else 11 + int((elapsed - 120) // 30)
            last = first + timedelta(seconds=12 * (count - 1)) if elapsed < 120 else at
            event["count"] = max(count, 1)
            event["lastTimestamp"] = ts(min(last, at))
            message = SANDBOX_ERROR.format(sandbox=digest(f"sandbox:{name}:{count}"))
            event["message"] = message
            event["metadata"]["resourceVersion"] = self.w.next_rv()

    def hpa(self, replicas: int, at: datetime, label: str) -> None:
        target = {"metadata": {"name": APP, "namespace": NS, "uid": uid("hpa")}}
        self.event(
            target,
            "SuccessfulRescale",
            f"New size: {replicas}; reason: cpu resource utilization (percentage of request) "
            "above target",
            at,
            kind="HorizontalPodAutoscaler",
            api_version="autoscaling/v2",
            component="horizontal-pod-autoscaler",
            label=label,
        )

    def scaled(self, old: int, new: int, at: datetime) -> None:
        target = {"metadata": {"name": APP, "namespace": NS, "uid": uid("deployment")}}
        self.event(
            target,
            "ScalingReplicaSet",
            f"Scaled up replica set {APP}-{RS_HASH} from {old} to {new}",
            at,
            kind="Deployment",
            api_version="apps/v1",
            component="deployment-controller",
            label=f"{old}-{new}",
        )

    # --- the steps -------------------------------------------------------------------------

    def burst(self, count: int, at: datetime) -> list[dict[str, Any]]:
        return [self.new_pod(at) for _ in range(count)]

    def step2(self) -> None:
        at = frame_time(2) - timedelta(seconds=20)
        self.scaled(0, 10, at)
        for pod in self.burst(10, at):
            self.event_scheduled(pod, self.node_a, at + timedelta(seconds=1))
            ip = self.free_ips_a.pop(0)
            self.running(pod, self.node_a, self.node_a_ip, ip, at + timedelta(seconds=4))

    def step3(self) -> None:
        at = frame_time(3) - timedelta(seconds=25)
        self.hpa(16, at, "16")
        self.scaled(10, 16, at)
        for pod in self.burst(6, at):
            self.event_scheduled(pod, self.node_a, at + timedelta(seconds=1))
            self.creating(pod, self.node_a, self.node_a_ip, at + timedelta(seconds=1))
            self.sandbox_failure(pod, self.node_a, at + timedelta(seconds=3))
        self.retry_sandboxes(frame_time(3))

    def step4(self) -> list[dict[str, Any]]:
        at = frame_time(4) - timedelta(seconds=25)
        self.hpa(22, at, "22")
        self.scaled(16, 22, at)
        pods = self.burst(6, at)
        for pod in pods[:3]:
            self.event_scheduled(pod, self.node_a, at + timedelta(seconds=1))
            self.creating(pod, self.node_a, self.node_a_ip, at + timedelta(seconds=1))
            self.sandbox_failure(pod, self.node_a, at + timedelta(seconds=3))
        pending = pods[3:]
        for pod in pending:
            self.unschedulable(pod, at + timedelta(seconds=1))
            event = self.event(
                pod,
                "FailedScheduling",
                UNSCHEDULABLE,
                at + timedelta(seconds=1),
                type_="Warning",
                component="default-scheduler",
            )
            event.update(
                action="Scheduling",
                eventTime=ts_micro(at + timedelta(seconds=1)),
                firstTimestamp=None,
                lastTimestamp=None,
                source={},
                reportingInstance=SCHEDULER,
            )
            self.event(
                pod,
                "TriggeredScaleUp",
                "pod triggered scale-up: [{eks-general-20250912101346-aec8d3f2 3->4 (max: 6)}]",
                at + timedelta(seconds=12),
                component="cluster-autoscaler",
            )
        self.retry_sandboxes(frame_time(4))
        return pending

    def step5(self, pending: list[dict[str, Any]]) -> None:
        joined = frame_time(5) - timedelta(seconds=25)
        self.add_node_d(joined)
        for pod in pending:
            at = joined + timedelta(seconds=8)
            self.event_scheduled(pod, self.node_d, at)
            ip = self.free_ips_d.pop(0)
            self.running(pod, self.node_d, self.node_d_ip, ip, at + timedelta(seconds=5))
        self.retry_sandboxes(frame_time(5))

    def step6(self) -> None:
        at = frame_time(6) - timedelta(seconds=25)
        self.hpa(28, at, "28")
        self.scaled(22, 28, at)
        for pod in self.burst(6, at):
            self.event_scheduled(pod, self.node_d, at + timedelta(seconds=1))
            if self.free_ips_d:
                ip = self.free_ips_d.pop(0)
                self.running(pod, self.node_d, self.node_d_ip, ip, at + timedelta(seconds=4))
            else:
                self.creating(pod, self.node_d, self.node_d_ip, at + timedelta(seconds=1))
                self.sandbox_failure(pod, self.node_d, at + timedelta(seconds=3))
        self.retry_sandboxes(frame_time(6))

    def step10(self) -> None:
        created = frame_time(10) - timedelta(seconds=25)
        self.add_subnet_a2(created)
        eni_a = self.add_eni(INSTANCE_A, self.node_a, 2, created + timedelta(seconds=6), "a2-a")
        eni_d = self.add_eni(
            self.instance_d, self.node_d, 1, created + timedelta(seconds=7), "a2-d"
        )
        recovered_at = created + timedelta(seconds=12)
        self.retry_sandboxes(recovered_at - timedelta(seconds=2))
        for name in list(self.stuck):
            pod = self.w.pod(name)
            node = pod["spec"]["nodeName"]
            eni = eni_a if node == self.node_a else eni_d
            ip = eni.pop(0)
            node_ip = self.node_a_ip if node == self.node_a else self.node_d_ip
            self.running(pod, node, node_ip, ip, recovered_at)
            del self.stuck[name]

    def step11(self) -> None:
        at = frame_time(11) - timedelta(seconds=20)
        self.add_eni(self.instance_d, self.node_d, 2, at, "a2-d-warm")

    # --- AWS side --------------------------------------------------------------------------

    def add_subnet_a2(self, at: datetime) -> None:
        base = self.w.subnet(SUBNET_A)
        subnet = copy.deepcopy(base)
        subnet.update(
            AvailableIpAddressCount=8192 - 5,
            CidrBlock=SUBNET_A2_CIDR,
            SubnetId=self.subnet_a2,
            Tags=[
                {"Key": "Name", "Value": "atlas-demo-vpc-pods-a"},
                {"Key": "kubernetes.io/role/cni", "Value": "1"},
                {"Key": "kubernetes.io/cluster/atlas-demo", "Value": "shared"},
            ],
            SubnetArn=f"arn:aws:ec2:eu-central-1:{ACCOUNT}:subnet/{self.subnet_a2}",
        )
        subnets = self.w.aws("ec2-describe-subnets")
        subnets.insert(subnets.index(base) + 1, subnet)
        table = next(
            t for t in self.w.aws("ec2-describe-route-tables") if t["RouteTableId"] == RTB_A
        )
        table["Associations"].append(
            {
                "Main": False,
                "RouteTableAssociationId": "rtbassoc-0" + hexid("assoc-a2", 16),
                "RouteTableId": RTB_A,
                "SubnetId": self.subnet_a2,
                "AssociationState": {"State": "associated"},
            }
        )

    def add_eni(
        self, instance_id: str, node: str, device: int, at: datetime, label: str
    ) -> list[str]:
        """Attach a new ENI with 10 addresses in the new subnet; returns its free secondaries."""
        eni_id = "eni-0" + hexid(f"eni-{label}", 16)
        addresses = [f"192.168.192.{self.a2_next + i}" for i in range(10)]
        self.a2_next += 10
        template = copy.deepcopy(self.w.eni(ENI_A1))
        mac = ":".join(["02", *(hexid(f"mac-{label}", 10)[i : i + 2] for i in range(0, 10, 2))])
        template.update(
            Attachment={
                "AttachTime": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "AttachmentId": "eni-attach-0" + hexid(f"attach-{label}", 16),
                "DeleteOnTermination": True,
                "DeviceIndex": device,
                "NetworkCardIndex": 0,
                "InstanceId": instance_id,
                "InstanceOwnerId": ACCOUNT,
                "Status": "attached",
            },
            Description=f"aws-K8S-{instance_id}",
            MacAddress=mac,
            NetworkInterfaceId=eni_id,
            PrivateDnsName=_dns(addresses[0]),
            PrivateIpAddress=addresses[0],
            PrivateIpAddresses=[
                {"Primary": i == 0, "PrivateDnsName": _dns(a), "PrivateIpAddress": a}
                for i, a in enumerate(addresses)
            ],
            SubnetId=self.subnet_a2,
            TagSet=[
                {"Key": "cluster.k8s.amazonaws.com/name", "Value": "atlas-demo"},
                {"Key": "node.k8s.amazonaws.com/createdAt", "Value": ts(at)},
                {"Key": "node.k8s.amazonaws.com/instance_id", "Value": instance_id},
            ],
        )
        self.w.aws("ec2-describe-network-interfaces").append(template)
        instance = self.w.instance(instance_id)
        attached = copy.deepcopy(instance["NetworkInterfaces"][-1])
        attached.update(
            Attachment={
                "AttachTime": ts_aws(at),
                "AttachmentId": template["Attachment"]["AttachmentId"],
                "DeleteOnTermination": True,
                "DeviceIndex": device,
                "Status": "attached",
                "NetworkCardIndex": 0,
            },
            Description=template["Description"],
            MacAddress=mac,
            NetworkInterfaceId=eni_id,
            PrivateDnsName=template["PrivateDnsName"],
            PrivateIpAddress=addresses[0],
            PrivateIpAddresses=template["PrivateIpAddresses"],
            SubnetId=self.subnet_a2,
        )
        instance["NetworkInterfaces"].append(attached)
        subnet = self.w.subnet(self.subnet_a2)
        subnet["AvailableIpAddressCount"] -= len(addresses)
        return addresses[1:]

    def add_node_d(self, joined: datetime) -> None:
        """cluster-autoscaler's new node: instance, primary ENI, Node, CNINode, DaemonSet pods."""
        launched = joined - timedelta(seconds=40)
        old_primary = "192.168.96.10"
        old_name = self.node_a
        instance_a = self.w.instance(INSTANCE_A)
        mapping = {
            INSTANCE_A: self.instance_d,
            ENI_A0: "eni-0" + hexid("eni-d0", 16),
            instance_a["NetworkInterfaces"][0]["Attachment"]["AttachmentId"]: "eni-attach-0"
            + hexid("attach-d0", 16),
            instance_a["NetworkInterfaces"][0]["MacAddress"]: ":".join(
                ["02", *(hexid("mac-d0", 10)[i : i + 2] for i in range(0, 10, 2))]
            ),
            old_name: self.node_d,
            old_primary.replace(".", "-"): self.node_d_ip.replace(".", "-"),
        }
        # The instance and its primary ENI with the subnet's last six addresses.
        instance = replace_all(instance_a, mapping)
        instance["NetworkInterfaces"] = instance["NetworkInterfaces"][:1]
        addresses = [
            {"Primary": i == 0, "PrivateDnsName": _dns(a), "PrivateIpAddress": a}
            for i, a in enumerate(NODE_D_IPS)
        ]
        instance.update(
            LaunchTime=ts_aws(launched),
            PrivateIpAddress=self.node_d_ip,
            UsageOperationUpdateTime=ts_aws(launched),
        )
        instance["NetworkInterfaces"][0].update(
            PrivateIpAddress=self.node_d_ip,
            PrivateIpAddresses=addresses,
            PrivateDnsName=_dns(self.node_d_ip),
        )
        instance["NetworkInterfaces"][0]["Attachment"]["AttachTime"] = ts_aws(launched)
        for mapping_ in instance.get("BlockDeviceMappings", []):
            ebs = mapping_.get("Ebs", {})
            if "VolumeId" in ebs:
                ebs["VolumeId"] = "vol-0" + hexid("vol-d", 16)
                ebs["AttachTime"] = ts_aws(launched)
        instance["ClientToken"] = uid("client-token-d")
        self.w.aws("ec2-describe-instances")[0]["Instances"].append(instance)
        eni = replace_all(self.w.eni(ENI_A0), mapping)
        eni.update(
            PrivateIpAddress=self.node_d_ip,
            PrivateIpAddresses=addresses,
            PrivateDnsName=_dns(self.node_d_ip),
            MacAddress=mapping[instance_a["NetworkInterfaces"][0]["MacAddress"]],
        )
        eni["Attachment"]["AttachTime"] = launched.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.w.aws("ec2-describe-network-interfaces").append(eni)
        self.w.subnet(SUBNET_A)["AvailableIpAddressCount"] -= len(NODE_D_IPS)
        # The Node.
        node = replace_all(self.w.node(self.node_a), {**mapping, old_primary: self.node_d_ip})
        node["metadata"].update(
            creationTimestamp=ts(joined), resourceVersion=self.w.next_rv(), uid=uid("node-d")
        )
        for condition in node["status"]["conditions"]:
            condition["lastHeartbeatTime"] = ts(joined + timedelta(seconds=10))
            condition["lastTransitionTime"] = ts(
                joined + timedelta(seconds=10 if condition["type"] == "Ready" else 0)
            )
        info = node["status"].get("nodeInfo", {})
        for key in ("bootID", "machineID", "systemUUID"):
            if key in info:
                info[key] = uid(f"node-d-{key}") if key != "machineID" else hexid("machine-d", 32)
        self.w.items("k8s/nodes.json").append(node)
        cninode = replace_all(
            next(
                c for c in self.w.items("k8s/cninodes.json") if c["metadata"]["name"] == self.node_a
            ),
            {**mapping, old_primary: self.node_d_ip},
        )
        cninode["metadata"].update(
            creationTimestamp=ts(joined), uid=uid("cninode-d"), resourceVersion=self.w.next_rv()
        )
        cninode["metadata"]["ownerReferences"][0]["uid"] = uid("node-d")
        self.w.items("k8s/cninodes.json").append(cninode)
        # aws-node and kube-proxy land on it (host network: the node's own IP).
        for prefix in ("aws-node-", "kube-proxy-"):
            template = next(
                p
                for p in self.w.items("k8s/pods.json")
                if p["metadata"]["name"].startswith(prefix) and p["spec"]["nodeName"] == self.node_a
            )
            name = prefix + suffix("d-" + prefix)
            pod = replace_all(template, {**mapping, old_primary: self.node_d_ip})
            pod["metadata"].update(
                creationTimestamp=ts(joined),
                name=name,
                resourceVersion=self.w.next_rv(),
                uid=uid(name),
            )
            text = json.dumps(pod)
            text = re.sub(
                r'"20\d\d-\d\d-\d\dT[\d:]+Z"', f'"{ts(joined + timedelta(seconds=15))}"', text
            )
            pod = json.loads(text)
            pod["metadata"]["creationTimestamp"] = ts(joined)
            self.w.items("k8s/pods.json").append(pod)
        for ds in self.w.items("k8s/daemonsets.json"):
            status = ds["status"]
            for key in (
                "currentNumberScheduled",
                "desiredNumberScheduled",
                "numberAvailable",
                "numberReady",
                "updatedNumberScheduled",
            ):
                if key in status:
                    status[key] += 1
        for reason, message, component, offset in (
            ("Starting", "Starting kubelet.", "kubelet", 0),
            (
                "RegisteredNode",
                f"Node {self.node_d} event: Registered Node {self.node_d} in Controller",
                "node-controller",
                2,
            ),
            ("NodeReady", f"Node {self.node_d} status is now: NodeReady", "kubelet", 10),
        ):
            self.event(
                node,
                reason,
                message,
                joined + timedelta(seconds=offset),
                kind="Node",
                component=component,
                host=self.node_d if component == "kubelet" else None,
                label=reason,
            )

    def heartbeat(self, at: datetime) -> None:
        """kubelet re-posts node status every 5 minutes (nodeStatusReportFrequency)."""
        for node in self.w.items("k8s/nodes.json"):
            for condition in node["status"].get("conditions", []):
                beat = datetime.fromisoformat(condition["lastHeartbeatTime"])
                while beat + timedelta(minutes=5) <= at:
                    beat += timedelta(minutes=5)
                if ts(beat) != condition["lastHeartbeatTime"]:
                    condition["lastHeartbeatTime"] = ts(beat)
                    node["metadata"]["resourceVersion"] = self.w.next_rv()


def _condition(
    type_: str, status: str, at: datetime, reason: str | None = None, message: str | None = None
) -> dict[str, Any]:
    condition: dict[str, Any] = {"lastProbeTime": None, "lastTransitionTime": ts(at)}
    if message:
        condition["message"] = message
    if reason:
        condition["reason"] = reason
    condition.update(status=status, type=type_)
    return condition


def _dns(address: str) -> str:
    return f"ip-{address.replace('.', '-')}.eu-central-1.compute.internal"


# --- driver -----------------------------------------------------------------------------------


def frames(world: World) -> list[dict[str, bytes]]:
    """The twelve frames' files."""
    story = Story(world)
    out = []
    pending: list[dict[str, Any]] = []
    for n in range(1, FRAMES + 1):
        at = frame_time(n)
        if n == 2:
            story.step2()
        elif n == 3:
            story.step3()
        elif n == 4:
            pending = story.step4()
        elif n == 5:
            story.step5(pending)
        elif n == 6:
            story.step6()
        elif n in (7, 8, 9):
            story.retry_sandboxes(at)
        elif n == 10:
            story.step10()
        elif n == 11:
            story.step11()
        story.heartbeat(at)
        out.append(world.dump(at))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the healthy example bundle")
    parser.add_argument("--out", type=Path, default=OUT, help="incident directory to (re)write")
    parser.add_argument(
        "--archive",
        type=Path,
        default=OUT.parent / "demo.tar.gz",
        help="where to pack it, byte-for-byte reproducible (what the wheel ships)",
    )
    args = parser.parse_args(argv)
    world = World.load(args.source)
    world.shrink_subnet_a()
    work = Path(tempfile.mkdtemp(prefix=".demo-incident-", dir=args.out.parent))
    try:
        with IncidentStore.open(work / "incident") as store:
            for files in frames(world):
                store.add_frame(files)
            size = store.size()
        if args.out.exists():
            shutil.rmtree(args.out)
        (work / "incident").rename(args.out)
        pack(args.out, args.archive, reproducible=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{args.out}: {size.frames} frames, {size.blobs} blobs, {size.stored:,} bytes stored "
        f"for {size.logical:,} bytes of frames ({size.stored / size.logical:.0%}); "
        f"{args.archive}: {args.archive.stat().st_size:,} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
