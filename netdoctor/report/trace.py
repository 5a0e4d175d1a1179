"""A trace as text (hops top to bottom, the deciding rule under each) or JSON (docs/trace.md)."""

from __future__ import annotations

import json

from netdoctor.facts.paths import Hop, HopVerdict, Trace
from netdoctor.report.escape import printable

MARKS = {HopVerdict.PASS: "✓", HopVerdict.BLOCK: "✗", HopVerdict.UNKNOWN: "?"}


def hop_title(hop: Hop) -> str:
    """`security-group sg-0abc (egress)`."""
    way = f" ({hop.direction})" if hop.direction else ""
    return printable(f"{hop.kind.value} {hop.id}{way}")


def render_text(trace: Trace) -> str:
    """The trace for a terminal: a header, the hops, the verdict and what to do next."""
    port = f"/{trace.port}" if trace.port is not None else ""
    lines = [
        printable(
            f"trace {trace.source.text} ({trace.source.address or '?'}) → "
            f"{trace.destination.text} ({trace.destination.address or '?'}) "
            f"{trace.protocol}{port}"
        ),
        "",
    ]
    blocked = trace.blocked_at
    for n, hop in enumerate(trace.hops, 1):
        flag = "  ← blocked here" if hop is blocked else ""
        lines.append(f"{n:>2}. {MARKS[hop.verdict]} {hop.verdict.value:<7} {hop_title(hop)}{flag}")
        lines.append(printable(f"      {hop.reason}"))
        if hop.missing:
            lines.append(printable(f"      missing: {', '.join(hop.missing)}"))
    lines += ["", f"verdict: {trace.verdict.value}"]
    if blocked is not None:
        lines.append(printable(f"blocked at: {blocked.kind.value} {blocked.id}"))
        if blocked.playbook is not None:
            lines.append(
                printable(
                    f"fix: netdoctor playbook {blocked.playbook.id} "
                    f"(option #{blocked.playbook.mechanism})"
                )
            )
    elif trace.missing:
        lines.append(printable(f"collect to decide: {', '.join(trace.missing)}"))
    if blocked is None and (leaves := trace.leaves_at) is not None:
        lines.append(
            printable(
                f"the verdict covers this VPC: the path leaves it at {leaves.kind.value} "
                f"{leaves.id}, whose network the bundle does not describe"
            )
        )
    return "\n".join(lines)


def render_json(trace: Trace) -> str:
    return json.dumps(trace.as_json(), indent=2, ensure_ascii=False)
