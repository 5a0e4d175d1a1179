"""A plug-in check with thousands of findings (long names, unicode), for the table tests."""

from __future__ import annotations

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, files

COUNT = 3000
SEVERITIES = (Severity.INFO, Severity.WARNING, Severity.CRITICAL)


class TuiMany(Check):
    id = "tui-many"
    title = "Thousands of findings"
    needs = (files.K8S_NODES,)

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        for i in range(COUNT):
            yield self.finding(
                SEVERITIES[i % 3],
                f"Finding {i:04d}: pod ünïcødé-名前-{i} on a node with a very long name "
                "that goes on and on past any column width",
                resources=[f"pod/namespace-with-a-long-name-{i}/pod-{'x' * 60}-{i}"],
                evidence=[f"sample {i}"],
            )
