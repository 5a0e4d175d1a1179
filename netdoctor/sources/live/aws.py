"""AWS collection: the describe calls of BUNDLE-FORMAT.md, scoped to the cluster's VPC.

boto3 with the standard credential chain (profiles, env, SSO, IRSA; `AWS_ENDPOINT_URL` is
honoured by botocore), adaptive retries and paginators. The number of calls does not grow with
the number of nodes: everything is filtered by VPC id, and instance types are asked for by the
types in use. Each file is written as the aws CLI prints it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from netdoctor.snapshot import files as f
from netdoctor.sources.live.aws_api import (
    AwsApi,
    AwsCall,
    AwsFailed,
    AwsNoAccess,
    AwsSettings,
    Hook,
    fetch,
    operations,
)
from netdoctor.sources.live.hints import ContextHints, NodeFacts, cluster_from_tags
from netdoctor.sources.live.permissions import AWS_CALLS_BY_FILE
from netdoctor.sources.live.pool import run_parallel
from netdoctor.sources.live.progress import FileProgress, ProgressSink
from netdoctor.sources.live.writer import BundleWriter, aws_cli_json

Call = Callable[[str, str, dict[str, Any], str | None], Any]
"""(service, method, params, list key) → the document: one AWS call of a merged file."""

_SAMPLE_INSTANCES = 50
_TYPES_PER_CALL = 100


class AwsCollector:
    """Describes the cluster's VPC into the bundle; records what could not be collected."""

    def __init__(
        self,
        settings: AwsSettings,
        writer: BundleWriter,
        progress: ProgressSink,
        cancel: threading.Event,
        node_facts: Callable[[], NodeFacts | None],
        hints: ContextHints | None = None,
        wanted: frozenset[str] | None = None,
    ) -> None:
        """
        Args:
            node_facts: blocks until the node list is read (or failed) and returns its facts.
            hints: what the kubeconfig context says (cluster name, region, profile).
            wanted: the AWS files to write; None for all.
        """
        self.settings = settings
        self.writer = writer
        self.progress = progress
        self.cancel = cancel
        self._node_facts = node_facts
        self.hints = hints or ContextHints()
        self.wanted = frozenset(AWS_CALLS_BY_FILE) if wanted is None else wanted
        self.missing: dict[str, str] = {}
        self.region: str | None = settings.region
        self.cluster: str | None = settings.cluster
        self.vpc_ids: list[str] = []
        self.documents: dict[str, Any] = {}
        """The parsed documents written (for redaction: VPC CIDRs, names, accounts)."""
        self._lock = threading.Lock()
        self._api_: AwsApi | None = None
        self._vpc_errors: list[str] = []

    @property
    def calls(self) -> list[AwsCall]:
        """Every operation called, in order."""
        return list(self._api_.calls) if self._api_ is not None else []

    @property
    def _api(self) -> AwsApi:
        assert self._api_ is not None, "the session is made first"
        return self._api_

    # -- orchestration ---------------------------------------------------------------------------

    def run(self) -> None:
        """Collect every wanted file; never raises except `Cancelled`."""
        try:
            self._run()
        except AwsFailed as exc:
            self._all_missing(str(exc))

    def _run(self) -> None:
        import boto3
        import botocore.exceptions

        profile = self.settings.profile or self.hints.profile
        try:
            session = boto3.Session(profile_name=profile)
        except botocore.exceptions.ProfileNotFound:
            if self.settings.profile:
                raise AwsFailed(f"AWS profile {profile!r} is not configured (--profile)") from None
            # The kubeconfig's exec env names a profile this machine lacks: use the default chain.
            session = boto3.Session()
        except botocore.exceptions.BotoCoreError as exc:
            raise AwsFailed(f"cannot start an AWS session: {exc}") from exc
        self.region = self.region or self.hints.region
        if self.region is None:
            facts = self._facts()
            self.region = (facts.region if facts else None) or session.region_name
        if not self.region:
            raise AwsFailed(
                "no AWS region: pass --region (none in the kubeconfig, the node providerIDs "
                "or the AWS configuration)"
            )
        self._api_ = AwsApi(session, self.region, self.settings, self.cancel)
        self.cluster = self.cluster or self.hints.cluster
        if self.cluster is None:
            facts = self._facts()
            self.cluster = facts.cluster if facts else None
        asked = self.cluster
        cluster_doc = self._describe_cluster() if asked else None
        vpc = _dig(cluster_doc, "cluster", "resourcesVpcConfig", "vpcId")
        if isinstance(vpc, str) and vpc:
            self.vpc_ids = [vpc]
        else:
            self._vpc_from_nodes()
        if self.cluster and not asked:  # the name came from the node instances' tags
            self._describe_cluster()
        if self.cluster is None and f.AWS_CLUSTER in self.wanted:
            self._missing(
                f.AWS_CLUSTER,
                "the cluster name is unknown: pass --cluster (not in the kubeconfig, node "
                "labels or instance tags)",
            )
        if not self.vpc_ids:
            why = "; ".join(self._vpc_errors) or "no describe-cluster vpcId, no node instance"
            reason = f"the cluster's VPC is unknown ({why})"
            for rel in sorted(self.wanted - {f.AWS_CLUSTER}):
                self._missing(rel, reason)
            return
        self._collect_vpc()

    def _facts(self) -> NodeFacts | None:
        return self._node_facts()

    def _all_missing(self, reason: str) -> None:
        for rel in sorted(self.wanted):
            if rel not in self.missing and not self.writer.has(rel):
                self._missing(rel, reason)

    def _missing(self, rel: str, reason: str) -> None:
        if rel not in self.wanted:
            return
        with self._lock:
            self.missing[rel] = reason
        self.progress.update(FileProgress(rel, "missing", detail=reason))

    # -- the calls -------------------------------------------------------------------------------

    def _describe_cluster(self) -> dict[str, Any] | None:
        rel = f.AWS_CLUSTER
        if rel in self.wanted:
            self.progress.update(FileProgress(rel, "running"))
        try:
            doc, _ = self._api.call(rel, "eks", "describe_cluster", {"name": self.cluster}, None)
        except AwsNoAccess:
            raise
        except AwsFailed as exc:
            self._missing(rel, str(exc))
            self._vpc_errors.append(f"describe-cluster: {exc}")
            return None
        self._write(rel, doc, 1 if doc.get("cluster") else 0, 1)
        return doc

    def _vpc_from_nodes(self) -> None:
        """The VPC (and, if unknown, the cluster name) from a sample of the node instances."""
        facts = self._facts()
        if not facts or not facts.instance_ids:
            return
        sample = sorted(set(facts.instance_ids))[:_SAMPLE_INSTANCES]
        params = {"Filters": [{"Name": "instance-id", "Values": sample}]}
        try:
            doc, _ = self._api.call(f.AWS_INSTANCES, "ec2", "describe_instances", params, None)
        except AwsNoAccess:
            raise
        except AwsFailed as exc:
            self._vpc_errors.append(f"describe-instances: {exc}")
            return
        instances = [i for r in doc.get("Reservations") or [] for i in r.get("Instances") or []]
        self.vpc_ids = sorted({str(i["VpcId"]) for i in instances if i.get("VpcId")})
        if self.cluster is None:
            self.cluster = cluster_from_tags(instances)

    def _collect_vpc(self) -> None:
        vpcs = self.vpc_ids
        by_vpc = [{"Name": "vpc-id", "Values": vpcs}]
        # (file, service, method, params, list key, client-side VPC filter)
        plan: list[tuple[str, str, str, dict[str, Any], str | None, bool]] = [
            (f.AWS_VPCS, "ec2", "describe_vpcs", {"VpcIds": vpcs}, "Vpcs", False),
            (f.AWS_SUBNETS, "ec2", "describe_subnets", {"Filters": by_vpc}, "Subnets", False),
            (
                f.AWS_ROUTE_TABLES, "ec2", "describe_route_tables", {"Filters": by_vpc},
                "RouteTables", False,
            ),
            (
                f.AWS_NAT_GATEWAYS, "ec2", "describe_nat_gateways", {"Filter": by_vpc},
                "NatGateways", False,
            ),
            (
                f.AWS_INTERNET_GATEWAYS, "ec2", "describe_internet_gateways",
                {"Filters": [{"Name": "attachment.vpc-id", "Values": vpcs}]},
                "InternetGateways", False,
            ),
            (
                f.AWS_NETWORK_INTERFACES, "ec2", "describe_network_interfaces",
                {"Filters": by_vpc}, "NetworkInterfaces", False,
            ),
            (
                f.AWS_SECURITY_GROUPS, "ec2", "describe_security_groups", {"Filters": by_vpc},
                "SecurityGroups", False,
            ),
            (
                f.AWS_VPC_ENDPOINTS, "ec2", "describe_vpc_endpoints", {"Filters": by_vpc},
                "VpcEndpoints", False,
            ),
            (
                f.AWS_LOAD_BALANCERS, "elbv2", "describe_load_balancers", {}, "LoadBalancers",
                True,
            ),
            (
                f.AWS_TARGET_GROUPS, "elbv2", "describe_target_groups", {}, "TargetGroups",
                True,
            ),
        ]  # fmt: skip
        tasks: list[Callable[[], object]] = [
            functools.partial(self._list_file, *spec) for spec in plan if spec[0] in self.wanted
        ]
        for rel, attribute, key in (
            (f.AWS_VPC_DNS_SUPPORT, "enableDnsSupport", "EnableDnsSupport"),
            (f.AWS_VPC_DNS_HOSTNAMES, "enableDnsHostnames", "EnableDnsHostnames"),
        ):
            if rel in self.wanted:
                tasks.append(functools.partial(self._vpc_attribute, rel, attribute, key))
        if f.AWS_NETWORK_ACLS in self.wanted:
            tasks.append(
                functools.partial(
                    self._list_file,
                    f.AWS_NETWORK_ACLS,
                    "ec2",
                    "describe_network_acls",
                    {"Filters": by_vpc},
                    "NetworkAcls",
                    False,
                )
            )
        if f.AWS_PREFIX_LISTS in self.wanted:
            tasks.append(self._prefix_lists)
        if f.AWS_SUBNET_CIDR_RESERVATIONS in self.wanted:
            tasks.append(functools.partial(self._subnet_cidr_reservations, by_vpc))
        for rel, task in (
            (f.AWS_NODEGROUPS, self._nodegroups),
            (f.AWS_ACCESS_ENTRIES, self._access_entries),
            (f.AWS_INSIGHTS, self._insights),
        ):
            if rel not in self.wanted:
                continue
            if self.cluster is None:
                self._missing(rel, "the cluster name is unknown: pass --cluster")
            else:
                tasks.append(task)
        if {f.AWS_INSTANCES, f.AWS_INSTANCE_TYPES} & self.wanted:
            tasks.insert(0, self._instances_and_types)
        run_parallel(tasks, self.settings.workers, "netdoctor-aws")

    def _list_file(
        self,
        rel: str,
        service: str,
        method: str,
        params: dict[str, Any],
        key: str | None,
        vpc_filter: bool,
    ) -> dict[str, Any] | None:
        self.progress.update(FileProgress(rel, "running"))
        try:
            doc, pages = self._api.call(rel, service, method, params, key)
        except AwsNoAccess:
            raise
        except AwsFailed as exc:
            self._missing(rel, str(exc))
            return None
        if vpc_filter and key:
            # elbv2 has no VPC filter: keep this cluster's VPC only.
            doc[key] = [x for x in doc.get(key) or [] if x.get("VpcId") in self.vpc_ids]
        self._write(rel, doc, len(doc.get(key) or []) if key else 1, pages)
        return doc

    def _vpc_attribute(self, rel: str, attribute: str, key: str) -> None:
        if len(self.vpc_ids) != 1:
            self._missing(rel, f"the nodes span {len(self.vpc_ids)} VPCs; expected one")
            return
        params = {"VpcId": self.vpc_ids[0], "Attribute": attribute}
        self._list_file(rel, "ec2", "describe_vpc_attribute", params, None, False)

    def _instances_and_types(self) -> None:
        params = {"Filters": [{"Name": "vpc-id", "Values": self.vpc_ids}]}
        doc = self._list_file(
            f.AWS_INSTANCES, "ec2", "describe_instances", params, "Reservations", False
        )
        if f.AWS_INSTANCE_TYPES not in self.wanted:
            return
        facts = self._facts()
        types = set(facts.instance_types) if facts else set()
        instances = [
            i for r in (doc or {}).get("Reservations") or [] for i in r.get("Instances") or []
        ]
        node_ids = set(facts.instance_ids) if facts else None
        for instance in instances:
            in_use = node_ids is None or instance.get("InstanceId") in node_ids
            if in_use and instance.get("InstanceType"):
                types.add(str(instance["InstanceType"]))
        self._instance_types(sorted(types))

    def _instance_types(self, types: list[str]) -> None:
        rel = f.AWS_INSTANCE_TYPES
        if not types:
            self._write(rel, {"InstanceTypes": []}, 0, 0)
            return
        self.progress.update(FileProgress(rel, "running"))
        merged: list[Any] = []
        pages = 0
        for start in range(0, len(types), _TYPES_PER_CALL):
            chunk = {"InstanceTypes": types[start : start + _TYPES_PER_CALL]}
            try:
                doc, n = self._api.call(
                    rel, "ec2", "describe_instance_types", chunk, "InstanceTypes"
                )
            except AwsNoAccess:
                raise
            except AwsFailed as exc:
                self._missing(rel, str(exc))
                return
            merged.extend(doc.get("InstanceTypes") or [])
            pages += n
        self._write(rel, {"InstanceTypes": merged}, len(merged), pages)

    def _merged_file(self, rel: str, build: Callable[[Call], tuple[dict[str, Any], int]]) -> None:
        """A file made of several calls (a list, then one call per item), merged into one
        document: `build` makes them through the `Call` it is given and returns (document,
        items). One failed call leaves the whole file missing."""
        self.progress.update(FileProgress(rel, "running"))
        pages = 0

        def call(service: str, method: str, params: dict[str, Any], key: str | None) -> Any:
            nonlocal pages
            doc, more = self._api.call(rel, service, method, params, key)
            pages += more
            return doc

        try:
            doc, items = build(call)
        except AwsNoAccess:
            raise
        except AwsFailed as exc:
            self._missing(rel, str(exc))
            return
        self._write(rel, doc, items, pages)

    def _prefix_lists(self) -> None:
        """describe-managed-prefix-lists, each list given its `Entries`: the describe call holds
        no CIDRs, and a route or rule naming a prefix list means nothing without them."""

        def build(call: Call) -> tuple[dict[str, Any], int]:
            doc = call("ec2", "describe_managed_prefix_lists", {}, "PrefixLists")
            for entry in doc.get("PrefixLists") or []:
                params = {"PrefixListId": entry.get("PrefixListId")}
                found = call("ec2", "get_managed_prefix_list_entries", params, "Entries")
                entry["Entries"] = found.get("Entries") or []
            return doc, len(doc.get("PrefixLists") or [])

        self._merged_file(f.AWS_PREFIX_LISTS, build)

    def _subnet_cidr_reservations(self, by_vpc: list[dict[str, Any]]) -> None:
        """get-subnet-cidr-reservations of each subnet of the VPC, merged into one document
        (the call takes one subnet id)."""

        def build(call: Call) -> tuple[dict[str, Any], int]:
            merged: dict[str, list[Any]] = {
                "SubnetIpv4CidrReservations": [],
                "SubnetIpv6CidrReservations": [],
            }
            subnets = call("ec2", "describe_subnets", {"Filters": by_vpc}, "Subnets")
            for subnet in subnets.get("Subnets") or []:
                # One call answers both lists (the operation has no paginator).
                params = {"SubnetId": subnet.get("SubnetId")}
                found = call("ec2", "get_subnet_cidr_reservations", params, None)
                for key in merged:
                    merged[key].extend(found.get(key) or [])
            return merged, sum(len(v) for v in merged.values())

        self._merged_file(f.AWS_SUBNET_CIDR_RESERVATIONS, build)

    def _nodegroups(self) -> None:
        """describe-nodegroup of each node group, merged: the list names them only, and the
        health issues and node role are in the describe."""

        def build(call: Call) -> tuple[dict[str, Any], int]:
            cluster = {"clusterName": self.cluster}
            names = call("eks", "list_nodegroups", cluster, "nodegroups")
            merged = []
            for name in names.get("nodegroups") or []:
                doc = call("eks", "describe_nodegroup", {**cluster, "nodegroupName": name}, None)
                if isinstance(doc.get("nodegroup"), dict):
                    merged.append(doc["nodegroup"])
            return {"nodegroups": merged}, len(merged)

        self._merged_file(f.AWS_NODEGROUPS, build)

    def _access_entries(self) -> None:
        self._list_file(
            f.AWS_ACCESS_ENTRIES,
            "eks",
            "list_access_entries",
            {"clusterName": self.cluster},
            "accessEntries",
            False,
        )

    def _insights(self) -> None:
        """list-insights, each insight that is not PASSING given describe-insight's
        recommendation and resources (a passing one has nothing more to say)."""

        def build(call: Call) -> tuple[dict[str, Any], int]:
            cluster = {"clusterName": self.cluster}
            doc = call("eks", "list_insights", cluster, "insights")
            for insight in doc.get("insights") or []:
                status = _dig(insight, "insightStatus", "status")
                if status == "PASSING" or not insight.get("id"):
                    continue
                found = call("eks", "describe_insight", {**cluster, "id": insight["id"]}, None)
                detail = found.get("insight")
                if isinstance(detail, dict):
                    insight.update(
                        {k: detail[k] for k in ("recommendation", "resources") if k in detail}
                    )
            return doc, len(doc.get("insights") or [])

        self._merged_file(f.AWS_INSIGHTS, build)

    def _write(self, rel: str, doc: dict[str, Any], items: int, pages: int) -> None:
        with self._lock:
            self.documents[rel] = doc
        if rel in self.wanted:
            self.writer.write_bytes(rel, aws_cli_json(doc))
            self.progress.update(FileProgress(rel, "done", items=items, pages=pages))


__all__ = ["AwsCall", "AwsCollector", "AwsSettings", "Hook", "fetch", "operations"]


def _dig(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def vpc_cidrs(vpcs_doc: Any) -> list[str]:
    """Every IPv4 CIDR block of the described VPCs."""
    cidrs: list[str] = []
    for vpc in _dig(vpcs_doc, "Vpcs") or []:
        if not isinstance(vpc, dict):
            continue
        if isinstance(vpc.get("CidrBlock"), str):
            cidrs.append(vpc["CidrBlock"])
        for assoc in vpc.get("CidrBlockAssociationSet") or []:
            if isinstance(assoc, dict) and isinstance(assoc.get("CidrBlock"), str):
                cidrs.append(assoc["CidrBlock"])
    return sorted(set(cidrs))


def service_cidrs(cluster_doc: Any) -> list[str]:
    """The cluster's service CIDR(s): ClusterIPs, not identifying, kept by `--redact-ids`."""
    net = _dig(cluster_doc, "cluster", "kubernetesNetworkConfig") or {}
    return [v for k, v in net.items() if k.startswith("serviceIpv") and isinstance(v, str)]
