"""`netdoctor serve`: the bundle API server over real loopback HTTP, with real clients."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from netdoctor.errors import BundleError
from netdoctor.frontends.serve.columns import human_duration
from netdoctor.frontends.serve.kubeconfig import is_ours, kubeconfig_dict, write_kubeconfig
from netdoctor.frontends.serve.server import BundleApiServer, RequestRecord
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.kinds import API_KINDS, KINDS_BY_FILE, find_kind
from tests.conftest import HEALTHY, REPO

EXAMPLE = HEALTHY
KUBECTL = shutil.which("kubectl")
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def items(rel: str) -> list[dict[str, Any]]:
    return json.loads((EXAMPLE / rel).read_text())["items"]


def names(objs: list[dict[str, Any]]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]


NODES = names(items("k8s/nodes.json"))
PODS = items("k8s/pods.json")


def make_server(**kwargs: Any) -> BundleApiServer:
    with open_bundle(EXAMPLE) as bundle:
        return BundleApiServer.from_loader(bundle.read_json, **kwargs)


@pytest.fixture(scope="module")
def server() -> Iterator[BundleApiServer]:
    with make_server() as srv:
        yield srv


@pytest.fixture
def fresh() -> Iterator[BundleApiServer]:
    """A private server for tests that add faults or read the request log."""
    with make_server() as srv:
        yield srv


@pytest.fixture(scope="module")
def api(server: BundleApiServer) -> Iterator[client.ApiClient]:
    config = client.Configuration()
    config.host = server.url
    with client.ApiClient(config) as api_client:
        yield api_client


def request(
    srv: BundleApiServer, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        data = json.loads(raw) if raw and "json" in resp.getheader("Content-Type", "") else raw
        return resp.status, dict(resp.getheaders()), data
    finally:
        conn.close()


def get(srv: BundleApiServer, path: str, **headers: str) -> tuple[int, Any]:
    status, _, data = request(srv, "GET", path, **headers)
    return status, data


# -- the official Python client -------------------------------------------------------------------


def page_all(call: Any, **kwargs: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Page through a list call with limit=7; returns the names and each page's metadata."""
    seen, metas, token = [], [], None
    while True:
        resp = call(limit=7, _continue=token, _preload_content=False, **kwargs)
        page = json.loads(resp.data)
        seen += names(page["items"])
        metas.append(page["metadata"])
        token = page["metadata"].get("continue")
        if not token:
            return seen, metas


