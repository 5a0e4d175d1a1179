"""Facts about a report that every renderer shows the same way."""

from __future__ import annotations

from netdoctor.models import CheckResult, Report, Status

GLYPHS = {
    Status.FAIL: "✗",
    Status.PASS: "✓",
    Status.SKIP: "–",
    Status.ERROR: "!",
    Status.PARTIAL: "◐",
}


def headline(report: Report) -> str:
    """One line: how many checks, how many failed, the worst severity."""
    counts = {status: 0 for status in Status}
    for result in report.results:
        counts[result.status] += 1
    findings = sum(len(r.findings) for r in report.results)
    if counts[Status.FAIL] == 0 and counts[Status.ERROR] == 0:
        skipped = f", {counts[Status.SKIP]} skipped" if counts[Status.SKIP] else ""
        if counts[Status.PARTIAL]:
            skipped += f", {counts[Status.PARTIAL]} ran in part for missing data"
        ran = len(report.results) - counts[Status.SKIP]
        return f"No problems found in {ran} checks{skipped}."
    worst = report.worst()
    parts = [
        f"{findings} finding{'s' if findings != 1 else ''} in {counts[Status.FAIL]} of "
        f"{len(report.results)} checks"
    ]
    if worst is not None:
        parts.append(f"worst: {worst.value}")
    if counts[Status.ERROR]:
        parts.append(f"{counts[Status.ERROR]} check(s) crashed")
    if counts[Status.SKIP]:
        parts.append(f"{counts[Status.SKIP]} skipped")
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


def sorted_results(report: Report) -> list[CheckResult]:
    """Failing checks first (worst finding first), then errors, skips and passes."""
    order = {Status.FAIL: 0, Status.ERROR: 1, Status.PARTIAL: 2, Status.SKIP: 3, Status.PASS: 4}

    def key(result: CheckResult) -> tuple[int, int]:
        worst = max((f.severity.rank for f in result.findings), default=0)
        return order[result.status], -worst

    return sorted(report.results, key=key)
