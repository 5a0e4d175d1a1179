"""Facts about a report that every renderer (text, Markdown, the TUI) shows the same way."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from netdoctor.models import CheckResult, EksSignal, Report, SkipKind, Status
from netdoctor.report.escape import printable

GLYPHS = {
    Status.FAIL: "✗",
    Status.PASS: "✓",
    Status.SKIP: "–",
    Status.ERROR: "!",
    Status.PARTIAL: "◐",
}


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def headline(report: Report, see: str | None = "below") -> str:
    """One line that never reads like a clean bill of health when it is not one (`see`:
    where the renderer lists what could not run, `below` or `above`; None when it does not).

    Root causes and their consequences are counted apart ("2 problems, 3 consequences"); checks
    that could not run (or ran only in part) for lack of data are said plainly, as are checks
    that do not apply to the cluster and checks that crashed.
    """
    results = report.results
    total = len(results)
    by_status = {status: [r for r in results if r.status is status] for status in Status}
    missing = [r for r in by_status[Status.SKIP] if r.reason_code is not SkipKind.NOT_APPLICABLE]
    not_applicable = len(by_status[Status.SKIP]) - len(missing)
    partial = len(by_status[Status.PARTIAL])
    findings = [f for r in results for f in r.findings]
    roots = sum(1 for f in findings if f.caused_by is None)
    consequences = len(findings) - roots

    if findings:
        found = _plural(roots, "problem")
        if consequences:
            found += f", {_plural(consequences, 'consequence')}"
        worst = report.worst()
        failing = len(by_status[Status.FAIL])
        parts = [f"{found} in {failing} of {_plural(total, 'check')}"]
        if worst is not None:
            parts[0] += f" (worst: {worst.value})"
    elif by_status[Status.PASS]:
        parts = [f"No problems found in {_plural(len(by_status[Status.PASS]), 'check')}"]
    elif total:
        parts = ["No check ran in full"]
    else:
        parts = ["No checks were run"]

    pointer = f" (see {see})" if see else ""
    lacking = len(missing) + partial
    if lacking:
        if not partial:
            what = "could not run"
        elif not missing:
            what = "ran only in part"
        else:
            what = "could not run in full"
        parts.append(f"{lacking} of {_plural(total, 'check')} {what} for missing data{pointer}")
    if not_applicable:
        parts.append(f"{not_applicable} not applicable to this cluster")
    errors = len(by_status[Status.ERROR])
    if errors:
        parts.append(f"{_plural(errors, 'check')} crashed{pointer}")
    return "; ".join(parts) + "."


def source_line(report: Report) -> str:
    """`cluster atlas-demo · eu-central-1 · captured 2025-… · source kubectl`."""
    info = report.snapshot
    bits = [
        f"cluster {info.cluster}" if info.cluster else "cluster (unknown)",
        info.region or "",
        f"captured {info.captured_at}" if info.captured_at else "",
        f"source {info.source}" if info.source else "",
    ]
    return " · ".join(b for b in bits if b)


def platform_line(report: Report) -> str | None:
    """`VPC CNI v1.20.1 (prefix-delegation) · IPv4 · 3 ec2`, or None when not detected."""
    platform = report.snapshot.platform
    return platform.summary() if platform is not None else None


def sorted_results(report: Report) -> list[CheckResult]:
    """Failing checks first (worst finding first), then errors, partial results, skips and
    passes."""
    order = {Status.FAIL: 0, Status.ERROR: 1, Status.PARTIAL: 2, Status.SKIP: 3, Status.PASS: 4}

    def key(result: CheckResult) -> tuple[int, int]:
        worst = max((f.severity.rank for f in result.findings), default=0)
        return order[result.status], -worst

    return sorted(report.results, key=key)


def status_note(result: CheckResult) -> str:
    """A few words on a result's status: `missing data`, `not applicable`, `crashed`, `2
    unchecked`; empty for pass and fail."""
    if result.status is Status.SKIP:
        if result.reason_code is SkipKind.NOT_APPLICABLE:
            return "not applicable"
        return "missing data"
    if result.status is Status.ERROR:
        return "crashed"
    if result.unchecked:
        return f"{len(result.unchecked)} unchecked"
    return ""


def not_run(report: Report) -> list[CheckResult]:
    """Results the "could not run" section lists: skips (other than checks that do not apply
    to the cluster), partial results, errors, and failing checks that left mechanisms
    unchecked, in `sorted_results` order."""
    return [
        r
        for r in sorted_results(report)
        if (r.status in (Status.SKIP, Status.ERROR, Status.PARTIAL) or r.unchecked)
        and r.reason_code is not SkipKind.NOT_APPLICABLE
    ]


def not_applicable(report: Report) -> list[CheckResult]:
    """Checks for another platform (`reason_code: not_applicable`): nothing to collect, only a
    reason to say."""
    return [r for r in sorted_results(report) if r.reason_code is SkipKind.NOT_APPLICABLE]


def signal_line(signal: EksSignal) -> str:
    """`nodegroup/ng-a InsufficientFreeAddresses: message (subnet/…) → #3, #5` (unescaped)."""
    named = f" ({', '.join(signal.resources)})" if signal.resources else ""
    line = f"{signal.source} {signal.code}: {signal.message}{named}"
    if signal.findings:
        line += " → " + ", ".join(f"#{i}" for i in signal.findings)
    elif signal.check:
        line += f" → {signal.check} did not run"
    return line


def playbook_command(
    playbook: str, index: int | None, bundle: str | None, selection: Sequence[str] = ()
) -> str:
    """`netdoctor playbook ID --bundle BUNDLE --finding N` (every word shell-quoted), or the
    bare `netdoctor playbook ID` when there is no bundle to point at (a live check).
    `selection`: the `--check`/`--skip-check`/`--checks-dir` arguments the report was run
    with, so N numbers the same findings."""
    if bundle is None or index is None:
        return f"netdoctor playbook {shlex.quote(printable(playbook))}"
    words = [
        "netdoctor",
        "playbook",
        playbook,
        "--bundle",
        bundle,
        *selection,
        "--finding",
        str(index),
    ]
    return " ".join(shlex.quote(printable(word)) for word in words)
