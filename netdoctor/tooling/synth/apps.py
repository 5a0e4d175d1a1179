"""Application Deployments: the healthy fleet and the `bad-<problem>` workloads."""

from __future__ import annotations

import random
from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.context import DAY, Context
from netdoctor.tooling.synth.kube_system import DEFAULT_TOLERATIONS
from netdoctor.tooling.synth.nodes import NodeGroup
from netdoctor.tooling.synth.pods import MAX_POD_BYTES, pod_size
from netdoctor.tooling.synth.problems import BAD_NAMESPACE, PROBLEM_TAG
from netdoctor.tooling.synth.workload import Workload

NAMESPACES = (
    "payments",
    "checkout",
    "catalog",
    "search",
    "identity",
    "notifications",
    "shipping",
    "analytics",
    "storefront",
    "media",
    "orders",
    "inventory",
)
COMPONENTS = (
    "api",
    "worker",
    "gateway",
    "frontend",
    "indexer",
    "scheduler",
    "consumer",
    "cache",
    "sync",
    "reporter",
    "webhook",
    "grpc",
    "batch",
    "auth",
    "events",
    "ledger",
    "pricing",
    "recommender",
    "renderer",
    "notifier",
)
QUALIFIERS = ("", "", "", "core", "edge", "internal", "public", "realtime", "bulk", "legacy")
REPLICAS = (2, 3, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)
RECENT_SHARE = 0.03

_ENV_POOL = (
    ("APP_ENV", "production"),
    ("LOG_LEVEL", "info"),
    ("LOG_FORMAT", "json"),
    ("HTTP_PORT", "8080"),
    ("METRICS_PORT", "9090"),
    ("GOMAXPROCS", "2"),
    ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0"),
    ("FEATURE_FLAGS_URL", "http://flags.platform.svc:8080"),
    ("REDIS_URL", "redis://redis-master.platform.svc:6379/0"),
    ("DB_POOL_SIZE", "20"),
)
_FIELD_ENV = (
    ("POD_NAME", "metadata.name"),
    ("POD_NAMESPACE", "metadata.namespace"),
    ("POD_IP", "status.podIP"),
    ("NODE_NAME", "spec.nodeName"),
)


def _container(
    ctx: Context,
    rng: random.Random,
    ns: str,
    name: str,
    version: str,
    metrics: bool,
    pod_eni: bool = False,
) -> dict[str, Any]:
    env: list[dict[str, Any]] = [
        {"name": k, "value": v} for k, v in rng.sample(_ENV_POOL, rng.randint(0, 3))
    ]
    if rng.random() < 0.3:
        env.append({"name": "OTEL_SERVICE_NAME", "value": name})
    for key, path in rng.sample(_FIELD_ENV, int(rng.random() < 0.25)):
        env.append(
            {"name": key, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}
        )
    cpu = rng.choice(("50m", "100m", "250m", "500m"))
    mem = rng.choice(("128Mi", "256Mi", "512Mi", "1Gi"))
    if rng.random() < 0.15:
        resources: dict[str, Any] = {
            "limits": {"cpu": cpu, "memory": mem},
            "requests": {"cpu": cpu, "memory": mem},
        }
    else:
        resources = {"limits": {"memory": mem}, "requests": {"cpu": cpu, "memory": mem}}
    if pod_eni:
        # The resource controller's webhook adds this to pods an SGP selects.
        resources = {k: {**v, "vpc.amazonaws.com/pod-eni": "1"} for k, v in resources.items()}
    ports = [{"containerPort": 8080, "name": "http", "protocol": "TCP"}]
    if metrics:
        ports.append({"containerPort": 9090, "name": "metrics", "protocol": "TCP"})
    out: dict[str, Any] = {}
    if env:
        out["env"] = env
    out.update(
        {
            "image": f"{ctx.account}.dkr.ecr.{ctx.region}.amazonaws.com/{ns}/{name}:{version}",
            "imagePullPolicy": "IfNotPresent",
            "name": name,
            "ports": ports,
            "resources": resources,
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
        }
    )

    def probe(path: str, delay: int) -> dict[str, Any]:
        return {
            "failureThreshold": 3,
            "httpGet": {"path": path, "port": "http", "scheme": "HTTP"},
            "initialDelaySeconds": delay,
            "periodSeconds": 10,
            "successThreshold": 1,
            "timeoutSeconds": 1,
        }

    if rng.random() < 0.5:
        out["readinessProbe"] = probe("/ready", 5)
        if rng.random() < 0.5:
            out["livenessProbe"] = probe("/healthz", 15)
    if rng.random() < 0.3:
        out["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
        }
    return out


