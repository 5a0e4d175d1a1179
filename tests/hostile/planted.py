"""A cluster with a secret planted in every field kind a workload can hide one in.

Each planted value is unique (`PLANTED-<kind>`), so a grep over a captured bundle names the field
that leaked. The objects are built here from scratch (no shared example), pointed at the moto
world's instances so capture's AWS side finds them.
"""

from __future__ import annotations

import json
from typing import Any

from tests.live.aws_world import World

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class Planter:
    """Hands out unique planted values and remembers where each went."""

    def __init__(self) -> None:
        self.planted: dict[str, str] = {}

    def __call__(self, where: str) -> str:
        value = f"PLANTED-{where}-{len(self.planted):02d}"
        self.planted[where if where not in self.planted else f"{where}#{len(self.planted)}"] = value
        return value


def _meta(
    plant: Planter, kind: str, name: str, namespace: str | None = None, *, applied: bool = True
) -> dict[str, Any]:
    annotations = {f"example.com/{kind}-note": plant(f"{kind}-annotation")}
    if applied:
        manifest = {"metadata": {"password": plant(f"{kind}-last-applied")}}
        annotations[LAST_APPLIED] = json.dumps(manifest)
    meta: dict[str, Any] = {
        "name": name,
        "uid": f"uid-{kind}-{name}",
        "creationTimestamp": "2026-01-01T00:00:00Z",
        "labels": {"app": name},
        "annotations": annotations,
        "managedFields": [
            {"manager": "kubectl", "fieldsV1": {f"f:{plant(f'{kind}-managed-fields')}": {}}}
        ],
    }
    if namespace:
        meta["namespace"] = namespace
    return meta


def _pod(plant: Planter, world: World, name: str) -> dict[str, Any]:
    node = world.nodes[0]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(plant, "pod", name, "shop"),
        "spec": {
            "nodeName": node.name,
            "serviceAccountName": "shop",
            "imagePullSecrets": [{"name": "regcred"}],
            "containers": [
                {
                    "name": "web",
                    "image": f"deploy:{plant('image-password')}@registry.example.com/shop/web:1.2",
                    "env": [
                        {"name": "DB_PASSWORD", "value": plant("env-value")},
                        {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db"}}},
                    ],
                    "args": ["--token", plant("split-token-arg"), f"--key={plant('flag-arg')}"],
                    "command": ["sh", "-c", f"exec web --secret {plant('command')}"],
                    "livenessProbe": {
                        "httpGet": {
                            "path": "/healthz",
                            "port": 8080,
                            "httpHeaders": [
                                {"name": "Authorization", "value": plant("probe-header")}
                            ],
                        }
                    },
                    "readinessProbe": {"exec": {"command": ["check", plant("probe-exec")]}},
                    "lifecycle": {
                        "postStart": {"exec": {"command": ["register", plant("lifecycle-exec")]}},
                        "preStop": {
                            "httpGet": {
                                "path": "/drain",
                                "port": 8080,
                                "httpHeaders": [
                                    {"name": "X-Key", "value": plant("prestop-header")}
                                ],
                            }
                        },
                    },
                    "workingDir": f"/srv/{plant('working-dir')}",
                }
            ],
            "initContainers": [
                {
                    "name": "migrate",
                    "image": "busybox:1.36",
                    "env": [{"name": "URL", "value": plant("init-env-value")}],
                    "args": ["--password", plant("init-split-arg")],
                }
            ],
            "ephemeralContainers": [
                {
                    "name": "debug",
                    "image": "busybox:1.36",
                    "env": [{"name": "K", "value": plant("ephemeral-env-value")}],
                }
            ],
            "volumes": [
                {
                    "name": "vault",
                    "csi": {
                        "driver": "secrets-store.csi.k8s.io",
                        "volumeAttributes": {"token": plant("csi-volume-attribute")},
                    },
                },
                {
                    "name": "flex",
                    "flexVolume": {"driver": "x/y", "options": {"key": plant("flex-option")}},
                },
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": "10.10.64.10",
            "hostIP": node.private_ip,
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": True,
                    "restartCount": 0,
                    "image": f"deploy:{plant('status-image-password')}@registry.example.com/w:1",
                    "imageID": f"x://{plant('status-image-id')}",
                    "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}},
                }
            ],
        },
    }


def _aws_node(plant: Planter, world: World) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": _meta(plant, "daemonset", "aws-node", "kube-system"),
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "aws-node"}},
            "template": {
                "metadata": {"annotations": {"x": plant("template-annotation")}},
                "spec": {
                    "containers": [
                        {
                            "name": "aws-node",
                            "image": "602401143452.dkr.ecr.eu-central-1.amazonaws.com/"
                            "amazon-k8s-cni:v1.20.1-eksbuild.1",
                            "env": [
                                {"name": "ENABLE_PREFIX_DELEGATION", "value": "false"},
                                {"name": "WARM_ENI_TARGET", "value": "1"},
                                {"name": "VPC_ID", "value": world.vpc_id},
                                {"name": "CLUSTER_NAME", "value": world.cluster},
                                {"name": "AWS_SECRET_ACCESS_KEY", "value": plant("aws-node-key")},
                                {"name": "WEBHOOK", "value": plant("aws-node-env")},
                            ],
                            "args": ["--token", plant("aws-node-split-arg")],
                        }
                    ],
                },
            },
        },
        "status": {"desiredNumberScheduled": 1, "numberReady": 1},
    }


