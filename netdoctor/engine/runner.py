"""Run checks over a snapshot and decide each one's status."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence

from netdoctor import __version__
from netdoctor.engine.api import Check
from netdoctor.engine.causes import link_causes
from netdoctor.engine.signals import place_signals, signal_entries
from netdoctor.errors import BundleError
from netdoctor.models import (
    CheckResult,
    Finding,
    MissingFile,
    Report,
    Severity,
    SkipKind,
    Status,
    Unchecked,
)
from netdoctor.snapshot import files
from netdoctor.snapshot.snapshot import Snapshot

PLATFORM_FILES = (files.AWS_CLUSTER, files.K8S_DAEMONSETS, files.K8S_CONFIGMAPS, files.K8S_NODES)
"""What platform detection reads: decoded before any check whose `applies_to` asks."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def missing_files(snap: Snapshot, rels: Sequence[str]) -> list[MissingFile]:
    """The absent files among `rels`, each with its collect command and what capture
    recorded about it (meta.json `missing`: the denied call and the grant it needs)."""
    notes = snap.capture_notes
    return [
        MissingFile(
            file=rel,
            collect=files.COLLECT_COMMANDS.get(rel, f"(collect {rel})"),
            capture=notes.get(rel),
        )
        for rel in dict.fromkeys(rels)
        if not snap.has(rel)
    ]


def _skip_missing(check: Check, snap: Snapshot, rels: Sequence[str], why: str = "") -> CheckResult:
    missing = missing_files(snap, rels)
    reason = f"missing {', '.join(m.file for m in missing)}" + (f" ({why})" if why else "")
    return CheckResult(
        check=check.id,
        status=Status.SKIP,
        reason=reason,
        reason_code=SkipKind.MISSING_DATA,
        missing=missing,
    )


def _applicability(check: Check, snap: Snapshot) -> CheckResult | None:
    """A skip when the platform does not meet one of the check's requirements, else None."""
    if not check.applies_to:
        return None
    platform = snap.views.platform
    for requirement in check.applies_to:
        verdict = requirement.judge(platform)
        if verdict.applies is False:
            return CheckResult(
                check=check.id,
                status=Status.SKIP,
                reason=f"not applicable: {verdict.reason}",
                reason_code=SkipKind.NOT_APPLICABLE,
            )
        if verdict.applies is None:
            return _skip_missing(check, snap, verdict.missing, verdict.reason)
    return None


def _lacking(snap: Snapshot, rels: Sequence[str]) -> list[str]:
    """The files among `rels` a mechanism lacks: absent, and not known to be empty (a kind the
    API server does not serve, as capture recorded it, has no objects to judge)."""
    return [rel for rel in rels if not snap.has(rel) and not snap.not_installed(rel)]


def run_check(check: Check, snap: Snapshot) -> CheckResult:
    """Run one check: skip when a needed file is missing or the platform does not apply, error
    when it raises, partial when a mechanism lacked its data and nothing was found.

    Raises:
        BundleError: a file the check reads is malformed (bad input, not a check bug).
    """
    absent = [rel for rel in check.needs if not snap.has(rel)]
    if absent:
        return _skip_missing(check, snap, absent)
    try:
        skipped = _applicability(check, snap)
        if skipped is not None:
            return skipped
        produced = list(check.run(snap))
    except BundleError:
        raise
    except Exception as exc:  # a crashing check must not stop the others
        return CheckResult(check=check.id, status=Status.ERROR, reason=_one_line(exc))
    findings: list[Finding] = []
    unchecked: dict[str, Unchecked] = {}
    for mechanism in check.mechanisms:
        lacking = _lacking(snap, mechanism.needs)
        if lacking:
            unchecked[mechanism.name] = Unchecked(mechanism=mechanism.name, missing=lacking)
    for item in produced:
        if isinstance(item, Unchecked):
            lacking = _lacking(snap, item.missing)
            if lacking:
                unchecked.setdefault(item.mechanism, item.model_copy(update={"missing": lacking}))
        else:
            findings.append(
                item if item.playbook else item.model_copy(update={"playbook": check.playbook})
            )
    findings = place_signals(check, snap, findings)
    findings.sort(key=lambda f: -f.severity.rank)
    status = Status.FAIL if findings else Status.PARTIAL if unchecked else Status.PASS
    absent_files = [rel for u in unchecked.values() for rel in u.missing]
    return CheckResult(
        check=check.id,
        status=status,
        findings=findings,
        unchecked=list(unchecked.values()),
        missing=missing_files(snap, absent_files),
    )


