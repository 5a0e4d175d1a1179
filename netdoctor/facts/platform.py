"""The cluster's networking platform, from the bundle alone: which CNI hands out pod IPs (and
whether they are VPC addresses), the IP family, and the kinds of compute present.

Checks declare what they apply to (`Requirement`, in `Check.applies_to`); the runner skips a
check whose requirement the platform does not meet, with the sentence `Requirement.judge`
returns. Where the evidence is missing (no daemonsets.json), the answer is `unknown`, naming
the file: never a default.

Sources: EKS user guide (Auto Mode networking, IPv6 clusters, Fargate, Windows), the VPC CNI
README (ENABLE_IPv6, the aws-node DaemonSet), docs.cilium.io (IPAM modes, `cilium-config`
keys `ipam` and `cni-chaining-mode`), Calico on EKS (policy-only with the VPC CNI).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from netdoctor.models import PlatformInfo
from netdoctor.snapshot import files as f

if TYPE_CHECKING:
    from netdoctor.facts.views import NodeView, Views
    from netdoctor.snapshot.k8s_types import ConfigMap, DaemonSet


class Cni(StrEnum):
    """Which component hands out pod IPs."""

    VPC_CNI = "vpc-cni"
    AUTO_MODE = "eks-auto-mode"
    CILIUM = "cilium"
    CALICO = "calico"
    OTHER = "other"
    UNKNOWN = "unknown"


class Ipam(StrEnum):
    """Where pod IPs come from."""

    VPC_ENI = "vpc-eni"
    """VPC addresses on ENIs: subnet and ENI limits bound the pods."""
    OVERLAY = "overlay"
    """A pod CIDR outside the VPC (overlay or native routing): VPC IP limits do not apply."""
    UNKNOWN = "unknown"


# Node kinds (label eks.amazonaws.com/compute-type, kubernetes.io/os, karpenter.sh/nodepool).
COMPUTE_TYPE = "eks.amazonaws.com/compute-type"
OS_LABELS = ("kubernetes.io/os", "beta.kubernetes.io/os")
KARPENTER_LABELS = ("karpenter.sh/nodepool", "karpenter.sh/provisioner-name")

CILIUM_CONFIG = "cilium-config"
CILIUM_OVERLAY_IPAM = ("cluster-pool", "kubernetes", "multi-pool", "crd")
OTHER_CNI_DAEMONSETS = {
    "kube-flannel-ds": "flannel",
    "weave-net": "weave-net",
    "antrea-agent": "antrea",
    "kube-router": "kube-router",
}
_TRUE = {"1", "t", "true"}


def node_kind(view: NodeView) -> str:
    """`fargate`, `auto-mode`, `hybrid`, `windows`, `karpenter` or `ec2` for one node."""
    labels = view.labels
    compute = labels.get(COMPUTE_TYPE, "")
    if compute == "fargate" or view.name.startswith("fargate-"):
        return "fargate"
    if compute == "auto":
        return "auto-mode"
    if compute == "hybrid":
        return "hybrid"
    if next((labels[k] for k in OS_LABELS if k in labels), "linux") == "windows":
        return "windows"
    if any(k in labels for k in KARPENTER_LABELS):
        return "karpenter"
    return "ec2"


@dataclass(frozen=True)
class Platform:
    """What the bundle says about the cluster's networking platform."""

    cni: Cni
    ipam: Ipam
    aws_node: bool | None
    """The aws-node DaemonSet is present; None when daemonsets.json was not collected."""
    cni_name: str = ""
    """The CNI's own name for `other` (`flannel`…)."""
    version: str | None = None
    modes: tuple[str, ...] = ()
    ip_family: str = "unknown"
    compute: dict[str, int] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    """Files whose absence left something unknown."""

    @property
    def vpc_cni_settings_apply(self) -> bool | None:
        """aws-node's settings (warm pool, prefix delegation, SNAT, custom networking) govern
        the pod IPs of the cluster's EC2 nodes."""
        return self.aws_node

    @property
    def label(self) -> str:
        """A short human name: `VPC CNI`, `Cilium (ENI IPAM)`, `Calico (policy only)`…"""
        names = {
            Cni.VPC_CNI: "VPC CNI",
            Cni.AUTO_MODE: "EKS Auto Mode",
            Cni.CILIUM: "Cilium",
            Cni.CALICO: "Calico",
            Cni.OTHER: self.cni_name or "another CNI",
            Cni.UNKNOWN: "an unknown CNI",
        }
        return names[self.cni]

    def info(self) -> PlatformInfo:
        """The report's `snapshot.platform` block."""
        return PlatformInfo(
            cni=self.cni_name if self.cni is Cni.OTHER and self.cni_name else self.cni.value,
            cni_version=self.version,
            ipam=self.ipam.value,
            modes=list(self.modes),
            ip_family=self.ip_family,
            compute=dict(self.compute),
            evidence=list(self.evidence),
        )


