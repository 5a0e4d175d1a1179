"""EKS's own signals beside the findings: a health issue or insight that bears on a check is
quoted in the evidence of the check's findings it corroborates, or becomes a finding of that
check when none of them explains it.

A finding is corroborated when it names one of the AWS resources the signal names (a subnet, a
security group, an instance), or already quotes the signal's message. A check that did not run
(skipped, errored) gets nothing: the signal is still listed in the report (`eks_signals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from netdoctor.facts.eks_signals import Signal
from netdoctor.models import RESOURCE_KINDS, CheckResult, EksSignal, Finding, unset_marker

if TYPE_CHECKING:
    from netdoctor.engine.api import Check
    from netdoctor.snapshot.snapshot import Snapshot

MECHANISMS = {
    "cluster": "eks-cluster-health",
    "nodegroup": "eks-nodegroup-health",
    "insight": "eks-insight",
}
"""The mechanism of a finding made from an EKS signal, by the signal's source kind (each
playbook's `{#eks-cluster-health}`…)."""


def _matches(signal: Signal, finding: Finding) -> bool:
    """The finding names one of the AWS resources the signal names, or quotes it already."""
    if set(signal.resources).intersection(finding.resources):
        return True
    return any(signal.message in line for line in finding.evidence)


def _params(signal: Signal, check: Check) -> dict[str, str]:
    # The values the check's other findings fill are not known here: each is left for the
    # user to set ($VPC_ID), as checks do for what a bundle cannot give.
    # `cluster` and `region` come from the snapshot, as for every finding.
    params = {name: unset_marker(name) for name in check.provides}
    kind, _, name = signal.source.partition("/")
    if kind == "nodegroup" and "nodegroup" in params:
        params["nodegroup"] = name
    return params


def _finding(signal: Signal, check: Check) -> Finding:
    return Finding(
        severity=signal.severity,
        title=f"EKS reports {signal.code} on {signal.source}",
        resources=(
            *([f"cluster/{signal.cluster}"] if signal.cluster else []),
            *(r for r in signal.resources if r.split("/", 1)[0] in RESOURCE_KINDS),
        ),
        evidence=(
            signal.line(),
            f"No other finding of {check.id} names the resources EKS names or quotes it.",
        ),
        mechanism=MECHANISMS[signal.source.split("/", 1)[0]],
        playbook=check.playbook,
        params=_params(signal, check),
    )


def place_signals(check: Check, snap: Snapshot, findings: list[Finding]) -> list[Finding]:
    """`findings` of `check` with the signals bearing on it placed: quoted in the evidence of
    each finding they corroborate, else added as findings of their own."""
    out = list(findings)
    for signal in snap.views.eks_signals:
        if signal.check != check.id:
            continue
        matched = [n for n, f in enumerate(out) if _matches(signal, f)]
        for n in matched:
            if any(signal.message in line for line in out[n].evidence):
                continue  # the check quoted EKS itself
            out[n] = out[n].model_copy(update={"evidence": (*out[n].evidence, signal.line())})
        if not matched:
            out.append(_finding(signal, check))
    return out


def signal_entries(results: Sequence[CheckResult], snap: Snapshot) -> list[EksSignal]:
    """The report's `eks_signals`, with the index of each finding a signal stands beside."""
    entries = []
    for signal in snap.views.eks_signals:
        indices = [
            f.index
            for r in results
            if r.check == signal.check
            for f in r.findings
            if f.index is not None and _matches(signal, f)
        ]
        entries.append(
            EksSignal(
                source=signal.source,
                code=signal.code,
                message=signal.message,
                resources=signal.resources,
                check=signal.check,
                findings=tuple(sorted(indices)),
            )
        )
    return entries