def test_python_client_pages_pods_and_nodes(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    pods, metas = page_all(core.list_pod_for_all_namespaces)
    assert pods == names(PODS)  # every pod once, in bundle order
    assert len(metas) == 5  # 30 pods, 7 a page
    assert [m.get("remainingItemCount") for m in metas] == [23, 16, 9, 2, None]
    assert "continue" not in metas[-1]

    nodes, _ = page_all(core.list_node)
    assert nodes == NODES

    catalog, _ = page_all(core.list_namespaced_pod, namespace="catalog")
    assert catalog == [
        n for n, p in zip(names(PODS), PODS, strict=True) if p["metadata"]["namespace"] == "catalog"
    ]


def test_python_client_lists_are_proper_lists(api: client.ApiClient) -> None:
    resp = client.CoreV1Api(api).list_node(_preload_content=False)
    data = json.loads(resp.data)
    assert (data["apiVersion"], data["kind"]) == ("v1", "NodeList")
    assert data["metadata"]["resourceVersion"].isdigit()
    assert all((n["apiVersion"], n["kind"]) == ("v1", "Node") for n in data["items"])


def test_custom_objects_api(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    eni = custom.list_cluster_custom_object("crd.k8s.amazonaws.com", "v1alpha1", "eniconfigs")
    assert (eni["kind"], eni["items"]) == ("ENIConfigList", [])
    cni = custom.list_cluster_custom_object("vpcresources.k8s.aws", "v1alpha1", "cninodes")
    assert cni["apiVersion"] == "vpcresources.k8s.aws/v1alpha1"
    assert names(cni["items"]) == NODES
    tgb = custom.list_namespaced_custom_object(
        "elbv2.k8s.aws", "v1beta1", "catalog", "targetgroupbindings"
    )
    assert names(tgb["items"]) == ["k8s-catalog-realtime-21c81d3268"]


def test_get_by_name_and_not_found(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    resp = core.read_namespaced_pod("ledger-v8k46v2dhp-2df8b", "search", _preload_content=False)
    pod = json.loads(resp.data)
    assert pod["spec"]["nodeName"] == "ip-192-168-175-181.eu-central-1.compute.internal"
    node = json.loads(core.read_node(NODES[1], _preload_content=False).data)
    assert node["metadata"]["name"] == NODES[1]

    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod("ledger-v8k46v2dhp-2df8b", "default", _preload_content=False)
    status = json.loads(err.value.body)
    assert err.value.status == 404
    assert status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'pods "ledger-v8k46v2dhp-2df8b" not found', "reason": "NotFound", "code": 404,
        "details": {"name": "ledger-v8k46v2dhp-2df8b", "kind": "pods"},
    }  # fmt: skip


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/namespaces",
        "/api/v1/namespaces/bookstore/nodes",  # nodes are cluster-scoped
        "/api/v1/pods/ratings-c4tnsl5bgx-mdqrq",  # pods need a namespace
        "/api/v1/namespaces/search/pods/ledger-v8k46v2dhp-2df8b/log",
        "/apis/apps/v1/deployments",
        "/apis/nope.example.com/v1",
        "/openapi/v2",
        "/nope",
    ],
)
def test_unknown_paths_are_404_status(server: BundleApiServer, path: str) -> None:
    status, body = get(server, path)
    assert status == 404
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "NotFound", 404)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"])
def test_writes_are_405_and_keep_the_connection_usable(
    server: BundleApiServer, method: str
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, "/api/v1/namespaces/bookstore/pods", body=b'{"kind": "Pod"}' * 100)
    resp = conn.getresponse()
    status = json.loads(resp.read())
    assert resp.status == 405
    assert resp.getheader("Allow") == "GET, HEAD"
    assert (status["kind"], status["reason"]) == ("Status", "MethodNotAllowed")
    conn.request("GET", "/api/v1/nodes")  # same keep-alive connection, body fully drained
    assert conn.getresponse().status == 200
    conn.close()


def test_head_has_headers_and_no_body(server: BundleApiServer) -> None:
    status, headers, body = request(server, "HEAD", "/api/v1/nodes")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) > 1000


def test_deprecated_watch_paths_are_refused_at_once(server: BundleApiServer) -> None:
    # ?watch=1 is answered (tests/serve/test_serve_watch.py); the old /watch/ prefix is not.
    start = time.monotonic()
    status, body = get(server, "/api/v1/watch/pods")
    assert status == 405 and body["kind"] == "Status" and "watch" in body["message"]
    assert time.monotonic() - start < 2


# -- selectors ------------------------------------------------------------------------------------


def pod_names_where(predicate: Any) -> list[str]:
    return [p["metadata"]["name"] for p in PODS if predicate(p)]


def label(pod: dict[str, Any], key: str) -> str | None:
    return pod["metadata"].get("labels", {}).get(key)


NODE_B = "ip-192-168-157-85.eu-central-1.compute.internal"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("labelSelector=app%3Dpricing", pod_names_where(lambda p: label(p, "app") == "pricing")),
        ("labelSelector=app%3D%3Dpricing", pod_names_where(lambda p: label(p, "app") == "pricing")),
        ("labelSelector=app!%3Dpricing", pod_names_where(lambda p: label(p, "app") != "pricing")),
        ("labelSelector=k8s-app", pod_names_where(lambda p: label(p, "k8s-app") is not None)),
        ("labelSelector=!app", pod_names_where(lambda p: label(p, "app") is None)),
        (
            "labelSelector=app%20in%20(pricing,%20ledger),pod-template-hash",
            pod_names_where(lambda p: label(p, "app") in ("pricing", "ledger")),
        ),
        (
            "labelSelector=app%3Dpricing,pod-template-hash!%3Dqbgc6sqkjk",
            [],
        ),
        (
            f"fieldSelector=spec.nodeName%3D{NODE_B}",
            pod_names_where(lambda p: p["spec"].get("nodeName") == NODE_B),
        ),
        (
            "fieldSelector=metadata.namespace%3Dkube-system,metadata.name!%3Daws-node-j9fj6",
            pod_names_where(
                lambda p: (
                    p["metadata"]["namespace"] == "kube-system"
                    and p["metadata"]["name"] != "aws-node-j9fj6"
                )
            ),
        ),
        ("fieldSelector=metadata.name%3Dledger-v8k46v2dhp-2df8b", ["ledger-v8k46v2dhp-2df8b"]),
        (
            f"labelSelector=k8s-app%3Daws-node&fieldSelector=spec.nodeName%3D{NODE_B}",
            ["aws-node-j9fj6"],
        ),
    ],
)
def test_selectors_filter_pods(server: BundleApiServer, query: str, expected: list[str]) -> None:
    status, body = get(server, f"/api/v1/pods?{query}")
    assert status == 200
    assert names(body["items"]) == expected


