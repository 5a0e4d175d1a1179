"""Built-in EC2 instance-type facts, the VPC CNI max-pods formulas and kubelet reservations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InstanceType:
    """What the generator needs to know about one EC2 instance type."""

    name: str
    vcpus: int
    cores: int
    memory_mib: int
    max_enis: int
    ipv4_per_eni: int
    hypervisor: str
    network_performance: str
    baseline_gbps: float | None
    peak_gbps: float | None
    clock_ghz: float
    burstable: bool
    branch_enis: int
    """`vpc.amazonaws.com/pod-eni` capacity with a trunk ENI; 0 when the type cannot trunk."""
    ebs: tuple[int, float, int, int, float, int]
    """Baseline Mbps, MB/s, IOPS, then maximum Mbps, MB/s, IOPS."""

    @property
    def nitro(self) -> bool:
        """True for Nitro types, the only ones that can use prefix delegation or trunk ENIs."""
        return self.hypervisor == "nitro"

    @property
    def trunking(self) -> bool:
        """True when the VPC resource controller can attach a trunk ENI."""
        return self.branch_enis > 0


def _t(*args: Any) -> InstanceType:
    return InstanceType(*args)


INSTANCE_TYPES: dict[str, InstanceType] = {
    t.name: t
    for t in (
        _t(
            "t3.medium",
            2,
            1,
            4096,
            3,
            6,
            "nitro",
            "Up to 5 Gigabit",
            0.256,
            5.0,
            2.5,
            True,
            0,
            (347, 43.375, 2000, 2085, 260.625, 11800),
        ),
        _t(
            "m5.large",
            2,
            1,
            8192,
            3,
            10,
            "nitro",
            "Up to 10 Gigabit",
            0.75,
            10.0,
            3.1,
            False,
            9,
            (650, 81.25, 3600, 4750, 593.75, 18750),
        ),
        _t(
            "m5.xlarge",
            4,
            2,
            16384,
            4,
            15,
            "nitro",
            "Up to 10 Gigabit",
            1.25,
            10.0,
            3.1,
            False,
            18,
            (1150, 143.75, 6000, 4750, 593.75, 18750),
        ),
        _t(
            "m5.2xlarge",
            8,
            4,
            32768,
            4,
            15,
            "nitro",
            "Up to 10 Gigabit",
            2.5,
            10.0,
            3.1,
            False,
            38,
            (2300, 287.5, 12000, 4750, 593.75, 18750),
        ),
        _t(
            "m6i.large",
            2,
            1,
            8192,
            3,
            10,
            "nitro",
            "Up to 12.5 Gigabit",
            0.781,
            12.5,
            3.5,
            False,
            9,
            (650, 81.25, 3600, 10000, 1250.0, 40000),
        ),
        _t(
            "m6i.xlarge",
            4,
            2,
            16384,
            4,
            15,
            "nitro",
            "Up to 12.5 Gigabit",
            1.562,
            12.5,
            3.5,
            False,
            18,
            (1250, 156.25, 6000, 10000, 1250.0, 40000),
        ),
        _t(
            "c5.4xlarge",
            16,
            8,
            32768,
            8,
            30,
            "nitro",
            "Up to 10 Gigabit",
            5.0,
            10.0,
            3.4,
            False,
            54,
            (4750, 593.75, 20000, 4750, 593.75, 20000),
        ),
        _t(
            "m4.large",
            2,
            1,
            8192,
            2,
            10,
            "xen",
            "Moderate",
            None,
            None,
            2.4,
            False,
            0,
            (450, 56.25, 3600, 450, 56.25, 3600),
        ),
    )
}


def max_pods(
    t: InstanceType, *, custom_networking: bool = False, prefix_delegation: bool = False
) -> int:
    """The max-pods value a correctly configured kubelet gets under the given aws-node settings.

    Secondary-IP mode: ENIs x (IPv4 per ENI - 1) + 2; custom networking drops the primary ENI;
    prefix delegation (Nitro only; ipamd falls back to secondary IPs elsewhere) multiplies by 16
    and is capped at the recommended 110 (250 above 30 vCPUs).
    """
    enis = t.max_enis - (1 if custom_networking else 0)
    if prefix_delegation and t.nitro:
        raw = enis * (t.ipv4_per_eni - 1) * 16 + 2
        return min(250 if t.vcpus > 30 else 110, raw)
    return enis * (t.ipv4_per_eni - 1) + 2


def allocatable_cpu_millis(vcpus: int) -> int:
    """CPU left after the EKS AMI's kube-reserved share (6%, 1%, 0.5%, 0.25% per core)."""
    reserved = 60.0 + (10 if vcpus > 1 else 0) + 5 * min(2, max(0, vcpus - 2))
    reserved += 2.5 * max(0, vcpus - 4)
    return vcpus * 1000 - int(reserved)


