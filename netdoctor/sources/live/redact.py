"""Redaction: what never leaves the cluster, and `--redact-ids` stable tokens.

Always (no option turns it off), every Kubernetes object is reduced to an allow-list of the
fields netdoctor reads (`netdoctor.sources.live.allowlist`): identity, labels, owners, the
status and spec fields the checks, the inspector and `serve` use. Container args and commands,
probes and their headers, lifecycle hooks, volumes (CSI attributes included), pod env,
managedFields and every annotation but the few the checks read are dropped; `user:pass@` is cut
from image references; DaemonSet env keeps its names, with values masked except the VPC CNI
settings of `aws-node`; the last-applied manifest of a Service keeps only the nodePorts it pins;
of the ConfigMaps only `amazon-vpc-cni` (the VPC resource controller's settings) and `aws-auth`
(each mapped role's ARN and groups; usernames and mapUsers dropped) are kept. Secrets are never
requested at all.

With `--redact-ids`, `IdRedactor` also rewrites the finished files: AWS account ids, IPv4
addresses outside the VPC CIDRs, AWS host names and identifying names (the cluster, load
balancers, target groups, `Name` tags) become tokens. A token is an HMAC of the value, so the
same value gives the same token in every file and, with the same `--redact-key`, in every frame.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from netdoctor.snapshot import files as f
from netdoctor.sources.live.allowlist import (
    AWS_AUTH_CONFIGMAP,
    CNI_ENV_NAMES,
    CNI_ENV_PREFIXES,
    DROP,
    KINDS,
    LAST_APPLIED,
    MARKER,
    daemonset,
    is_cni_setting,
    prune,
)
from netdoctor.sources.live.permissions import AWS_AUTH_NAME, CONFIGMAP_NAMES

__all__ = [
    "CNI_ENV_NAMES",
    "CNI_ENV_PREFIXES",
    "LAST_APPLIED",
    "MARKER",
    "IdRedactor",
    "is_cni_setting",
    "names_in_aws",
    "redact_k8s_item",
]

AWS_NODE = "aws-node"
KUBE_SYSTEM = "kube-system"
_AWS_NODE_DAEMONSET = daemonset(keep_cni=True)


def _name_ns(item: dict[str, Any]) -> tuple[Any, Any]:
    meta = item.get("metadata")
    if not isinstance(meta, dict):
        return None, None
    return meta.get("name"), meta.get("namespace")


def redact_k8s_item(bundle_file: str, item: dict[str, Any]) -> dict[str, Any] | None:
    """The item as it may enter the bundle (only the allowed fields), or None when it must not
    enter it at all."""
    name, namespace = _name_ns(item)
    if bundle_file == f.K8S_CONFIGMAPS and (
        name not in CONFIGMAP_NAMES or namespace != KUBE_SYSTEM
    ):
        return None
    spec = KINDS.get(bundle_file)
    if spec is None:
        return None  # a kind nobody listed here has nothing netdoctor reads
    if bundle_file == f.K8S_CONFIGMAPS and name == AWS_AUTH_NAME:
        spec = AWS_AUTH_CONFIGMAP
    if bundle_file == f.K8S_DAEMONSETS and (name, namespace) == (AWS_NODE, KUBE_SYSTEM):
        spec = _AWS_NODE_DAEMONSET
    kept = prune(item, spec)
    return None if kept is DROP else kept


# ---------------------------------------------------------------------------------------------
# --redact-ids


_ACCOUNT_IN_ARN = re.compile(rb"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):")
_ACCOUNT_FIELD = re.compile(rb'"(?:OwnerId|RequesterId|AccountId|accountId)"\s*:\s*"(\d{12})"')
_AWS_HOST = re.compile(rb"(?<![A-Za-z0-9.-])((?:[A-Za-z0-9-]+\.)+amazonaws\.com(?:\.cn)?)(?![\w-])")
# `service.region.amazonaws.com` and `service.amazonaws.com` name no customer resource.
_PLAIN_SERVICE_HOST = re.compile(
    rb"^(?:[a-z0-9-]+\.)?(?:[a-z]{2}(?:-[a-z]+)+-\d+\.)?amazonaws\.com"
)
_OIDC_ID = re.compile(rb"(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/id/)([A-Za-z0-9]+)")
_IPV4 = re.compile(rb"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2}))?(?![\w.])")
_STOP_NAMES = frozenset({"default", "main", "public", "private", "kubernetes", "kube-system"})
_MIN_NAME = 4
_ALWAYS_KEEP = tuple(
    ipaddress.ip_network(n) for n in ("0.0.0.0/32", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3")
)
_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


class IdRedactor:
    """Maps identifying values to stable tokens across the bytes of a bundle's files."""

    def __init__(
        self,
        key: bytes,
        vpc_cidrs: Iterable[str] = (),
        keep_cidrs: Iterable[str] = (),
        names: Iterable[str] = (),
        accounts: Iterable[str] = (),
    ) -> None:
        """
        Args:
            key: the HMAC key; the same key gives the same tokens (pass `--redact-key` to
                compare frames captured separately).
            vpc_cidrs: the VPC's CIDR blocks; IPv4 addresses inside them are kept, because the
                checks join pods, ENIs and subnets on them. When empty, private ranges are kept.
            keep_cidrs: more ranges to keep (the cluster's service CIDR).
            names: identifying names to replace wherever they occur (cluster, load balancers).
            accounts: AWS account ids to replace (more are found in ARNs and owner fields).
        """
        self.key = key
        nets = [_network(c) for c in vpc_cidrs]
        inside = [n for n in nets if n is not None] or list(_PRIVATE)
        extra = [n for n in (_network(c) for c in keep_cidrs) if n is not None]
        self.keep = tuple(inside + extra) + _ALWAYS_KEEP
        self.names = {n for n in names if _worth_replacing(n)}
        self.accounts = {a for a in accounts if re.fullmatch(r"\d{12}", a)}
        self._literal: re.Pattern[bytes] | None = None

    def token(self, kind: str, value: str) -> str:
        """A short stable hex token for `value` of `kind` (`name`, `host`, `account`, `ip`)."""
        return hmac.new(self.key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()

    def learn(self, data: bytes) -> None:
        """Find account ids in `data` (ARNs, owner fields) so every file replaces them."""
        self.accounts.update(m.decode() for m in _ACCOUNT_IN_ARN.findall(data))
        self.accounts.update(m.decode() for m in _ACCOUNT_FIELD.findall(data))
        self._literal = None

    def redact(self, data: bytes) -> bytes:
        """`data` (a JSON file's bytes) with identifying values replaced by tokens."""
        data = _OIDC_ID.sub(self._oidc, data)
        data = _AWS_HOST.sub(self._host, data)
        literal = self._literal_pattern()
        if literal is not None:
            data = literal.sub(self._literal_token, data)
        return _IPV4.sub(self._ip, data)

    def _oidc(self, match: re.Match[bytes]) -> bytes:
        return match[1] + self.token("oidc", match[2].decode())[:32].upper().encode()

    def _host(self, match: re.Match[bytes]) -> bytes:
        host = match[1]
        if _PLAIN_SERVICE_HOST.fullmatch(host) or host.startswith(b"oidc.eks."):
            return host
        return f"redacted-{self.token('host', host.decode().lower())[:12]}.invalid".encode()

    def _literal_pattern(self) -> re.Pattern[bytes] | None:
        if self._literal is None:
            literals = sorted({*self.names, *self.accounts}, key=len, reverse=True)
            if not literals:
                return None
            alternation = b"|".join(re.escape(x.encode()) for x in literals)
            self._literal = re.compile(rb"(?<![A-Za-z0-9_])(" + alternation + rb")(?![A-Za-z0-9_])")
        return self._literal

    def _literal_token(self, match: re.Match[bytes]) -> bytes:
        value = match[1].decode()
        if value in self.accounts:
            digits = int(self.token("account", value), 16) % 10**12
            return f"{digits:012d}".encode()
        return f"name-{self.token('name', value)[:10]}".encode()

    def _ip(self, match: re.Match[bytes]) -> bytes:
        text = match[1].decode()
        prefix = int(match[2]) if match[2] is not None else 32
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            return match[0]
        if prefix > 32 or prefix < 8 or any(address in net for net in self.keep):
            return match[0]
        # 240.0.0.0/4 is reserved: a token can never be mistaken for a real address.
        mapped = 0xF0000000 | (int(self.token("ip", text), 16) & 0x0FFFFFFF)
        if match[2] is None:
            return str(ipaddress.IPv4Address(mapped)).encode()
        net = ipaddress.IPv4Network((mapped, prefix), strict=False)
        return str(net).encode()


def _network(cidr: str) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) else None


