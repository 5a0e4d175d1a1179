"""The Kubernetes side of an `aws_world.World`: nodes that point at the moto instances.

Built from the project's healthy base (`netdoctor.tooling.fixtures.healthy_docs`, made by synth
in the shapes `kubectl -o json` prints): its nodes, pods, DaemonSets and CNINodes are re-pointed
at the world's instances, its TargetGroupBindings at the world's target group. Secrets are
planted in every place capture must not copy: env values of containers, init and ephemeral
containers (pods and DaemonSets), flags, the last-applied annotation, managedFields, the aws-auth
ConfigMap and a Secret object.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from netdoctor.tooling.fixtures import healthy_docs
from tests.live.aws_world import REGION, World

# Each planted value is unique, so a grep over the bundle proves where a leak came from.
SECRETS = {
    "pod_env": "PLANTED-SECRET-pod-env",
    "init_env": "PLANTED-SECRET-init-env",
    "ephemeral_env": "PLANTED-SECRET-ephemeral-env",
    "pod_flag": "PLANTED-SECRET-pod-flag",
    "last_applied": "PLANTED-SECRET-last-applied",
    "managed_fields": "PLANTED-SECRET-managed-fields",
    "aws_auth": "PLANTED-SECRET-aws-auth",
    "aws_auth_user": "PLANTED-SECRET-aws-auth-user",
    "coredns_cm": "PLANTED-SECRET-coredns-configmap",
    "secret_object": "PLANTED-SECRET-secret-object",
    "aws_node_env": "PLANTED-SECRET-aws-node-env",
    "aws_node_key": "PLANTED-SECRET-aws-node-access-key",
    "kube_proxy_env": "PLANTED-SECRET-kube-proxy-env",
    "aws_node_pod_env": "PLANTED-SECRET-aws-node-pod-env",
}
MAX_PODS = {"m5.large": "29", "c5.xlarge": "58", "t3.medium": "110"}
"""kubelet max-pods per type; t3.medium's 110 is above its ENI capacity of 17 (a finding)."""
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _items(name: str) -> list[dict[str, Any]]:
    """Fresh copies of the healthy base's objects of one k8s/ file."""
    items: list[dict[str, Any]] = healthy_docs()[f"k8s/{name}"]["items"]
    return items


def _managed(value: str) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {f'k:{{"name":"{value}"}}': {}}},
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
        }
    ]


def build_objects(world: World) -> dict[str, list[dict[str, Any]]]:
    """bundle file → items, for `BundleApiServer` and for the source bundle."""
    template = _items("nodes.json")[0]
    nodes = []
    for node in world.nodes:
        item = copy.deepcopy(template)
        meta = item["metadata"]
        meta["name"] = node.name
        meta["annotations"]["alpha.kubernetes.io/provided-node-ip"] = node.private_ip
        labels = meta["labels"]
        labels.pop("topology.k8s.aws/zone-id", None)
        labels.update(
            {
                "kubernetes.io/hostname": node.name,
                "node.kubernetes.io/instance-type": node.instance_type,
                "beta.kubernetes.io/instance-type": node.instance_type,
                "topology.kubernetes.io/zone": node.zone,
                "failure-domain.beta.kubernetes.io/zone": node.zone,
                "alpha.eksctl.io/cluster-name": world.cluster,
            }
        )
        item["spec"]["providerID"] = f"aws:///{node.zone}/{node.instance_id}"
        item["status"]["addresses"] = [
            {"address": node.private_ip, "type": "InternalIP"},
            {"address": node.name, "type": "InternalDNS"},
            {"address": node.name, "type": "Hostname"},
        ]
        for block in ("allocatable", "capacity"):
            item["status"][block]["pods"] = MAX_PODS[node.instance_type]
        nodes.append(item)

    return {
        "k8s/nodes.json": nodes,
        "k8s/pods.json": _pods(world),
        "k8s/services.json": _items("services.json"),
        "k8s/ingresses.json": _items("ingresses.json"),
        "k8s/events.json": _items("events.json"),
        "k8s/daemonsets.json": _daemonsets(world),
        "k8s/configmaps.json": _configmaps(world),
        "k8s/eniconfigs.json": [],
        "k8s/securitygrouppolicies.json": [],
        "k8s/cninodes.json": _cninodes(world),
        "k8s/targetgroupbindings.json": _tgbs(world),
        "k8s/endpointslices.json": _items("endpointslices.json"),
    }


def _pod_ip(world: World, n: int) -> str:
    octet = world.vpc_cidr.split(".")[1]
    return f"10.{octet}.{64 + (n // 200)}.{10 + n % 200}"


def _pods(world: World) -> list[dict[str, Any]]:
    templates = _items("pods.json")
    apps = [p for p in templates if not _owned_by_daemonset(p)]
    by_ds = {
        p["metadata"]["ownerReferences"][0]["name"]: p for p in templates if _owned_by_daemonset(p)
    }
    pods: list[dict[str, Any]] = []
    for i, template in enumerate(apps):
        node = world.nodes[i % len(world.nodes)]
        pod = copy.deepcopy(template)
        pod["spec"]["nodeName"] = node.name
        pod["status"]["hostIP"] = node.private_ip
        pod["status"]["podIP"] = _pod_ip(world, i)
        pod["status"]["podIPs"] = [{"ip": _pod_ip(world, i)}]
        pods.append(pod)
    for i, node in enumerate(world.nodes):
        for ds_name, template in sorted(by_ds.items()):
            pod = copy.deepcopy(template)
            pod["metadata"]["name"] = f"{ds_name}-{i:04d}"
            pod["spec"]["nodeName"] = node.name
            for key in ("hostIP", "podIP"):
                pod["status"][key] = node.private_ip
            pod["status"]["podIPs"] = [{"ip": node.private_ip}]
            pods.append(pod)
    _plant_in_pod(pods[0])
    aws_node_pod = next(p for p in pods if p["metadata"]["name"].startswith("aws-node-"))
    aws_node_pod["spec"]["containers"][0].setdefault("env", []).append(
        {"name": "MY_API_TOKEN", "value": SECRETS["aws_node_pod_env"]}
    )
    return pods


