"""EKS's own view of the synthetic cluster: node groups, access entries and insights."""

from __future__ import annotations

from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.context import Context
from netdoctor.tooling.synth.ids import IdGen
from netdoctor.tooling.synth.nodes import Node, NodeGroup


def node_role(ctx: Context) -> str:
    """The IAM role every synthetic node group's instances run as."""
    return f"arn:aws:iam::{ctx.account}:role/{ctx.cluster}-node-role"


def describe_nodegroups(ctx: Context, nodes: list[Node], created: int) -> dict[str, Any]:
    """describe-nodegroup of each node group, merged as `aws/eks-describe-nodegroups.json`."""
    groups: dict[str, NodeGroup] = {}
    for node in nodes:
        groups.setdefault(node.group.spec.name, node.group)
    out = []
    for name, group in sorted(groups.items()):
        subnets = sorted({n.subnet.id for n in group.nodes if n.subnet is not None})
        out.append(
            {
                "nodegroupName": name,
                "nodegroupArn": (
                    f"arn:aws:eks:{ctx.region}:{ctx.account}:nodegroup/{ctx.cluster}/{name}/"
                    f"{group.asg.removeprefix(f'eks-{name}-')}"
                ),
                "clusterName": ctx.cluster,
                "version": "1.31",
                "createdAt": clock.eks(created, 120000),
                "status": "ACTIVE",
                "capacityType": "ON_DEMAND",
                "scalingConfig": {
                    "minSize": len(group.nodes),
                    "maxSize": len(group.nodes) * 2,
                    "desiredSize": len(group.nodes),
                },
                "instanceTypes": [group.itype.name],
                "subnets": subnets,
                "amiType": "AL2023_x86_64_STANDARD",
                "nodeRole": node_role(ctx),
                "labels": {},
                "resources": {"autoScalingGroups": [{"name": group.asg}]},
                "health": {"issues": []},
                "launchTemplate": {"id": group.launch_template, "version": "1"},
            }
        )
    return {"nodegroups": out}


def list_access_entries(ctx: Context) -> dict[str, Any]:
    """`aws eks list-access-entries`: the cluster creator and the node role."""
    return {
        "accessEntries": [
            f"arn:aws:iam::{ctx.account}:role/{ctx.cluster}-admin",
            node_role(ctx),
        ]
    }


def list_insights(ctx: Context) -> dict[str, Any]:
    """`aws eks list-insights`: the upgrade checks EKS runs, all passing."""
    status = {"status": "PASSING", "reason": "No deprecated API usage detected."}
    return {
        "insights": [
            {
                "id": IdGen(ctx.rng("insights")).uuid(),
                "name": "Deprecated APIs removed in Kubernetes v1.32",
                "category": "UPGRADE_READINESS",
                "kubernetesVersion": "1.32",
                "description": "Checks for usage of deprecated APIs that are scheduled for "
                "removal in Kubernetes v1.32.",
                "insightStatus": status,
            }
        ]
    }
