"""Nodes, their EC2 instances and CNINodes as kubectl and the aws CLI print them."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.context import Context
from netdoctor.tooling.synth.enis import instance_eni, public_dns
from netdoctor.tooling.synth.ids import rng_for
from netdoctor.tooling.synth.instance_data import (
    allocatable_cpu_millis,
    memory_allocatable_ki,
    memory_capacity_ki,
)
from netdoctor.tooling.synth.nodes import AMI_NAME, KUBELET_VERSION, Node


def render_node(ctx: Context, n: Node, rng: random.Random) -> dict[str, Any]:
    """The Node as `kubectl get nodes -o json` prints it."""
    t = n.itype
    g = n.group
    created = n.launch + 75
    ready = created + 21
    beat = ctx.captured_at - rng.randrange(5, 40)
    annotations = {
        "alpha.kubernetes.io/provided-node-ip": n.ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    if n.eniconfig_annotated and n.eniconfig is not None:
        annotations["k8s.amazonaws.com/eniConfig"] = n.eniconfig
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": t.name,
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": g.spec.name,
        "eks.amazonaws.com/nodegroup-image": ami_id(ctx),
        "eks.amazonaws.com/sourceLaunchTemplateId": g.launch_template,
        "eks.amazonaws.com/sourceLaunchTemplateVersion": "1",
        "failure-domain.beta.kubernetes.io/region": ctx.region,
        "failure-domain.beta.kubernetes.io/zone": n.az,
        "k8s.io/cloud-provider-aws": cloud_provider_hash(ctx),
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": t.name,
        "topology.k8s.aws/zone-id": n.subnet.az_id if n.subnet else "",
        "topology.kubernetes.io/region": ctx.region,
        "topology.kubernetes.io/zone": n.az,
    }
    capacity = {
        "cpu": str(t.vcpus),
        "ephemeral-storage": "20959212Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{memory_capacity_ki(t)}Ki",
        "pods": str(n.max_pods),
    }
    allocatable = {
        **capacity,
        "cpu": f"{allocatable_cpu_millis(t.vcpus)}m",
        "ephemeral-storage": "18242267955",
        "memory": f"{memory_allocatable_ki(t, n.max_pods)}Ki",
    }
    if n.trunk is not None:
        capacity["vpc.amazonaws.com/pod-eni"] = allocatable["vpc.amazonaws.com/pod-eni"] = str(
            t.branch_enis
        )

    def cond(kind: str, status: str, reason: str, message: str, since: int) -> dict[str, Any]:
        return {
            "lastHeartbeatTime": clock.k8s(beat),
            "lastTransitionTime": clock.k8s(since),
            "message": message,
            "reason": reason,
            "status": status,
            "type": kind,
        }

    addresses = [{"address": n.ip, "type": "InternalIP"}]
    if n.public_ip:
        addresses.append({"address": n.public_ip, "type": "ExternalIP"})
    addresses += [
        {"address": n.name, "type": "InternalDNS"},
        {"address": n.name, "type": "Hostname"},
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": annotations,
            "creationTimestamp": clock.k8s(created),
            "labels": labels,
            "name": n.name,
            "resourceVersion": str(rng.randrange(300000, 900000)),
            "uid": n.uid,
        },
        "spec": {"providerID": f"aws:///{n.az}/{n.instance_id}"},
        "status": {
            "addresses": addresses,
            "allocatable": allocatable,
            "capacity": capacity,
            "conditions": [
                cond(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                    created,
                ),
                cond(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                    created,
                ),
                cond(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                    created,
                ),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", ready),
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": ctx.ids.uuid(),
                "containerRuntimeVersion": "containerd://1.7.22",
                "kernelVersion": "6.1.112-122.189.amzn2023.x86_64",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": ctx.ids.hex(32),
                "operatingSystem": "linux",
                "osImage": AMI_NAME,
                "systemUUID": "ec2" + ctx.ids.uuid()[3:],
            },
        },
    }


def ami_id(ctx: Context) -> str:
    """The EKS-optimized AMI every node group runs."""
    return "ami-0" + _seeded_hex(ctx.seed, "ami", 16)[1:]


def cloud_provider_hash(ctx: Context) -> str:
    """The cluster-wide `k8s.io/cloud-provider-aws` label value."""
    return _seeded_hex(ctx.seed, "cloud-provider", 32)


@lru_cache(maxsize=64)
def _seeded_hex(seed: int, stream: str, n: int) -> str:
    return f"{rng_for(seed, stream).getrandbits(4 * n):0{n}x}"


def render_reservation(ctx: Context, n: Node) -> dict[str, Any]:
    """One `Reservations` entry holding the node's instance (`aws ec2 describe-instances`)."""
    t = n.itype
    g = n.group
    ids = ctx.ids
    sgs = [{"GroupId": gid, "GroupName": name} for gid, name in n.enis[0].groups]
    launch = clock.aws_offset(n.launch)
    instance: dict[str, Any] = {
        "AmiLaunchIndex": 0,
        "ImageId": ami_id(ctx),
        "InstanceId": n.instance_id,
        "InstanceType": t.name,
        "LaunchTime": launch,
        "Monitoring": {"State": "disabled"},
        "Placement": {"AvailabilityZone": n.az, "GroupName": "", "Tenancy": "default"},
        "PrivateDnsName": n.name,
        "PrivateIpAddress": n.ip,
        "ProductCodes": [],
        "PublicDnsName": "",
        "State": {"Code": 16, "Name": "running"},
        "StateTransitionReason": "",
        "SubnetId": n.enis[0].subnet.id,
        "VpcId": n.enis[0].subnet.vpc_id,
        "Architecture": "x86_64",
        "BlockDeviceMappings": [
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {
                    "AttachTime": launch,
                    "DeleteOnTermination": True,
                    "Status": "attached",
                    "VolumeId": ids.aws("vol"),
                },
            }
        ],
        "ClientToken": ids.uuid(),
        "EbsOptimized": True,
        "EnaSupport": True,
        # EC2 reports "xen" for Nitro instances too; describe-instance-types tells them apart.
        "Hypervisor": "xen",
        "IamInstanceProfile": {"Arn": g.profile_arn, "Id": g.profile_id},
        "NetworkInterfaces": [instance_eni(e, ctx.account, ctx.region) for e in n.enis],
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "SecurityGroups": sgs,
        "SourceDestCheck": True,
        "Tags": [
            {"Key": "eks:cluster-name", "Value": ctx.cluster},
            {"Key": "aws:ec2launchtemplate:id", "Value": g.launch_template},
            {"Key": "k8s.io/cluster-autoscaler/enabled", "Value": "true"},
            {"Key": f"kubernetes.io/cluster/{ctx.cluster}", "Value": "owned"},
            {"Key": "aws:autoscaling:groupName", "Value": g.asg},
            {"Key": "eks:nodegroup-name", "Value": g.spec.name},
            {"Key": "aws:ec2launchtemplate:version", "Value": "1"},
            {"Key": f"k8s.io/cluster-autoscaler/{ctx.cluster}", "Value": "owned"},
        ],
        "VirtualizationType": "hvm",
        "CpuOptions": {"CoreCount": t.cores, "ThreadsPerCore": t.vcpus // t.cores},
        "CapacityReservationSpecification": {"CapacityReservationPreference": "open"},
        "HibernationOptions": {"Configured": False},
        "MetadataOptions": {
            "State": "applied",
            "HttpTokens": "required",
            "HttpPutResponseHopLimit": 2,
            "HttpEndpoint": "enabled",
            "HttpProtocolIpv6": "disabled",
            "InstanceMetadataTags": "disabled",
        },
        "EnclaveOptions": {"Enabled": False},
        "PlatformDetails": "Linux/UNIX",
        "UsageOperation": "RunInstances",
        "UsageOperationUpdateTime": launch,
        "PrivateDnsNameOptions": {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
        "MaintenanceOptions": {"AutoRecovery": "default"},
        "CurrentInstanceBootMode": "uefi" if t.nitro else "legacy-bios",
        "BootMode": "uefi-preferred" if t.nitro else "legacy-bios",
    }
    if n.public_ip:
        instance["PublicDnsName"] = public_dns(n.public_ip, ctx.region)
        instance = _insert_after(instance, "PublicDnsName", "PublicIpAddress", n.public_ip)
    return {
        "Groups": [],
        "Instances": [instance],
        "OwnerId": ctx.account,
        "ReservationId": ids.aws("r"),
    }


def _insert_after(d: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        out[k] = v
        if k == after:
            out[key] = value
    return out


def render_cninode(ctx: Context, n: Node) -> dict[str, Any]:
    """The node's CNINode (`kubectl get cninodes.vpcresources.k8s.aws -o json`)."""
    features: list[dict[str, str]] = []
    if n.trunk is not None:
        features.append({"name": "SecurityGroupsForPods"})
    if ctx.seeding.custom_networking and ctx.seeding.pod_eni and n.eniconfig:
        # ipamd records the ENIConfig name it selects for the resource controller's sake.
        features.append({"name": "CustomNetworking", "value": n.eniconfig})
    return {
        "apiVersion": "vpcresources.k8s.aws/v1alpha1",
        "kind": "CNINode",
        "metadata": {
            "creationTimestamp": clock.k8s(n.launch + 85),
            "generation": 1 + len(features),
            "name": n.name,
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": n.name, "uid": n.uid}],
            "resourceVersion": str(300000 + n.index * 7),
            "uid": ctx.ids.uuid(),
        },
        "spec": {"features": features} if features else {},
        "status": {},
    }