def test_field_selector_on_events_and_paging_with_selector(server: BundleApiServer) -> None:
    pod = "ledger-v8k46v2dhp-2df8b"
    expected = [
        e["metadata"]["name"]
        for e in items("k8s/events.json")
        if e["involvedObject"]["name"] == pod
    ]
    assert len(expected) == 5
    query = f"fieldSelector=involvedObject.name%3D{pod},involvedObject.kind%3DPod&limit=2"
    seen, token = [], ""
    for _ in range(10):
        status, body = get(server, f"/api/v1/namespaces/search/events?{query}{token}")
        assert status == 200
        seen += names(body["items"])
        if "continue" not in body["metadata"]:
            break
        assert body["metadata"]["remainingItemCount"] == len(expected) - len(seen)
        token = f"&continue={body['metadata']['continue']}"
    assert seen == expected


@pytest.mark.parametrize(
    "query",
    [
        "labelSelector=app%3D%3D%3Dx",
        "labelSelector=app%20in%20ratings",
        "fieldSelector=spec.nodeName",
        "limit=seven",
        "continue=not-a-token",
    ],
)
def test_bad_list_parameters_are_400(server: BundleApiServer, query: str) -> None:
    status, body = get(server, f"/api/v1/pods?{query}")
    assert (status, body["kind"], body["reason"]) == (400, "Status", "BadRequest")


def test_continue_token_is_bound_to_its_query(server: BundleApiServer) -> None:
    _, first = get(server, "/api/v1/pods?limit=3")
    token = first["metadata"]["continue"]
    assert get(server, f"/api/v1/pods?limit=3&continue={token}")[0] == 200
    assert get(server, f"/api/v1/services?limit=3&continue={token}")[0] == 400
    assert get(server, f"/api/v1/pods?limit=3&continue={token}&labelSelector=app")[0] == 400


# -- discovery and tables -------------------------------------------------------------------------


def test_discovery(server: BundleApiServer) -> None:
    assert get(server, "/api")[1]["versions"] == ["v1"]
    groups = get(server, "/apis")[1]["groups"]
    assert [g["name"] for g in groups] == [
        "networking.k8s.io", "apps", "crd.k8s.amazonaws.com", "vpcresources.k8s.aws",
        "elbv2.k8s.aws", "discovery.k8s.io",
    ]  # fmt: skip
    vpcresources = next(g for g in groups if g["name"] == "vpcresources.k8s.aws")
    assert [v["version"] for v in vpcresources["versions"]] == ["v1beta1", "v1alpha1"]
    assert vpcresources["preferredVersion"]["version"] == "v1beta1"
    core = get(server, "/api/v1")[1]
    assert {r["name"] for r in core["resources"]} == {
        "nodes", "pods", "services", "events", "configmaps"
    }  # fmt: skip
    pods = next(r for r in core["resources"] if r["name"] == "pods")
    assert pods == {
        "name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
        "verbs": ["get", "list"], "shortNames": ["po"], "categories": ["all"],
    }  # fmt: skip
    cni = get(server, "/apis/vpcresources.k8s.aws/v1alpha1")[1]
    assert [(r["name"], r["kind"], r["namespaced"]) for r in cni["resources"]] == [
        ("cninodes", "CNINode", False)
    ]
    version = get(server, "/version")[1]
    assert (version["major"], version["minor"]) == ("1", "31")  # from eks-describe-cluster.json
    assert get(server, "/healthz") == (200, b"ok")