# --- detection -------------------------------------------------------------------------------


def _daemonset(daemonsets: list[DaemonSet], *names: str) -> DaemonSet | None:
    return next((d for d in daemonsets if d.metadata.name in names), None)


def _configmap(configmaps: list[ConfigMap], name: str) -> ConfigMap | None:
    return next((c for c in configmaps if c.metadata.name == name), None)


def _env(ds: DaemonSet, container: str) -> dict[str, str]:
    containers = ds.spec.template.spec.containers or []
    main = next((c for c in containers if c.name == container), None)
    if main is None:
        return {}
    return {e.name: e.value for e in main.env or () if e.value is not None}


def detect(views: Views) -> Platform:
    """Decide the platform from the bundle (see the module docstring for the rules)."""
    snap = views.snap
    evidence: list[str] = []
    missing: list[str] = []
    cluster = snap.cluster
    auto_mode = bool(cluster and cluster.computeConfig and cluster.computeConfig.enabled)
    compute = dict(Counter(node_kind(v) for v in views.nodes)) if snap.has(f.K8S_NODES) else {}
    if auto_mode:
        evidence.append("describe-cluster: computeConfig.enabled=true (EKS Auto Mode)")

    has_daemonsets = snap.has(f.K8S_DAEMONSETS)
    daemonsets = snap.daemonsets
    aws_node: bool | None = None
    if has_daemonsets:
        aws_node = _daemonset(daemonsets, "aws-node") is not None
        evidence.append(
            "aws-node DaemonSet present" if aws_node else "no aws-node DaemonSet in kube-system"
        )
    else:
        missing.append(f.K8S_DAEMONSETS)
        evidence.append(f"{f.K8S_DAEMONSETS} not collected: the CNI is unknown")

    cni, ipam, name, version = Cni.UNKNOWN, Ipam.UNKNOWN, "", None
    modes: list[str] = []
    cilium = _daemonset(daemonsets, "cilium") if has_daemonsets else None
    calico = _daemonset(daemonsets, "calico-node") if has_daemonsets else None
    if cilium is not None:
        cni, ipam = _cilium(snap.configmaps, snap.has(f.K8S_CONFIGMAPS), evidence, missing, modes)
        version = _image_version(cilium)
        if "chained-aws-cni" in modes:
            cni, ipam = Cni.VPC_CNI, Ipam.VPC_ENI
    elif aws_node:
        cni, ipam = Cni.VPC_CNI, Ipam.VPC_ENI
        if calico is not None:
            modes.append("calico-policy-only")
            evidence.append("calico-node runs beside aws-node: Calico enforces policy only")
    elif calico is not None:
        backend = _env(calico, "calico-node").get("CALICO_NETWORKING_BACKEND", "")
        cni, ipam = Cni.CALICO, Ipam.OVERLAY
        evidence.append(f"calico-node without aws-node (CALICO_NETWORKING_BACKEND={backend!r})")
    elif auto_mode:
        cni, ipam = Cni.AUTO_MODE, Ipam.VPC_ENI
        evidence.append(
            "EKS manages pod networking (VPC addresses, prefix delegation by default); its "
            "settings live in the NodeClass, not in the bundle"
        )
    elif has_daemonsets:
        other = next(
            (
                OTHER_CNI_DAEMONSETS[d.metadata.name]
                for d in daemonsets
                if d.metadata.name in OTHER_CNI_DAEMONSETS
            ),
            None,
        )
        if other:
            cni, ipam, name = Cni.OTHER, Ipam.OVERLAY, other
            evidence.append(f"{other} DaemonSet and no aws-node: pod IPs are not VPC addresses")
        else:
            evidence.append("no known CNI DaemonSet in kube-system")

    if aws_node:
        cni_settings = views.cni
        version = cni_settings.version_text if cni_settings.version else version
        modes.extend(_vpc_cni_modes(views))
    family = _ip_family(views, evidence, missing)
    return Platform(
        cni=cni,
        ipam=ipam,
        aws_node=aws_node,
        cni_name=name,
        version=version,
        modes=tuple(dict.fromkeys(modes)),
        ip_family=family,
        compute=compute,
        evidence=tuple(evidence),
        missing=tuple(dict.fromkeys(missing)),
    )