def _worth_replacing(name: str) -> bool:
    # Short or generic names would rewrite unrelated words; they identify nobody anyway.
    return len(name) >= _MIN_NAME and name.lower() not in _STOP_NAMES


def names_in_aws(documents: dict[str, Any]) -> set[str]:
    """Identifying names in parsed AWS documents: load balancers, target groups, `Name` tags."""
    names: set[str] = set()
    lbs = documents.get(f.AWS_LOAD_BALANCERS)
    for lb in _list(lbs, "LoadBalancers"):
        names.add(str(lb.get("LoadBalancerName") or ""))
    for tg in _list(documents.get(f.AWS_TARGET_GROUPS), "TargetGroups"):
        names.add(str(tg.get("TargetGroupName") or ""))
    for doc in documents.values():
        _collect_name_tags(doc, names)
    names.discard("")
    return names


def _list(doc: Any, key: str) -> list[dict[str, Any]]:
    value = doc.get(key) if isinstance(doc, dict) else None
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _collect_name_tags(node: Any, names: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Tags" and isinstance(value, list):
                for tag in value:
                    if isinstance(tag, dict) and tag.get("Key") == "Name":
                        names.add(str(tag.get("Value") or ""))
            else:
                _collect_name_tags(value, names)
    elif isinstance(node, list):
        for value in node:
            _collect_name_tags(value, names)
