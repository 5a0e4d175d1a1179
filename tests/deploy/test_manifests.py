"""deploy/ validates: every YAML parses, every kustomization builds (as `kubectl kustomize`
builds it where kubectl is installed), names and references agree across objects, the RBAC
stays read-only, the pods run non-root on a read-only root filesystem with sized resources, the
commands the pods run parse with netdoctor's own parser, and the alert expressions parse."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.deploy.kustomize import KUSTOMIZATION, Doc, build, key, load_all, pod_spec

DEPLOY = REPO / "deploy"
RBAC = DEPLOY / "rbac.yaml"
TOPS = ("base", "cronjob", "overlays/irsa", "overlays/pod-identity")
"""The kustomizations a user applies."""
ALL_KUSTOMIZATIONS = sorted(p.parent for p in DEPLOY.rglob(KUSTOMIZATION))
READ = {"get", "list", "watch"}
USER = 65532
WATCH_FLAGS = {"--interval", "--record", "--retain", "--metrics-port", "--metrics-bind", "--once"}
"""The `netdoctor watch` options the Deployment may use (issue 16, part 1)."""
METRICS = {
    "netdoctor_subnet_exhaustion_forecast_seconds",
    "netdoctor_findings",
    "netdoctor_last_success_timestamp_seconds",
}
"""The metric names the example alerts use; docs/fleet.md lists them."""


def _yaml_files() -> list[Path]:
    return sorted(DEPLOY.rglob("*.yaml"))


def _built(top: str) -> list[Doc]:
    return build(DEPLOY / top)


def _of(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def _one(docs: list[Doc], kind: str) -> Doc:
    [doc] = _of(docs, kind)
    return doc


def test_every_yaml_parses_into_objects_with_kind_and_name() -> None:
    files = _yaml_files()
    assert len(files) >= 15
    for path in files:
        docs = load_all(path)
        assert docs, f"{path}: empty"
        for doc in docs:
            assert isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind"), path
            if doc["kind"] not in ("Kustomization", "Component"):
                assert doc["metadata"]["name"], path
    for path in sorted(DEPLOY.rglob("*.json")):
        json.loads(path.read_text(encoding="utf-8"))


def test_every_file_is_part_of_a_kustomization_or_named_as_an_alternative() -> None:
    used: set[Path] = set()
    for directory in ALL_KUSTOMIZATIONS:
        spec = load_all(directory / KUSTOMIZATION)[0]
        refs = [*spec.get("resources", []), *spec.get("components", [])]
        refs += [p["path"] for p in spec.get("patches", [])]
        for ref in refs:
            path = (directory / ref).resolve()
            assert path.exists(), f"{directory / KUSTOMIZATION}: {ref} does not exist"
            used.add(path)
    standalone = {RBAC, DEPLOY / "monitoring" / "podmonitor.yaml"}
    for path in _yaml_files():
        if path.name != KUSTOMIZATION:
            assert path in used or path in standalone, f"{path} is in no kustomization"


@pytest.mark.parametrize("top", [str(p.relative_to(DEPLOY)) for p in ALL_KUSTOMIZATIONS])
def test_kustomizations_build_and_agree_with_kubectl(top: str) -> None:
    if load_all(DEPLOY / top / KUSTOMIZATION)[0]["kind"] == "Component":
        pytest.skip("a component builds only inside a kustomization (see the large-cluster test)")
    ours = _built(top)
    keys = [key(d) for d in ours]
    assert len(keys) == len(set(keys)), f"{top}: duplicate objects"
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed: built with tests/deploy/kustomize.py only")
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / top)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    theirs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert sorted(theirs, key=key) == sorted(ours, key=key)


def test_large_cluster_component_resizes_the_watcher(tmp_path: Path) -> None:
    overlay = DEPLOY / "overlays" / "irsa"
    base = _built("overlays/irsa")
    spec = load_all(overlay / KUSTOMIZATION)[0]
    # The component applied on top of the irsa overlay, as a user's overlay would list it.
    component = DEPLOY / "components" / "large-cluster"
    from tests.deploy.kustomize import _apply

    inner = load_all(component / KUSTOMIZATION)[0]
    big = _apply(component, inner, [dict(d) for d in base])
    assert spec["components"] == ["../../monitoring"]
    small_pod = pod_spec(_one(base, "Deployment"))
    big_pod = pod_spec(_one(big, "Deployment"))
    assert small_pod and big_pod
    [small], [large] = small_pod["containers"], big_pod["containers"]
    assert _memory(large["resources"]["requests"]["memory"]) > _memory(
        small["resources"]["requests"]["memory"]
    )
    assert [v["name"] for v in big_pod["volumes"]] == ["recordings", "tmp"]  # merged, not replaced
    assert large["securityContext"] == small["securityContext"]
    pvc = _one(big, "PersistentVolumeClaim")
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "50Gi"


def _memory(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", text).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


@pytest.mark.parametrize("top", TOPS)
def test_names_and_references_agree(top: str) -> None:
    docs = _built(top)
    rules = load_all(RBAC)
    namespaces = {d["metadata"]["name"] for d in _of(docs, "Namespace")} | {"kube-system"}
    for doc in docs:
        ns = doc["metadata"].get("namespace")
        if doc["kind"] not in ("Namespace", "ClusterRoleBinding", "ClusterRole"):
            assert ns in namespaces, f"{top}: {key(doc)} in a namespace nobody creates"
    accounts = {
        (d["metadata"]["namespace"], d["metadata"]["name"]) for d in _of(docs, "ServiceAccount")
    }
    roles = {key(d) for d in rules + docs if d["kind"] in ("Role", "ClusterRole")}
    bindings = [d for d in docs if d["kind"] in ("RoleBinding", "ClusterRoleBinding")]
    assert {b["roleRef"]["kind"] for b in bindings} == {"Role", "ClusterRole"}
    for binding in bindings:
        ref = binding["roleRef"]
        ns = binding["metadata"].get("namespace", "") if ref["kind"] == "Role" else ""
        assert (ref["kind"], ns, ref["name"]) in roles, f"{top}: {key(binding)} → missing role"
        for subject in binding["subjects"]:
            assert subject["kind"] == "ServiceAccount"
            assert (subject["namespace"], subject["name"]) in accounts
    # Every rule of rbac.yaml reaches the ServiceAccount: each Role/ClusterRole there is bound.
    bound = {
        (b["roleRef"]["kind"], b["metadata"].get("namespace", ""), b["roleRef"]["name"])
        for b in bindings
    }
    for role in rules:
        if role["kind"] in ("Role", "ClusterRole"):
            want = (
                role["kind"],
                role["metadata"].get("namespace", "") if role["kind"] == "Role" else "",
                role["metadata"]["name"],
            )
            assert want in bound, f"{top}: {want} of rbac.yaml is not bound to the ServiceAccount"

    claims = {
        (d["metadata"]["namespace"], d["metadata"]["name"])
        for d in _of(docs, "PersistentVolumeClaim")
    }
    workloads = [d for d in docs if pod_spec(d) is not None]
    assert workloads
    for workload in workloads:
        ns, pod = workload["metadata"]["namespace"], pod_spec(workload)
        assert pod is not None
        assert (ns, pod["serviceAccountName"]) in accounts
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for volume in volumes.values():
            if "persistentVolumeClaim" in volume:
                assert (ns, volume["persistentVolumeClaim"]["claimName"]) in claims
        for container in pod["containers"]:
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{top}: mount of a volume that is not there"

    for service in _of(docs, "Service"):
        pods = [
            (w, pod_spec(w))
            for w in _of(docs, "Deployment")
            if w["metadata"]["namespace"] == service["metadata"]["namespace"]
            and service["spec"]["selector"].items()
            <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(pods) == 1, f"{top}: Service selects {len(pods)} Deployments"
        ports = {p["name"] for c in pods[0][1]["containers"] for p in c.get("ports", [])}  # type: ignore[index]
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports
        deployment = pods[0][0]
        assert (
            deployment["spec"]["selector"]["matchLabels"].items()
            <= deployment["spec"]["template"]["metadata"]["labels"].items()
        )
    for monitor in _of(docs, "ServiceMonitor"):
        [service] = [
            s
            for s in _of(docs, "Service")
            if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
        ]
        assert (
            service["metadata"]["namespace"] in monitor["spec"]["namespaceSelector"]["matchNames"]
        )
        names = {p["name"] for p in service["spec"]["ports"]}
        assert all(e["port"] in names for e in monitor["spec"]["endpoints"])


def test_the_podmonitor_alternative_selects_the_watch_pods() -> None:
    [monitor] = load_all(DEPLOY / "monitoring" / "podmonitor.yaml")
    deployment = _one(_built("base"), "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert deployment["metadata"]["namespace"] in monitor["spec"]["namespaceSelector"]["matchNames"]
    ports = {
        p["name"] for c in deployment["spec"]["template"]["spec"]["containers"] for p in c["ports"]
    }
    assert all(e["port"] in ports for e in monitor["spec"]["podMetricsEndpoints"])


def test_every_role_anywhere_in_deploy_is_read_only() -> None:
    roles = [d for p in _yaml_files() for d in load_all(p) if d["kind"] in ("Role", "ClusterRole")]
    assert {r["metadata"]["name"] for r in roles} == {"netdoctor-capture"}
    for role in roles:
        for rule in role["rules"]:
            assert set(rule["verbs"]) <= READ, rule
            assert "*" not in str(rule), rule
            assert "secrets" not in rule.get("resources", []), rule
            if "configmaps" in rule.get("resources", []):
                assert rule.get("resourceNames") == ["amazon-vpc-cni", "aws-auth"], rule
    policy = json.loads((DEPLOY / "iam-policy.json").read_text(encoding="utf-8"))
    actions = [a for s in policy["Statement"] for a in s["Action"]]
    # Read-only: Describe*, Get* (prefix-list entries, CIDR reservations), List* (EKS).
    verbs = ("Describe", "Get", "List")
    assert actions and all(a.split(":")[1].startswith(verbs) for a in actions)
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])


@pytest.mark.parametrize("top", TOPS)
def test_pods_run_non_root_read_only_with_sized_resources(top: str) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert f"USER {USER}:{USER}" in dockerfile
    for workload in (d for d in _built(top) if pod_spec(d) is not None):
        pod = pod_spec(workload)
        assert pod is not None
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == USER and context["runAsGroup"] == USER
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            assert not pod.get(flag)
        assert not any("hostPath" in v for v in pod.get("volumes", []))
        for container in pod["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert not sc.get("privileged")
            requests, limits = container["resources"]["requests"], container["resources"]["limits"]
            assert requests["cpu"] and requests["memory"] and limits["memory"]
            assert _memory(limits["memory"]) >= _memory(requests["memory"])
            # Read-only root: the only writable paths are volumes.
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts
            assert container["image"].rsplit(":", 1)[-1] == "0.1.0"


def _watch_container() -> tuple[Doc, Doc]:
    deployment = _one(_built("base"), "Deployment")
    pod = pod_spec(deployment)
    assert pod is not None
    [container] = pod["containers"]
    return pod, container


def test_the_deployment_runs_watch_recording_to_the_volume_and_serving_metrics() -> None:
    pod, container = _watch_container()
    args: list[str] = container["args"]
    assert args[0] == "watch"
    flags = {a for a in args if a.startswith("--")}
    assert flags <= WATCH_FLAGS
    value = {args[i]: args[i + 1] for i in range(1, len(args) - 1) if args[i].startswith("--")}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert value["--record"] == "/var/lib/netdoctor"
    assert "persistentVolumeClaim" in volumes[mounts[value["--record"]]]
    [port] = [p for p in container["ports"] if p["name"] == "metrics"]
    assert value["--metrics-port"] == str(port["containerPort"]) == "9808"
    assert value["--metrics-bind"] == "0.0.0.0"
    assert container["readinessProbe"]["httpGet"]["port"] == "metrics"
    assert "/var/lib/netdoctor" in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")


def test_the_deployment_args_parse_with_the_watch_command() -> None:
    from netdoctor.frontends.cli import build_parser

    _, container = _watch_container()
    args = build_parser(container["args"]).parse_args(container["args"])
    assert hasattr(args, "run")


def test_the_cronjob_prints_check_live_json_on_stdout() -> None:
    from netdoctor.frontends.cli import build_parser

    cronjob = _one(_built("cronjob"), "CronJob")
    pod = pod_spec(cronjob)
    assert pod is not None and pod["restartPolicy"] == "Never"
    [container] = pod["containers"]
    args = build_parser(container["args"]).parse_args(container["args"])
    assert args.run.__module__ == "netdoctor.frontends.commands.check"
    assert args.live is True and args.bundle is None
    assert args.format == "json" and args.fail_on == "never"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"


def _rules() -> list[Doc]:
    rule = _one(_built("overlays/irsa"), "PrometheusRule")
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def test_alerts_parse_as_promql_and_say_what_the_issue_asks() -> None:
    promql = pytest.importorskip("promql_parser")
    rules = {r["alert"]: r for r in _rules()}
    used: set[str] = set()
    for rule in rules.values():
        promql.parse(rule["expr"])  # raises on a syntax error
        used |= set(re.findall(r"\bnetdoctor_[a-z_]+\b", rule["expr"]))
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
    assert used == METRICS
    forecast = rules["NetdoctorSubnetExhaustionForecast"]
    assert str(promql.parse(forecast["expr"])) == (
        "netdoctor_subnet_exhaustion_forecast_seconds{} < 6 * 3600"
    )
    critical = rules["NetdoctorCriticalFinding"]
    assert critical["for"] == "10m" and 'severity="critical"' in critical["expr"]
    docs = (REPO / "docs" / "fleet.md").read_text(encoding="utf-8")
    for name in METRICS:
        assert f"`{name}`" in docs, f"{name} is not documented in docs/fleet.md"


def test_alert_metrics_are_the_ones_watch_serves() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "netdoctor").rglob("*.py"))
    for name in METRICS:
        # prometheus-client adds `_total` to counters; the family name is in the source.
        assert name.removesuffix("_total") in source, f"watch serves no metric {name}"


def test_aws_credentials_examples_name_the_service_account() -> None:
    docs = _built("overlays/irsa")
    account = _one(docs, "ServiceAccount")
    ns, name = account["metadata"]["namespace"], account["metadata"]["name"]
    arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", arn)
    irsa = json.loads((DEPLOY / "iam" / "trust-irsa.json").read_text(encoding="utf-8"))
    [statement] = irsa["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = statement["Condition"]["StringEquals"]
    subs = [v for k, v in conditions.items() if k.endswith(":sub")]
    assert subs == [f"system:serviceaccount:{ns}:{name}"]
    assert [v for k, v in conditions.items() if k.endswith(":aud")] == ["sts.amazonaws.com"]

    plain = _one(_built("overlays/pod-identity"), "ServiceAccount")
    assert "annotations" not in plain["metadata"]
    pod_identity = json.loads(
        (DEPLOY / "iam" / "trust-pod-identity.json").read_text(encoding="utf-8")
    )
    [statement] = pod_identity["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    tags = statement["Condition"]["StringEquals"]
    assert tags["aws:RequestTag/kubernetes-namespace"] == [ns]
    assert tags["aws:RequestTag/kubernetes-service-account"] == [name]
    overlay = (DEPLOY / "overlays" / "pod-identity" / KUSTOMIZATION).read_text(encoding="utf-8")
    assert f"--namespace {ns} --service-account {name}" in overlay


def test_the_dockerfile_builds_the_wheel_from_what_the_wheel_needs() -> None:
    import tomllib

    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+", text, flags=re.M)
    assert len(stages) == 2, "multi-stage: build, then a runtime without build tools"
    assert "pip wheel" in text and "--no-index --find-links /wheels" in text
    assert re.search(r'^ENTRYPOINT \["netdoctor"\]$', text, flags=re.M)
    copied = {
        Path(src)
        for line in re.findall(r"^COPY (?!--)(.+)$", text, flags=re.M)
        for src in line.split()[:-1]
    }
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {Path("pyproject.toml"), Path(project["project"]["readme"])}
    needed |= {Path(p) for p in wheel["packages"]} | {Path(p) for p in wheel["force-include"]}
    assert needed <= copied, f"the build stage lacks {needed - copied}"
    for path in copied:
        assert (REPO / path).exists(), path
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for path in needed:
        assert any(
            line.lstrip("!").rstrip("/*") == str(path) for line in ignore if line.startswith("!")
        )
