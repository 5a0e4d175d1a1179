"""deploy/rbac.yaml and deploy/iam-policy.json grant exactly what capture and watch use,
read-only.

A capture and a watch cycle are replayed against the rules: every Kubernetes request (the serve
request log) and every AWS operation (the collector's `before-call` record) must be covered,
and every rule, verb and action must be used by at least one of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from netdoctor.sources.live import capture
from netdoctor.sources.live.permissions import AWS_CALLS, IAM_PREFIX
from tests.conftest import REPO

RBAC = REPO / "deploy" / "rbac.yaml"
IAM = REPO / "deploy" / "iam-policy.json"


@dataclass(frozen=True)
class Rule:
    """One RBAC rule, with the namespace its Role is limited to (None for a ClusterRole)."""

    namespace: str | None
    groups: tuple[str, ...]
    resources: tuple[str, ...]
    names: tuple[str, ...]
    urls: tuple[str, ...]
    verbs: tuple[str, ...]


@dataclass(frozen=True)
class Access:
    """What a request asks of RBAC."""

    verb: str
    group: str = ""
    resource: str = ""
    namespace: str | None = None
    name: str | None = None
    url: str | None = None


def rbac_rules() -> list[Rule]:
    documents = list(yaml.safe_load_all(RBAC.read_text()))
    bound = {(d["roleRef"]["kind"], d["roleRef"]["name"], d["metadata"].get("namespace"))
             for d in documents if d["kind"] in ("ClusterRoleBinding", "RoleBinding")}  # fmt: skip
    rules = []
    for d in documents:
        if d["kind"] not in ("ClusterRole", "Role"):
            continue
        namespace = d["metadata"].get("namespace") if d["kind"] == "Role" else None
        assert (d["kind"], d["metadata"]["name"], namespace) in bound, "every role is bound"
        for r in d["rules"]:
            rules.append(
                Rule(
                    namespace,
                    tuple(r.get("apiGroups", ())),
                    tuple(r.get("resources", ())),
                    tuple(r.get("resourceNames", ())),
                    tuple(r.get("nonResourceURLs", ())),
                    tuple(r["verbs"]),
                )
            )
    return rules


def access_of(method: str, path: str, query: str = "") -> Access:
    """The RBAC verb and resource of a GET, as the API server's authorizer sees it."""
    assert method == "GET", f"{method} {path} is not read-only"
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) >= 3:
        group, rest = "", parts[2:]
    elif parts[0] == "apis" and len(parts) >= 4:
        group, rest = parts[1], parts[3:]
    else:
        return Access("get", url=path)
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    name = rest[1] if len(rest) > 1 else None
    watching = any(p in ("watch=1", "watch=true") for p in query.split("&"))
    verb = "get" if name else "watch" if watching else "list"
    return Access(verb, group, rest[0], namespace, name)


def covers(rule: Rule, access: Access) -> bool:
    if access.verb not in rule.verbs:
        return False
    if access.url is not None:
        return access.url in rule.urls
    if rule.namespace is not None and access.namespace != rule.namespace:
        return False
    if access.group not in rule.groups or access.resource not in rule.resources:
        return False
    return not rule.names or access.name in rule.names


def iam_actions() -> set[str]:
    policy = json.loads(IAM.read_text())
    actions: set[str] = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions.update(statement["Action"])
    return actions


def test_rbac_grants_only_get_list_and_watch() -> None:
    assert {v for rule in rbac_rules() for v in rule.verbs} == {"get", "list", "watch"}
    assert all("*" not in (*r.resources, *r.groups, *r.verbs) for r in rbac_rules())


def test_iam_policy_is_the_operation_table_and_only_describes() -> None:
    assert iam_actions() == {call.iam_action for call in AWS_CALLS}
    # Read-only: Describe*, Get* (prefix-list entries, CIDR reservations), List* (EKS).
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in iam_actions())


def test_capture_uses_exactly_the_granted_permissions(live, tmp_path: Path) -> None:
    result = capture(live.options(tmp_path / "all"))
    capture(live.options(tmp_path / "ns", namespaces=("catalog", "kube-system")))

    rules = rbac_rules()
    used: set[Rule] = set()
    for request in live.server.requests:
        access = access_of(request.method, request.path)
        covering = [rule for rule in rules if covers(rule, access)]
        assert covering, f"no RBAC rule grants {access} ({request.path})"
        used.update(covering)
    assert [r for r in rules if r not in used] == [], "rules no request needs"

    called: set[str] = set()
    for call in result.aws_calls:
        assert call.operation.startswith(("Describe", "Get", "List")), call
        called.add(f"{IAM_PREFIX[call.service]}:{call.operation}")
    assert called == iam_actions()
    describe_cluster = [c for c in result.aws_calls if c.operation == "DescribeCluster"]
    assert [c.params for c in describe_cluster] == [{"name": "atlas"}]


def test_watch_uses_exactly_the_granted_permissions(live) -> None:
    import time

    from netdoctor.engine.registry import load_checks
    from netdoctor.frontends.watch.cycle import WatchCycle
    from netdoctor.frontends.watch.metrics import WatchMetrics

    cycle = WatchCycle(live.options(None), load_checks(plugins=False).select(), WatchMetrics())
    try:
        cycle.run()
        deadline = time.monotonic() + 10
        listed = [rel for rel, s in cycle.kube.states.items() if s.listed]
        while cycle.kube.watches < len(listed) - 1:  # all but the ConfigMap, read by name
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.1)  # the last watch request reaches the log
        cycle.run()
    finally:
        cycle.close()

    rules = rbac_rules()
    used: set[tuple[Rule, str]] = set()
    for request in live.server.requests:
        access = access_of(request.method, request.path, request.query)
        covering = [rule for rule in rules if covers(rule, access)]
        assert covering, f"no RBAC rule grants {access} ({request.path}?{request.query})"
        used.update((rule, access.verb) for rule in covering)
    granted = {(rule, verb) for rule in rules for verb in rule.verbs}
    capture_only = {(r, "get") for r in rules if r.urls}  # /apis: watch reads it too
    assert granted - used - capture_only == set(), "verbs watch does not need"


def test_a_request_outside_the_rules_is_caught() -> None:
    # The replay above would notice a capture that read Secrets or another ConfigMap.
    rules = rbac_rules()
    for path in (
        "/api/v1/secrets",
        "/api/v1/namespaces/kube-system/configmaps/coredns",
        "/api/v1/namespaces/kube-system/configmaps",
        "/apis/apps/v1/daemonsets",
        "/api/v1/nodes/ip-10-0-1-5",
    ):
        access = access_of("GET", path)
        assert not any(covers(rule, access) for rule in rules), path