def build(world: World) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """(bundle file → items for `BundleApiServer`, field kind → planted value)."""
    plant = Planter()
    nodes = []
    for node in world.nodes:
        meta = _meta(plant, "node", node.name)
        meta["annotations"]["k8s.amazonaws.com/eniConfig"] = node.zone  # read: must stay
        meta["labels"].update(
            {
                "node.kubernetes.io/instance-type": node.instance_type,
                "topology.kubernetes.io/zone": node.zone,
            }
        )
        nodes.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": meta,
                "spec": {"providerID": f"aws:///{node.zone}/{node.instance_id}"},
                "status": {
                    "addresses": [{"type": "InternalIP", "address": node.private_ip}],
                    "allocatable": {"pods": "29"},
                    "capacity": {"pods": "29"},
                    "conditions": [{"type": "Ready", "status": "True"}],
                    "images": [{"names": [f"x/{plant('node-image-list')}:1"]}],
                    "config": {"assigned": {"configMap": {"name": plant("node-config")}}},
                },
            }
        )
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(plant, "service", "web", "shop", applied=False),
        "spec": {
            "type": "NodePort",
            "selector": {"app": "web"},
            "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}],
            "loadBalancerSourceRanges": [plant("service-spec-extra")],
        },
    }
    service["metadata"]["annotations"][LAST_APPLIED] = json.dumps(
        {
            "metadata": {"annotations": {"db": plant("service-last-applied")}},
            "spec": {"ports": [{"port": 80, "nodePort": 30080}]},
        }
    )
    service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"] = (
        "external"
    )
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(plant, "ingress", "web", "shop"),
        "spec": {
            "ingressClassName": "alb",
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
            "tls": [{"hosts": ["shop.example.com"], "secretName": plant("tls-secret-name")}],
        },
    }
    ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/auth-idp-oidc"] = json.dumps(
        {"clientSecret": plant("alb-oidc-secret")}
    )
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(plant, "event", "web.1", "shop"),
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "shop"},
        "reason": "Pulled",
        "message": "Successfully pulled image",
        "type": "Normal",
        "count": 1,
        "related": {"name": plant("event-related")},
    }
    proxy = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": _meta(plant, "daemonset-proxy", "kube-proxy", "kube-system"),
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "kube-proxy",
                            "image": "kube-proxy:v1.30",
                            "env": [{"name": "MODE", "value": plant("kube-proxy-env")}],
                        }
                    ]
                }
            }
        },
    }
    vpc_cni = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(plant, "configmap", "amazon-vpc-cni", "kube-system"),
        "data": {"warm-ip-target": "1", "webhook-token": plant("vpc-cni-extra-key")},
    }
    aws_auth = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": plant("aws-auth")},
    }
    eniconfig = {
        "apiVersion": "crd.k8s.amazonaws.com/v1alpha1",
        "kind": "ENIConfig",
        "metadata": _meta(plant, "eniconfig", world.nodes[0].zone),
        "spec": {
            "subnet": world.private_subnets[0],
            "securityGroups": [world.cluster_sg],
            "note": plant("eniconfig-spec-extra"),
        },
    }
    sgp = {
        "apiVersion": "vpcresources.k8s.aws/v1beta1",
        "kind": "SecurityGroupPolicy",
        "metadata": _meta(plant, "sgp", "web", "shop"),
        "spec": {
            "podSelector": {"matchLabels": {"app": "web"}},
            "securityGroups": {"groupIds": [world.cluster_sg]},
        },
    }
    cninodes = [
        {
            "apiVersion": "vpcresources.k8s.aws/v1alpha1",
            "kind": "CNINode",
            "metadata": _meta(plant, "cninode", node.name),
            "spec": {"features": [{"name": "SecurityGroupsForPods"}]},
            "status": {"note": plant("cninode-status")},
        }
        for node in world.nodes[:1]
    ]
    tgb = {
        "apiVersion": "elbv2.k8s.aws/v1beta1",
        "kind": "TargetGroupBinding",
        "metadata": _meta(plant, "tgb", "web", "shop"),
        "spec": {
            "serviceRef": {"name": "web", "port": 80},
            "targetGroupARN": world.tg_arn,
            "targetType": "instance",
            "networking": {"ingress": [{"from": [{"ipBlock": {"cidr": plant("tgb-extra")}}]}]},
        },
    }
    objects = {
        "k8s/nodes.json": nodes,
        "k8s/pods.json": [_pod(plant, world, "web")],
        "k8s/services.json": [service],
        "k8s/ingresses.json": [ingress],
        "k8s/events.json": [event],
        "k8s/daemonsets.json": [_aws_node(plant, world), proxy],
        "k8s/configmaps.json": [vpc_cni, aws_auth],
        "k8s/eniconfigs.json": [eniconfig],
        "k8s/securitygrouppolicies.json": [sgp],
        "k8s/cninodes.json": cninodes,
        "k8s/targetgroupbindings.json": [tgb],
    }
    return objects, plant.planted
