"""The problems `synth` can seed: their names, the settings they flip and the bad node groups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netdoctor.errors import UsageError

PROBLEMS: dict[str, str] = {
    "subnet-exhausted": "a private node subnet with 0-3 free IPs; pods on its nodes stuck "
    "ContainerCreating with FailedCreatePodSandBox",
    "max-pods-over-eni": "node group bad-max-pods-over-eni: m5.large with max-pods 110 where "
    "the ENI limit allows 29",
    "too-many-pods": "full nodes and pods Pending Unschedulable with FailedScheduling "
    "'Too many pods'",
    "external-snat-igw": "AWS_VPC_K8S_CNI_EXTERNALSNAT=true while nodes sit in public subnets "
    "routing 0.0.0.0/0 to the IGW",
    "nat-blackhole": "a private route table whose 0.0.0.0/0 -> NAT route is blackhole, its NAT "
    "gateway failed",
    "private-dns-off": "private-only API endpoint while the VPC has enableDnsHostnames false",
    "nodeport-direct": "NodePort service on pinned port 30080 used by no Ingress/LB/TGB; node SG "
    "open 30000-32767 to 0.0.0.0/0",
    "trunk-label-missing": "ENABLE_POD_ENI=true, nodes whose CNINode lacks SecurityGroupsForPods, "
    "SGP pods Pending on vpc.amazonaws.com/pod-eni",
    "eniconfig-missing": "custom networking by zone label with ENIConfigs for only two of the "
    "three AZs",
    "pd-non-nitro": "ENABLE_PREFIX_DELEGATION=true with Xen (non-Nitro) m4.large nodes",
}

BAD_NAMESPACE = "default"
"""Namespace of every workload the problems add (all named `bad-<problem>`)."""

PROBLEM_TAG = "netdoctor.synth/problem"
"""Tag (AWS) and label (Kubernetes) put on every object a problem seeds, valued with its name."""


def parse_problems(problems: str | Iterable[str]) -> tuple[str, ...]:
    """Validate problem names (a comma-separated string or a sequence; `all` means every one).

    Returns them in the canonical order of PROBLEMS; raises UsageError naming an unknown one.
    """
    items = problems.split(",") if isinstance(problems, str) else list(problems)
    wanted: set[str] = set()
    for raw in items:
        name = raw.strip()
        if not name:
            continue
        if name == "all":
            wanted.update(PROBLEMS)
        elif name in PROBLEMS:
            wanted.add(name)
        else:
            raise UsageError(
                f"unknown problem {name!r}; choose from: {', '.join(PROBLEMS)} (or 'all')"
            )
    return tuple(p for p in PROBLEMS if p in wanted)


@dataclass(frozen=True)
class GroupSpec:
    """A managed node group to create: healthy, or the carrier of one seeded problem."""

    name: str
    instance_type: str
    count: int
    az_indices: tuple[int, ...]
    placement: str = "private"
    """`private`, `public` (subnets routing to the IGW) or `exhausted` (the tiny subnet)."""
    eniconfig: str | None = None
    """ENIConfig named by a node annotation, overriding the zone label."""
    max_pods: int | None = None
    """Kubelet max-pods when it is not what the formula gives."""
    app_pods: str | int = "fill"
    """Pods of the group's own workload per node: `fill` (pods-per-node), `max` (max-pods) or N."""
    pending: int = 0
    """Replicas of the group's workload that the scheduler cannot place."""
    trunk_broken: bool = False
    problem: str | None = None

    @property
    def workload(self) -> str | None:
        """Name of the Deployment pinned to a bad group, None for healthy groups."""
        return f"bad-{self.problem}" if self.problem else None


@dataclass(frozen=True)
class Seeding:
    """The aws-node settings and the objects implied by a set of problems."""

    problems: frozenset[str]

    def __contains__(self, name: object) -> bool:
        return name in self.problems

    @property
    def custom_networking(self) -> bool:
        """AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true with per-AZ ENIConfigs."""
        return "eniconfig-missing" in self.problems

    @property
    def prefix_delegation(self) -> bool:
        """ENABLE_PREFIX_DELEGATION=true."""
        return "pd-non-nitro" in self.problems

    @property
    def pod_eni(self) -> bool:
        """ENABLE_POD_ENI=true (security groups for pods)."""
        return "trunk-label-missing" in self.problems

    @property
    def external_snat(self) -> bool:
        """AWS_VPC_K8S_CNI_EXTERNALSNAT=true."""
        return "external-snat-igw" in self.problems

    @property
    def node_azs(self) -> tuple[int, ...]:
        """AZ indices healthy groups span: the one without an ENIConfig (c) is left out."""
        return (0, 1) if self.custom_networking else (0, 1, 2)

    @property
    def eniconfig_azs(self) -> tuple[int, ...]:
        """AZ indices that get a per-zone ENIConfig when custom networking is on."""
        return (0, 1) if self.custom_networking else ()

    def bad_groups(self) -> list[GroupSpec]:
        """One small node group per problem that needs nodes of its own, in PROBLEMS order."""
        out: list[GroupSpec] = []
        p = self.problems
        if "subnet-exhausted" in p:
            # Under custom networking pods take IPs from the ENIConfig subnet, so that is the one
            # that must run dry; a node annotation points these nodes at it.
            cn = self.custom_networking
            out.append(
                GroupSpec(
                    "bad-subnet-exhausted",
                    "m5.large",
                    2,
                    (0,),
                    placement="private" if cn else "exhausted",
                    eniconfig="bad-subnet-exhausted" if cn else None,
                    app_pods=14,
                    problem="subnet-exhausted",
                )
            )
        if "max-pods-over-eni" in p:
            out.append(
                GroupSpec(
                    "bad-max-pods-over-eni",
                    "m5.large",
                    2,
                    (0, 1),
                    max_pods=110,
                    problem="max-pods-over-eni",
                )
            )
        if "too-many-pods" in p:
            out.append(
                GroupSpec(
                    "bad-too-many-pods",
                    "t3.medium",
                    2,
                    (0, 1),
                    app_pods="max",
                    pending=3,
                    problem="too-many-pods",
                )
            )
        if "external-snat-igw" in p:
            out.append(
                GroupSpec(
                    "bad-external-snat-igw",
                    "m5.xlarge",
                    2,
                    (0, 1),
                    placement="public",
                    problem="external-snat-igw",
                )
            )
        if "trunk-label-missing" in p:
            out.append(
                GroupSpec(
                    "bad-trunk-label-missing",
                    "m5.large",
                    2,
                    (0, 1),
                    app_pods=0,
                    pending=4,
                    trunk_broken=True,
                    problem="trunk-label-missing",
                )
            )
        if "eniconfig-missing" in p:
            out.append(
                GroupSpec(
                    "bad-eniconfig-missing",
                    "m5.xlarge",
                    2,
                    (2,),
                    app_pods=3,
                    problem="eniconfig-missing",
                )
            )
        if "pd-non-nitro" in p:
            out.append(GroupSpec("bad-pd-non-nitro", "m4.large", 2, (0, 1), problem="pd-non-nitro"))
        return out
