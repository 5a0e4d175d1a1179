"""VPC CNI settings read from the aws-node DaemonSet, with the documented defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netdoctor.snapshot.k8s_types import DaemonSet

DEFAULT_ENI_CONFIG_KEY = "k8s.amazonaws.com/eniConfig"
_TRUE = {"1", "t", "true"}  # Go's strconv.ParseBool, which aws-node uses
_VERSION = re.compile(r":v?(\d+)\.(\d+)(?:\.(\d+))?")

# Documented defaults (amazon-vpc-cni-k8s README); None = unset.
DEFAULTS: dict[str, str | None] = {
    "WARM_ENI_TARGET": "1",
    "WARM_IP_TARGET": None,
    "MINIMUM_IP_TARGET": None,
    "WARM_PREFIX_TARGET": None,
    "ENABLE_PREFIX_DELEGATION": "false",
    "ENABLE_POD_ENI": "false",
    "AWS_VPC_K8S_CNI_EXTERNALSNAT": "false",
    "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS": "",
    "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "false",
    "ENI_CONFIG_LABEL_DEF": DEFAULT_ENI_CONFIG_KEY,
    "ENI_CONFIG_ANNOTATION_DEF": DEFAULT_ENI_CONFIG_KEY,
    "MAX_ENI": None,
    "ENABLE_SUBNET_DISCOVERY": "true",
}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass(frozen=True)
class CniSettings:
    """The aws-node env that netdoctor reads, defaults filled in."""

    found: bool
    """False when the bundle has no aws-node DaemonSet: every value is then a default."""
    env: dict[str, str] = field(default_factory=dict)
    """The env as set on the aws-node container (only literal values)."""
    image: str | None = None
    version: tuple[int, int, int] | None = None
    """The CNI version from the image tag, e.g. (1, 20, 1); None when the tag says nothing."""

    def get(self, name: str) -> str | None:
        """The setting's value, or its documented default."""
        return self.env.get(name, DEFAULTS.get(name))

    def flag(self, name: str) -> bool:
        """A boolean setting, parsed as aws-node parses it."""
        return (self.get(name) or "").strip().lower() in _TRUE

    def number(self, name: str) -> int | None:
        """An integer setting, None when unset or not a number."""
        return _int(self.get(name))

    def source(self, name: str) -> str:
        """`NAME=value (aws-node env)` or `NAME=value (default)`, for evidence lines."""
        where = "aws-node env" if name in self.env else "default"
        return f"{name}={self.get(name) if self.get(name) is not None else '(unset)'} ({where})"

    @property
    def prefix_delegation(self) -> bool:
        return self.flag("ENABLE_PREFIX_DELEGATION")

    @property
    def pod_eni(self) -> bool:
        return self.flag("ENABLE_POD_ENI")

    @property
    def external_snat(self) -> bool:
        return self.flag("AWS_VPC_K8S_CNI_EXTERNALSNAT")

    @property
    def custom_networking(self) -> bool:
        return self.flag("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG")

    @property
    def max_eni(self) -> int | None:
        return self.number("MAX_ENI")

    @property
    def eni_config_label(self) -> str:
        return self.get("ENI_CONFIG_LABEL_DEF") or DEFAULT_ENI_CONFIG_KEY

    @property
    def eni_config_annotation(self) -> str:
        return self.get("ENI_CONFIG_ANNOTATION_DEF") or DEFAULT_ENI_CONFIG_KEY

    @property
    def exclude_snat_cidrs(self) -> list[str]:
        raw = self.get("AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS") or ""
        return [c.strip() for c in raw.split(",") if c.strip()]

    @property
    def version_text(self) -> str:
        """`v1.20.1`, or `unknown`."""
        return "v" + ".".join(map(str, self.version)) if self.version else "unknown"


def parse_version(image: str | None) -> tuple[int, int, int] | None:
    """The version in an image reference like `…/amazon-k8s-cni:v1.20.1-eksbuild.1`."""
    match = _VERSION.search(image or "")
    if not match:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


def cni_settings(daemonsets: list[DaemonSet]) -> CniSettings:
    """Settings from the `aws-node` DaemonSet's `aws-node` container."""
    for ds in daemonsets:
        if ds.metadata.name != "aws-node":
            continue
        containers = ds.spec.template.spec.containers or []
        main = next(
            (c for c in containers if c.name == "aws-node"), containers[0] if containers else None
        )
        if main is None:
            return CniSettings(found=True)
        env = {e.name: e.value for e in main.env or () if e.value is not None}
        return CniSettings(found=True, env=env, image=main.image, version=parse_version(main.image))
    return CniSettings(found=False)