def _cilium(
    configmaps: list[ConfigMap],
    collected: bool,
    evidence: list[str],
    missing: list[str],
    modes: list[str],
) -> tuple[Cni, Ipam]:
    config = _configmap(configmaps, CILIUM_CONFIG)
    if config is None:
        if not collected:
            missing.append(f.K8S_CONFIGMAPS)
        evidence.append(
            f"cilium DaemonSet, but no {CILIUM_CONFIG} ConfigMap in the bundle: IPAM mode unknown"
        )
        return Cni.CILIUM, Ipam.UNKNOWN
    data = config.data or {}
    chaining = data.get("cni-chaining-mode", "")
    if chaining in ("aws-cni", "generic-veth") and data.get("ipam", "") not in ("eni",):
        modes.append("chained-aws-cni")
        evidence.append(f"cilium-config cni-chaining-mode={chaining}: the VPC CNI keeps IPAM")
        return Cni.CILIUM, Ipam.VPC_ENI
    ipam_mode = data.get("ipam", "cluster-pool")
    modes.append(f"ipam={ipam_mode}")
    if ipam_mode == "eni":
        evidence.append("cilium-config ipam=eni: pod IPs are VPC addresses from ENIs")
        return Cni.CILIUM, Ipam.VPC_ENI
    evidence.append(
        f"cilium-config ipam={ipam_mode}: pod IPs come from a Cilium pool, not from ENIs"
    )
    return Cni.CILIUM, Ipam.OVERLAY if ipam_mode in CILIUM_OVERLAY_IPAM else Ipam.UNKNOWN


def _image_version(ds: DaemonSet) -> str | None:
    from netdoctor.facts.cni import parse_version

    for container in ds.spec.template.spec.containers or []:
        version = parse_version(container.image)
        if version:
            return "v" + ".".join(map(str, version))
    return None


