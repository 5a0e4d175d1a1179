"""What EKS itself reports about the cluster: health issues of the cluster and of its managed
node groups, and cluster insights that are not passing.

Codes and their meanings are the EKS API reference's (`ClusterIssue`, `Issue`,
`InsightStatus`). A signal bearing on networking names the check whose findings it
corroborates (`check`); the others are shown as context only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.models import Severity

if TYPE_CHECKING:
    from netdoctor.snapshot.aws_types import HealthIssue
    from netdoctor.snapshot.snapshot import Snapshot

POD_IP_CAPACITY = "pod-ip-capacity"
PRIVATE_ENDPOINT_ACCESS = "private-endpoint-access"
NODE_JOIN = "node-join"
CNI_HEALTH = "cni-health"

CLUSTER_CODES: dict[str, str] = {
    # ClusterIssue codes about the cluster's VPC resources (the control plane's ENIs live in
    # the cluster subnets, behind the cluster security group).
    "InsufficientFreeAddresses": POD_IP_CAPACITY,
    "Ec2SubnetNotFound": PRIVATE_ENDPOINT_ACCESS,
    "Ec2SecurityGroupNotFound": PRIVATE_ENDPOINT_ACCESS,
    "VpcNotFound": PRIVATE_ENDPOINT_ACCESS,
}
"""Networking ClusterIssue codes → the check they bear on."""

NODEGROUP_CODES: dict[str, str] = {
    "InsufficientFreeAddresses": POD_IP_CAPACITY,
    # Issue codes that keep a managed node group's instances from launching or registering.
    "NodeCreationFailure": NODE_JOIN,
    "ClusterUnreachable": NODE_JOIN,
    "AccessDenied": NODE_JOIN,
    "Ec2SubnetInvalidConfiguration": NODE_JOIN,
    "Ec2SubnetNotFound": NODE_JOIN,
    "Ec2SubnetMissingIpv6Assignment": NODE_JOIN,
    "Ec2SecurityGroupNotFound": NODE_JOIN,
    "InstanceLimitExceeded": NODE_JOIN,
    "AsgInstanceLaunchFailures": NODE_JOIN,
}
"""Networking (and node registration) node group Issue codes → the check they bear on."""

_CNI_COMPONENTS = ("vpc-cni", "aws-node", "kube-proxy")
"""Insights naming one of these (an add-on version skew) bear on the node's networking."""

_INSIGHT_SEVERITY = {"ERROR": Severity.WARNING, "WARNING": Severity.INFO, "UNKNOWN": Severity.INFO}
_ID_KINDS = (
    (re.compile(r"^subnet-[0-9a-f]+$"), "subnet"),
    (re.compile(r"^sg-[0-9a-f]+$"), "security-group"),
    (re.compile(r"^vpc-[0-9a-f]+$"), "vpc"),
    (re.compile(r"^eni-[0-9a-f]+$"), "eni"),
    (re.compile(r"^i-[0-9a-f]+$"), "instance"),
)


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing EKS reports: a health issue or a non-passing insight."""

    source: str
    """`cluster/NAME`, `nodegroup/NAME` or `insight/ID`."""
    code: str
    """The health issue code, or the insight's status (`ERROR`, `WARNING`, `UNKNOWN`)."""
    message: str
    resources: tuple[str, ...]
    """`kind/id` of the AWS resources it names (subnets, security groups, instances)."""
    check: str | None
    """The check whose findings it bears on; None when it is context only."""
    severity: Severity
    """How much it weighs when no finding of `check` explains it."""
    cluster: str | None = None
    """The cluster's name (for the playbook's commands)."""

    def line(self) -> str:
        """One line for evidence and reports."""
        named = f" ({', '.join(self.resources)})" if self.resources else ""
        return f"EKS reports {self.code} on {self.source}: {self.message}{named}"


def resource_refs(ids: list[str] | None) -> tuple[str, ...]:
    """`subnet/subnet-0abc`, `security-group/sg-…` of the AWS ids an issue names; ids of
    another shape (an Auto Scaling group name, an ARN) are kept as `aws/ID`."""
    refs: list[str] = []
    for raw in ids or ():
        value = raw.strip()
        if not value:
            continue
        kind = next((k for pattern, k in _ID_KINDS if pattern.match(value)), "aws")
        refs.append(f"{kind}/{value}")
    return tuple(dict.fromkeys(refs))


def _issue(source: str, issue: HealthIssue, codes: dict[str, str], cluster: str | None) -> Signal:
    code = issue.code or "Unknown"
    return Signal(
        cluster=cluster,
        source=source,
        code=code,
        message=" ".join((issue.message or "").split()) or "(no message)",
        resources=resource_refs(issue.resourceIds),
        check=codes.get(code),
        severity=Severity.WARNING,
    )


def eks_signals(snap: Snapshot) -> list[Signal]:
    """Every health issue and non-passing insight in the bundle, cluster first."""
    found: list[Signal] = []
    cluster = snap.cluster
    name = cluster.name if cluster is not None else None
    if cluster is not None and cluster.health is not None:
        source = f"cluster/{name or '?'}"
        found += [_issue(source, i, CLUSTER_CODES, name) for i in cluster.health.issues or ()]
    for group in snap.nodegroups or ():
        if group.health is None:
            continue
        source = f"nodegroup/{group.nodegroupName or '?'}"
        found += [_issue(source, i, NODEGROUP_CODES, name) for i in group.health.issues or ()]
    for insight in snap.insights or ():
        status = insight.insightStatus.status if insight.insightStatus else None
        if status not in _INSIGHT_SEVERITY:
            continue
        reason = insight.insightStatus.reason if insight.insightStatus else None
        text = f"{insight.name or insight.id}: {reason or insight.description or ''}".strip()
        named = " ".join(
            [insight.name or "", *(r.kubernetesResourceUri or "" for r in insight.resources or ())]
        ).lower()
        found.append(
            Signal(
                source=f"insight/{insight.id or '?'}",
                code=status or "UNKNOWN",
                message=" ".join(text.split()),
                resources=(),
                check=CNI_HEALTH if any(c in named for c in _CNI_COMPONENTS) else None,
                severity=_INSIGHT_SEVERITY[status or "UNKNOWN"],
                cluster=name,
            )
        )
    return found
