"""Bundle file paths: the vocabulary of a check's ``needs`` and ``wants``.

Each constant is a path relative to the bundle root, exactly as BUNDLE-FORMAT.md names it.
"""

from __future__ import annotations

META = "meta.json"

K8S_NODES = "k8s/nodes.json"
K8S_PODS = "k8s/pods.json"
K8S_SERVICES = "k8s/services.json"
K8S_INGRESSES = "k8s/ingresses.json"
K8S_EVENTS = "k8s/events.json"
K8S_DAEMONSETS = "k8s/daemonsets.json"
K8S_CONFIGMAPS = "k8s/configmaps.json"
K8S_ENICONFIGS = "k8s/eniconfigs.json"
K8S_SECURITY_GROUP_POLICIES = "k8s/securitygrouppolicies.json"
K8S_CNINODES = "k8s/cninodes.json"
K8S_TARGET_GROUP_BINDINGS = "k8s/targetgroupbindings.json"
K8S_ENDPOINT_SLICES = "k8s/endpointslices.json"

AWS_CLUSTER = "aws/eks-describe-cluster.json"
AWS_VPCS = "aws/ec2-describe-vpcs.json"
AWS_VPC_DNS_SUPPORT = "aws/ec2-describe-vpc-attribute-enable-dns-support.json"
AWS_VPC_DNS_HOSTNAMES = "aws/ec2-describe-vpc-attribute-enable-dns-hostnames.json"
AWS_SUBNETS = "aws/ec2-describe-subnets.json"
AWS_ROUTE_TABLES = "aws/ec2-describe-route-tables.json"
AWS_NAT_GATEWAYS = "aws/ec2-describe-nat-gateways.json"
AWS_INTERNET_GATEWAYS = "aws/ec2-describe-internet-gateways.json"
AWS_INSTANCES = "aws/ec2-describe-instances.json"
AWS_INSTANCE_TYPES = "aws/ec2-describe-instance-types.json"
AWS_NETWORK_INTERFACES = "aws/ec2-describe-network-interfaces.json"
AWS_SECURITY_GROUPS = "aws/ec2-describe-security-groups.json"
AWS_VPC_ENDPOINTS = "aws/ec2-describe-vpc-endpoints.json"
AWS_LOAD_BALANCERS = "aws/elbv2-describe-load-balancers.json"
AWS_TARGET_GROUPS = "aws/elbv2-describe-target-groups.json"
AWS_NETWORK_ACLS = "aws/ec2-describe-network-acls.json"
AWS_PREFIX_LISTS = "aws/ec2-describe-managed-prefix-lists.json"
AWS_SUBNET_CIDR_RESERVATIONS = "aws/ec2-describe-subnet-cidr-reservations.json"
AWS_NODEGROUPS = "aws/eks-describe-nodegroups.json"
AWS_ACCESS_ENTRIES = "aws/eks-list-access-entries.json"
AWS_INSIGHTS = "aws/eks-list-insights.json"

K8S_FILES: tuple[str, ...] = (
    K8S_NODES,
    K8S_PODS,
    K8S_SERVICES,
    K8S_INGRESSES,
    K8S_EVENTS,
    K8S_DAEMONSETS,
    K8S_CONFIGMAPS,
    K8S_ENICONFIGS,
    K8S_SECURITY_GROUP_POLICIES,
    K8S_CNINODES,
    K8S_TARGET_GROUP_BINDINGS,
    K8S_ENDPOINT_SLICES,
)
AWS_FILES: tuple[str, ...] = (
    AWS_CLUSTER,
    AWS_VPCS,
    AWS_VPC_DNS_SUPPORT,
    AWS_VPC_DNS_HOSTNAMES,
    AWS_SUBNETS,
    AWS_ROUTE_TABLES,
    AWS_NAT_GATEWAYS,
    AWS_INTERNET_GATEWAYS,
    AWS_INSTANCES,
    AWS_INSTANCE_TYPES,
    AWS_NETWORK_INTERFACES,
    AWS_SECURITY_GROUPS,
    AWS_VPC_ENDPOINTS,
    AWS_LOAD_BALANCERS,
    AWS_TARGET_GROUPS,
    AWS_NETWORK_ACLS,
    AWS_PREFIX_LISTS,
    AWS_SUBNET_CIDR_RESERVATIONS,
    AWS_NODEGROUPS,
    AWS_ACCESS_ENTRIES,
    AWS_INSIGHTS,
)
ALL_FILES: tuple[str, ...] = K8S_FILES + AWS_FILES