def _owned_by_daemonset(pod: dict[str, Any]) -> bool:
    return any(o["kind"] == "DaemonSet" for o in pod["metadata"].get("ownerReferences", []))


def _plant_in_pod(pod: dict[str, Any]) -> None:
    spec = pod["spec"]
    main = spec["containers"][0]
    main.setdefault("env", []).append({"name": "DB_PASSWORD", "value": SECRETS["pod_env"]})
    main.setdefault("args", []).append(f"--api-token={SECRETS['pod_flag']}")
    spec["initContainers"] = [
        {
            "name": "migrate",
            "image": "busybox",
            "env": [{"name": "MIGRATION_URL", "value": SECRETS["init_env"]}],
        }
    ]
    spec["ephemeralContainers"] = [
        {
            "name": "debugger",
            "image": "busybox",
            "env": [{"name": "DEBUG_KEY", "value": SECRETS["ephemeral_env"]}],
        }
    ]
    meta = pod["metadata"]
    meta.setdefault("annotations", {})[LAST_APPLIED] = json.dumps(
        {"spec": {"containers": [{"env": [{"value": SECRETS["last_applied"]}]}]}}
    )
    meta["managedFields"] = _managed(SECRETS["managed_fields"])


def _daemonsets(world: World) -> list[dict[str, Any]]:
    daemonsets = _items("daemonsets.json")
    for ds in daemonsets:
        containers = ds["spec"]["template"]["spec"]["containers"]
        if ds["metadata"]["name"] == "aws-node":
            env = containers[0]["env"]
            for var in env:
                if var["name"] == "VPC_ID":
                    var["value"] = world.vpc_id
                elif var["name"] == "CLUSTER_NAME":
                    var["value"] = world.cluster
            env.append({"name": "THIRD_PARTY_WEBHOOK", "value": SECRETS["aws_node_env"]})
            env.append({"name": "AWS_SECRET_ACCESS_KEY", "value": SECRETS["aws_node_key"]})
            ds["metadata"]["managedFields"] = _managed(SECRETS["managed_fields"])
        else:
            containers[0].setdefault("env", []).append(
                {"name": "PROXY_TOKEN", "value": SECRETS["kube_proxy_env"]}
            )
            ds["metadata"].setdefault("annotations", {})[LAST_APPLIED] = SECRETS["last_applied"]
    return daemonsets


def _configmaps(world: World) -> list[dict[str, Any]]:
    configmaps = _items("configmaps.json")
    for cm in configmaps:
        if cm["metadata"]["name"] == "coredns":
            cm["data"]["Corefile"] += f"\n# {SECRETS['coredns_cm']}\n"
    aws_auth = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        # Capture keeps each role's ARN and groups; the username and mapUsers must not leave.
        "data": {
            "mapRoles": (
                f"- rolearn: {world.node_role}\n"
                f"  username: {SECRETS['aws_auth']}\n"
                "  groups:\n  - system:bootstrappers\n  - system:nodes\n"
            ),
            "mapUsers": f"- userarn: {SECRETS['aws_auth_user']}\n  username: ops\n",
        },
    }
    return [*configmaps, aws_auth]


def _cninodes(world: World) -> list[dict[str, Any]]:
    template = _items("cninodes.json")[0]
    out = []
    for node in world.nodes:
        item = copy.deepcopy(template)
        item["metadata"]["name"] = node.name
        item["metadata"]["ownerReferences"][0]["name"] = node.name
        out.append(item)
    return out


def _tgbs(world: World) -> list[dict[str, Any]]:
    tgbs = _items("targetgroupbindings.json")
    for tgb in tgbs:
        tgb["spec"]["targetGroupARN"] = world.tg_arn
        tgb["spec"]["vpcID"] = world.vpc_id
        tgb["spec"]["networking"]["ingress"][0]["from"][0]["securityGroup"]["groupID"] = (
            world.alb_sg
        )
    return tgbs


def write_source_bundle(objects: dict[str, list[dict[str, Any]]], root: Path) -> None:
    """Write the k8s files as kubectl would (plus a Secret, which nothing may serve or copy)."""
    (root / "k8s").mkdir(parents=True, exist_ok=True)
    for rel, items in objects.items():
        doc = {
            "apiVersion": "v1",
            "items": items,
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        }
        (root / rel).write_text(json.dumps(doc, indent=4) + "\n", encoding="utf-8")
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "catalog"},
        "stringData": {"password": SECRETS["secret_object"]},
    }
    doc = {"apiVersion": "v1", "items": [secret], "kind": "List", "metadata": {}}
    (root / "k8s" / "secrets.json").write_text(json.dumps(doc), encoding="utf-8")


def meta_for(world: World) -> dict[str, str]:
    """The source bundle's meta.json."""
    return {
        "cluster": world.cluster,
        "region": REGION,
        "captured_at": "2026-01-01T00:00:00Z",
        "source": "hand-made",
    }
