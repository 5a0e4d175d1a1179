"""What live capture keeps of each Kubernetes object: an allow-list, not a block-list.

Only the fields netdoctor reads enter a bundle: the typed shapes the checks decode
(`netdoctor.snapshot.k8s_types`), what the inspector walks (`netdoctor.explore`, built on the same
shapes) and what `serve` prints or filters on (`netdoctor.frontends.serve.columns`, selectors,
resource versions). Everything else is dropped: container args and commands, probes, lifecycle
hooks, volumes, env of pods, annotations other than the few the checks read. A secret a
workload puts anywhere else cannot leak, whatever its field is called.

A field a new check reads must be added here too: `tests/hostile/test_secrets.py` fails when a
field of the typed shapes is not kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from netdoctor.facts.cni import DEFAULT_ENI_CONFIG_KEY, DEFAULTS
from netdoctor.facts.identity import mapped_roles
from netdoctor.snapshot import files as f

Spec = Any
"""`SCALAR`, `STRINGS`, `SCALARS`, a dict of key → Spec, a one-item list `[Spec]` (a list of
such items), or a function value → kept value (or `DROP`)."""


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


SCALAR = _Marker("SCALAR")
"""A string, number, boolean or null."""
STRINGS = _Marker("STRINGS")
"""A list of strings."""
SCALARS = _Marker("SCALARS")
"""A map of string keys to scalars (labels, selectors, capacity)."""
DROP = _Marker("DROP")
"""What a spec function returns to leave the field out."""

_SCALAR_TYPES = (str, int, float, bool, type(None))
# `user:password@registry/…` in an image reference (or a message quoting one). A digest
# (`repo@sha256:…`) has no `/` after its `@`, so it never matches.
_CREDENTIALS = re.compile(r"(?<![\w.%+-])[\w.%+-]+(?::[^@\s\"']*)?@(?=[\w.-]+(?::\d+)?/)")


def scrub(text: str) -> str:
    """`text` without credentials embedded in registry references (`user:pass@host/…`)."""
    return _CREDENTIALS.sub("", text) if "@" in text else text


def prune(value: Any, spec: Spec) -> Any:
    """`value` reduced to what `spec` allows; `DROP` when nothing of it may be kept."""
    if spec is SCALAR:
        if not isinstance(value, _SCALAR_TYPES):
            return DROP
        return scrub(value) if isinstance(value, str) else value
    if spec is STRINGS:
        if not isinstance(value, list):
            return DROP
        return [scrub(v) for v in value if isinstance(v, str)]
    if spec is SCALARS:
        if not isinstance(value, dict):
            return DROP
        return {
            str(k): scrub(v) if isinstance(v, str) else v
            for k, v in value.items()
            if isinstance(v, _SCALAR_TYPES)
        }
    if isinstance(spec, list):
        if not isinstance(value, list):
            return DROP
        kept = (prune(v, spec[0]) for v in value)
        return [v for v in kept if v is not DROP]
    if isinstance(spec, Mapping):
        if not isinstance(value, dict):
            return DROP
        out = {}
        for key, sub in spec.items():
            if key in value:
                kept = prune(value[key], sub)
                if kept is not DROP:
                    out[key] = kept
        return out
    return spec(value)


# --- pieces -----------------------------------------------------------------------------------


Masks = Mapping[str, Callable[[str], Any]]


def kept_annotations(
    keep: Callable[[str], bool], masks: Masks | None = None
) -> Callable[[Any], Any]:
    """A spec for `metadata.annotations` keeping only keys `keep` accepts (string values), and
    the `masks` keys reduced by their function."""
    masks = masks or {}

    def spec(value: Any) -> Any:
        if not isinstance(value, dict):
            return DROP
        out: dict[str, str] = {}
        for key, text in value.items():
            if not isinstance(key, str) or not isinstance(text, str):
                continue
            if key in masks:
                masked = masks[key](text)
                if masked is not DROP:
                    out[key] = masked
            elif keep(key):
                out[key] = scrub(text)
        return out or DROP

    return spec


def _none(key: str) -> bool:
    return False


def meta(keep: Callable[[str], bool] = _none, masks: Masks | None = None) -> dict[str, Spec]:
    """`metadata`: identity, labels, owners, and only the annotations allowed."""
    return {
        "name": SCALAR,
        "namespace": SCALAR,
        "uid": SCALAR,
        "resourceVersion": SCALAR,
        "creationTimestamp": SCALAR,
        "deletionTimestamp": SCALAR,
        "labels": SCALARS,
        "ownerReferences": [
            {
                "apiVersion": SCALAR,
                "kind": SCALAR,
                "name": SCALAR,
                "uid": SCALAR,
                "controller": SCALAR,
            }
        ],
        "annotations": kept_annotations(keep, masks),
    }


def _object(metadata: Spec, **rest: Spec) -> dict[str, Spec]:
    return {"apiVersion": SCALAR, "kind": SCALAR, "metadata": metadata, **rest}


MARKER = "<redacted>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# aws-node env that is configuration, not secrets; the checks read it (netdoctor.facts.cni).
CNI_ENV_PREFIXES = ("AWS_VPC_", "ENABLE_", "WARM_", "ENI_CONFIG_", "DISABLE_")
CNI_ENV_NAMES = frozenset(
    {
        *DEFAULTS,
        "MINIMUM_IP_TARGET",
        "MAX_ENI",
        "POD_SECURITY_GROUP_ENFORCING_MODE",
        "NETWORK_POLICY_ENFORCING_MODE",
        "CLUSTER_NAME",
        "CLUSTER_ENDPOINT",
        "VPC_ID",
        "IP_COOLDOWN_PERIOD",
        "POD_MTU",
        "ADDITIONAL_ENI_TAGS",
        "ANNOTATE_POD_IP",
        "AWS_MANAGE_ENIS_NON_SCHEDULABLE",
        "INTROSPECTION_BIND_ADDRESS",
    }
)
# Even a CNI-looking name is redacted when it smells of a credential.
_SECRET_WORDS = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|_KEY$|APIKEY", re.I)


def is_cni_setting(name: str) -> bool:
    """True for aws-node env names that hold CNI configuration (kept in the bundle)."""
    if _SECRET_WORDS.search(name):
        return False
    return name in CNI_ENV_NAMES or name.startswith(CNI_ENV_PREFIXES)


def pinned_node_ports(text: str) -> Any:
    """The last-applied manifest reduced to what `nodeport-exposure` reads of it: the nodePorts
    it pins (`{"spec": {"ports": [{"nodePort": 30080}]}}`); `DROP` when it pins none."""
    try:
        applied = json.loads(text)
        ports = applied.get("spec", {}).get("ports") or []
        pinned = [p["nodePort"] for p in ports if isinstance(p.get("nodePort"), int)]
    except (ValueError, AttributeError, TypeError, RecursionError):
        return DROP
    if not pinned:
        return DROP
    return json.dumps({"spec": {"ports": [{"nodePort": n} for n in pinned]}})


def env(keep_value: Callable[[str], bool]) -> Callable[[Any], Any]:
    """A container's env: names only, each value masked unless `keep_value(name)` (the VPC CNI
    settings of aws-node); `valueFrom` references are dropped."""

    def spec(value: Any) -> Any:
        if not isinstance(value, list):
            return DROP
        out = []
        for var in value:
            if not isinstance(var, dict) or not isinstance(var.get("name"), str):
                continue
            name, text = var["name"], var.get("value")
            entry: dict[str, Any] = {"name": name}
            if isinstance(text, str):
                entry["value"] = text if keep_value(name) or text == "" else MARKER
            out.append(entry)
        return out

    return spec


def _no_value(name: str) -> bool:
    return False


def containers(env_spec: Spec | None) -> list[Spec]:
    """Containers as far as netdoctor reads them: the name, the image, and (DaemonSets) env."""
    item: dict[str, Spec] = {"name": SCALAR, "image": SCALAR}
    if env_spec is not None:
        item["env"] = env_spec
    return [item]


# --- the kinds --------------------------------------------------------------------------------

_SELECTOR = {
    "matchLabels": SCALARS,
    "matchExpressions": [{"key": SCALAR, "operator": SCALAR, "values": STRINGS}],
}
_LB_STATUS = {"loadBalancer": {"ingress": [{"ip": SCALAR, "hostname": SCALAR}]}}
_OBJECT_REF = {
    "apiVersion": SCALAR,
    "kind": SCALAR,
    "name": SCALAR,
    "namespace": SCALAR,
    "uid": SCALAR,
    "fieldPath": SCALAR,
}
_BACKEND = {
    "service": {"name": SCALAR, "port": {"number": SCALAR, "name": SCALAR}},
    "serviceName": SCALAR,
    "servicePort": SCALAR,
}
_CONDITION = {
    "type": SCALAR,
    "status": SCALAR,
    "reason": SCALAR,
    "message": SCALAR,
    "lastTransitionTime": SCALAR,
}
_STATE = {
    "waiting": {"reason": SCALAR, "message": SCALAR},
    "terminated": {"reason": SCALAR, "exitCode": SCALAR},
    "running": {"startedAt": SCALAR},
}
_CONTAINER_STATUS = {"name": SCALAR, "ready": SCALAR, "restartCount": SCALAR, "state": _STATE}

# The annotations checks and trace read (`facts/loadbalancers.py`, `facts/views.py`).
SERVICE_ANNOTATIONS = frozenset(
    {
        "service.beta.kubernetes.io/aws-load-balancer-type",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type",
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes",
        "alb.ingress.kubernetes.io/target-type",
    }
)
INGRESS_ANNOTATIONS = frozenset(
    {
        "kubernetes.io/ingress.class",
        "alb.ingress.kubernetes.io/target-type",
        "alb.ingress.kubernetes.io/scheme",
    }
)


def node_annotation(key: str) -> bool:
    """The ENIConfig a node selects: the default ENI_CONFIG_ANNOTATION_DEF key, or a custom key
    naming an ENIConfig (nodes are captured before aws-node, whose env names the key)."""
    return key == DEFAULT_ENI_CONFIG_KEY or "eniconfig" in key.lower()


# Settings of the VPC resource controller read from the amazon-vpc-cni ConfigMap
# (amazon-vpc-resource-controller-k8s docs/windows/*, EKS network policy docs); nothing else.
VPC_CNI_CONFIG_KEYS = frozenset(
    {
        "branch-eni-cooldown",
        "enable-network-policy-controller",
        "enable-windows-ipam",
        "enable-windows-prefix-delegation",
        "minimum-ip-target",
        "warm-ip-target",
        "warm-prefix-target",
        "windows-minimum-ip-target",
        "windows-warm-ip-target",
        "windows-warm-prefix-target",
    }
)


def _vpc_cni_data(value: Any) -> Any:
    if not isinstance(value, dict):
        return DROP
    return {k: v for k, v in value.items() if k in VPC_CNI_CONFIG_KEYS and isinstance(v, str)}


def _aws_auth_data(value: Any) -> Any:
    """aws-auth cut to each mapped role's ARN and groups (what node-join reads); usernames,
    `mapUsers`, `mapAccounts` and anything else are dropped. The result is JSON, which is YAML."""
    if not isinstance(value, dict):
        return DROP
    roles = mapped_roles(value.get("mapRoles"))
    for role in roles:
        role["rolearn"] = scrub(role["rolearn"])
    return {"mapRoles": json.dumps(roles)} if roles else {}


AWS_AUTH_CONFIGMAP = _object(meta(), data=_aws_auth_data)
"""What capture keeps of the aws-auth ConfigMap."""


def _cninode_feature(value: Any) -> Any:
    """A CNINode feature: `{name, value}` objects, or plain strings in older resource
    controllers (both shapes are read by `k8s_types.CNINodeSpec`)."""
    if isinstance(value, str):
        return scrub(value)
    return prune(value, {"name": SCALAR, "value": SCALAR})


def daemonset(keep_cni: bool) -> dict[str, Spec]:
    """A DaemonSet; `keep_cni` keeps the VPC CNI settings' values (aws-node in kube-system)."""
    values = env(is_cni_setting if keep_cni else _no_value)
    pod_spec = {"containers": containers(values), "initContainers": containers(values)}
    return _object(
        meta(),
        spec={"template": {"spec": pod_spec}},
        status={
            key: SCALAR
            for key in (
                "desiredNumberScheduled",
                "currentNumberScheduled",
                "numberReady",
                "updatedNumberScheduled",
                "numberAvailable",
                "numberUnavailable",
            )
        },
    )


