"""The rest of the chain: the EKS cluster, VPC endpoints, and the VPC CNI's own objects (the
aws-node DaemonSet, ENIConfigs, SecurityGroupPolicies, CNINodes)."""

from __future__ import annotations

import re

from netdoctor.explore.graph import selector_matches
from netdoctor.explore.refs import ref_text
from netdoctor.explore.tree import ChainNode, WalkBase, facts, group
from netdoctor.snapshot import files as f
from netdoctor.snapshot import k8s_types as k


class ClusterWalk(WalkBase):
    """Roots for the cluster and the CNI's custom resources."""

    def cluster(self, name: str) -> ChainNode:
        ref = ref_text("cluster", name)
        cluster = self.snap.cluster
        if cluster is None or (cluster.name and cluster.name != name):
            return self._missing(ref, f.AWS_CLUSTER)
        vpc = cluster.resourcesVpcConfig
        access = [
            word
            for word, on in (
                ("public", vpc.endpointPublicAccess),
                ("private", vpc.endpointPrivateAccess),
            )
            if on
        ]
        cidrs = ", ".join(vpc.publicAccessCidrs or ()) if vpc.endpointPublicAccess else ""
        root = ChainNode(
            ref,
            facts(
                f"Kubernetes {cluster.version}" if cluster.version else "",
                cluster.status,
                f"endpoint {'+'.join(access)}" if access else "endpoint access unknown",
                f"public CIDRs {cidrs}" if cidrs else "",
            ),
            ref=ref,
        )
        self._seen.add(ref)
        groups = [vpc.clusterSecurityGroupId, *(vpc.securityGroupIds or ())]
        for group_id in dict.fromkeys(g for g in groups if g):
            root.children.append(self.security_group(group_id))
        if vpc.vpcId:
            root.children.append(
                ChainNode(ref_text("vpc", vpc.vpcId), ref=ref_text("vpc", vpc.vpcId))
            )
        subnets = [self.subnet_leaf(s) for s in vpc.subnetIds or ()]
        root.children.append(group("subnets", subnets))
        return root

    def vpc_endpoint(self, endpoint_id: str) -> ChainNode:
        ref = ref_text("vpc-endpoint", endpoint_id)
        endpoint = next(
            (e for e in self.snap.vpc_endpoints if e.VpcEndpointId == endpoint_id), None
        )
        if endpoint is None:
            return self._missing(ref, f.AWS_VPC_ENDPOINTS)
        root = ChainNode(
            ref,
            facts(endpoint.VpcEndpointType, endpoint.ServiceName, endpoint.State),
            ref=ref,
        )
        tables = [
            ChainNode(ref_text("route-table", t), ref=ref_text("route-table", t))
            for t in endpoint.RouteTableIds or ()
        ]
        if tables:
            root.children.append(group("route tables", tables, expand=True))
        subnets = [self.subnet_leaf(s) for s in endpoint.SubnetIds or ()]
        if subnets:
            root.children.append(group("subnets", subnets, expand=True))
        return root

    def daemonset(self, ds: k.DaemonSet) -> ChainNode:
        namespace = ds.metadata.namespace or "default"
        ref = ref_text("daemonset", ds.metadata.name, namespace)
        containers = ds.spec.template.spec.containers or []
        image = containers[0].image if containers else None
        root = ChainNode(
            ref,
            facts(
                f"desired {ds.status.desiredNumberScheduled}",
                f"ready {ds.status.numberReady}",
                image,
            ),
            ref=ref,
        )
        # Pods keep no owner references in the snapshot (they are most of a big bundle), so
        # the DaemonSet's pods are found by the name its controller gives them: NAME-xxxxx.
        pattern = re.compile(rf"{re.escape(ds.metadata.name)}-[a-z0-9]{{5}}")
        pods = [
            p
            for p in self.snap.pods
            if (p.metadata.namespace or "default") == namespace
            and pattern.fullmatch(p.metadata.name)
        ]
        root.children.append(
            group(f"pods named {ds.metadata.name}-xxxxx", [self.pod_leaf(p) for p in pods])
        )
        return root

    def eniconfig(self, config: k.ENIConfig) -> ChainNode:
        ref = ref_text("eniconfig", config.metadata.name)
        groups = config.spec.securityGroups or []
        root = ChainNode(
            ref,
            facts(
                f"subnet {config.spec.subnet}" if config.spec.subnet else "no subnet",
                f"{len(groups)} security groups" if groups else "no security groups",
            ),
            ref=ref,
        )
        self._seen.add(ref)
        if config.spec.subnet:
            root.children.append(self.subnet(config.spec.subnet))
        for group_id in groups:
            root.children.append(self.security_group(group_id))
        return root

    def security_group_policy(self, sgp: k.SecurityGroupPolicy) -> ChainNode:
        namespace = sgp.metadata.namespace or "default"
        ref = ref_text("securitygrouppolicy", sgp.metadata.name, namespace)
        groups = (sgp.spec.securityGroups.groupIds if sgp.spec.securityGroups else None) or []
        root = ChainNode(ref, f"{len(groups)} security groups", ref=ref)
        for group_id in groups:
            root.children.append(self.security_group(group_id))
        selector = sgp.spec.podSelector
        if selector is not None and selector.matchLabels and not selector.matchExpressions:
            pods = [
                p
                for p in self.snap.pods
                if (p.metadata.namespace or "default") == namespace
                and selector_matches(selector.matchLabels, p.metadata.labels)
            ]
            root.children.append(group("pods it selects", [self.pod_leaf(p) for p in pods]))
        return root

    def cninode(self, cninode: k.CNINode) -> ChainNode:
        ref = ref_text("cninode", cninode.metadata.name)
        features = cninode.spec.feature_names
        root = ChainNode(
            ref, f"features: {', '.join(features)}" if features else "no features", ref=ref
        )
        self._seen.add(ref)
        view = self.views.nodes_by_name.get(cninode.metadata.name)
        if view is not None:
            root.children.append(self.node(view))
        return root
