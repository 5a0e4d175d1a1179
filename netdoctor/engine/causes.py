"""Root cause first: link each finding to the finding that explains it, raise a cause to the
severity of the worst outage it explains, and number every finding in display order.

A check says where the root cause of one of its findings may be reported (`Finding.cause`:
another check and the resources its finding would name). A finding of that check naming one of
those resources is the cause; with none, the finding stands as a root cause of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from netdoctor.models import CheckResult, Finding, Severity

Key = tuple[int, int]
"""(result position, finding position) of one finding."""


def _find_cause(results: Sequence[CheckResult], finding: Finding, own: Key) -> Key | None:
    hint = finding.cause
    if hint is None:
        return None
    wanted = set(hint.resources)
    for r, result in enumerate(results):
        if result.check != hint.check:
            continue
        for n, candidate in enumerate(result.findings):
            if (r, n) != own and wanted.intersection(candidate.resources):
                return (r, n)
    return None


def _root(causes: dict[Key, Key], key: Key) -> Key:
    seen = {key}
    while key in causes and causes[key] not in seen:
        key = causes[key]
        seen.add(key)
    return key


def link_causes(results: list[CheckResult]) -> list[CheckResult]:
    """The results with `index` and `caused_by` set on every finding and causes raised to the
    severity of their worst consequence. Result and finding order are kept."""
    causes: dict[Key, Key] = {}
    for r, result in enumerate(results):
        for n, finding in enumerate(result.findings):
            cause = _find_cause(results, finding, (r, n))
            if cause is not None:
                causes[(r, n)] = cause
    # chains collapse to their root; a cycle (two findings naming each other) is broken by
    # keeping the first link only
    roots = {key: _root(causes, key) for key in causes}
    roots = {key: root for key, root in roots.items() if root != key}

    def finding_at(key: Key) -> Finding:
        return results[key[0]].findings[key[1]]

    severity: dict[Key, Severity] = {}
    for key, root in roots.items():
        worst = max(finding_at(key).severity, finding_at(root).severity, key=lambda s: s.rank)
        if worst.rank > severity.get(root, finding_at(root).severity).rank:
            severity[root] = worst

    keys = [(r, n) for r, result in enumerate(results) for n in range(len(result.findings))]
    root_keys = [k for k in keys if k not in roots]
    root_keys.sort(key=lambda k: -severity.get(k, finding_at(k).severity).rank)
    order: list[Key] = []
    for key in root_keys:
        order.append(key)
        order.extend(k for k in keys if roots.get(k) == key)
    index = {key: i + 1 for i, key in enumerate(order)}

    linked = []
    for r, result in enumerate(results):
        findings = []
        for n, finding in enumerate(result.findings):
            update: dict[str, object] = {"index": index[(r, n)]}
            if (r, n) in roots:
                update["caused_by"] = index[roots[(r, n)]]
            if (r, n) in severity:
                update["severity"] = severity[(r, n)]
            findings.append(finding.model_copy(update=update))
        linked.append(result.model_copy(update={"findings": findings}))
    return linked
