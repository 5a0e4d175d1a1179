"""The tool table of `netdoctor mcp`: one entry per tool, like `COMMANDS` for the CLI.

An entry names its handler as `module:function` (imported only when the tool is called) and
documents its input schema; `docs/agents.md` lists the same tools. Adding a tool is one entry
here plus its handler: a function `(argparse.Namespace) -> dict` that raises `NetdoctorError`
for bad arguments (e.g. `trace`, `what_if` once those commands exist).
"""

from __future__ import annotations

from typing import NamedTuple

from netdoctor.frontends.agents.arguments import (
    BUNDLE,
    CHECKS,
    SELECTION,
    SOURCE,
    Schema,
    object_schema,
)


class Tool(NamedTuple):
    """One MCP tool: its handler, what it does (for the agent) and its arguments."""

    handler: str
    """`module:function` taking the call's arguments as a Namespace, returning a JSON object."""
    description: str
    schema: Schema


_HANDLERS = "netdoctor.frontends.agents.handlers"

TOOLS: dict[str, Tool] = {
    "check": Tool(
        f"{_HANDLERS}:check",
        "Run netdoctor's EKS pod-networking checks (IP capacity, egress/SNAT, private endpoint, "
        "NodePort, trunk ENIs...) on a snapshot bundle, one frame of a recorded incident, a "
        "whole incident, or a live capture, and return the JSON report of "
        "`netdoctor check --format json`: each check's status and numbered findings with "
        "severity, resources, evidence and playbook id. A whole incident (no `frame`) gives "
        "every frame's report and the timeline of each finding.",
        object_schema({**SOURCE, **SELECTION}),
    ),
    "explain": Tool(
        f"{_HANDLERS}:explain",
        "One finding of a report, by the number `check` gave it, with its remediation "
        "playbook filled in from the finding (subnet ids, node names, cluster, region quoted "
        "for the shell; only the fix for the way this finding broke things unless "
        "`all_options`). Give the same source and check selection as the `check` call so the "
        "numbers match; an incident without `frame` means its last frame.",
        object_schema(
            {
                "finding": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "The finding number, as the report numbers findings.",
                },
                "all_options": {
                    "type": "boolean",
                    "default": False,
                    "description": "Show every fix option of the playbook.",
                },
                **SOURCE,
                **SELECTION,
            },
            required=("finding",),
        ),
    ),
    "capacity": Tool(
        f"{_HANDLERS}:capacity",
        "Capacity numbers: per node the pods bound against kubelet max-pods and what its ENIs "
        "can hold under the running aws-node settings (ceiling, headroom); per subnet of the "
        "cluster's VPC the usable, used and free IPs, fill, and free /28 blocks with prefix "
        "delegation. An incident without `frame` means its last frame.",
        object_schema(SOURCE),
    ),
    "whereis": Tool(
        f"{_HANDLERS}:whereis",
        "Who holds each IP address, as `netdoctor whereis -o json`: the pods (hostNetwork pods "
        "share their node's), the node, the ENI and how it holds the address (primary, "
        "secondary, inside a delegated prefix), the ENI's owner (VPC CNI, trunk/branch, NAT "
        "gateway, load balancer, VPC endpoint, EKS control plane, Lambda, leaked VPC CNI ENI) "
        "and the subnet/VPC CIDR the address falls in. An incident without `frame` means its "
        "last frame.",
        object_schema(
            {
                "ips": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "description": "IPv4 or IPv6 addresses to look up.",
                },
                **SOURCE,
            },
            required=("ips",),
        ),
    ),
    "trace": Tool(
        f"{_HANDLERS}:trace",
        "Can this source reach that destination, and if not which hop drops it, as "
        "`netdoctor trace -o json` (docs/trace.md): SNAT, security groups, network ACLs, routes, "
        "NAT/internet gateways, VPC endpoints, the EKS endpoint settings, hop by hop, each with "
        "the rule that decided. `verdict` is reachable, blocked (`blocked_at` is the first "
        "blocking hop, with its playbook) or unknown (`missing` names the bundle files to "
        "collect). An incident without `frame` means its last frame.",
        object_schema(
            {
                "from": {
                    "type": "string",
                    "description": "The sender: a pod (NAMESPACE/NAME), a node name, an EC2 "
                    "instance id, or an IP the bundle knows.",
                },
                "to": {
                    "type": "string",
                    "description": "The receiver: an IP or CIDR, `internet`, `api` (the cluster's "
                    "API endpoint), a pod, a node, or svc/NAMESPACE/NAME.",
                },
                "port": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 65535,
                    "description": "Destination port (default 443; for svc/… the service's "
                    "first port).",
                },
                "protocol": {
                    "enum": ["tcp", "udp", "icmp"],
                    "default": "tcp",
                    "description": "Protocol (default tcp).",
                },
                **SOURCE,
            },
            required=("from", "to"),
        ),
    ),
    "what_if": Tool(
        f"{_HANDLERS}:what_if",
        "Would N more pods (`pods`, spread like the scheduler over nodes with room, narrowed by "
        "`pod_namespace`, `node_group` or `subnet`) or N more nodes (`nodes` with "
        "`instance_type`, "
        "optionally `node_group`) fit: the JSON of `netdoctor what-if -o json` — `fits`, the "
        "`limits` hit (first one first), per node max-pods and ENI/IP room, per subnet the free "
        "IPs or /28 blocks after the warm-pool top-up. An incident without `frame` means its "
        "last frame.",
        object_schema(
            {
                "pods": {"type": "integer", "minimum": 1, "description": "N more pods."},
                "nodes": {"type": "integer", "minimum": 1, "description": "N more nodes."},
                "instance_type": {
                    "type": "string",
                    "description": "Instance type of the new nodes (with `nodes`).",
                },
                "pod_namespace": {
                    "type": "string",
                    "description": "Pods go to nodes already running pods of this namespace "
                    "(the CLI's --namespace).",
                },
                "node_group": {
                    "type": "string",
                    "description": "Managed node group (or Karpenter NodePool).",
                },
                "subnet": {
                    "type": "string",
                    "description": "Pods go to nodes whose pod IPs come from this subnet.",
                },
                **SOURCE,
            }
        ),
    ),
    "timeline": Tool(
        f"{_HANDLERS}:timeline",
        "The timeline of a recorded incident (`netdoctor record`, `netdoctor watch --record`): "
        "for each finding when it first appeared, when it cleared (or that it is still open), "
        "and the frames it held in.",
        object_schema(
            {
                "incident": {**BUNDLE, "description": "A recorded incident, directory or archive."},
                "checks": CHECKS,
            },
            required=("incident",),
        ),
    ),
    "playbook": Tool(
        f"{_HANDLERS}:playbook",
        "A remediation playbook as Markdown (symptoms, why, confirm, fix options, verify, "
        "references), placeholders filled from `set` where the values look like what they "
        "name; without `id`, the list of playbooks. To fill one from a finding use `explain`.",
        object_schema(
            {
                "id": {"type": "string", "description": "Playbook id (omit to list them)."},
                "set": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "default": {},
                    "description": 'Placeholder values, e.g. {"subnet_id": "subnet-0abc"}.',
                },
            }
        ),
    ),
}
"""Every tool, in the order `tools/list` gives them."""