KINDS: dict[str, dict[str, Spec]] = {
    f.K8S_NODES: _object(
        meta(node_annotation),
        spec={
            "providerID": SCALAR,
            "unschedulable": SCALAR,
            "taints": [{"key": SCALAR, "value": SCALAR, "effect": SCALAR}],
        },
        status={
            "capacity": SCALARS,
            "allocatable": SCALARS,
            "conditions": [_CONDITION],
            "addresses": [{"type": SCALAR, "address": SCALAR}],
            "nodeInfo": {
                key: SCALAR
                for key in (
                    "kubeletVersion",
                    "osImage",
                    "kernelVersion",
                    "containerRuntimeVersion",
                    "architecture",
                    "operatingSystem",
                )
            },
        },
    ),
    f.K8S_PODS: _object(
        meta(),
        spec={
            "nodeName": SCALAR,
            "hostNetwork": SCALAR,
            "serviceAccountName": SCALAR,
            "nodeSelector": SCALARS,
            "containers": containers(None),
            "initContainers": containers(None),
        },
        status={
            "phase": SCALAR,
            "podIP": SCALAR,
            "podIPs": [{"ip": SCALAR}],
            "hostIP": SCALAR,
            "reason": SCALAR,
            "message": SCALAR,
            "startTime": SCALAR,
            "conditions": [_CONDITION],
            "containerStatuses": [_CONTAINER_STATUS],
            "initContainerStatuses": [_CONTAINER_STATUS],
        },
    ),
    f.K8S_EVENTS: _object(
        meta(),
        involvedObject=_OBJECT_REF,
        regarding=_OBJECT_REF,
        reason=SCALAR,
        message=SCALAR,
        note=SCALAR,
        type=SCALAR,
        count=SCALAR,
        firstTimestamp=SCALAR,
        lastTimestamp=SCALAR,
        eventTime=SCALAR,
        series={"count": SCALAR, "lastObservedTime": SCALAR},
        source={"component": SCALAR, "host": SCALAR},
        reportingController=SCALAR,
    ),
    f.K8S_SERVICES: _object(
        meta(SERVICE_ANNOTATIONS.__contains__, {LAST_APPLIED: pinned_node_ports}),
        spec={
            "type": SCALAR,
            "clusterIP": SCALAR,
            "clusterIPs": STRINGS,
            "externalIPs": STRINGS,
            "ports": [
                {
                    "name": SCALAR,
                    "protocol": SCALAR,
                    "port": SCALAR,
                    "targetPort": SCALAR,
                    "nodePort": SCALAR,
                }
            ],
            "selector": SCALARS,
            "externalTrafficPolicy": SCALAR,
            "loadBalancerClass": SCALAR,
            "allocateLoadBalancerNodePorts": SCALAR,
        },
        status=_LB_STATUS,
    ),
    f.K8S_INGRESSES: _object(
        meta(INGRESS_ANNOTATIONS.__contains__),
        spec={
            "ingressClassName": SCALAR,
            "defaultBackend": _BACKEND,
            "backend": _BACKEND,
            "rules": [
                {
                    "host": SCALAR,
                    "http": {"paths": [{"path": SCALAR, "pathType": SCALAR, "backend": _BACKEND}]},
                }
            ],
            "tls": [{"hosts": STRINGS}],
        },
        status=_LB_STATUS,
    ),
    f.K8S_DAEMONSETS: daemonset(keep_cni=False),
    f.K8S_CONFIGMAPS: _object(meta(), data=_vpc_cni_data),
    f.K8S_ENICONFIGS: _object(meta(), spec={"subnet": SCALAR, "securityGroups": STRINGS}),
    f.K8S_SECURITY_GROUP_POLICIES: _object(
        meta(),
        spec={
            "podSelector": _SELECTOR,
            "serviceAccountSelector": _SELECTOR,
            "securityGroups": {"groupIds": STRINGS},
        },
    ),
    f.K8S_CNINODES: _object(meta(), spec={"features": [_cninode_feature]}),
    f.K8S_TARGET_GROUP_BINDINGS: _object(
        meta(),
        spec={
            "serviceRef": {"name": SCALAR, "port": SCALAR},
            "targetGroupARN": SCALAR,
            "targetType": SCALAR,
        },
    ),
    f.K8S_ENDPOINT_SLICES: _object(
        meta(),
        addressType=SCALAR,
        endpoints=[
            {
                "addresses": STRINGS,
                "conditions": {"ready": SCALAR, "serving": SCALAR, "terminating": SCALAR},
                "nodeName": SCALAR,
                "targetRef": {"kind": SCALAR, "name": SCALAR, "namespace": SCALAR},
            }
        ],
        ports=[{"name": SCALAR, "port": SCALAR, "protocol": SCALAR}],
    ),
}
"""Bundle file → what capture keeps of each of its items."""
