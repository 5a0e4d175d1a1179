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
    """The outcome of one check, decided by the runner."""

    FAIL = "fail"
    PASS = "pass"
    SKIP = "skip"
    ERROR = "error"


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

    @field_validator("resources")
    @classmethod
    def _kind_slash_name(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [r for r in value if not _RESOURCE.match(r)]
        if bad:
            raise ValueError(f"resources must be kind/name (e.g. subnet/subnet-0abc), got {bad}")
        return value


class CheckResult(BaseModel):
    """The result of one check: its status, why (for skip/error) and its findings."""

    model_config = ConfigDict(extra="forbid")

    check: str
    status: Status
    reason: str = ""
    findings: list[Finding] = Field(default_factory=list)


class SnapshotInfo(BaseModel):
    """Where the data came from: the `snapshot` block of the report."""

    cluster: str | None = None
    region: str | None = None
    captured_at: str | None = None
    source: str | None = None


class Report(BaseModel):
    """The JSON report, exactly as BUNDLE-FORMAT.md section 3 defines it."""

    netdoctor: str
    snapshot: SnapshotInfo
    results: list[CheckResult]

    def worst(self) -> Severity | None:
        """The most severe finding in the report, or None when there is none."""
        severities = [f.severity for r in self.results for f in r.findings]
        return max(severities, key=lambda s: s.rank) if severities else None
