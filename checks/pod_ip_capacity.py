"""pod-ip-capacity: pods pending or stuck in ContainerCreating because of IP limits.

Four mechanisms, reported in this order so one root cause is named once:
(c) pods stuck on `failed to assign an IP address to container`, with the limit that was hit;
(b) pods Pending on `Too many pods`; (a) kubelet max-pods above the ENI capacity; (d) subnets
with fewer free IPs than one warm-pool round of their nodes. Which check owns the max-pods and
subnet cases that prefix delegation or custom networking explain is decided in `_ipam.py`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from netdoctor.engine.api import (
    Check,
    Finding,
    Iterator,
    Severity,
    Snapshot,
    Unchecked,
    applies,
    files,
)
from netdoctor.facts import ipam, ipspace, leaks, signatures
from netdoctor.facts.maxpods import windows_max_pods
from netdoctor.facts.platform import node_kind
from netdoctor.facts.text import clip, listing

from . import _ipam as owners

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.k8s_types import Event, Pod


# Pods stuck for a cause another check explains get that check's playbook: the fix (CIDR
# reservation, an ENIConfig for the zone) is written there.
ELSEWHERE = {"fragmented": "prefix-delegation", "no-eniconfig": "custom-networking"}
# The limit hit → the playbook's Fix option (`Finding.mechanism`); an unknown limit has none.
MECHANISM = {
    "eni-limit": "eni-limit",
    "subnet": "subnet-exhausted",
    "idle-ips": "idle-ips",
    "unexplained": "unexplained",
    "fragmented": "no-free-prefix",
}


class PodIpCapacity(Check):
    id = "pod-ip-capacity"
    title = "Pod IP capacity: max-pods vs ENI limits, subnet free IPs, IP assignment failures"
    needs = (files.K8S_NODES, files.K8S_PODS, files.K8S_DAEMONSETS, files.AWS_SUBNETS)
    applies_to = (applies.VPC_CNI, applies.IPV4_PODS, applies.EC2_NODES)
    wants = (
        files.K8S_EVENTS,
        files.K8S_ENICONFIGS,
        files.AWS_INSTANCES,
        files.AWS_INSTANCE_TYPES,
        files.AWS_NETWORK_INTERFACES,
    )
    severity = Severity.WARNING
    provides = (
        "node",
        "instance_type",
        "max_pods",
        "subnet_id",
        "zone",
        "eniconfig",
        "nodegroup",
        "eni_ids",
        "instance_ids",
    )

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        views = snap.views
        if not snap.has(files.K8S_EVENTS) and any(
            p.status.phase == "Pending" and p.spec.nodeName for p in snap.pods
        ):
            yield self.unchecked(
                "pods that cannot get an IP (FailedCreatePodSandBox events)", files.K8S_EVENTS
            )
        at_eni_limit: set[str] = set()
        subnets_named: set[str] = set()
        yield from self._ip_assignment_failures(views, at_eni_limit, subnets_named)
        yield from self._too_many_pods(views)
        yield from self._max_pods_over_eni_capacity(views, at_eni_limit)
        yield from self._subnets_short_for_warm_pool(views, subnets_named)
        yield from self._windows_max_pods(views)
        yield from self._leaked_enis(views, subnets_named)

    # --- shared -------------------------------------------------------------------------

    @staticmethod
    def _params(
        views: Views, view: NodeView | None, subnet_id: str | None = None
    ) -> dict[str, str]:
        params: dict[str, str] = {}
        if view is not None:
            params["node"] = view.name
            params |= ipam.sizing_params(views, view)
            if subnet_id is None:
                subnets = ipam.pod_subnets(views, view)
                subnet_id = subnets[0].SubnetId if subnets else None
        if subnet_id:
            params["subnet_id"] = subnet_id
        return params

    # --- (c) pods stuck without an IP ----------------------------------------------------

    def _ip_assignment_failures(
        self, views: Views, at_eni_limit: set[str], subnets_named: set[str]
    ) -> Iterator[Finding]:
        stuck: dict[str, list[tuple[Pod, Event]]] = defaultdict(list)
        for pod in views.snap.pods:
            if pod.status.phase != "Pending" or not pod.spec.nodeName:
                continue
            events = ipam.ip_assign_failures(views, pod)
            if events:
                stuck[pod.spec.nodeName].append((pod, max(events, key=lambda e: e.count or 0)))
        signals = {
            view.name: lines
            for view in ipam.cni_nodes(views)
            if (lines := self._no_ip_signals(views, view))
        }
        for name in sorted(set(stuck) | set(signals)):
            view = views.nodes_by_name.get(name)
            pods = stuck.get(name, [])
            label, lines, subnet_ids, kind = (
                self._limit_hit(views, view)
                if view is not None
                else ("not visible in the bundle", ["the node is not in k8s/nodes.json"], [], "")
            )
            if kind == "eni-limit":
                at_eni_limit.add(name)
            subnets_named.update(subnet_ids)
            evidence = []
            if pods:
                pod, event = pods[0]
                count = f" (×{event.count})" if event.count else ""
                evidence.append(f"FailedCreatePodSandBox{count}: {clip(event.text)}")
                refs = [ipam.pod_ref(p) for p, _ in pods]
                evidence.append(f"{len(pods)} pod(s) Pending on the node: {listing(refs)}")
            evidence += signals.get(name, [])
            evidence += lines
            if kind == "subnet" and view is not None:
                # the EC2 error code corroborates the exhausted subnet; it is not a second cause
                evidence += signatures.subnet_exhaustion_events(views, view)
            if pods:
                title = (
                    f"{len(pods)} pod(s) on node {name} cannot get an IP address "
                    f"(stuck in ContainerCreating): {label}"
                )
            else:
                title = f"Node {name} reports no IP addresses left to assign to pods: {label}"
            params = self._params(views, view, subnet_ids[0] if subnet_ids else None)
            mechanism = MECHANISM.get(kind)
            if kind == "no-eniconfig" and view is not None:
                params["eniconfig"] = views.eniconfig_selection(view)[0]
                exists = params["eniconfig"] in views.eniconfigs_by_name
                mechanism = "eniconfig-no-subnet" if exists else "eniconfig-missing"
                if view.zone:
                    params["zone"] = view.zone
            yield self.finding(
                Severity.CRITICAL if pods else Severity.WARNING,
                title,
                resources=[
                    f"node/{name}",
                    *(ipam.pod_ref(p) for p, _ in pods),
                    *(f"subnet/{s}" for s in subnet_ids),
                ],
                evidence=evidence,
                params=params,
                # these limits are fixed where their cause is explained
                playbook=ELSEWHERE.get(kind),
                mechanism=mechanism,
                cause=(
                    self.cause_hint(
                        ELSEWHERE[kind], f"node/{name}", *(f"subnet/{s}" for s in subnet_ids)
                    )
                    if kind in ELSEWHERE
                    # no limit explains it: ipamd denied its EC2 calls, if cni-health saw that
                    else self.cause_hint("cni-health", f"node/{name}")
                    if kind == "unexplained"
                    else None
                ),
            )

    @staticmethod
    def _no_ip_signals(views: Views, view: NodeView) -> list[str]:
        """IPAMDNoIPs lines for the node, without a node monitoring agent condition the bundle
        shows stale (pods got IPs since): `cni-health` calls that one stale."""
        lines = ipam.node_signals(views, view, ipam.IPAMD_NO_IPS)
        verdict = signatures.judge_nma(views, view)
        if verdict is not None and verdict.stale:
            lines = [line for line in lines if f" condition {verdict.condition.type}=" not in line]
        return lines

    def _limit_hit(self, views: Views, view: NodeView) -> tuple[str, list[str], list[str], str]:
        """Which limit stopped ipamd: (label, evidence, subnets to name, kind)."""
        if views.cni.custom_networking and ipam.eniconfig_subnet_id(views, view) is None:
            name, source = views.eniconfig_selection(view)
            exists = name in views.eniconfigs_by_name
            return (
                "custom networking finds no ENIConfig subnet for the node",
                [
                    f"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true; the node selects ENIConfig "
                    f"{name!r} ({source}), which "
                    + ("names no subnet" if exists else "does not exist")
                ],
                [],
                "no-eniconfig",
            )
        state = ipam.eni_state(views, view)
        if state is None:
            return (
                "the limit is not visible in the bundle",
                ["the bundle holds no ENIs or no limits for the node's instance"],
                [],
                "unknown",
            )
        lines = state.describe()
        if state.idle_ips:
            lines.append(
                f"{state.idle_ips} allocated pod IPs are not held by any pod: ipamd has addresses "
                "it does not hand out (IP cooldown, or its datastore is out of sync); read "
                "ipamd.log"
            )
            return ("the node's ENIs still have unused IPs", lines, [], "idle-ips")
        if state.at_limit:
            lines.append(f"ENI capacity: {ipam.formula(views, view)}")
            capacity = views.eni_capacity(view)
            kubelet = view.kubelet_max_pods
            if kubelet is not None and capacity is not None and kubelet > capacity:
                lines.append(
                    f"kubelet max-pods {kubelet} > ENI capacity {capacity}: the scheduler "
                    f"places up to {kubelet - capacity} pods the ENIs cannot give an IP"
                )
            return ("the node is at its ENI and IP limit", lines, [], "eni-limit")
        subnets = [
            s for s in ipam.pod_subnets(views, view) if s.AvailableIpAddressCount is not None
        ]
        if not subnets:
            lines.append("the bundle lacks the subnet new pod IPs come from, or its free count")
            return ("the limit is not visible in the bundle", lines, [], "unknown")
        for subnet in subnets:
            lines.append(
                f"subnet/{subnet.SubnetId} ({subnet.CidrBlock}): AvailableIpAddressCount "
                f"{subnet.AvailableIpAddressCount}"
            )
        ids = [s.SubnetId for s in subnets]
        if state.prefix_mode:
            spaces = [ipspace.prefix_space(views, s) for s in subnets]
            if all(ipspace.fragmented(sp, s) for s, sp in zip(subnets, spaces, strict=True)):
                lines.append("no aligned /28 block is free for a prefix (InsufficientCidrBlocks)")
                return ("the subnet has no free aligned /28 prefix", lines, ids, "fragmented")
            need = ipspace.PREFIX_SIZE
        elif state.slots_used < state.slots_total:
            need = 1
        else:
            top = ipspace.next_top_up(views, view)
            need = top.addresses if top is not None and top.addresses else 1
            lines.append(f"a new ENI needs {need} free IPs ({top.reason if top else 'one ENI'})")
        best = max(s.AvailableIpAddressCount or 0 for s in subnets)  # all known, see above
        if best < need:
            return (f"the subnet is out of free IPs ({best} left)", lines, ids, "subnet")
        lines.append(
            "neither the ENI limit nor the subnet explains it: read ipamd.log for EC2 errors "
            "(IAM permissions, API throttling)"
        )
        return ("neither the ENI limit nor the subnet explains it", lines, [], "unexplained")

    # --- (b) pods Pending on Too many pods ------------------------------------------------

    def _too_many_pods(self, views: Views) -> Iterator[Finding]:
        pending: list[tuple[Pod, str]] = []
        rejected: list[Pod] = []
        for pod in views.snap.pods:
            if pod.status.phase == "Pending" and not pod.spec.nodeName:
                message = ipam.too_many_pods(views, pod)
                if message:
                    pending.append((pod, message))
            elif pod.status.reason == ipam.OUT_OF_PODS:
                rejected.append(pod)
        if not pending and not rejected:
            return
        full = [
            v
            for v in views.nodes
            if v.kubelet_max_pods is not None and len(v.pods) >= v.kubelet_max_pods
        ]
        evidence = []
        if pending:
            evidence.append(f"FailedScheduling: {clip(pending[0][1])}")
            refs = [ipam.pod_ref(p) for p, _ in pending]
            evidence.append(f"{len(pending)} pod(s) Pending: {listing(refs)}")
        if rejected:
            refs = [ipam.pod_ref(p) for p in rejected]
            evidence.append(
                f"{len(rejected)} pod(s) rejected by kubelet with reason OutOfpods: {listing(refs)}"
            )
        for view in full[:5]:
            capacity = views.eni_capacity(view)
            evidence.append(
                f"node/{view.name}: {len(view.pods)} pods running or starting, kubelet max-pods "
                f"{view.kubelet_max_pods}; ENI capacity "
                + (ipam.formula(views, view) if capacity is not None else "unknown")
            )
        if not full:
            evidence.append("no node in the bundle is at its max-pods now")
        pods = [p for p, _ in pending] + rejected
        # Nodes full at a max-pods left at the secondary-IP value under prefix delegation: the
        # prefix-delegation finding naming them is the cause of these pods' wait.
        held_back = [
            v
            for v in full
            if (verdict := ipam.max_pods_verdict(views, v)) is not None
            and verdict.cause == ipam.PD_LEFT_AT_SECONDARY
        ]
        yield self.finding(
            Severity.CRITICAL,
            f"{len(pods)} pod(s) cannot run because nodes are at their max-pods (Too many pods)",
            resources=[*(ipam.pod_ref(p) for p in pods), *(v.ref for v in full)],
            evidence=evidence,
            params=self._params(views, full[0] if full else None),
            mechanism="too-many-pods",
            cause=(
                self.cause_hint("prefix-delegation", *(v.ref for v in held_back))
                if held_back
                else None
            ),
        )

    # --- (a) kubelet max-pods above ENI capacity -----------------------------------------

    def _max_pods_over_eni_capacity(self, views: Views, skip: set[str]) -> Iterator[Finding]:
        cni = views.cni
        for view, verdict in owners.owned_verdicts(views, self.id):
            if view.name in skip:
                continue
            over = verdict.kubelet - verdict.capacity
            yield self.finding(
                Severity.WARNING,
                f"Node {view.name} allows {verdict.kubelet} pods but its ENIs support only "
                f"{verdict.capacity}",
                resources=[view.ref],
                evidence=[
                    f"kubelet max-pods (status.allocatable.pods) = {verdict.kubelet}",
                    f"max-pods set by: {view.max_pods_origin}",
                    f"ENI capacity under the running aws-node settings: "
                    f"{ipam.formula(views, view)}",
                    cni.source("ENABLE_PREFIX_DELEGATION"),
                    cni.source("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"),
                    cni.source("MAX_ENI"),
                    f"{len(view.pods)} pods on the node now; the scheduler can place up to "
                    f"{over} pods more than the ENIs can address, and those stick in "
                    "ContainerCreating",
                ],
                params=self._params(views, view),
                mechanism="max-pods-over-eni",
            )

    # --- (f) ENIs left behind by terminated nodes ----------------------------------------

    def _leaked_enis(self, views: Views, subnets_named: set[str]) -> Iterator[Finding | Unchecked]:
        snap = views.snap
        if not snap.has(files.AWS_NETWORK_INTERFACES) or not snap.has(files.AWS_INSTANCES):
            # Detached ENIs are only in describe-network-interfaces; "gone" needs the instances.
            needed = (files.AWS_NETWORK_INTERFACES, files.AWS_INSTANCES)
            yield self.unchecked(
                "ENIs left behind by terminated nodes", *(f for f in needed if not snap.has(f))
            )
            return
        for subnet_id, found in sorted(leaks.leaked_enis(views).items()):
            subnet = views.subnets_by_id.get(subnet_id)
            held = sum(x.addresses for x in found)
            free = subnet.AvailableIpAddressCount if subnet else None
            short = subnet_id in subnets_named or (free is not None and free < held)
            share = (
                f"{held} addresses, {held * 100 // (free + held)}% of what the subnet would have "
                f"free ({free} free now, {free + held} after deleting them)"
                if free is not None
                else f"{held} addresses"
            )
            yield self.finding(
                Severity.WARNING if short else Severity.INFO,
                f"{len(found)} ENI(s) left behind by terminated nodes hold {held} addresses of "
                f"subnet {subnet_id}",
                resources=[f"subnet/{subnet_id}", *(f"eni/{x.eni.eni_id}" for x in found)],
                evidence=[
                    f"eni/{x.eni.eni_id}: {x.eni.status or 'detached'}, description "
                    f"{x.eni.description!r}, made by the VPC CNI for {x.instance}, which is not "
                    f"a live instance of the bundle; holds {x.addresses} address(es)"
                    for x in found
                ]
                + [f"together {share}"],
                # the playbook's Confirm reads a node: one of this subnet's, else any
                params=self._params(views, self._node_in(views, subnet_id), subnet_id)
                | {
                    "eni_ids": " ".join(x.eni.eni_id for x in found),
                    "instance_ids": " ".join(sorted({x.instance for x in found})),
                },
                mechanism="leaked-enis",
            )

    @staticmethod
    def _node_in(views: Views, subnet_id: str) -> NodeView | None:
        inside = [v for v in views.nodes if any(e.subnet_id == subnet_id for e in v.enis)]
        return next(iter(inside or [v for v in views.nodes if v.limits is not None]), None)

    # --- (e) Windows nodes: the primary ENI's secondary IPs -----------------------------

    def _windows_max_pods(self, views: Views) -> Iterator[Finding | Unchecked]:
        windows = [
            v
            for v in views.nodes
            if node_kind(v) == "windows" and v.limits is not None and v.kubelet_max_pods
        ]
        if not windows:
            return
        prefixes = ipam.windows_prefix_delegation(views)
        if prefixes is None:
            yield self.unchecked("Windows max-pods against the primary ENI", files.K8S_CONFIGMAPS)
            return
        if prefixes:
            return  # Windows prefix delegation: not modelled (docs/platforms.md)
        for view in windows:
            assert view.limits is not None and view.kubelet_max_pods is not None
            capacity = windows_max_pods(view.limits)
            if view.kubelet_max_pods <= capacity:
                continue
            yield self.finding(
                Severity.WARNING,
                f"Windows node {view.name} allows {view.kubelet_max_pods} pods but its primary "
                f"ENI holds only {capacity} pod IPs",
                resources=[view.ref],
                evidence=[
                    f"kubelet max-pods (status.allocatable.pods) = {view.kubelet_max_pods}",
                    f"max-pods set by: {view.max_pods_origin}",
                    f"{view.limits.instance_type}: {view.limits.ipv4_per_eni} IPv4 addresses per "
                    f"ENI; Windows pods take secondary IPs of the primary ENI only (VPC resource "
                    f"controller): {view.limits.ipv4_per_eni} − 1 = {capacity}",
                    f"{ipam.WINDOWS_PD_KEY} is not true in the {ipam.VPC_CNI_CONFIGMAP} ConfigMap",
                ],
                params=self._params(views, view),
                mechanism="windows-max-pods-over-ips",
            )

    # --- (d) subnets short for the warm pool ---------------------------------------------

    def _subnets_short_for_warm_pool(self, views: Views, skip: set[str]) -> Iterator[Finding]:
        if views.cni.custom_networking:
            return  # pod IPs come from ENIConfig subnets: custom-networking reports those
        for pool in ipspace.short_pools(views):
            ids = [s.SubnetId for s in pool.subnets]
            if set(ids) & skip:
                continue
            names = ", ".join(ids)
            first = pool.nodes[0][0]
            yield self.finding(
                Severity.WARNING,
                f"Subnet {names} has {pool.free} free IPs, less than one warm-pool round of "
                f"its {len(pool.nodes)} node(s) needs ({pool.demand})",
                resources=[*(f"subnet/{s}" for s in ids), *(v.ref for v, _ in pool.nodes)],
                evidence=[
                    *ipspace.pool_evidence(views, pool),
                    views.cni.source("WARM_ENI_TARGET"),
                    views.cni.source("WARM_IP_TARGET"),
                    views.cni.source("MINIMUM_IP_TARGET"),
                ],
                params=self._params(views, first, ids[0]),
                mechanism="subnet-short-for-warm-pool",
            )