def _vpc_cni_modes(views: Views) -> list[str]:
    cni = views.cni
    modes = []
    for flag, mode in (
        ("ENABLE_PREFIX_DELEGATION", "prefix-delegation"),
        ("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "custom-networking"),
        ("ENABLE_POD_ENI", "security-groups-for-pods"),
        ("AWS_VPC_K8S_CNI_EXTERNALSNAT", "external-snat"),
        ("ENABLE_MULTI_NIC", "multi-nic"),
        ("ENABLE_IPv6", "ipv6"),
    ):
        if cni.flag(flag):
            modes.append(mode)
    if cni.max_eni:
        modes.append(f"max-eni={cni.max_eni}")
    if not cni.flag("ENABLE_PREFIX_DELEGATION") and not cni.flag("ENABLE_IPv6"):
        modes.insert(0, "secondary-ip")
    return modes


def _ip_family(views: Views, evidence: list[str], missing: list[str]) -> str:
    cluster = views.snap.cluster
    declared = (
        (cluster.kubernetesNetworkConfig.ipFamily or "").lower()
        if cluster is not None and cluster.kubernetesNetworkConfig is not None
        else ""
    )
    if declared in ("ipv4", "ipv6"):
        evidence.append(f"describe-cluster: kubernetesNetworkConfig.ipFamily={declared}")
        return declared
    cni = views.cni
    if cni.found:
        ipv6 = cni.env.get("ENABLE_IPv6", "false").strip().lower() in _TRUE
        evidence.append(f"aws-node ENABLE_IPv6={'true' if ipv6 else 'false'}")
        return "ipv6" if ipv6 else "ipv4"
    if not views.snap.has(f.AWS_CLUSTER):
        missing.append(f.AWS_CLUSTER)
    evidence.append("IP family unknown: no ipFamily in describe-cluster and no aws-node env")
    return "unknown"


# --- applicability ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether a requirement holds: `applies`, or why not, or which missing file hides it."""

    applies: bool | None
    """True, False (not applicable), or None (unknown)."""
    reason: str = ""
    missing: tuple[str, ...] = ()


APPLIES = Verdict(True)


@dataclass(frozen=True)
class Requirement:
    """A condition on the platform a check needs to be meaningful (`Check.applies_to`).

    Plug-in checks may build their own: `Requirement("my-cni", lambda p: Verdict(...))`."""

    name: str
    judge: Callable[[Platform], Verdict]


def _vpc_cni(p: Platform) -> Verdict:
    if p.aws_node:
        return APPLIES
    if p.aws_node is None:
        return Verdict(None, "the CNI is unknown", (f.K8S_DAEMONSETS,))
    if p.cni is Cni.AUTO_MODE:
        return Verdict(
            False,
            "EKS Auto Mode manages pod networking: the VPC CNI's aws-node settings do not apply",
        )
    if p.cni is Cni.CILIUM:
        how = {Ipam.VPC_ENI: "its ENI IPAM (the Cilium operator)", Ipam.OVERLAY: "an overlay pool"}
        return Verdict(
            False,
            f"cluster uses Cilium with {how.get(p.ipam, 'its own IPAM')}; the VPC CNI (aws-node) "
            "does not run",
        )
    return Verdict(False, f"cluster uses {p.label}; the VPC CNI (aws-node) does not run")


def _vpc_ipam(p: Platform) -> Verdict:
    if p.ipam is Ipam.VPC_ENI:
        return APPLIES
    if p.ipam is Ipam.OVERLAY:
        return Verdict(
            False, f"cluster uses {p.label} with an overlay: pod IPs do not come from ENIs"
        )
    return Verdict(None, f"pod IPAM of {p.label} unknown", p.missing or (f.K8S_DAEMONSETS,))


def _ipv4_pods(p: Platform) -> Verdict:
    if p.ip_family == "ipv4":
        return APPLIES
    if p.ip_family == "ipv6":
        return Verdict(False, "IPv6 cluster: pods take IPv6 addresses, no IPv4 address of a subnet")
    return Verdict(None, "the IP family is unknown", p.missing or (f.AWS_CLUSTER,))


def _ec2_nodes(p: Platform) -> Verdict:
    ec2 = sum(n for kind, n in p.compute.items() if kind in ("ec2", "karpenter", "windows"))
    if ec2:
        return APPLIES
    if not p.compute:
        return Verdict(None, "no nodes in the bundle", (f.K8S_NODES,))
    kinds = ", ".join(sorted(p.compute))
    return Verdict(False, f"no EC2 nodes the cluster manages itself (nodes: {kinds})")


VPC_CNI = Requirement("vpc-cni", _vpc_cni)
"""The VPC CNI's aws-node runs and its settings govern pod IPs."""
VPC_IPAM = Requirement("vpc-ipam", _vpc_ipam)
"""Pod IPs are VPC addresses held on ENIs (VPC CNI, Auto Mode, Cilium ENI mode)."""


def _cilium_eni(p: Platform) -> Verdict:
    if p.cni is Cni.CILIUM and p.ipam is Ipam.VPC_ENI:
        return APPLIES
    if p.cni is Cni.UNKNOWN:
        return Verdict(None, "the CNI is unknown", p.missing or (f.K8S_DAEMONSETS,))
    if p.cni is Cni.CILIUM and p.ipam is Ipam.UNKNOWN:
        return Verdict(None, "Cilium's IPAM mode is unknown", p.missing or (f.K8S_CONFIGMAPS,))
    if p.cni is Cni.CILIUM:
        return Verdict(
            False, f"cluster uses {p.label} with an overlay: pod IPs do not come from ENIs"
        )
    return Verdict(False, f"cluster uses {p.label}, not Cilium's ENI IPAM")


def _ipv6_pods(p: Platform) -> Verdict:
    if p.ip_family == "ipv6":
        return APPLIES
    if p.ip_family == "ipv4":
        return Verdict(False, "IPv4 cluster: pods take no IPv6 prefix")
    return Verdict(None, "the IP family is unknown", p.missing or (f.AWS_CLUSTER,))


IPV6_PODS = Requirement("ipv6-pods", _ipv6_pods)
"""Pods take IPv6 addresses from a /80 prefix on the node's primary ENI."""
CILIUM_ENI = Requirement("cilium-eni", _cilium_eni)
"""Cilium hands out VPC addresses from ENIs (`ipam: eni`), the Cilium operator attaching them."""
IPV4_PODS = Requirement("ipv4-pods", _ipv4_pods)
"""Pods take IPv4 addresses from the subnets."""
EC2_NODES = Requirement("ec2-nodes", _ec2_nodes)
"""The cluster has EC2 nodes it manages (managed, self-managed, Karpenter, Windows)."""
