"""Run checks over a snapshot and decide each one's status."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence

from netdoctor import __version__
from netdoctor.engine.api import Check
from netdoctor.errors import BundleError
from netdoctor.models import CheckResult, Report, Severity, Status
from netdoctor.snapshot.snapshot import Snapshot


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_check(check: Check, snap: Snapshot) -> CheckResult:
    """Run one check: skip when a needed file is missing, error when it raises.

    Raises:
        BundleError: a file the check reads is malformed (bad input, not a check bug).
    """
    missing = [rel for rel in check.needs if not snap.has(rel)]
    if missing:
        return CheckResult(
            check=check.id, status=Status.SKIP, reason=f"missing {', '.join(missing)}"
        )
    try:
        findings = list(check.run(snap))
    except BundleError:
        raise
    except Exception as exc:  # a crashing check must not stop the others
        return CheckResult(check=check.id, status=Status.ERROR, reason=_one_line(exc))
    findings = [
        f if f.playbook else f.model_copy(update={"playbook": check.playbook}) for f in findings
    ]
    findings.sort(key=lambda f: -f.severity.rank)
    status = Status.FAIL if findings else Status.PASS
    return CheckResult(check=check.id, status=status, findings=findings)


def iter_results(
    checks: Sequence[Check], snap: Snapshot, *, progressive: bool = False
) -> Iterator[CheckResult]:
    """Results one check at a time, for callers that show progress (the TUI).

    By default every file any check reads is decoded first, so bad input fails before a check
    runs. `progressive` decodes each check's files just before it runs instead, so the first
    results come sooner (a bad file then fails at the first check that reads it).
    """
    needed = {rel for check in checks for rel in (*check.needs, *check.wants)}
    if not progressive:
        snap.load(sorted(needed))  # bad input fails here, before any check runs
    for check in checks:
        if progressive:
            snap.load([*check.needs, *check.wants])
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
            check.id: sum(snap.bundle.size(rel) for rel in {*check.needs, *check.wants} - seen)
            for check in remaining
        }
        best = min(remaining, key=lambda check: cost[check.id])
        ordered.append(best)
        seen.update((*best.needs, *best.wants))
        remaining.remove(best)
    return ordered


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
    return Report(netdoctor=__version__, snapshot=snap.info, results=results)


FAIL_ON = ("critical", "warning", "info", "never")


def exit_status(report: Report, fail_on: str) -> int:
    """0 when nothing is at or above `fail_on`, else 1 (BUNDLE-FORMAT.md section 3)."""
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    worst = report.worst()
    return 1 if worst is not None and worst.rank >= threshold else 0
