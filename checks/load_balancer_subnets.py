"""load-balancer-subnets: can the AWS Load Balancer Controller place each ALB and NLB?

For every Ingress of class `alb` and every LoadBalancer Service the controller (or EKS Auto
Mode's load balancing) builds, run the controller's subnet discovery over the bundle's subnets
(`facts/lbsubnets.py`, which cites the rules): role tags for the scheme, the cluster tag, 8 free
addresses, one subnet per zone, two zones for an ALB; or check the subnets an annotation names.
The controller's own FailedBuildModel / FailedDeployModel events about subnets are the evidence
that it failed; a load balancer that already has an address and no such event stays quiet (the
controller placed it — IngressClassParams, not in the bundle, may name its subnets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdoctor.engine.api import (
    Check,
    Finding,
    Iterator,
    Mechanism,
    Severity,
    Snapshot,
    Unchecked,
    files,
)
from netdoctor.facts import lbsubnets as ls
from netdoctor.facts import loadbalancers as lb
from netdoctor.facts.text import listing

if TYPE_CHECKING:
    from netdoctor.facts.views import Views
    from netdoctor.snapshot import aws_types as a
    from netdoctor.snapshot import k8s_types as k


def _subnet_text(subnet: a.Subnet) -> str:
    name = ls.tags(subnet).get("Name")
    named = f" ({name})" if name else ""
    return f"{subnet.SubnetId}{named} in {ls.zone(subnet)}, {subnet.AvailableIpAddressCount} free"


def _ids(subnets: list[a.Subnet]) -> str:
    return " ".join(s.SubnetId for s in subnets)


class LoadBalancerSubnets(Check):
    id = "load-balancer-subnets"
    title = "Load balancer subnets: role tags, cluster tag, free addresses and zones for ALBs/NLBs"
    needs = (files.AWS_SUBNETS, files.K8S_SERVICES)
    wants = (
        files.K8S_INGRESSES,
        files.K8S_EVENTS,
        files.AWS_ROUTE_TABLES,
        files.AWS_CLUSTER,
    )
    severity = Severity.CRITICAL
    provides = (
        "namespace",
        "lb_kind",
        "lb_name",
        "role_tag",
        "subnet_ids",
        "tag_subnet_ids",
        "vpc_id",
    )
    mechanisms = (Mechanism("ALB Ingresses", (files.K8S_INGRESSES,)),)

    def run(self, snap: Snapshot) -> Iterator[Finding | Unchecked]:
        views = snap.views
        cluster = (snap.cluster.name if snap.cluster else None) or snap.info.cluster or ""
        for target in ls.targets(snap):
            events = ls.subnet_events(views, target)
            if target.provisioned and not events:
                continue
            if target.explicit:
                found = self._explicit(views, target, events)
            else:
                found = self._discovered(views, cluster, target, events)
            if found is None and events and not target.provisioned:
                found = self._event_only(views, target, events)
            if found is not None:
                yield found

    # --- shared ------------------------------------------------------------------------

    def _params(self, views: Views, target: ls.Target, subnets: str, to_tag: str) -> dict[str, str]:
        return {
            "namespace": target.namespace,
            "lb_kind": target.kind.lower(),
            "lb_name": target.meta.name,
            "role_tag": ls.role_tag(target.scheme),
            "subnet_ids": subnets or "$SUBNET_IDS",
            "tag_subnet_ids": to_tag or "$TAG_SUBNET_IDS",
            "vpc_id": views.vpc_id or "$VPC_ID",
        }

    @staticmethod
    def _head(target: ls.Target) -> list[str]:
        controller = "AWS Load Balancer Controller"
        if target.controller == ls.AUTO_MODE and target.kind == "Ingress":
            # IngressClasses are not in the bundle: class `alb` on an Auto Mode cluster is
            # taken to be Auto Mode's (controller eks.amazonaws.com/alb).
            controller = "EKS Auto Mode's load balancing (Auto Mode cluster, class alb)"
        elif target.controller == ls.AUTO_MODE:
            controller = f"EKS Auto Mode's load balancing ({ls.AUTO_MODE_NLB_CLASS})"
        state = "has an address" if target.provisioned else "has no address yet"
        return [
            f"{target.ref}: {target.label} built by {controller} ({target.scheme_why}); {state}"
        ]

    @staticmethod
    def _event_lines(target: ls.Target, events: list[k.Event]) -> list[str]:
        return [f"event {e.reason} on {target.ref}: {e.text}" for e in events[-3:]]

    @staticmethod
    def _severity(events: list[k.Event]) -> Severity:
        """Critical when the controller's own event shows the failure, else a warning: the
        rules say it fails, but IngressClassParams (not in the bundle) could name subnets."""
        return Severity.CRITICAL if events else Severity.WARNING

    @staticmethod
    def _suggest(views: Views, cluster: str, target: ls.Target, skip: set[str]) -> list[a.Subnet]:
        """Subnets that would serve once tagged: reachability matching the scheme, eligible
        cluster tag, 8 free addresses, one per zone not yet covered."""
        public = target.scheme == lb.INTERNET_FACING
        best: dict[str, a.Subnet] = {}
        for subnet in sorted(views.snap.subnets, key=lambda s: s.SubnetId):
            zone = ls.zone(subnet)
            if (
                zone in skip
                or zone in best
                or ls.routes_to_igw(views, subnet.SubnetId) is not public
                or not ls.cluster_tag_eligible(subnet, cluster)
                or (subnet.AvailableIpAddressCount or 0) < ls.MIN_FREE_IPS
            ):
                continue
            best[zone] = subnet
        return [best[zone] for zone in sorted(best)]

    # --- subnets named by annotation ---------------------------------------------------

    def _explicit(self, views: Views, target: ls.Target, events: list[k.Event]) -> Finding | None:
        subnets, missing = ls.resolve_explicit(views, target.explicit)
        zones: dict[str, list[str]] = {}
        for subnet in subnets:
            zones.setdefault(ls.zone(subnet), []).append(subnet.SubnetId)
        shared = {zone: ids for zone, ids in zones.items() if len(ids) > 1}
        needed = ls.min_subnets(target.lb_type)
        problems = []
        if missing:
            problems.append(
                f"{listing(missing)} not among the {len(views.snap.subnets)} subnets of the "
                "cluster's VPC in the bundle (the controller looks names up by Name tag in the VPC)"
            )
        if shared:
            problems.extend(
                f"{' and '.join(ids)} are both in {zone}: the controller refuses more than one "
                "subnet per zone"
                for zone, ids in sorted(shared.items())
            )
        if not missing and len(zones) < needed:
            problems.append(
                f"{len(zones)} zone(s): an ALB needs subnets in at least {needed} zones"
            )
        if not problems:
            return None
        return self.finding(
            self._severity(events),
            f"{target.kind} {target.namespace}/{target.meta.name}: the subnets its annotation "
            f"names cannot hold its {target.label}",
            resources=[target.ref, *(f"subnet/{s.SubnetId}" for s in subnets)],
            evidence=[
                *self._head(target),
                f"{target.explicit_from} = {', '.join(target.explicit)}: no discovery",
                *problems,
                *self._event_lines(target, events),
            ],
            params=self._params(views, target, _ids(subnets), ""),
            mechanism="explicit-subnets",
        )

    # --- discovery -----------------------------------------------------------------------

    def _discovered(
        self, views: Views, cluster: str, target: ls.Target, events: list[k.Event]
    ) -> Finding | None:
        found = ls.discover(views, cluster, target.scheme, target.lb_type, target.controller)
        if len(found.chosen) >= found.needed and not found.by_reachability:
            return None
        if found.by_reachability or not found.candidates:
            return self._no_role_tag(views, cluster, target, events, found)
        return self._filtered(views, cluster, target, events, found)

    def _no_role_tag(
        self,
        views: Views,
        cluster: str,
        target: ls.Target,
        events: list[k.Event],
        found: ls.Placement,
    ) -> Finding:
        key = found.role_tag
        total = len(views.snap.subnets)
        evidence = [
            *self._head(target),
            f"none of the {total} subnets of the cluster's VPC carries {key} (value 1 or empty)",
        ]
        evidence.extend(
            f"subnet {s.SubnetId} has {key}={ls.tags(s)[key]!r}: the controller's tag filter "
            "matches only 1 or an empty value"
            for s in found.mistagged
        )
        works = len(found.chosen) >= found.needed
        if target.controller == ls.AUTO_MODE:
            evidence.append(
                "EKS Auto Mode requires the role tag on load balancer subnets (EKS User Guide, "
                "Tag subnets for EKS Auto Mode)"
            )
        elif not found.reachability_known:
            evidence.append(
                f"controllers before {ls.REACHABILITY_SINCE} fail ('couldn't auto-discover "
                f"subnets'); {ls.REACHABILITY_SINCE}+ fall back to subnets by internet-gateway "
                "route, which the bundle cannot tell (route tables missing or ambiguous)"
            )
        elif works:
            evidence.append(
                f"controllers before {ls.REACHABILITY_SINCE} fail ('couldn't auto-discover "
                f"subnets'); {ls.REACHABILITY_SINCE}+ fall back to subnets by internet-gateway "
                f"route and would use {_ids(found.chosen)}"
            )
        else:
            side = "route to" if target.scheme == lb.INTERNET_FACING else "lack a route to"
            evidence.append(
                f"the {ls.REACHABILITY_SINCE}+ fallback (subnets that {side} an internet gateway) "
                f"finds {len(found.chosen)} usable subnet(s) of the {found.needed} needed"
            )
        evidence.extend(self._event_lines(target, events))
        fails_everywhere = target.controller == ls.AUTO_MODE or (
            found.reachability_known and not works
        )
        severity = Severity.CRITICAL if events or fails_everywhere else Severity.WARNING
        to_tag = self._suggest(views, cluster, target, set())
        if to_tag:
            evidence.append(f"subnets to tag {key}=1: {listing([_subnet_text(s) for s in to_tag])}")
        return self.finding(
            severity,
            f"{target.kind} {target.namespace}/{target.meta.name}: no subnet is tagged {key} "
            f"for its {target.label}",
            resources=[target.ref, *(f"subnet/{s.SubnetId}" for s in found.mistagged)],
            evidence=evidence,
            params=self._params(views, target, _ids(found.mistagged), _ids(to_tag)),
            mechanism="no-role-tag",
        )

    def _filtered(
        self,
        views: Views,
        cluster: str,
        target: ls.Target,
        events: list[k.Event],
        found: ls.Placement,
    ) -> Finding:
        key = found.role_tag
        chosen_zones = {ls.zone(s) for s in found.chosen}
        dropped_ips = [s for s in found.too_few_ips if ls.zone(s) not in chosen_zones]
        dropped_tag = [s for s in found.other_cluster if ls.zone(s) not in chosen_zones]
        evidence = [
            *self._head(target),
            f"{len(found.candidates)} subnet(s) tagged {key}: "
            + listing([_subnet_text(s) for s in found.candidates]),
        ]
        evidence.extend(
            f"subnet {s.SubnetId} has {s.AvailableIpAddressCount} free addresses: the controller "
            f"skips subnets with fewer than {ls.MIN_FREE_IPS}"
            for s in dropped_ips
        )
        others = f"{ls.CLUSTER_TAG_PREFIX}{cluster}"
        evidence.extend(
            f"subnet {s.SubnetId} is tagged for another cluster ("
            + ", ".join(k for k in ls.tags(s) if k.startswith(ls.CLUSTER_TAG_PREFIX))
            + f") and not {others}: skipped (SubnetsClusterTagCheck, v2.1.2+)"
            for s in dropped_tag
        )
        if found.chosen:
            zones = sorted(chosen_zones)
            evidence.append(
                f"usable: {_ids(found.chosen)} in {len(zones)} zone(s) ({', '.join(zones)}); an "
                f"ALB needs {found.needed} ('subnets count less than minimal required count')"
            )
            title = (
                f"its {target.label} finds usable subnets in {len(zones)} zone(s), "
                f"{found.needed} needed"
            )
        else:
            title = f"no tagged subnet can hold its {target.label}"
            evidence.append("nothing left: 'unable to resolve at least one subnet'")
        evidence.extend(self._event_lines(target, events))
        mechanism = (
            "too-few-ips" if dropped_ips else "other-cluster-tag" if dropped_tag else "single-az"
        )
        to_tag = self._suggest(views, cluster, target, chosen_zones)
        to_tag = [s for s in to_tag if s not in found.candidates]
        if to_tag:
            where = " in other zones" if found.chosen else ""
            evidence.append(
                f"subnets to tag {key}=1{where}: " + listing([_subnet_text(s) for s in to_tag])
            )
        subject = dropped_ips or dropped_tag or found.chosen
        return self.finding(
            self._severity(events),
            f"{target.kind} {target.namespace}/{target.meta.name}: {title}",
            resources=[target.ref, *(f"subnet/{s.SubnetId}" for s in subject)],
            evidence=evidence,
            params=self._params(views, target, _ids(subject), _ids(to_tag)),
            mechanism=mechanism,
        )

    # --- the controller said so, the bundle's subnets do not ------------------------------

    def _event_only(self, views: Views, target: ls.Target, events: list[k.Event]) -> Finding:
        return self.finding(
            Severity.WARNING,
            f"{target.kind} {target.namespace}/{target.meta.name}: the controller could not "
            f"place its {target.label}, though the bundle's subnets satisfy its rules",
            resources=[target.ref],
            evidence=[
                *self._head(target),
                *self._event_lines(target, events),
                "the subnets now pass discovery: the event may predate a fix (the controller "
                "retries), or IngressClassParams / a feature gate the bundle does not show "
                "changed the rules",
            ],
            params=self._params(views, target, "", ""),
            mechanism="controller-event",
        )