def test_absent_files_are_not_served() -> None:
    nodes = items("k8s/nodes.json")
    with BundleApiServer({"k8s/nodes.json": nodes, "k8s/cninodes.json": []}) as srv:
        assert get(srv, "/api/v1/nodes")[0] == 200
        assert get(srv, "/api/v1/pods")[0] == 404
        assert get(srv, "/apis/apps/v1")[0] == 404
        assert [g["name"] for g in get(srv, "/apis")[1]["groups"]] == ["vpcresources.k8s.aws"]
        assert [k.plural for k in srv.kinds] == ["nodes", "cninodes"]


def test_items_get_api_version_and_kind_filled_in() -> None:
    bare = [{"metadata": {"name": "a", "namespace": "x"}, "spec": {}}]
    with BundleApiServer({"k8s/securitygrouppolicies.json": bare}) as srv:
        status, body = get(srv, "/apis/vpcresources.k8s.aws/v1beta1/securitygrouppolicies")
        assert status == 200 and body["kind"] == "SecurityGroupPolicyList"
        assert body["items"][0]["apiVersion"] == "vpcresources.k8s.aws/v1beta1"
        assert body["items"][0]["kind"] == "SecurityGroupPolicy"
    assert bare[0].keys() == {"metadata", "spec"}  # the caller's objects are not modified


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        ({"k8s/pods.json": [{"metadata": {}}]}, "k8s/pods.json: items[0].metadata.name"),
        ({"k8s/nodes.json": [{"metadata": {"name": "a"}}, 3]}, "k8s/nodes.json: items[1]"),
    ],
)
def test_malformed_items_are_bundle_errors(objects: dict[str, Any], message: str) -> None:
    with pytest.raises(BundleError, match=re.escape(message)):
        BundleApiServer(objects)


def test_loader_rejects_a_document_that_is_not_a_list() -> None:
    with pytest.raises(BundleError, match=r"k8s/nodes\.json: expected a Kubernetes List"):
        BundleApiServer.from_loader(lambda rel: {"kind": "Node"} if "nodes" in rel else None)


def test_table_for_kubectl(server: BundleApiServer) -> None:
    status, table = get(server, "/api/v1/nodes?limit=2", Accept=TABLE)
    assert status == 200
    assert (table["apiVersion"], table["kind"]) == ("meta.k8s.io/v1", "Table")
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert columns[:5] == ["Name", "Status", "Roles", "Age", "Version"]
    assert [r["cells"][:4] for r in table["rows"]] == [
        [NODES[0], "Ready", "<none>", "14d"],  # AGE as of meta.json captured_at
        [NODES[1], "Ready", "<none>", "17d"],
    ]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert table["metadata"]["remainingItemCount"] == 1

    _, full = get(server, "/api/v1/nodes?includeObject=Object", Accept=TABLE)
    assert full["rows"][0]["object"]["kind"] == "Node"
    _, eni = get(server, "/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs", Accept=TABLE)
    assert [c["name"] for c in eni["columnDefinitions"]] == ["Name", "Age"]
    assert eni["rows"] == []
    _, one = get(server, "/api/v1/namespaces/search/pods/ledger-v8k46v2dhp-2df8b", Accept=TABLE)
    assert one["rows"][0]["cells"][:3] == ["ledger-v8k46v2dhp-2df8b", "1/1", "Running"]


def test_human_duration_matches_kubectl() -> None:
    cases = {
        0: "0s",
        119: "119s",
        125: "2m5s",
        600: "10m",
        3 * 3600 + 60: "3h1m",
        9 * 3600: "9h",
        6 * 86400 - 3600: "5d23h",
        30 * 86400: "30d",
        800 * 86400: "2y70d",
    }
    assert {s: human_duration(s) for s in cases} == cases


# -- faults, request log, TLS ---------------------------------------------------------------------


def test_fault_429_then_ok(fresh: BundleApiServer) -> None:
    fault = fresh.add_fault("/api/v1/nodes", [429, 500], retry_after=3)
    status, headers, body = request(fresh, "GET", "/api/v1/nodes?limit=1")
    assert (status, headers["Retry-After"], body["reason"]) == (429, "3", "TooManyRequests")
    assert body["details"] == {"retryAfterSeconds": 3}
    status, headers, body = request(fresh, "GET", "/api/v1/nodes")
    assert (status, body["reason"]) == (500, "InternalError") and "Retry-After" not in headers
    assert get(fresh, "/api/v1/nodes")[0] == 200
    assert fault.hits == 2 and fresh.faults == []
    assert get(fresh, "/api/v1/pods")[0] == 200  # other paths never matched


