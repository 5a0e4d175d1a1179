"""kube-system: the aws-node and kube-proxy DaemonSets, CoreDNS, the LBC and their ConfigMaps."""

from __future__ import annotations

from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.context import DAY, Context
from netdoctor.tooling.synth.topology import Topology
from netdoctor.tooling.synth.workload import Workload

CNI_VERSION = "v1.20.1"
ECR_ACCOUNT = "602401143452"  # Amazon EKS add-on images in most commercial regions

_MY_ENV = [
    {
        "name": "MY_NODE_NAME",
        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}},
    },
    {
        "name": "MY_POD_NAME",
        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
    },
]

_POD_CONTAINER_KEYS = (
    "image",
    "imagePullPolicy",
    "name",
    "resources",
    "terminationMessagePath",
    "terminationMessagePolicy",
)

DS_TOLERATIONS = [
    {"operator": "Exists"},
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists"},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/disk-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/memory-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/pid-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/network-unavailable", "operator": "Exists"},
]
DEFAULT_TOLERATIONS = [
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
]


def ecr(ctx: Context, repo: str) -> str:
    """An EKS add-on image reference in the cluster's region."""
    return f"{ECR_ACCOUNT}.dkr.ecr.{ctx.region}.amazonaws.com/{repo}"


def aws_node_env(ctx: Context, topo: Topology) -> list[dict[str, Any]]:
    """The aws-node container env: every CNI setting, as the EKS add-on renders it."""
    s = ctx.seeding

    def flag(on: bool) -> str:
        return "true" if on else "false"

    values = {
        "ADDITIONAL_ENI_TAGS": "{}",
        "ANNOTATE_POD_IP": "false",
        "AWS_VPC_CNI_NODE_PORT_SUPPORT": "true",
        "AWS_VPC_ENI_MTU": "9001",
        "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": flag(s.custom_networking),
        "AWS_VPC_K8S_CNI_EXTERNALSNAT": flag(s.external_snat),
        "AWS_VPC_K8S_CNI_LOGLEVEL": "DEBUG",
        "AWS_VPC_K8S_CNI_LOG_FILE": "/host/var/log/aws-routed-eni/ipamd.log",
        "AWS_VPC_K8S_CNI_RANDOMIZESNAT": "prng",
        "AWS_VPC_K8S_CNI_VETHPREFIX": "eni",
        "AWS_VPC_K8S_PLUGIN_LOG_FILE": "/var/log/aws-routed-eni/plugin.log",
        "AWS_VPC_K8S_PLUGIN_LOG_LEVEL": "DEBUG",
        "CLUSTER_ENDPOINT": f"https://{topo.endpoint_host}",
        "CLUSTER_NAME": ctx.cluster,
        "DISABLE_INTROSPECTION": "false",
        "DISABLE_METRICS": "false",
        "DISABLE_NETWORK_RESOURCE_PROVISIONING": "false",
        "ENABLE_IPv4": "true",
        "ENABLE_IPv6": "false",
        "ENABLE_POD_ENI": flag(s.pod_eni),
        "ENABLE_PREFIX_DELEGATION": flag(s.prefix_delegation),
        "ENABLE_SUBNET_DISCOVERY": "true",
        "NETWORK_POLICY_ENFORCING_MODE": "standard",
        "VPC_CNI_VERSION": CNI_VERSION,
        "VPC_ID": topo.vpc_id,
        "WARM_ENI_TARGET": "1",
        "WARM_PREFIX_TARGET": "1",
    }
    if s.custom_networking:
        values["ENI_CONFIG_LABEL_DEF"] = "topology.kubernetes.io/zone"
    if s.pod_eni:
        values["POD_SECURITY_GROUP_ENFORCING_MODE"] = "standard"
    return [{"name": k, "value": values[k]} for k in sorted(values)] + _MY_ENV


