"""What `netdoctor trace` reads beyond the base network: the VPC's network ACLs, the managed
prefix lists its routes name, and the services' EndpointSlices.

Ids here come from hashes of the VPC id, not from the generator's random streams, so adding
these files left every other file of a seed byte-for-byte the same.
"""

from __future__ import annotations

import hashlib
from typing import Any

from netdoctor.tooling.synth.pods import RUNNING, PodPlan
from netdoctor.tooling.synth.topology import Topology

# The S3 gateway endpoint's prefix list, with entries of the kind AWS publishes for S3 in
# eu-central-1 (3.5.134.0/23, 52.219.x…): public ranges only.
S3_PREFIX_CIDRS = ("3.5.134.0/23", "3.5.136.0/22", "52.219.140.0/24", "52.219.168.0/24")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def _hex(seed: str, n: int = 17) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def describe_network_acls(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-network-acls`: the VPC's default ACL, every subnet associated, rule
    100 allowing everything both ways before the final `*` deny (what AWS creates)."""
    acl_id = f"acl-{_hex(topo.vpc_id + '/acl')}"

    def entries(egress: bool) -> list[dict[str, Any]]:
        return [
            {
                "CidrBlock": "0.0.0.0/0",
                "Egress": egress,
                "Protocol": "-1",
                "RuleAction": "allow",
                "RuleNumber": 100,
            },
            {
                "CidrBlock": "0.0.0.0/0",
                "Egress": egress,
                "Protocol": "-1",
                "RuleAction": "deny",
                "RuleNumber": 32767,
            },
        ]

    return {
        "NetworkAcls": [
            {
                "Associations": [
                    {
                        "NetworkAclAssociationId": f"aclassoc-{_hex(s.id + '/aclassoc', 8)}",
                        "NetworkAclId": acl_id,
                        "SubnetId": s.id,
                    }
                    for s in topo.subnets
                ],
                "Entries": [*entries(True), *entries(False)],
                "IsDefault": True,
                "NetworkAclId": acl_id,
                "Tags": [],
                "VpcId": topo.vpc_id,
                "OwnerId": topo.ctx.account,
            }
        ]
    }


def describe_managed_prefix_lists(topo: Topology) -> dict[str, Any]:
    """`aws ec2 describe-managed-prefix-lists`, each list with its `Entries` (as capture and
    collect-bundle.sh merge them): the S3 list the private route tables name."""
    region = topo.ctx.region
    return {
        "PrefixLists": [
            {
                "PrefixListId": topo.prefix_list_id,
                "AddressFamily": "IPv4",
                "State": "create-complete",
                "PrefixListArn": f"arn:aws:ec2:{region}:aws:prefix-list/{topo.prefix_list_id}",
                "PrefixListName": f"com.amazonaws.{region}.s3",
                "Tags": [],
                "OwnerId": "AWS",
                "Entries": [{"Cidr": c} for c in S3_PREFIX_CIDRS],
            }
        ]
    }


def endpoint_slices(services: list[dict[str, Any]], plans: list[PodPlan]) -> list[dict[str, Any]]:
    """One EndpointSlice per service with a selector: its running pods, ready."""
    out = []
    # Running pods per namespace, in plan order: a service scans its namespace's pods and
    # matches each workload's labels once (all services × all pods took ~30 min at 150k pods).
    running: dict[str, list[PodPlan]] = {}
    workloads: dict[str, dict[int, Any]] = {}
    for p in plans:
        if p.state == RUNNING and p.ip:
            running.setdefault(p.workload.namespace, []).append(p)
            workloads.setdefault(p.workload.namespace, {})[id(p.workload)] = p.workload
    for svc in services:
        selector = svc["spec"].get("selector")
        if not selector:
            continue
        meta = svc["metadata"]
        candidates = running.get(meta["namespace"], [])
        matched = {
            key
            for key, w in workloads.get(meta["namespace"], {}).items()
            if all(w.labels.get(k) == v for k, v in selector.items())
        }
        pods = [p for p in candidates if id(p.workload) in matched]
        ports = [
            {
                "name": port.get("name", ""),
                "port": port["targetPort"]
                if isinstance(port.get("targetPort"), int)
                else port["port"],
                "protocol": port.get("protocol", "TCP"),
            }
            for port in svc["spec"].get("ports") or []
        ]
        name = f"{meta['name']}-{_hex(meta['uid'], 5)}"
        out.append(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "creationTimestamp": meta["creationTimestamp"],
                    "labels": {SERVICE_NAME_LABEL: meta["name"]},
                    "name": name,
                    "namespace": meta["namespace"],
                    "uid": f"{_hex(meta['uid'] + '/eps', 8)}-0000-4000-8000-{_hex(name, 12)}",
                },
                "addressType": "IPv4",
                "endpoints": [
                    {
                        "addresses": [p.ip],
                        "conditions": {"ready": True, "serving": True, "terminating": False},
                        "nodeName": p.node.name if p.node else None,
                        "targetRef": {
                            "kind": "Pod",
                            "name": p.name,
                            "namespace": p.workload.namespace,
                        },
                    }
                    for p in pods
                ],
                "ports": ports,
            }
        )
    return out