def test_fault_matching_query_delay_and_forever(fresh: BundleApiServer) -> None:
    _, first = get(fresh, "/api/v1/pods?limit=10")
    fresh.add_fault("/api/v1/pods?continue=", [503])  # only the follow-up pages
    token = first["metadata"]["continue"]
    assert get(fresh, "/api/v1/pods?limit=10")[0] == 200
    assert get(fresh, f"/api/v1/pods?limit=10&continue={token}")[0] == 503
    assert get(fresh, f"/api/v1/pods?continue={token}&limit=10")[0] == 200
    fresh.add_fault("/api/v1/pods?limit=1&labelSelector=app", [500])
    assert get(fresh, "/api/v1/pods?labelSelector=k8s-app&limit=10")[0] == 200
    assert get(fresh, "/api/v1/pods?labelSelector=app%3Dpricing&limit=10")[0] == 500

    fresh.add_fault("/api/v1/services", delay=0.3)
    start = time.monotonic()
    assert get(fresh, "/api/v1/services")[0] == 200
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    assert get(fresh, "/api/v1/services")[0] == 200
    assert time.monotonic() - start < 0.3

    fresh.add_fault("/apis/apps/", [500], forever=True)
    assert [get(fresh, "/apis/apps/v1/daemonsets")[0] for _ in range(3)] == [500, 500, 500]
    fresh.clear_faults()
    assert get(fresh, "/apis/apps/v1/daemonsets")[0] == 200


def test_forbidden_kind(fresh: BundleApiServer) -> None:
    fresh.forbid("pods")
    for path in (
        "/api/v1/pods",
        "/api/v1/namespaces/search/pods",
        "/api/v1/namespaces/search/pods/ledger-v8k46v2dhp-2df8b",
    ):
        for _ in range(2):
            status, body = get(fresh, path)
            assert (status, body["reason"]) == (403, "Forbidden")
    assert body["message"].startswith('pods is forbidden: User "netdoctor" cannot get')
    assert get(fresh, "/api/v1/nodes")[0] == 200
    fresh.allow(find_kind("po"))  # type: ignore[arg-type]
    assert get(fresh, "/api/v1/pods")[0] == 200


def test_python_client_go_retries_honour_retry_after(fresh: BundleApiServer) -> None:
    fresh.add_fault("/api/v1/nodes", [429], retry_after=0)
    config = client.Configuration()
    config.host = fresh.url
    config.client_go_retries = True  # kubernetes >= 37: client-go style Retry-After retries
    with client.ApiClient(config) as api_client:
        resp = client.CoreV1Api(api_client).list_node(_preload_content=False)
    assert names(json.loads(resp.data)["items"]) == NODES
    assert [r.status for r in fresh.requests] == [429, 200]


def test_request_log(fresh: BundleApiServer) -> None:
    seen: list[RequestRecord] = []
    fresh.on_request = seen.append
    get(fresh, "/api/v1/pods?limit=5&labelSelector=app")
    request(fresh, "DELETE", "/api/v1/nodes/x")
    get(fresh, "/apis")
    expected = [
        RequestRecord("GET", "/api/v1/pods", "limit=5&labelSelector=app", 200),
        RequestRecord("DELETE", "/api/v1/nodes/x", "", 405),
        RequestRecord("GET", "/apis", "", 200),
    ]
    assert fresh.requests == expected == seen
    assert fresh.request_count("/api/v1/") == 2
    assert fresh.request_count(method="DELETE") == 1
    fresh.clear_requests()
    assert fresh.requests == []


def test_https_with_bearer_token(tmp_path: Path) -> None:
    with make_server(tls=True, token="t0ken") as srv:
        assert srv.url.startswith("https://127.0.0.1:") and srv.ca_pem
        ca = tmp_path / "ca.pem"
        ca.write_bytes(srv.ca_pem)
        for token, expected in (("t0ken", 200), ("wrong", 401)):
            config = client.Configuration()
            config.host = srv.url
            config.ssl_ca_cert = str(ca)
            config.api_key = {"authorization": f"Bearer {token}"}
            with client.ApiClient(config) as api_client:
                core = client.CoreV1Api(api_client)
                try:
                    status = core.list_node(_preload_content=False).status
                except ApiException as err:
                    status = err.status
            assert status == expected


# -- kubeconfig, kubectl and the command ----------------------------------------------------------