def _aws_node_template(ctx: Context, topo: Topology) -> dict[str, Any]:
    probe = {
        "exec": {
            "command": [
                "/app/grpc-health-probe",
                "-addr=:50051",
                "-connect-timeout=5s",
                "-rpc-timeout=5s",
            ]
        },
        "failureThreshold": 3,
        "periodSeconds": 10,
        "successThreshold": 1,
        "timeoutSeconds": 10,
    }
    host = [
        ("cni-bin-dir", "/opt/cni/bin", "", "/host/opt/cni/bin"),
        ("cni-net-dir", "/etc/cni/net.d", "", "/host/etc/cni/net.d"),
        ("log-dir", "/var/log/aws-routed-eni", "DirectoryOrCreate", "/host/var/log/aws-routed-eni"),
        ("run-dir", "/var/run/aws-node", "DirectoryOrCreate", "/var/run/aws-node"),
        ("xtables-lock", "/run/xtables.lock", "FileOrCreate", "/run/xtables.lock"),
    ]
    return {
        "metadata": {
            "creationTimestamp": None,
            "labels": {
                "app.kubernetes.io/instance": "aws-vpc-cni",
                "app.kubernetes.io/name": "aws-node",
                "k8s-app": "aws-node",
            },
        },
        "spec": {
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": "kubernetes.io/os",
                                        "operator": "In",
                                        "values": ["linux"],
                                    },
                                    {
                                        "key": "kubernetes.io/arch",
                                        "operator": "In",
                                        "values": ["amd64", "arm64"],
                                    },
                                    {
                                        "key": "eks.amazonaws.com/compute-type",
                                        "operator": "NotIn",
                                        "values": ["fargate", "hybrid", "auto"],
                                    },
                                ]
                            }
                        ]
                    }
                }
            },
            "containers": [
                {
                    "env": aws_node_env(ctx, topo),
                    "image": ecr(ctx, f"amazon-k8s-cni:{CNI_VERSION}-eksbuild.1"),
                    "imagePullPolicy": "IfNotPresent",
                    "livenessProbe": {**probe, "initialDelaySeconds": 60},
                    "name": "aws-node",
                    "ports": [
                        {
                            "containerPort": 61678,
                            "hostPort": 61678,
                            "name": "metrics",
                            "protocol": "TCP",
                        }
                    ],
                    "readinessProbe": {**probe, "initialDelaySeconds": 1},
                    "resources": {"requests": {"cpu": "25m"}},
                    "securityContext": {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "volumeMounts": [{"mountPath": m, "name": n} for n, _, _, m in host],
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "hostNetwork": True,
            "initContainers": [
                {
                    "env": [
                        {"name": "DISABLE_TCP_EARLY_DEMUX", "value": "false"},
                        {"name": "ENABLE_IPv6", "value": "false"},
                    ],
                    "image": ecr(ctx, f"amazon-k8s-cni-init:{CNI_VERSION}-eksbuild.1"),
                    "imagePullPolicy": "IfNotPresent",
                    "name": "aws-vpc-cni-init",
                    "resources": {"requests": {"cpu": "25m"}},
                    "securityContext": {"privileged": True},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "volumeMounts": [{"mountPath": "/host/opt/cni/bin", "name": "cni-bin-dir"}],
                }
            ],
            "priorityClassName": "system-node-critical",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccount": "aws-node",
            "serviceAccountName": "aws-node",
            "terminationGracePeriodSeconds": 10,
            "tolerations": [{"operator": "Exists"}],
            "volumes": [{"hostPath": {"path": p, "type": t}, "name": n} for n, p, t, _ in host],
        },
    }


def _kube_proxy_template(ctx: Context) -> dict[str, Any]:
    return {
        "metadata": {"creationTimestamp": None, "labels": {"k8s-app": "kube-proxy"}},
        "spec": {
            "containers": [
                {
                    "command": [
                        "kube-proxy",
                        "--v=2",
                        "--config=/var/lib/kube-proxy-config/config",
                        "--hostname-override=$(NODE_NAME)",
                    ],
                    "env": [
                        {
                            "name": "NODE_NAME",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}
                            },
                        }
                    ],
                    "image": ecr(ctx, "eks/kube-proxy:v1.31.2-minimal-eksbuild.3"),
                    "imagePullPolicy": "IfNotPresent",
                    "name": "kube-proxy",
                    "resources": {"requests": {"cpu": "100m"}},
                    "securityContext": {"privileged": True},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "volumeMounts": [
                        {"mountPath": "/var/log", "name": "varlog"},
                        {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                        {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
                        {"mountPath": "/var/lib/kube-proxy/", "name": "kubeconfig"},
                        {"mountPath": "/var/lib/kube-proxy-config/", "name": "config"},
                    ],
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccount": "kube-proxy",
            "serviceAccountName": "kube-proxy",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [{"operator": "Exists"}],
            "volumes": [
                {"hostPath": {"path": "/var/log", "type": ""}, "name": "varlog"},
                {
                    "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                    "name": "xtables-lock",
                },
                {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"},
                {"configMap": {"defaultMode": 420, "name": "kube-proxy"}, "name": "kubeconfig"},
                {"configMap": {"defaultMode": 420, "name": "kube-proxy-config"}, "name": "config"},
            ],
        },
    }


def daemonsets(
    ctx: Context, topo: Topology, nodes: int
) -> tuple[list[dict[str, Any]], list[Workload]]:
    """The aws-node and kube-proxy DaemonSet objects, and the workloads their pods come from."""
    ids = ctx.ids
    rng = ctx.rng("daemonsets")
    created = topo.cluster_created + 600
    out: list[dict[str, Any]] = []
    workloads: list[Workload] = []
    for name, template, labels, generation in (
        (
            "aws-node",
            _aws_node_template(ctx, topo),
            {
                "app.kubernetes.io/instance": "aws-vpc-cni",
                "app.kubernetes.io/managed-by": "Helm",
                "app.kubernetes.io/name": "aws-node",
                "app.kubernetes.io/version": CNI_VERSION,
                "helm.sh/chart": f"aws-vpc-cni-{CNI_VERSION[1:]}",
                "k8s-app": "aws-node",
            },
            4,
        ),
        (
            "kube-proxy",
            _kube_proxy_template(ctx),
            {"eks.amazonaws.com/component": "kube-proxy", "k8s-app": "kube-proxy"},
            2,
        ),
    ):
        uid = ids.uuid()
        selector = {"k8s-app": name}
        out.append(
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": {
                    "annotations": {"deprecated.daemonset.template.generation": str(generation)},
                    "creationTimestamp": clock.k8s(created),
                    "generation": generation,
                    "labels": labels,
                    "name": name,
                    "namespace": "kube-system",
                    "resourceVersion": str(rng.randrange(300000, 900000)),
                    "uid": uid,
                },
                "spec": {
                    "revisionHistoryLimit": 10,
                    "selector": {"matchLabels": selector},
                    "template": template,
                    "updateStrategy": {
                        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "10%"},
                        "type": "RollingUpdate",
                    },
                },
                "status": {
                    "currentNumberScheduled": nodes,
                    "desiredNumberScheduled": nodes,
                    "numberAvailable": nodes,
                    "numberMisscheduled": 0,
                    "numberReady": nodes,
                    "observedGeneration": generation,
                    "updatedNumberScheduled": nodes,
                },
            }
        )
        spec = template["spec"]
        pod_spec = {
            k: v
            for k, v in spec.items()
            if k not in ("containers", "volumes", "initContainers", "affinity")
        }
        pod_spec["terminationGracePeriodSeconds"] = 30
        pod_spec.update(
            enableServiceLinks=True,
            preemptionPolicy="PreemptLowerPriority",
            priority=2000001000,
            tolerations=DS_TOLERATIONS,
        )
        # Pods carry the trimmed container kubectl shows in healthy-basic; the env lives in the
        # DaemonSet, which is where the CNI settings are read from.
        container = {k: v for k, v in spec["containers"][0].items() if k in _POD_CONTAINER_KEYS}
        workloads.append(
            Workload(
                kind="DaemonSet",
                namespace="kube-system",
                name=name,
                labels={
                    **template["metadata"]["labels"],
                    "controller-revision-hash": ids.k8s_suffix(10),
                    "pod-template-generation": str(generation),
                },
                container=container,
                pod_spec=pod_spec,
                owner_uid=uid,
                uid=uid,
                rollout=created,
                digest=ids.hex(64),
                host_network=True,
                automount=True,
            )
        )
    return out, workloads


def system_workloads(ctx: Context, healthy_nodes: int) -> list[Workload]:
    """CoreDNS, the AWS Load Balancer Controller and metrics-server in kube-system."""
    ids = ctx.ids
    created = ctx.captured_at - 110 * DAY
    coredns = max(2, min(20, healthy_nodes // 100))
    base = {
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 2000000000,
        "priorityClassName": "system-cluster-critical",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        "tolerations": DEFAULT_TOLERATIONS,
    }

    def container(
        name: str,
        image: str,
        ports: list[tuple[str, int, str]],
        resources: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "name": name,
            "ports": [{"containerPort": p, "name": n, "protocol": proto} for n, p, proto in ports],
            "resources": resources,
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            **extra,
        }

    specs = [
        (
            "coredns",
            coredns,
            {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"},
            container(
                "coredns",
                ecr(ctx, "eks/coredns:v1.11.3-eksbuild.1"),
                [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")],
                {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                args=["-conf", "/etc/coredns/Corefile"],
            ),
            "coredns",
        ),
        (
            "aws-load-balancer-controller",
            2,
            {
                "app.kubernetes.io/instance": "aws-load-balancer-controller",
                "app.kubernetes.io/name": "aws-load-balancer-controller",
            },
            container(
                "aws-load-balancer-controller",
                "public.ecr.aws/eks/aws-load-balancer-controller:v2.13.3",
                [("webhook-server", 9443, "TCP"), ("metrics-server", 8080, "TCP")],
                {"requests": {"cpu": "100m", "memory": "128Mi"}},
                args=[f"--cluster-name={ctx.cluster}", "--ingress-class=alb"],
            ),
            "aws-load-balancer-controller",
        ),
        (
            "metrics-server",
            1,
            {
                "app.kubernetes.io/instance": "metrics-server",
                "app.kubernetes.io/name": "metrics-server",
            },
            container(
                "metrics-server",
                ecr(ctx, "eks/metrics-server:v0.7.2-eksbuild.1"),
                [("https", 10251, "TCP")],
                {"requests": {"cpu": "100m", "memory": "200Mi"}},
                args=["--secure-port=10251", "--kubelet-use-node-status-port"],
            ),
            "metrics-server",
        ),
    ]
    out = []
    for name, replicas, labels, cont, sa in specs:
        out.append(
            Workload(
                kind="Deployment",
                namespace="kube-system",
                name=name,
                labels={**labels, "pod-template-hash": ids.k8s_suffix(10)},
                container=cont,
                pod_spec={**base, "serviceAccount": sa, "serviceAccountName": sa},
                owner_uid=ids.uuid(),
                uid=ids.uuid(),
                rollout=created,
                replicas=replicas,
                digest=ids.hex(64),
            )
        )
    return out


def configmaps(ctx: Context, topo: Topology) -> list[dict[str, Any]]:
    """kube-system ConfigMaps: amazon-vpc-cni, coredns and kube-proxy-config."""
    ids = ctx.ids
    created = clock.k8s(topo.cluster_created + 600)
    rng = ctx.rng("configmaps")

    def cm(name: str, labels: dict[str, str], data: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "data": data,
            "kind": "ConfigMap",
            "metadata": {
                "creationTimestamp": created,
                "labels": labels,
                "name": name,
                "namespace": "kube-system",
                "resourceVersion": str(rng.randrange(300000, 900000)),
                "uid": ids.uuid(),
            },
        }

    corefile = (
        ".:53 {\n    errors\n    health {\n        lameduck 5s\n      }\n    ready\n"
        "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n      pods insecure\n"
        "      fallthrough in-addr.arpa ip6.arpa\n    }\n    prometheus :9153\n"
        "    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n"
        "    loadbalance\n}\n"
    )
    proxy = (
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nbindAddress: 0.0.0.0\n"
        'clientConnection:\n  acceptContentTypes: ""\n  burst: 10\n'
        "  contentType: application/vnd.kubernetes.protobuf\n"
        '  kubeconfig: /var/lib/kube-proxy/kubeconfig\n  qps: 5\nclusterCIDR: ""\n'
        "configSyncPeriod: 15m0s\nconntrack:\n  maxPerCore: 32768\n  min: 131072\n"
        "  tcpCloseWaitTimeout: 1h0m0s\n  tcpEstablishedTimeout: 24h0m0s\n"
        "enableProfiling: false\nhealthzBindAddress: 0.0.0.0:10256\n"
        'hostnameOverride: ""\niptables:\n  masqueradeAll: false\n  masqueradeBit: 14\n'
        "  minSyncPeriod: 0s\n  syncPeriod: 30s\nkind: KubeProxyConfiguration\n"
        'metricsBindAddress: 0.0.0.0:10249\nmode: "iptables"\nnodePortAddresses: null\n'
        'oomScoreAdj: -998\nportRange: ""\n'
    )
    return [
        cm(
            "amazon-vpc-cni",
            {
                "app.kubernetes.io/instance": "aws-vpc-cni",
                "app.kubernetes.io/managed-by": "Helm",
                "app.kubernetes.io/name": "aws-node",
                "k8s-app": "aws-node",
            },
            {
                "branch-eni-cooldown": "60",
                "enable-network-policy-controller": "false",
                "enable-windows-ipam": "false",
                "enable-windows-prefix-delegation": "false",
                "minimum-ip-target": "3",
                "warm-ip-target": "1",
                "warm-prefix-target": "0",
            },
        ),
        cm(
            "coredns",
            {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"},
            {"Corefile": corefile},
        ),
        cm(
            "kube-proxy-config",
            {"eks.amazonaws.com/component": "kube-proxy", "k8s-app": "kube-proxy"},
            {"config": proxy},
        ),
    ]