def memory_capacity_ki(t: InstanceType) -> int:
    """Memory the kubelet reports: the instance memory less what the kernel keeps."""
    return int(t.memory_mib * 1024 * 0.93807)


def memory_allocatable_ki(t: InstanceType, pods: int) -> int:
    """Capacity less kube-reserved (11 MiB per pod + 255 MiB) and the 100 MiB eviction threshold."""
    return memory_capacity_ki(t) - (11 * pods + 255) * 1024 - 100 * 1024


def describe_instance_type(t: InstanceType) -> dict[str, Any]:
    """One `InstanceTypes` entry as `aws ec2 describe-instance-types` prints it."""
    card: dict[str, Any] = {
        "NetworkCardIndex": 0,
        "NetworkPerformance": t.network_performance,
        "MaximumNetworkInterfaces": t.max_enis,
    }
    if t.baseline_gbps is not None:
        card["BaselineBandwidthInGbps"] = t.baseline_gbps
        card["PeakBandwidthInGbps"] = t.peak_gbps
    b_mbps, b_mbs, b_iops, m_mbps, m_mbs, m_iops = t.ebs
    return {
        "InstanceType": t.name,
        "CurrentGeneration": t.nitro,
        "FreeTierEligible": False,
        "SupportedUsageClasses": ["on-demand", "spot"],
        "SupportedRootDeviceTypes": ["ebs"],
        "SupportedVirtualizationTypes": ["hvm"] if t.nitro else ["hvm", "paravirtual"],
        "BareMetal": False,
        "Hypervisor": t.hypervisor,
        "ProcessorInfo": {
            "SupportedArchitectures": ["x86_64"],
            "SustainedClockSpeedInGhz": t.clock_ghz,
            "Manufacturer": "Intel",
        },
        "VCpuInfo": {
            "DefaultVCpus": t.vcpus,
            "DefaultCores": t.cores,
            "DefaultThreadsPerCore": t.vcpus // t.cores,
            "ValidCores": list(range(1, t.cores + 1)),
            "ValidThreadsPerCore": [1, 2],
        },
        "MemoryInfo": {"SizeInMiB": t.memory_mib},
        "InstanceStorageSupported": False,
        "EbsInfo": {
            "EbsOptimizedSupport": "default",
            "EncryptionSupport": "supported",
            "EbsOptimizedInfo": {
                "BaselineBandwidthInMbps": b_mbps,
                "BaselineThroughputInMBps": b_mbs,
                "BaselineIops": b_iops,
                "MaximumBandwidthInMbps": m_mbps,
                "MaximumThroughputInMBps": m_mbs,
                "MaximumIops": m_iops,
            },
            "NvmeSupport": "required" if t.nitro else "unsupported",
        },
        "NetworkInfo": {
            "NetworkPerformance": t.network_performance,
            "MaximumNetworkInterfaces": t.max_enis,
            "MaximumNetworkCards": 1,
            "DefaultNetworkCardIndex": 0,
            "NetworkCards": [card],
            "Ipv4AddressesPerInterface": t.ipv4_per_eni,
            "Ipv6AddressesPerInterface": t.ipv4_per_eni,
            "Ipv6Supported": t.nitro,
            "EnaSupport": "required" if t.nitro else "unsupported",
            "EfaSupported": False,
            "EncryptionInTransitSupported": False,
            "EnaSrdSupported": False,
        },
        "PlacementGroupInfo": {"SupportedStrategies": ["cluster", "partition", "spread"]},
        "HibernationSupported": True,
        "BurstablePerformanceSupported": t.burstable,
        "DedicatedHostsSupported": not t.burstable,
        "AutoRecoverySupported": True,
        "SupportedBootModes": ["legacy-bios", "uefi"] if t.nitro else ["legacy-bios"],
        "NitroEnclavesSupport": "unsupported",
        "NitroTpmSupport": "supported" if t.nitro else "unsupported",
        **({"NitroTpmInfo": {"SupportedVersions": ["2.0"]}} if t.nitro else {}),
        "PhcSupport": "supported" if t.nitro else "unsupported",
    }