def _files_of(check: Check) -> list[str]:
    rels = [*check.needs, *check.wants, *(rel for m in check.mechanisms for rel in m.needs)]
    if check.applies_to:
        rels += PLATFORM_FILES
    return rels


def iter_results(
    checks: Sequence[Check], snap: Snapshot, *, progressive: bool = False
) -> Iterator[CheckResult]:
    """Results one check at a time, for callers that show progress (the TUI).

    By default every file any check reads is decoded first, so bad input fails before a check
    runs. `progressive` decodes each check's files just before it runs instead, so the first
    results come sooner (a bad file then fails at the first check that reads it).
    """
    needed = {rel for check in checks for rel in _files_of(check)}
    if not progressive:
        snap.load(sorted(needed))  # bad input fails here, before any check runs
    for check in checks:
        if progressive:
            snap.load(_files_of(check))
        # The views checks build are big and acyclic: a cyclic-GC pass over them is pure cost,
        # and a long one holds the GIL (a TUI would stall). Collect between checks instead.
        paused = gc.isenabled()
        gc.disable()
        try:
            result = run_check(check, snap)
        finally:
            if paused:
                gc.enable()
        yield result


def cheapest_first(checks: Sequence[Check], snap: Snapshot) -> list[Check]:
    """The checks ordered by the bytes of bundle files they read that are not read yet by an
    earlier one: with `iter_results(progressive=True)`, first findings show soonest."""
    remaining = list(checks)
    seen: set[str] = set()
    ordered: list[Check] = []
    while remaining:
        cost = {
            check.id: sum(snap.bundle.size(rel) for rel in set(_files_of(check)) - seen)
            for check in remaining
        }
        best = min(remaining, key=lambda check: cost[check.id])
        ordered.append(best)
        seen.update(_files_of(best))
        remaining.remove(best)
    return ordered


def build_report(results: Sequence[CheckResult], snap: Snapshot) -> Report:
    """The report of these results: root causes linked to their consequences and every
    finding numbered, the platform and the bundle's data notes attached."""
    info = snap.info
    try:
        info = info.model_copy(update={"platform": snap.views.platform.info()})
        notes = list(snap.views.data_notes)
    except BundleError:
        notes = []  # a file platform detection reads is malformed: the checks report it
    linked = link_causes(list(results))
    return Report(
        netdoctor=__version__,
        snapshot=info,
        results=linked,
        notes=notes,
        eks_signals=signal_entries(linked, snap),  # a malformed EKS file raises BundleError
    )


def run_checks(
    checks: Sequence[Check],
    snap: Snapshot,
    on_result: Callable[[CheckResult], None] | None = None,
) -> Report:
    """Run every check and build the report."""
    results = []
    for result in iter_results(checks, snap):
        results.append(result)
        if on_result is not None:
            on_result(result)
    return build_report(results, snap)


FAIL_ON = ("critical", "warning", "info", "never")


def exit_status(report: Report, fail_on: str, fail_on_skip: bool = False) -> int:
    """0 when nothing is at or above `fail_on`, else 1 (BUNDLE-FORMAT.md section 3). With
    `fail_on_skip`, also 1 when a check skipped or ran partially for lack of data."""
    if fail_on_skip and report.incomplete:
        return 1
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    worst = report.worst()
    return 1 if worst is not None and worst.rank >= threshold else 0
