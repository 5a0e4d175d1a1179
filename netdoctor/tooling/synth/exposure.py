"""Services, Ingresses and the load balancers, target groups and TargetGroupBindings of the LBC.

Most services are ClusterIP. A few apps sit behind an ALB Ingress with `target-type: ip`, one
behind an instance-mode Ingress (the legitimate use of a NodePort service) and one behind an NLB
LoadBalancer service; the `nodeport-direct` problem adds a NodePort service nothing uses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.context import DAY, Context
from netdoctor.tooling.synth.enis import Attachment, Eni
from netdoctor.tooling.synth.problems import PROBLEM_TAG
from netdoctor.tooling.synth.topology import SecurityGroup, Topology, rule
from netdoctor.tooling.synth.workload import Workload

PINNED_NODE_PORT = 30080
_HOSTED_ZONES = {"eu-central-1": ("Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90")}


@dataclass
class Exposure:
    """Everything that exposes pods, ready to render."""

    services: list[dict[str, Any]] = field(default_factory=list)
    ingresses: list[dict[str, Any]] = field(default_factory=list)
    bindings: list[dict[str, Any]] = field(default_factory=list)
    load_balancers: list[dict[str, Any]] = field(default_factory=list)
    target_groups: list[dict[str, Any]] = field(default_factory=list)
    reconciled: list[dict[str, Any]] = field(default_factory=list)
    """Ingresses whose `SuccessfullyReconciled` event is still in the event log."""


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


class _Builder:
    def __init__(self, ctx: Context, topo: Topology) -> None:
        self.ctx, self.topo = ctx, topo
        self.ids = ctx.ids
        self.rng = ctx.rng("exposure")
        self.out = Exposure()
        self.cluster_ips: set[int] = {0, 1, 10, 65535}
        self.node_ports: set[int] = {PINNED_NODE_PORT}
        self.backend_sg: SecurityGroup | None = None
        self.rule_ports: set[int] = set()

    def cluster_ip(self) -> str:
        while True:
            k = self.rng.randrange(11, 65535)
            if k not in self.cluster_ips:
                self.cluster_ips.add(k)
                return self.topo.service_ip(k)

    def node_port(self) -> int:
        while True:
            p = self.rng.randrange(30000, 32768)
            if p not in self.node_ports:
                self.node_ports.add(p)
                return p

    def rv(self) -> str:
        return str(self.rng.randrange(300000, 900000))

    def service(
        self,
        ns: str,
        name: str,
        ports: list[dict[str, Any]],
        selector: dict[str, str] | None,
        created: int,
        *,
        kind: str = "ClusterIP",
        ip: str | None = None,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        extra_spec: dict[str, Any] | None = None,
        lb_hostname: str | None = None,
    ) -> dict[str, Any]:
        ip = ip or self.cluster_ip()
        meta: dict[str, Any] = {
            "creationTimestamp": clock.k8s(created),
            "name": name,
            "namespace": ns,
            "resourceVersion": self.rv(),
            "uid": self.ids.uuid(),
        }
        if labels:
            meta["labels"] = labels
        if annotations:
            meta["annotations"] = annotations
        spec: dict[str, Any] = {
            "clusterIP": ip,
            "clusterIPs": [ip],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": ports,
            "sessionAffinity": "None",
            "type": kind,
        }
        if selector:
            spec["selector"] = selector
        if kind != "ClusterIP":
            spec["externalTrafficPolicy"] = "Cluster"
        spec.update(extra_spec or {})
        lb: dict[str, Any] = {}
        if lb_hostname:
            lb = {"ingress": [{"hostname": lb_hostname}]}
        svc = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": spec,
            "status": {"loadBalancer": lb},
        }
        self.out.services.append(svc)
        return svc

    def shared_backend_sg(self) -> SecurityGroup:
        if self.backend_sg is None:
            ctx = self.ctx
            self.backend_sg = SecurityGroup(
                self.ids.aws("sg"),
                f"k8s-traffic-{_alnum(ctx.cluster)[:16]}-{self.ids.hex(10)}",
                "[k8s] Shared Backend SecurityGroup for LoadBalancer",
                [
                    {"Key": "elbv2.k8s.aws/cluster", "Value": ctx.cluster},
                    {"Key": "elbv2.k8s.aws/resource", "Value": "backend-sg"},
                ],
                [],
                [rule("-1", cidr="0.0.0.0/0")],
            )
            self.topo.extra_sgs.append(self.backend_sg)
        return self.backend_sg

    def allow_backend(self, port: int) -> None:
        # The LBC opens target ports on the cluster SG, the one tagged as owned by the cluster.
        if port in self.rule_ports:
            return
        self.rule_ports.add(port)
        sg = self.shared_backend_sg()
        self.topo.cluster_sg.ingress.append(
            rule(
                "tcp",
                (port, port),
                group=sg.id,
                account=self.ctx.account,
                desc="elbv2.k8s.aws/targetGroupBinding=shared",
            )
        )

    def load_balancer(
        self, kind: str, ns: str, name: str, created: int, stack_tag: tuple[str, str]
    ) -> tuple[str, str]:
        ctx, ids = self.ctx, self.ids
        lb_name = f"k8s-{_alnum(ns)[:8]}-{_alnum(name)[:8]}-{ids.hex(10)}"
        short = "app" if kind == "application" else "net"
        arn = (
            f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account}:loadbalancer/"
            f"{short}/{lb_name}/{ids.hex(16)}"
        )
        dns = f"{lb_name}-{ids.digits(9)}.{ctx.region}.elb.amazonaws.com"
        if kind == "network":
            dns = f"{lb_name}-{ids.hex(16)}.elb.{ctx.region}.amazonaws.com"
        managed = SecurityGroup(
            ids.aws("sg"),
            f"k8s-{_alnum(ns)[:8]}-{_alnum(name)[:8]}-{ids.hex(10)}",
            "[k8s] Managed SecurityGroup for LoadBalancer",
            [
                {"Key": "elbv2.k8s.aws/cluster", "Value": ctx.cluster},
                {"Key": stack_tag[0], "Value": stack_tag[1]},
                {
                    "Key": stack_tag[0].replace("/stack", "/resource"),
                    "Value": "ManagedLBSecurityGroup",
                },
            ],
            [rule("tcp", (80, 80), cidr="0.0.0.0/0")],
            [rule("-1", cidr="0.0.0.0/0")],
        )
        self.topo.extra_sgs.append(managed)
        sgs = [managed.id, self.shared_backend_sg().id]
        zones = []
        for sub in self.topo.public:
            ip = sub.alloc.take_ip()
            assert ip is not None
            self.topo.enis.append(
                Eni(
                    ids.aws("eni"),
                    ids.mac(),
                    sub,
                    ip,
                    f"ELB {short}/{lb_name}/{arn.rsplit('/', 1)[1]}",
                    [(managed.id, managed.name), (sgs[1], self.shared_backend_sg().name)],
                    Attachment(
                        ids.short_aws("ela-attach"),
                        1,
                        None,
                        "amazon-elb",
                        delete_on_termination=False,
                    ),
                    interface_type="interface"
                    if kind == "application"
                    else "network_load_balancer",
                    requester_id="amazon-elb",
                    requester_managed=True,
                )
            )
            zones.append({"ZoneName": sub.az, "SubnetId": sub.id, "LoadBalancerAddresses": []})
        alb_zone, nlb_zone = _HOSTED_ZONES.get(ctx.region, ("Z32O12XQLNTSW2", "Z26RNL4JYFTOTI"))
        self.out.load_balancers.append(
            {
                "LoadBalancerArn": arn,
                "DNSName": dns,
                "CanonicalHostedZoneId": alb_zone if kind == "application" else nlb_zone,
                "CreatedTime": clock.aws_millis(created + 30, 822),
                "LoadBalancerName": lb_name,
                "Scheme": "internet-facing",
                "VpcId": self.topo.vpc_id,
                "State": {"Code": "active"},
                "Type": kind,
                "AvailabilityZones": zones,
                "SecurityGroups": sgs,
                "IpAddressType": "ipv4",
            }
        )
        return arn, dns

    def target_group(
        self, ns: str, svc: str, lb_arn: str, port: int, target_type: str, protocol: str
    ) -> str:
        ctx, ids = self.ctx, self.ids
        name = f"k8s-{_alnum(ns)[:8]}-{_alnum(svc)[:8]}-{ids.hex(10)}"
        arn = (
            f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account}:targetgroup/"
            f"{name}/{ids.hex(16)}"
        )
        tg: dict[str, Any] = {
            "TargetGroupArn": arn,
            "TargetGroupName": name,
            "Protocol": protocol,
            "Port": port,
            "VpcId": self.topo.vpc_id,
            "HealthCheckProtocol": protocol,
            "HealthCheckPort": "traffic-port",
            "HealthCheckEnabled": True,
            "HealthCheckIntervalSeconds": 15,
            "HealthCheckTimeoutSeconds": 5,
            "HealthyThresholdCount": 2,
            "UnhealthyThresholdCount": 2,
        }
        if protocol == "HTTP":
            tg.update(HealthCheckPath="/healthz", Matcher={"HttpCode": "200"})
        tg.update(LoadBalancerArns=[lb_arn], TargetType=target_type)
        if protocol == "HTTP":
            tg["ProtocolVersion"] = "HTTP1"
        tg["IpAddressType"] = "ipv4"
        self.out.target_groups.append(tg)
        return arn

    def binding(
        self,
        ns: str,
        svc: str,
        tg_arn: str,
        port: int,
        target_type: str,
        created: int,
        stack: tuple[str, str],
    ) -> None:
        name = tg_arn.split("/")[-2]
        self.out.bindings.append(
            {
                "apiVersion": "elbv2.k8s.aws/v1beta1",
                "kind": "TargetGroupBinding",
                "metadata": {
                    "annotations": {
                        "elbv2.k8s.aws/checkpoint": self.ids.hex(43),
                        "elbv2.k8s.aws/checkpoint-timestamp": str(self.ctx.captured_at - 3000),
                    },
                    "creationTimestamp": clock.k8s(created + 40),
                    "finalizers": ["elbv2.k8s.aws/resources"],
                    "generation": 1,
                    "labels": {
                        f"{stack[0]}/stack-name": stack[1],
                        f"{stack[0]}/stack-namespace": ns,
                    },
                    "name": name,
                    "namespace": ns,
                    "resourceVersion": self.rv(),
                    "uid": self.ids.uuid(),
                },
                "spec": {
                    "ipAddressType": "ipv4",
                    "networking": {
                        "ingress": [
                            {
                                "from": [
                                    {"securityGroup": {"groupID": self.shared_backend_sg().id}}
                                ],
                                "ports": [{"port": port, "protocol": "TCP"}],
                            }
                        ]
                    },
                    "serviceRef": {"name": svc, "port": 80},
                    "targetGroupARN": tg_arn,
                    "targetType": target_type,
                    "vpcID": self.topo.vpc_id,
                },
                "status": {"observedGeneration": 1},
            }
        )
        self.allow_backend(port)

    def ingress(self, w: Workload, target_type: str, node_port: int | None) -> None:
        created = max(w.rollout, self.ctx.captured_at - 40 * DAY)
        arn, dns = self.load_balancer(
            "application",
            w.namespace,
            w.name,
            created,
            ("ingress.k8s.aws/stack", f"{w.namespace}/{w.name}"),
        )
        port = node_port if target_type == "instance" else 8080
        tg = self.target_group(w.namespace, w.name, arn, port, target_type, "HTTP")
        self.binding(
            w.namespace, w.name, tg, port, target_type, created, ("ingress.k8s.aws", w.name)
        )
        uid = self.ids.uuid()
        self.out.ingresses.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {
                    "annotations": {
                        "alb.ingress.kubernetes.io/healthcheck-path": "/healthz",
                        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}]',
                        "alb.ingress.kubernetes.io/scheme": "internet-facing",
                        "alb.ingress.kubernetes.io/target-type": target_type,
                    },
                    "creationTimestamp": clock.k8s(created),
                    "finalizers": ["ingress.k8s.aws/resources"],
                    "generation": 1,
                    "name": w.name,
                    "namespace": w.namespace,
                    "resourceVersion": self.rv(),
                    "uid": uid,
                },
                "spec": {
                    "ingressClassName": "alb",
                    "rules": [
                        {
                            "http": {
                                "paths": [
                                    {
                                        "backend": {
                                            "service": {"name": w.name, "port": {"number": 80}}
                                        },
                                        "path": "/",
                                        "pathType": "Prefix",
                                    }
                                ]
                            }
                        }
                    ],
                },
                "status": {"loadBalancer": {"ingress": [{"hostname": dns}]}},
            }
        )
        self.out.reconciled.append({"namespace": w.namespace, "name": w.name, "uid": uid})

    def nlb_service(self, w: Workload) -> None:
        created = max(w.rollout, self.ctx.captured_at - 40 * DAY)
        name = f"{w.name}-nlb"
        arn, dns = self.load_balancer(
            "network",
            w.namespace,
            name,
            created,
            ("service.k8s.aws/stack", f"{w.namespace}/{name}"),
        )
        tg = self.target_group(w.namespace, name, arn, 8080, "ip", "TCP")
        self.binding(w.namespace, name, tg, 8080, "ip", created, ("service.k8s.aws", name))
        self.service(
            w.namespace,
            name,
            [
                {
                    "name": "http",
                    "nodePort": self.node_port(),
                    "port": 80,
                    "protocol": "TCP",
                    "targetPort": 8080,
                }
            ],
            {"app": w.name},
            created,
            kind="LoadBalancer",
            annotations={
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            },
            extra_spec={
                "allocateLoadBalancerNodePorts": True,
                "loadBalancerClass": "service.k8s.aws/nlb",
            },
            lb_hostname=dns,
        )


def build_exposure(ctx: Context, topo: Topology, apps: list[Workload]) -> Exposure:
    """Services for the apps and kube-system, plus the load-balancer chains."""
    b = _Builder(ctx, topo)
    rng = b.rng
    cluster_created = topo.cluster_created
    b.service(
        "default",
        "kubernetes",
        [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}],
        None,
        cluster_created,
        ip=topo.service_ip(1),
        labels={"component": "apiserver", "provider": "kubernetes"},
    )
    b.service(
        "kube-system",
        "kube-dns",
        [
            {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
            {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
        ],
        {"k8s-app": "kube-dns"},
        cluster_created,
        ip=topo.service_ip(10),
        labels={
            "eks.amazonaws.com/component": "kube-dns",
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
            "kubernetes.io/name": "CoreDNS",
        },
        annotations={"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
    )
    lbc = {
        "app.kubernetes.io/instance": "aws-load-balancer-controller",
        "app.kubernetes.io/name": "aws-load-balancer-controller",
    }
    b.service(
        "kube-system",
        "aws-load-balancer-webhook-service",
        [{"name": "webhook-server", "port": 443, "protocol": "TCP", "targetPort": 9443}],
        lbc,
        cluster_created + 1800,
        labels={**lbc, "app.kubernetes.io/component": "webhook"},
    )
    b.service(
        "kube-system",
        "metrics-server",
        [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": "https"}],
        {
            "app.kubernetes.io/instance": "metrics-server",
            "app.kubernetes.io/name": "metrics-server",
        },
        cluster_created + 900,
        labels={
            "app.kubernetes.io/instance": "metrics-server",
            "app.kubernetes.io/name": "metrics-server",
        },
    )

    served = [w for w in apps if rng.random() < 0.85]
    n_ip = max(1, min(12, len(served) // 40))
    picks = rng.sample(served, min(len(served), n_ip + 3))
    ip_ingress, instance_ingress = picks[:n_ip], picks[n_ip : n_ip + 1]
    nlb, direct = picks[n_ip + 1 : n_ip + 2], picks[n_ip + 2 :]
    instance_port: dict[str, int] = {}
    for w in served:
        created = max(w.rollout, ctx.captured_at - 90 * DAY) - 60
        port = {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}
        if w in instance_ingress:
            instance_port[w.name] = b.node_port()
            b.service(
                w.namespace,
                w.name,
                [{**port, "nodePort": instance_port[w.name]}],
                {"app": w.name},
                created,
                kind="NodePort",
                labels={"app.kubernetes.io/name": w.name},
            )
        else:
            b.service(
                w.namespace,
                w.name,
                [port],
                {"app": w.name},
                created,
                labels={"app.kubernetes.io/name": w.name},
            )
    for w in ip_ingress:
        b.ingress(w, "ip", None)
    for w in instance_ingress:
        b.ingress(w, "instance", instance_port[w.name])
    for w in nlb:
        b.nlb_service(w)
    if "nodeport-direct" in ctx.seeding:
        candidates = direct or served or apps
        ns, app = (
            (candidates[0].namespace, candidates[0].name) if candidates else ("default", "web")
        )
        spec = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "bad-nodeport-direct", "namespace": ns},
            "spec": {
                "ports": [{"nodePort": PINNED_NODE_PORT, "port": 80, "targetPort": 8080}],
                "selector": {"app": app},
                "type": "NodePort",
            },
        }
        b.service(
            ns,
            "bad-nodeport-direct",
            [
                {
                    "name": "http",
                    "nodePort": PINNED_NODE_PORT,
                    "port": 80,
                    "protocol": "TCP",
                    "targetPort": 8080,
                }
            ],
            {"app": app},
            ctx.captured_at - 5 * DAY,
            kind="NodePort",
            labels={PROBLEM_TAG: "nodeport-direct"},
            annotations={
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                    spec, separators=(",", ":"), sort_keys=True
                )
                + "\n"
            },
        )
    b.out.services.sort(key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"]))
    for key in ("ingresses", "bindings"):
        getattr(b.out, key).sort(key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"]))
    return b.out