def fit_pod_size(w: Workload, limit: int = MAX_POD_BYTES) -> None:
    """Drop optional parts until a pod of `w` prints within `limit` bytes (kubectl, 4 spaces).

    App pods carry no service-account token volume (their ServiceAccounts disable automount,
    as hardening guides advise), which with the trimming keeps them at 3-6 KB.
    """
    c = w.container
    while pod_size(w) > limit:
        env = c.get("env")
        if env:
            env.pop()
            if not env:
                del c["env"]
        elif "securityContext" in c:
            del c["securityContext"]
        elif "livenessProbe" in c:
            del c["livenessProbe"]
        elif "readinessProbe" in c:
            del c["readinessProbe"]
        else:
            return


def _pod_spec(sa: str, node_selector: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": sa,
        "serviceAccountName": sa,
        "terminationGracePeriodSeconds": 30,
        "tolerations": DEFAULT_TOLERATIONS,
    }
    if node_selector:
        spec["nodeSelector"] = node_selector
    return spec


def app_workloads(ctx: Context, total: int) -> list[Workload]:
    """Healthy Deployments whose replicas add up to exactly `total` pods."""
    rng = ctx.rng("apps")
    ids = ctx.ids
    used: set[tuple[str, str]] = set()
    out: list[Workload] = []
    remaining = total
    while remaining > 0:
        replicas = min(remaining, rng.choice(REPLICAS))
        remaining -= replicas
        ns = rng.choice(NAMESPACES)
        qual = rng.choice(QUALIFIERS)
        base = f"{qual}-{rng.choice(COMPONENTS)}" if qual else rng.choice(COMPONENTS)
        name, k = base, 1
        while (ns, name) in used:
            k += 1
            name = f"{base}-{k}"
        used.add((ns, name))
        version = f"{rng.randint(1, 7)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
        metrics = rng.random() < 0.5
        recent = rng.random() < RECENT_SHARE
        rollout = ctx.captured_at - (
            rng.randrange(300, 3300) if recent else rng.randrange(2 * 3600, 60 * DAY)
        )
        labels = {"app": name, "pod-template-hash": ids.k8s_suffix(10)}
        if rng.random() < 0.5:
            labels.update({"app.kubernetes.io/part-of": ns, "app.kubernetes.io/version": version})
        annotations: dict[str, str] = {}
        if metrics:
            annotations.update({"prometheus.io/port": "9090", "prometheus.io/scrape": "true"})
        if rng.random() < 0.2:
            annotations["kubectl.kubernetes.io/restartedAt"] = clock.k8s(rollout - 1)
        out.append(
            Workload(
                kind="Deployment",
                namespace=ns,
                name=name,
                labels=labels,
                container=_container(ctx, rng, ns, name, version, metrics),
                pod_spec=_pod_spec(name if rng.random() < 0.3 else "default"),
                owner_uid=ids.uuid(),
                uid=ids.uuid(),
                rollout=rollout,
                digest=ids.hex(64),
                replicas=replicas,
                annotations=annotations,
                automount=False,
                recent=recent,
            )
        )
        fit_pod_size(out[-1])
    if out and not any(w.recent for w in out):
        # Some rollout is always under way, so the event log never holds only old news.
        last = out[-1]
        last.recent, last.rollout = True, ctx.captured_at - rng.randrange(300, 3300)
        if "kubectl.kubernetes.io/restartedAt" in last.annotations:
            last.annotations["kubectl.kubernetes.io/restartedAt"] = clock.k8s(last.rollout - 1)
    return out


def bad_workload(ctx: Context, group: NodeGroup) -> Workload:
    """The `bad-<problem>` Deployment pinned to a bad node group by a nodeSelector."""
    spec = group.spec
    assert spec.workload is not None and spec.problem is not None
    rng = ctx.rng(f"bad:{spec.name}")
    ids = ctx.ids
    name = spec.workload
    pod_eni = spec.problem == "trunk-label-missing"
    labels = {
        "app": name,
        "app.kubernetes.io/name": name,
        PROBLEM_TAG: spec.problem,
        "pod-template-hash": ids.k8s_suffix(10),
    }
    return Workload(
        kind="Deployment",
        namespace=BAD_NAMESPACE,
        name=name,
        labels=labels,
        container=_container(ctx, rng, BAD_NAMESPACE, name, "1.0.0", False, pod_eni=pod_eni),
        pod_spec=_pod_spec("default", {"eks.amazonaws.com/nodegroup": spec.name}),
        owner_uid=ids.uuid(),
        uid=ids.uuid(),
        rollout=ctx.captured_at - 2 * DAY,
        digest=ids.hex(64),
        replicas=sum(n.app_slots for n in group.nodes),
        pending=spec.pending,
        automount=False,
        group=group,
        problem=spec.problem,
    )
