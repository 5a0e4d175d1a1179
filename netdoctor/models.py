"""The report models: findings, check results and the JSON report of BUNDLE-FORMAT.md."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The resource kinds built-in checks use in `kind/name` references (AWS ids as AWS prints them).
RESOURCE_KINDS = (
    "node",
    "pod",
    "service",
    "ingress",
    "daemonset",
    "eniconfig",
    "securitygrouppolicy",
    "cninode",
    "targetgroupbinding",
    "cluster",
    "vpc",
    "subnet",
    "route-table",
    "nat-gateway",
    "internet-gateway",
    "instance",
    "eni",
    "security-group",
    "vpc-endpoint",
    "load-balancer",
    "target-group",
)
_RESOURCE = re.compile(r"^[a-z0-9-]+/\S")


class Severity(StrEnum):
    """How bad a finding is; ordered critical > warning > info."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: critical 3, warning 2, info 1."""
        return {"critical": 3, "warning": 2, "info": 1}[self.value]


class Status(StrEnum):
    """The outcome of one check, decided by the runner.

    `pass` means every mechanism of the check ran on the data it needs and found nothing;
    `partial` means nothing was found but some mechanisms could not run (see `unchecked`)."""

    FAIL = "fail"
    PASS = "pass"
    SKIP = "skip"
    ERROR = "error"
    PARTIAL = "partial"


class SkipKind(StrEnum):
    """Why a check did not run (`reason_code` of a skipped result)."""

    MISSING_DATA = "missing_data"
    """A file it needs is not in the bundle (`missing` names it)."""
    NOT_APPLICABLE = "not_applicable"
    """The cluster's platform is one the check does not apply to (`reason` says why)."""