def test_kubeconfig(tmp_path: Path) -> None:
    path = write_kubeconfig(
        tmp_path / "sub" / "kc",
        "https://127.0.0.1:1",
        token="t",
        ca_pem=b"PEM",
        namespace="bookstore",
    )
    assert path.stat().st_mode & 0o777 == 0o600
    data = yaml.safe_load(path.read_text())
    assert data == kubeconfig_dict(
        "https://127.0.0.1:1", token="t", ca_pem=b"PEM", namespace="bookstore"
    )
    assert data["current-context"] == "netdoctor-serve"
    assert data["clusters"][0]["cluster"]["certificate-authority-data"] == "UEVN"
    assert data["users"][0]["user"] == {"token": "t"}
    assert is_ours(path)
    other = tmp_path / "config"
    other.write_text("clusters: [{name: prod, cluster: {server: https://x}}]\n")
    assert not is_ours(other) and not is_ours(tmp_path / "absent")


def kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cache = kubeconfig.parent / "kube-cache"
    return subprocess.run(
        [KUBECTL or "kubectl", "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), *args],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_get(server: BundleApiServer, tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", server.url)
    result = kubectl(kc, "get", "nodes")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[0] for line in lines[1:]] == NODES

    result = kubectl(kc, "get", "pods", "-A")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [(r[0], r[1]) for r in rows] == [
        (p["metadata"]["namespace"], p["metadata"]["name"]) for p in PODS
    ]

    result = kubectl(kc, "get", "eniconfigs")
    assert result.returncode == 0 and "No resources found" in result.stderr

    result = kubectl(kc, "delete", "node", NODES[0])
    assert result.returncode == 1 and "MethodNotAllowed" in result.stderr


SERVE = """
import argparse, sys
from netdoctor.frontends.commands import serve
from netdoctor.errors import NetdoctorError
parser = argparse.ArgumentParser(prog="netdoctor")
serve.add_parser(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
try:
    sys.exit(args.run(args))
except NetdoctorError as exc:
    print(f"netdoctor: error: {exc}", file=sys.stderr)
    sys.exit(exc.exit_code)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_command_until_ctrl_c_or_sigterm(tmp_path: Path, signum: int) -> None:
    kc = tmp_path / "serve.kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", str(EXAMPLE), "--kubeconfig", str(kc)],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        lines = [proc.stderr.readline() for _ in range(6)]
        assert lines[-1].startswith("Press Ctrl-C"), lines
        assert f"kubeconfig written to {kc}" in "".join(lines)
        assert f"export KUBECONFIG={kc}" in "".join(lines)
        url = yaml.safe_load(kc.read_text())["clusters"][0]["cluster"]["server"]
        assert url.startswith("http://127.0.0.1:")
        conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=10)
        conn.request("GET", "/api/v1/nodes")
        assert names(json.loads(conn.getresponse().read())["items"]) == NODES
        conn.close()
        proc.send_signal(signum)
        err = proc.communicate(timeout=10)[1]
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0
    assert "Traceback" not in err and "stopped" in err


def test_serve_command_refuses_to_overwrite_a_foreign_kubeconfig(tmp_path: Path) -> None:
    mine = tmp_path / "config"
    mine.write_text("clusters: [{name: prod, cluster: {server: https://x}}]\n")
    result = subprocess.run(
        [sys.executable, "-c", SERVE, "serve", str(EXAMPLE), "--kubeconfig", str(mine)],
        capture_output=True, text=True, timeout=30, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 2
    assert "refusing to replace" in result.stderr and "Traceback" not in result.stderr
    assert "prod" in mine.read_text()


def test_every_bundle_file_has_a_kind() -> None:
    from netdoctor.snapshot import files

    assert [k.bundle_file for k in API_KINDS] == list(files.K8S_FILES)
    assert KINDS_BY_FILE["k8s/daemonsets.json"].capture_path == (
        "/apis/apps/v1/namespaces/kube-system/daemonsets"
    )
    eni = KINDS_BY_FILE["k8s/eniconfigs.json"]
    assert eni.list_path() == "/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs"
    assert eni.object_path("a") == "/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs/a"
    with pytest.raises(ValueError):
        eni.list_path("default")
    assert find_kind("cninodes.vpcresources.k8s.aws") is KINDS_BY_FILE["k8s/cninodes.json"]