# The command that collects each file, shown when a check skips for want of it.
COLLECT_COMMANDS: dict[str, str] = {
    K8S_NODES: "kubectl get nodes -o json > k8s/nodes.json",
    K8S_PODS: "kubectl get pods -A -o json > k8s/pods.json",
    K8S_SERVICES: "kubectl get services -A -o json > k8s/services.json",
    K8S_INGRESSES: "kubectl get ingresses -A -o json > k8s/ingresses.json",
    K8S_EVENTS: "kubectl get events -A -o json > k8s/events.json",
    K8S_DAEMONSETS: "kubectl get daemonsets -n kube-system -o json > k8s/daemonsets.json",
    K8S_CONFIGMAPS: "kubectl get configmaps -n kube-system -o json > k8s/configmaps.json",
    K8S_ENICONFIGS: "kubectl get eniconfigs.crd.k8s.amazonaws.com -o json > k8s/eniconfigs.json",
    K8S_SECURITY_GROUP_POLICIES: (
        "kubectl get securitygrouppolicies.vpcresources.k8s.aws -A -o json"
        " > k8s/securitygrouppolicies.json"
    ),
    K8S_CNINODES: "kubectl get cninodes.vpcresources.k8s.aws -o json > k8s/cninodes.json",
    K8S_TARGET_GROUP_BINDINGS: (
        "kubectl get targetgroupbindings.elbv2.k8s.aws -A -o json > k8s/targetgroupbindings.json"
    ),
    K8S_ENDPOINT_SLICES: (
        "kubectl get endpointslices.discovery.k8s.io -A -o json > k8s/endpointslices.json"
    ),
    AWS_CLUSTER: "aws eks describe-cluster --name $CLUSTER > aws/eks-describe-cluster.json",
    AWS_VPCS: "aws ec2 describe-vpcs --vpc-ids $VPC > aws/ec2-describe-vpcs.json",
    AWS_VPC_DNS_SUPPORT: (
        "aws ec2 describe-vpc-attribute --vpc-id $VPC --attribute enableDnsSupport"
        " > aws/ec2-describe-vpc-attribute-enable-dns-support.json"
    ),
    AWS_VPC_DNS_HOSTNAMES: (
        "aws ec2 describe-vpc-attribute --vpc-id $VPC --attribute enableDnsHostnames"
        " > aws/ec2-describe-vpc-attribute-enable-dns-hostnames.json"
    ),
    AWS_SUBNETS: (
        "aws ec2 describe-subnets --filters Name=vpc-id,Values=$VPC > aws/ec2-describe-subnets.json"
    ),
    AWS_ROUTE_TABLES: (
        "aws ec2 describe-route-tables --filters Name=vpc-id,Values=$VPC"
        " > aws/ec2-describe-route-tables.json"
    ),
    AWS_NAT_GATEWAYS: (
        "aws ec2 describe-nat-gateways --filter Name=vpc-id,Values=$VPC"
        " > aws/ec2-describe-nat-gateways.json"
    ),
    AWS_INTERNET_GATEWAYS: (
        "aws ec2 describe-internet-gateways --filters Name=attachment.vpc-id,Values=$VPC"
        " > aws/ec2-describe-internet-gateways.json"
    ),
    AWS_INSTANCES: (
        "aws ec2 describe-instances --filters Name=vpc-id,Values=$VPC"
        " > aws/ec2-describe-instances.json"
    ),
    AWS_INSTANCE_TYPES: (
        "aws ec2 describe-instance-types --instance-types $TYPES"
        " > aws/ec2-describe-instance-types.json"
    ),
    AWS_NETWORK_INTERFACES: (
        "aws ec2 describe-network-interfaces --filters Name=vpc-id,Values=$VPC"
        " > aws/ec2-describe-network-interfaces.json"
    ),
    AWS_SECURITY_GROUPS: (
        "aws ec2 describe-security-groups --filters Name=vpc-id,Values=$VPC"
        " > aws/ec2-describe-security-groups.json"
    ),
    AWS_VPC_ENDPOINTS: (
        "aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=$VPC"
        " > aws/ec2-describe-vpc-endpoints.json"
    ),
    AWS_LOAD_BALANCERS: (
        "aws elbv2 describe-load-balancers > aws/elbv2-describe-load-balancers.json"
    ),
    AWS_TARGET_GROUPS: "aws elbv2 describe-target-groups > aws/elbv2-describe-target-groups.json",
    AWS_NETWORK_ACLS: (
        "aws ec2 describe-network-acls --filters Name=vpc-id,Values=$VPC"
        " > aws/ec2-describe-network-acls.json"
    ),
    AWS_PREFIX_LISTS: (
        "aws ec2 describe-managed-prefix-lists > aws/ec2-describe-managed-prefix-lists.json, each"
        " list given its `Entries` from aws ec2 get-managed-prefix-list-entries (see"
        " scripts/collect-bundle.sh)"
    ),
    AWS_SUBNET_CIDR_RESERVATIONS: (
        "aws ec2 get-subnet-cidr-reservations --subnet-id SUBNET for each subnet of the VPC,"
        " the reservations merged > aws/ec2-describe-subnet-cidr-reservations.json (see"
        " scripts/collect-bundle.sh)"
    ),
    AWS_NODEGROUPS: (
        "aws eks describe-nodegroup --cluster-name $CLUSTER --nodegroup-name NG for each node"
        ' group of aws eks list-nodegroups, merged as {"nodegroups": [...]}'
        " > aws/eks-describe-nodegroups.json (see scripts/collect-bundle.sh)"
    ),
    AWS_ACCESS_ENTRIES: (
        "aws eks list-access-entries --cluster-name $CLUSTER > aws/eks-list-access-entries.json"
    ),
    AWS_INSIGHTS: (
        "aws eks list-insights --cluster-name $CLUSTER, each insight not PASSING given the"
        " details of aws eks describe-insight > aws/eks-list-insights.json (see"
        " scripts/collect-bundle.sh)"
    ),
}