class CauseHint(BaseModel):
    """What a check knows about the root cause of one of its findings: another check's finding
    that names one of these resources. The runner links the two (`Finding.caused_by`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: str
    """The check whose finding would be the cause."""
    resources: tuple[str, ...]
    """A cause finding must name at least one of these `kind/name` references."""


def unset_marker(name: str) -> str:
    """`$NAT_GATEWAY_ID`: the value of playbook placeholder `name` when the bundle cannot give
    it; the user sets that shell variable (the playbook shows how)."""
    return "$" + name.upper()


class Finding(BaseModel):
    """One problem a check found, with the objects it names and the facts that prove it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: Severity
    title: str
    """One line that names the object and the problem."""
    resources: tuple[str, ...] = ()
    """`kind/name` references (`pod/NAMESPACE/NAME`, `subnet/subnet-0abc`)."""
    evidence: tuple[str, ...] = ()
    """Facts read from the bundle, with numbers."""
    playbook: str | None = None
    """Playbook id; the runner fills in the check's default."""
    params: dict[str, str] = Field(default_factory=dict, exclude=True)
    """Values for the playbook's command placeholders (`subnet_id`, `node`, ...). Not in JSON."""
    index: int | None = None
    """1-based number of the finding in the report, in display order (root causes first, each
    followed by its consequences): `netdoctor playbook ID --bundle B --finding N` takes it."""
    caused_by: int | None = None
    """The `index` of the finding whose root cause explains this one; None for a root cause."""
    cause: CauseHint | None = Field(default=None, exclude=True)
    """Set by a check: where the root cause may be reported. Not in JSON (see `caused_by`)."""
    mechanism: str | None = None
    """Which way the check saw things break (kebab-case, e.g. `nat-misplaced`): the playbook's
    Fix option for it is headed `### Option: ... {#nat-misplaced}`."""

    @field_validator("resources")
    @classmethod
    def _kind_slash_name(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [r for r in value if not _RESOURCE.match(r)]
        if bad:
            raise ValueError(f"resources must be kind/name (e.g. subnet/subnet-0abc), got {bad}")
        return value


class MissingFile(BaseModel):
    """A bundle file a check needed (or a mechanism needed) and did not find."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    """Path in the bundle, e.g. `aws/ec2-describe-route-tables.json`."""
    collect: str
    """The kubectl/aws command that collects it."""
    capture: str | None = None
    """What `netdoctor capture` recorded about it (the denied call and the grant it needs)."""


class Unchecked(BaseModel):
    """A mechanism of a check that could not run, and the files it lacked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mechanism: str
    """What the mechanism looks for, in a few words."""
    missing: list[str]
    """The bundle files it needs that are absent."""


class CheckResult(BaseModel):
    """The result of one check: its status, why (for skip/error) and its findings."""

    model_config = ConfigDict(extra="forbid")

    check: str
    status: Status
    reason: str = ""
    findings: list[Finding] = Field(default_factory=list)
    reason_code: SkipKind | None = None
    """For a skip: missing data, or a platform the check does not apply to."""
    missing: list[MissingFile] = Field(default_factory=list)
    """For a skip (or a partial result): the absent files, each with its collect command."""
    unchecked: list[Unchecked] = Field(default_factory=list)
    """Mechanisms that could not run; a result with any is `partial` (or `fail`), never `pass`."""

    @property
    def incomplete(self) -> bool:
        """True when data was missing: a skip for missing data, or mechanisms left unchecked."""
        return self.reason_code is SkipKind.MISSING_DATA or bool(self.unchecked)


class PlatformInfo(BaseModel):
    """The cluster's networking platform as the bundle shows it (`snapshot.platform`)."""

    cni: str = "unknown"
    """`vpc-cni`, `eks-auto-mode`, `cilium`, `calico`, another CNI's name, or `unknown`."""
    cni_version: str | None = None
    ipam: str = "unknown"
    """Where pod IPs come from: `vpc-eni` (VPC addresses from ENIs), `overlay`, or `unknown`."""
    modes: list[str] = Field(default_factory=list)
    """VPC CNI modes in effect (`prefix-delegation`, `custom-networking`, `pod-eni`,
    `external-snat`, `multi-nic`, `max-eni=N`), or the other CNI's (`policy-only`…)."""
    ip_family: str = "unknown"
    """`ipv4`, `ipv6` or `unknown`."""
    compute: dict[str, int] = Field(default_factory=dict)
    """Nodes by kind: `ec2`, `auto-mode`, `fargate`, `windows`, `hybrid`, `karpenter`."""
    evidence: list[str] = Field(default_factory=list)
    """How each of the above was decided, and what could not be (`unknown: no daemonsets`)."""

    def summary(self) -> str:
        """One line for report headers: `VPC CNI v1.20.1 (prefix-delegation) · IPv4 · 3 ec2`."""
        cni = self.cni + (f" {self.cni_version}" if self.cni_version else "")
        if self.modes:
            cni += f" ({', '.join(self.modes)})"
        nodes = ", ".join(f"{n} {kind}" for kind, n in self.compute.items()) or "no nodes seen"
        family = {"ipv4": "IPv4", "ipv6": "IPv6"}.get(self.ip_family, "IP family unknown")
        return f"{cni} · {family} · {nodes}"


class SnapshotInfo(BaseModel):
    """Where the data came from: the `snapshot` block of the report."""

    cluster: str | None = None
    region: str | None = None
    captured_at: str | None = None
    source: str | None = None
    platform: PlatformInfo | None = None
    """The networking platform (set by the runner)."""


class EksSignal(BaseModel):
    """Something EKS itself reports (a health issue or an insight that is not passing), and the
    findings it stands beside."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    """`cluster/NAME`, `nodegroup/NAME` or `insight/ID`."""
    code: str
    """The health issue code (`InsufficientFreeAddresses`…) or the insight status."""
    message: str
    resources: tuple[str, ...] = ()
    check: str | None = None
    """The check it bears on; None when it is context only."""
    findings: tuple[int, ...] = ()
    """The `index` of each finding it corroborates (or became)."""


class Report(BaseModel):
    """The JSON report, exactly as BUNDLE-FORMAT.md section 3 defines it, plus its additions
    (docs/report.schema.json)."""

    netdoctor: str
    snapshot: SnapshotInfo
    results: list[CheckResult]
    notes: list[str] = Field(default_factory=list)
    """Contradictions in the bundle the checks refused to resolve by guessing."""
    eks_signals: list[EksSignal] = Field(default_factory=list)
    """What EKS itself reports: cluster and node group health issues, insights not passing."""

    def worst(self) -> Severity | None:
        """The most severe finding in the report, or None when there is none."""
        severities = [f.severity for r in self.results for f in r.findings]
        return max(severities, key=lambda s: s.rank) if severities else None

    def findings(self) -> list[tuple[CheckResult, Finding]]:
        """Every finding with its check, in display order (by `index`): root causes worst
        first, each followed by its consequences."""
        pairs = [(r, f) for r in self.results for f in r.findings]
        return sorted(pairs, key=lambda pair: pair[1].index or 0)

    def finding(self, index: int) -> tuple[CheckResult, Finding] | None:
        """The finding numbered `index`, or None."""
        return next(((r, f) for r, f in self.findings() if f.index == index), None)

    @property
    def incomplete(self) -> list[CheckResult]:
        """Results that lacked data: skipped for missing files, or partial."""
        return [r for r in self.results if r.incomplete]
