"""What each tool does: the arguments (validated, as a Namespace) in, a JSON object out.

Each handler is read-only: it opens a bundle, an incident or a live capture and runs the same
code as the CLI command it mirrors. Errors are the CLI's `NetdoctorError`s; the server turns
them into the one line `netdoctor` prints.
"""

from __future__ import annotations

import argparse
from typing import Any

from netdoctor.errors import UsageError
from netdoctor.frontends.agents.sources import is_incident_path, opened
from netdoctor.frontends.commands.common import selected_checks, size_limits

Result = dict[str, Any]


def _files_read(args: argparse.Namespace) -> frozenset[str]:
    return frozenset(rel for c in selected_checks(args) for rel in (*c.needs, *c.wants))


def check(args: argparse.Namespace) -> Result:
    """The JSON report of `netdoctor check --format json` (for an incident without `frame`,
    the incident report: every frame and the timeline)."""
    from netdoctor.engine.runner import run_checks

    checks = selected_checks(args)
    if is_incident_path(args) and not args.frame:
        return _incident_report(args).model_dump(mode="json")
    with opened(args, _files_read(args)) as found:
        report = run_checks(checks, found.snapshot)
    return report.model_dump(mode="json")


def _incident_report(args: argparse.Namespace) -> Any:
    from netdoctor.sources.incident.analysis import analyse
    from netdoctor.sources.incident.reader import open_incident

    with open_incident(args.bundle, size_limits(args)) as incident:
        return analyse(incident, selected_checks(args)).report()


def explain(args: argparse.Namespace) -> Result:
    """Finding `finding` (the number reports print) with its playbook filled from it, only
    the fix option for the way it broke things (`all_options` for every option)."""
    from netdoctor.engine.runner import run_checks
    from netdoctor.playbooks import finding_params, get_playbook
    from netdoctor.report.escape import markdown_text

    number: int = args.finding
    with opened(args, _files_read(args)) as found:
        report = run_checks(selected_checks(args), found.snapshot)
    chosen = report.finding(number)
    if chosen is None:
        count = len(report.findings())
        numbers = f"1–{count}" if count > 1 else "1" if count else "none"
        raise UsageError(
            f"finding {number}: {found.source} has {count} finding(s) (numbers: {numbers})"
        )
    result, finding = chosen
    playbook: Result | None = None
    if finding.playbook:
        book = get_playbook(finding.playbook)
        intro = (
            f"Filled from finding {finding.index} of {markdown_text(found.source)}: "
            f"{finding.severity.value.upper()} {markdown_text(finding.title)}"
        )
        playbook = {
            "id": book.meta.id,
            "title": book.meta.title,
            "markdown": book.render(
                finding_params(finding, report.snapshot),
                mechanism=finding.mechanism,
                all_options=args.all_options,
                intro=intro,
            ),
        }
    return {
        "source": found.source,
        "snapshot": report.snapshot.model_dump(mode="json"),
        "check": result.check,
        "finding": finding.model_dump(mode="json"),
        "playbook": playbook,
        "notes": found.notes,
    }


def whereis(args: argparse.Namespace) -> Result:
    """Who holds each address (`netdoctor whereis -o json`)."""
    from netdoctor.errors import UsageError
    from netdoctor.explore.whereis import BadAddress, locate

    with opened(args) as found:
        try:
            located = [locate(found.snapshot, ip).as_json() for ip in args.ips]
        except BadAddress as exc:
            raise UsageError(str(exc)) from None
    return {"source": found.source, "addresses": located}


def trace(args: argparse.Namespace) -> Result:
    """The path hop by hop (`netdoctor trace -o json`)."""
    from netdoctor.facts.paths import trace as trace_path

    source, destination = vars(args)["from"], args.to
    with opened(args) as found:
        result = trace_path(
            found.snapshot, source, destination, port=args.port, protocol=args.protocol
        )
    return {"source": found.source, "trace": result.as_json()}


