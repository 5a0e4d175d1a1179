"""The VPC CNI's custom resources a problem needs: ENIConfigs and SecurityGroupPolicies."""

from __future__ import annotations

from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.context import DAY, Context
from netdoctor.tooling.synth.problems import PROBLEM_TAG
from netdoctor.tooling.synth.topology import SecurityGroup, Topology, eniconfig_name, rule, tags


def eniconfigs(ctx: Context, topo: Topology) -> list[dict[str, Any]]:
    """ENIConfigs for custom networking: per pod subnet of the zones that have them, plus the
    exhausted one of subnet-exhausted."""
    if not ctx.seeding.custom_networking:
        return []
    rng = ctx.rng("eniconfigs")
    wanted: list[tuple[str, str, str | None]] = [
        (eniconfig_name(topo, i, k), s.id, None)
        for i in ctx.seeding.eniconfig_azs
        for k, s in enumerate(topo.pods[i])
    ]
    if topo.exhausted is not None:
        wanted.append(("bad-subnet-exhausted", topo.exhausted.id, "subnet-exhausted"))
    out = []
    for name, subnet, problem in sorted(wanted):
        meta: dict[str, Any] = {
            "creationTimestamp": clock.k8s(topo.cluster_created + 900),
            "generation": 1,
            "name": name,
            "resourceVersion": str(rng.randrange(300000, 900000)),
            "uid": ctx.ids.uuid(),
        }
        if problem:
            meta["labels"] = {PROBLEM_TAG: problem}
        out.append(
            {
                "apiVersion": "crd.k8s.amazonaws.com/v1alpha1",
                "kind": "ENIConfig",
                "metadata": meta,
                "spec": {"securityGroups": [topo.cluster_sg.id, topo.node_sg.id], "subnet": subnet},
            }
        )
    return out


def security_group_policies(ctx: Context, topo: Topology) -> list[dict[str, Any]]:
    """The SecurityGroupPolicy of the trunk-label-missing problem, with its pod security group."""
    if not ctx.seeding.pod_eni:
        return []
    name = "bad-trunk-label-missing"
    sg = SecurityGroup(
        ctx.ids.aws("sg"),
        f"{name}-pods",
        "Pods of bad-trunk-label-missing",
        tags(f"{name}-pods", (PROBLEM_TAG, "trunk-label-missing")),
        [
            rule(
                "tcp",
                (8080, 8080),
                group=topo.node_sg.id,
                account=ctx.account,
                desc="kubelet probes from nodes",
            )
        ],
        [rule("-1", cidr="0.0.0.0/0")],
    )
    topo.extra_sgs.append(sg)
    return [
        {
            "apiVersion": "vpcresources.k8s.aws/v1beta1",
            "kind": "SecurityGroupPolicy",
            "metadata": {
                "creationTimestamp": clock.k8s(ctx.captured_at - 3 * DAY),
                "generation": 1,
                "labels": {PROBLEM_TAG: "trunk-label-missing"},
                "name": name,
                "namespace": "default",
                "resourceVersion": str(ctx.rng("sgp").randrange(300000, 900000)),
                "uid": ctx.ids.uuid(),
            },
            "spec": {
                "podSelector": {"matchLabels": {"app": name}},
                "securityGroups": {"groupIds": [sg.id]},
            },
        }
    ]
