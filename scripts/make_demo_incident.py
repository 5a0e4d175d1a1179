#!/usr/bin/env python3
"""Generate the demo incident, `fixtures/incidents/demo/`: twelve frames, 30 s apart.

It starts from the project's healthy base (`netdoctor.tooling.fixtures`: cluster orbit-dev,
eu-central-1, three m6i.large nodes, VPC CNI v1.20.1 with WARM_ENI_TARGET=1 and subnet discovery
on) and changes one thing before frame 1: eu-central-1a's private node subnet is a /27 (27
usable addresses), so its node holds 20 of them (two ENIs of 10), the EKS control-plane ENI one,
and 6 are free: less than the 10 a new ENI needs. Then, with the times of the frames:

 1  08:00:00  quiet. The subnet is already too small for the next warm-pool top-up.
 2  08:00:30  a CronJob scales Deployment catalog/catalog-import (nodeSelector eu-central-1a)
              to 10: all 10 start on the zone-a node, using its last 10 free pod IPs. ipamd's
              next ENI (10 IPs) does not fit in 6: CreateNetworkInterface fails.
 3  08:01:00  the HPA scales to 16: 6 new pods stick in ContainerCreating with
              FailedCreatePodSandBox "… failed to assign an IP address to container".
 4  08:01:30  the HPA scales to 22: 3 more stick on the node (now at max-pods 29), 3 stay
              Pending: "0/3 nodes are available: 1 Too many pods, …"; cluster-autoscaler
              triggers a scale-up.
 5  08:02:00  a new node joins in eu-central-1a: its primary ENI takes the subnet's last 6
              addresses (subnet free IPs 6 → 0); the 3 Pending pods start on it.
 6  08:02:30  the HPA scales to 28 (its max): 6 more pods on the new node, which has 2 IPs
              left: 4 stick in ContainerCreating there too.
 7–9          nothing recovers; the FailedCreatePodSandBox counts climb.
10  08:04:30  the on-call engineer adds subnet orbit-dev-vpc-pods-a (192.168.192.0/19,
              eu-central-1a, tagged kubernetes.io/role/cni) on the private-a route table;
              subnet discovery puts a new ENI on each zone-a node in it; all 13 stuck pods
              get IPs and run.
11  08:05:00  the new node's ipamd adds its warm ENI in the new subnet.
12  08:05:30  quiet again.

Every edit goes through the fixture builders (`Cluster`), which keep node ↔ instance ↔ ENIs ↔
subnet counts ↔ pod IPs consistent. Deterministic: ids, names and times derive from fixed
labels; running it twice writes the same bytes, as `kubectl get -o json` and the aws CLI print.

It also packs the incident into `fixtures/incidents/demo.tar.gz` (reproducibly: the same bytes
every run), the single small file the wheel ships for `netdoctor demo`.

Usage: python scripts/make_demo_incident.py [--out DIR] [--archive FILE]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netdoctor.sources.incident.store import IncidentStore, pack  # noqa: E402
from netdoctor.tooling.fixtures import Cluster  # noqa: E402
from netdoctor.tooling.fixtures.docs import (  # noqa: E402
    SANDBOX_IP_FAILURE,
    Doc,
    dump,
    stable_hex,
    tags,
)

OUT = REPO / "fixtures" / "incidents" / "demo"

T0 = datetime(2025, 10, 18, 8, 0, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)
FRAMES = 12

NS = "catalog"
APP = "catalog-import"
SUBNET_CIDR = "192.168.96.0/27"
PODS_CIDR = "192.168.192.0/19"
UNSCHEDULABLE = (
    "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't match Pod's node "
    "affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for "
    "incoming pod, 2 Preemption is not helpful for scheduling."
)


def ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def frame_time(n: int) -> datetime:
    """Capture time of frame n (1-based)."""
    return T0 + STEP * (n - 1)


class Story:
    """The incident, applied to the healthy base frame by frame."""

    def __init__(self) -> None:
        c = Cluster()
        self.zone = c.base.zones[0]
        self.subnet = c.base.private_subnets[self.zone]
        c.renumber_subnet(self.subnet, SUBNET_CIDR)
        self.c = c
        self.node_a = c.base.nodes[self.zone]
        self.node_d = ""
        self.subnet_a2 = ""
        instance = c.instance_of(self.node_a)
        self.group = tags(instance)["aws:autoscaling:groupName"]
        self.nodegroup = c.node(self.node_a)["metadata"]["labels"]["eks.amazonaws.com/nodegroup"]
        self.pods: list[Doc] = []
        self.stuck: dict[str, Doc] = {}  # pod name → its FailedCreatePodSandBox event
        self.rv = 700000

    def bump(self, obj: Doc) -> None:
        """A change to the object: the next resourceVersion of the cluster."""
        self.rv += 7
        obj["metadata"]["resourceVersion"] = str(self.rv)

    # --- pods ------------------------------------------------------------------------------

    def new_pod(self, created: datetime, state: str, node: str = "") -> Doc:
        """A catalog-import replica created at `created`: `creating` on `node`, or
        `unschedulable`."""
        name = f"{APP}-{stable_hex(APP, 10)}-{stable_hex(f'{APP}/{len(self.pods)}', 5)}"
        pod = self.c.add_pod(
            name,
            namespace=NS,
            app=APP,
            node=node or None,
            state=state,
            created=ts(created),
            scheduling_message=UNSCHEDULABLE,
        )
        pod["spec"]["nodeSelector"] = {"topology.kubernetes.io/zone": self.zone}
        pod["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "250m", "memory": "256Mi"}}
        self.bump(pod)
        self.pods.append(pod)
        return pod

    def run(self, pod: Doc, node: str, at: datetime) -> None:
        """The pod gets an IP on the node and its container starts."""
        self.c.set_pod_state(pod, "running", node=node, at=ts(at))
        self.bump(pod)
        self.event(pod, "Started", f"Started container {APP}", at, host=node, type_="Normal")
        self.stuck.pop(pod["metadata"]["name"], None)

    def stick(self, pod: Doc, at: datetime) -> None:
        """ipamd has no IP for the pod: kubelet reports the CNI's failure."""
        name = pod["metadata"]["name"]
        message = SANDBOX_IP_FAILURE.format(sandbox=stable_hex(f"sandbox:{name}", 64))
        node = pod["spec"]["nodeName"]
        self.stuck[name] = self.event(pod, "FailedCreatePodSandBox", message, at, host=node)

    def schedule(self, pod: Doc, node: str, at: datetime) -> None:
        name = pod["metadata"]["name"]
        self.event(
            pod,
            "Scheduled",
            f"Successfully assigned {NS}/{name} to {node}",
            at,
            component="default-scheduler",
            type_="Normal",
            action="Binding",
        )

    # --- events ----------------------------------------------------------------------------

    def event(
        self,
        obj: Doc,
        reason: str,
        message: str,
        at: datetime,
        *,
        kind: str = "Pod",
        type_: str = "Warning",
        component: str = "kubelet",
        host: str | None = None,
        action: str = "Scheduling",
        key: str = "",
    ) -> Doc:
        meta = obj["metadata"]
        event = self.c.add_event(
            kind,
            meta["name"],
            reason,
            message,
            namespace=meta.get("namespace"),
            event_type=type_,
            component=component,
            host=host,
            first=ts(at),
            last=ts(at),
            action=action,
            key=key,
        )
        self.bump(event)
        return event

    def retry_sandboxes(self, at: datetime) -> None:
        """kubelet retries each stuck sandbox; the event's count climbs (x1 every ~12 s,
        backing off to every 30 s after two minutes)."""
        for name, event in self.stuck.items():
            first = datetime.fromisoformat(event["firstTimestamp"].replace("Z", "+00:00"))
            elapsed = (at - first).total_seconds()
            count = 1 + int(elapsed // 12) if elapsed < 120 else 11 + int((elapsed - 120) // 30)
            last = first + timedelta(seconds=12 * (count - 1)) if elapsed < 120 else at
            event["count"] = max(count, 1)
            event["lastTimestamp"] = ts(min(last, at))
            sandbox = stable_hex(f"sandbox:{name}:{count}", 64)
            event["message"] = SANDBOX_IP_FAILURE.format(sandbox=sandbox)
            self.bump(event)

    def rescale(self, old: int, new: int, at: datetime, *, hpa: bool = True) -> None:
        """The HPA (or the CronJob) resizes the Deployment; its ReplicaSet follows."""
        if hpa:
            self.event(
                {"metadata": {"name": APP, "namespace": NS}},
                "SuccessfulRescale",
                f"New size: {new}; reason: cpu resource utilization (percentage of request) "
                "above target",
                at,
                kind="HorizontalPodAutoscaler",
                type_="Normal",
                component="horizontal-pod-autoscaler",
                key=str(new),
            )
        self.event(
            {"metadata": {"name": APP, "namespace": NS}},
            "ScalingReplicaSet",
            f"Scaled up replica set {APP}-{stable_hex(APP, 10)} from {old} to {new}",
            at,
            kind="Deployment",
            type_="Normal",
            component="deployment-controller",
            key=f"{old}-{new}",
        )

    # --- the steps -------------------------------------------------------------------------

    def step2(self) -> None:
        at = frame_time(2) - timedelta(seconds=20)
        self.rescale(0, 10, at, hpa=False)
        for _ in range(10):
            pod = self.new_pod(at, "creating", self.node_a)
            self.schedule(pod, self.node_a, at + timedelta(seconds=1))
            self.run(pod, self.node_a, at + timedelta(seconds=4))

    def step3(self) -> None:
        at = frame_time(3) - timedelta(seconds=25)
        self.rescale(10, 16, at)
        for _ in range(6):
            pod = self.new_pod(at + timedelta(seconds=1), "creating", self.node_a)
            self.schedule(pod, self.node_a, at + timedelta(seconds=1))
            self.stick(pod, at + timedelta(seconds=3))
        self.retry_sandboxes(frame_time(3))

    def step4(self) -> list[Doc]:
        at = frame_time(4) - timedelta(seconds=25)
        self.rescale(16, 22, at)
        for _ in range(3):
            pod = self.new_pod(at + timedelta(seconds=1), "creating", self.node_a)
            self.schedule(pod, self.node_a, at + timedelta(seconds=1))
            self.stick(pod, at + timedelta(seconds=3))
        pending = [self.new_pod(at + timedelta(seconds=1), "unschedulable") for _ in range(3)]
        for pod in pending:
            self.event(
                pod,
                "FailedScheduling",
                UNSCHEDULABLE,
                at + timedelta(seconds=1),
                component="default-scheduler",
            )
            self.event(
                pod,
                "TriggeredScaleUp",
                f"pod triggered scale-up: [{{{self.group} 3->4 (max: 6)}}]",
                at + timedelta(seconds=12),
                type_="Normal",
                component="cluster-autoscaler",
            )
        self.retry_sandboxes(frame_time(4))
        return pending

    def step5(self, pending: list[Doc]) -> None:
        joined = frame_time(5) - timedelta(seconds=25)
        self.add_node_d(joined)
        for pod in pending:
            self.schedule(pod, self.node_d, joined + timedelta(seconds=8))
            self.run(pod, self.node_d, joined + timedelta(seconds=13))
        self.retry_sandboxes(frame_time(5))

    def step6(self) -> None:
        at = frame_time(6) - timedelta(seconds=25)
        self.rescale(22, 28, at)
        for _ in range(6):
            pod = self.new_pod(at + timedelta(seconds=1), "creating", self.node_d)
            self.schedule(pod, self.node_d, at + timedelta(seconds=1))
            if self.c.pod_ips_free(self.node_d):
                self.run(pod, self.node_d, at + timedelta(seconds=4))
            else:
                self.stick(pod, at + timedelta(seconds=3))
        self.retry_sandboxes(frame_time(6))

    def step10(self) -> None:
        created = frame_time(10) - timedelta(seconds=25)
        cluster = self.c.base.cluster
        self.subnet_a2 = self.c.add_subnet(
            f"{cluster}-vpc-pods-a",
            PODS_CIDR,
            self.zone,
            **{"kubernetes.io/role/cni": "1", f"kubernetes.io/cluster/{cluster}": "shared"},
        )
        self.c.associate_subnet(self.c.base.private_route_tables[self.zone], self.subnet_a2)
        for node, device, offset in ((self.node_a, 2, 6), (self.node_d, 1, 7)):
            attached = created + timedelta(seconds=offset)
            self.c.add_eni(node, self.subnet_a2, device, at=ts(attached))
        recovered = created + timedelta(seconds=12)
        self.retry_sandboxes(recovered - timedelta(seconds=2))
        for pod in [p for p in self.pods if p["metadata"]["name"] in self.stuck]:
            self.run(pod, pod["spec"]["nodeName"], recovered)

    def step11(self) -> None:
        at = frame_time(11) - timedelta(seconds=20)
        self.c.add_eni(self.node_d, self.subnet_a2, 2, at=ts(at))

    def add_node_d(self, joined: datetime) -> None:
        """cluster-autoscaler's new node: instance, primary ENI with the subnet's last six
        addresses, Node, CNINode, DaemonSet pods, and the node's events."""
        free = [str(a) for a in self.c.free_addresses(self.subnet)]
        self.node_d = self.c.add_node(
            free[0],
            self.subnet,
            nodegroup=self.nodegroup,
            secondary=len(free) - 1,
            joined=ts(joined),
        )
        node = self.c.node(self.node_d)
        self.bump(node)
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
                type_="Normal",
                component=component,
                host=self.node_d if component == "kubelet" else None,
            )

    def heartbeat(self, at: datetime) -> None:
        """kubelet re-posts node status every 5 minutes (nodeStatusReportFrequency)."""
        for node in self.c.nodes:
            beats = []
            for condition in node["status"].get("conditions", []):
                beat = datetime.fromisoformat(condition["lastHeartbeatTime"].replace("Z", "+00:00"))
                while beat + timedelta(minutes=5) <= at:
                    beat += timedelta(minutes=5)
                beats.append(ts(beat) != condition["lastHeartbeatTime"])
                condition["lastHeartbeatTime"] = ts(beat)
            if any(beats):
                self.bump(node)

    def files(self, captured: datetime) -> dict[str, bytes]:
        """The frame: every document as the tools print it, meta.json dated `captured`."""
        meta = self.c.docs["meta.json"]
        docs = {
            **self.c.docs,
            "meta.json": {
                "cluster": meta["cluster"],
                "region": meta["region"],
                "captured_at": ts(captured),
                "source": "synthetic demo incident (scripts/make_demo_incident.py)",
            },
        }
        return {rel: dump(rel, doc).encode() for rel, doc in sorted(docs.items())}


def frames() -> list[dict[str, bytes]]:
    """The twelve frames' files."""
    story = Story()
    out = []
    pending: list[Doc] = []
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
        out.append(story.files(at))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="incident directory to (re)write")
    parser.add_argument(
        "--archive",
        type=Path,
        default=OUT.parent / "demo.tar.gz",
        help="where to pack it, byte-for-byte reproducible (what the wheel ships)",
    )
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".demo-incident-", dir=args.out.parent))
    try:
        with IncidentStore.open(work / "incident") as store:
            for files in frames():
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