def what_if(args: argparse.Namespace) -> Result:
    """Would N more pods or nodes fit (`netdoctor what-if -o json`)."""
    from netdoctor.errors import UsageError
    from netdoctor.explore.whatif import WhatIfError, more_nodes, more_pods

    pods, nodes = getattr(args, "pods", None), getattr(args, "nodes", None)
    instance_type = getattr(args, "instance_type", None)
    namespace, subnet = getattr(args, "pod_namespace", None), getattr(args, "subnet", None)
    group = getattr(args, "node_group", None)
    if (pods is None) == (nodes is None):
        raise UsageError("what_if needs exactly one of `pods` or `nodes`")
    if nodes is not None and not instance_type:
        raise UsageError("`nodes` needs `instance_type`")
    if nodes is not None and (namespace or subnet):
        raise UsageError("`nodes` takes only `node_group` (not `pod_namespace` or `subnet`)")
    if pods is not None and instance_type:
        raise UsageError("`instance_type` goes with `nodes`")
    if sum(1 for v in (namespace, group, subnet) if v) > 1:
        raise UsageError("give at most one of `pod_namespace`, `node_group`, `subnet`")
    with opened(args) as found:
        try:
            if nodes is not None:
                answer = more_nodes(found.snapshot, int(nodes), str(instance_type), group)
            else:
                answer = more_pods(found.snapshot, int(pods or 0), namespace, group, subnet)
        except WhatIfError as exc:
            raise UsageError(str(exc)) from None
    return {"source": found.source, **answer.as_dict()}


def capacity(args: argparse.Namespace) -> Result:
    """The capacity view's numbers: pods against each node's ceilings, each subnet's used and
    free addresses (and free /28 blocks with prefix delegation)."""
    from netdoctor.explore import node_capacity, subnet_capacity

    with opened(args) as found:
        nodes = node_capacity(found.snapshot)
        subnets = subnet_capacity(found.snapshot)
    return {
        "source": found.source,
        "nodes": [
            {
                "node": n.name,
                "instance_type": n.instance_type,
                "zone": n.zone,
                "pods": n.pods,
                "kubelet_max_pods": n.kubelet_max,
                "eni_capacity": n.eni_capacity,
                "ceiling": n.ceiling,
                "headroom": None if n.ceiling is None else n.ceiling - n.pods,
                "problems": n.problems,
            }
            for n in nodes
        ],
        "subnets": [
            {
                "subnet_id": s.subnet_id,
                "cidr": s.cidr,
                "zone": s.zone,
                "usable": s.usable,
                "used": s.used,
                "free": s.free,
                "reserved": s.reserved,
                "fill": None if s.fill is None else round(s.fill, 4),
                "nodes": s.nodes,
                "prefix_blocks": s.prefix_blocks,
                "free_prefix_blocks": s.free_prefix_blocks,
                "overloaded": s.overloaded,
                "tight": s.tight,
            }
            for s in subnets
        ],
        "notes": found.notes,
    }


def timeline(args: argparse.Namespace) -> Result:
    """When each finding of a recorded incident appeared, cleared, and the frames it held in
    (the timeline block of `netdoctor check INCIDENT --format json`, without the frames)."""
    from netdoctor.sources.incident.reader import is_incident
    from netdoctor.sources.incident.render import summary_line

    if not is_incident(args.bundle):
        raise UsageError(f"{args.bundle}: not a recorded incident (see `netdoctor record`)")
    report = _incident_report(args)
    return {
        "incident": report.incident.model_dump(mode="json"),
        "summary": summary_line(report),
        "timeline": [entry.model_dump(mode="json") for entry in report.timeline],
    }


def playbook(args: argparse.Namespace) -> Result:
    """A playbook's Markdown with placeholders filled from `set` (values checked and quoted
    as `netdoctor playbook --set` does); without `id`, the list of playbooks."""
    from netdoctor.playbooks import get_playbook, load_playbooks

    if not args.id:
        return {
            "playbooks": [
                {"id": key, "title": book.meta.title, "checks": book.meta.checks}
                for key, book in sorted(load_playbooks().items())
            ]
        }
    book = get_playbook(args.id)
    return {
        "id": book.meta.id,
        "title": book.meta.title,
        "checks": book.meta.checks,
        "markdown": book.render(dict(args.set), all_options=True),
    }
