"""`?watch=1`: `netdoctor serve` replays a recorded incident's frames as watch events, on the
wire as the API server sends them (chunked JSON lines), readable by the official client's
`watch.Watch`."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netdoctor.frontends.serve.server import BundleApiServer
from netdoctor.frontends.serve.store import load_objects
from netdoctor.sources.incident.reader import open_incident
from tests.conftest import REPO

DEMO = REPO / "fixtures" / "incidents" / "demo"


def pod(name: str, ip: str, uid: str | None = None, ns: str = "shop") -> dict[str, Any]:
    meta = {"name": name, "namespace": ns, "uid": uid or f"uid-{name}", "resourceVersion": "7"}
    return {"metadata": meta, "status": {"podIP": ip}}


NODE = {"metadata": {"name": "ip-10-0-1-5", "resourceVersion": "5"}}
FRAMES = [
    {"k8s/pods.json": [pod("a", "10.0.1.1"), pod("b", "10.0.1.2")], "k8s/nodes.json": [NODE]},
    # b deleted, a modified, c added, and d: same name as a deleted pod but a new uid
    {
        "k8s/pods.json": [pod("a", "10.0.1.9"), pod("c", "10.0.1.3"), pod("d", "10.0.1.4")],
        "k8s/nodes.json": [NODE],
    },
    {
        "k8s/pods.json": [pod("a", "10.0.1.9"), pod("c", "10.0.1.3"), pod("d", "10.0.1.4", "u2")],
        "k8s/nodes.json": [NODE],
    },
]


@pytest.fixture
def replay() -> Iterator[BundleApiServer]:
    with BundleApiServer({}, frames=FRAMES) as server:
        yield server


def get(server: BundleApiServer, path: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, json.loads(body)


def open_watch(server: BundleApiServer, query: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", f"/api/v1/pods?watch=1&{query}")
    resp = conn.getresponse()
    assert resp.status == 200 and resp.headers["Transfer-Encoding"] == "chunked"
    return resp


def events(resp: http.client.HTTPResponse, n: int) -> list[tuple[str, str, str]]:
    """The next n events as (type, name, resourceVersion)."""
    out = []
    for _ in range(n):
        event = json.loads(resp.readline())
        meta = event["object"]["metadata"]
        out.append((event["type"], meta.get("name", ""), meta.get("resourceVersion", "")))
    return out


def test_frames_stream_as_added_modified_deleted_with_bookmarks(replay: BundleApiServer) -> None:
    status, listed = get(replay, "/api/v1/pods")
    rv = int(listed["metadata"]["resourceVersion"])
    assert status == 200 and rv == 7  # the newest version the objects carry
    watch = open_watch(replay, f"resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=5")
    assert replay.advance()
    assert events(watch, 5) == [
        ("DELETED", "b", "8"),
        ("MODIFIED", "a", "8"),
        ("ADDED", "c", "8"),
        ("ADDED", "d", "8"),
        ("BOOKMARK", "", "8"),
    ]
    assert replay.advance() and not replay.advance()  # the last frame stays
    # same namespace/name, another uid: the object was replaced, not modified
    assert events(watch, 3) == [("DELETED", "d", "9"), ("ADDED", "d", "9"), ("BOOKMARK", "", "9")]
    listed = get(replay, "/api/v1/pods")[1]
    assert listed["metadata"]["resourceVersion"] == "9"
    # A list shows each object with the version of the frame it last changed in, as events did.
    versions = {p["metadata"]["name"]: p["metadata"]["resourceVersion"] for p in listed["items"]}
    assert versions == {"a": "8", "c": "8", "d": "9"}


def test_a_watch_resumes_after_the_version_it_gives(replay: BundleApiServer) -> None:
    replay.advance()
    replay.advance()
    watch = open_watch(replay, "resourceVersion=8&timeoutSeconds=5")  # missed frame 3 only
    assert events(watch, 2) == [("DELETED", "d", "9"), ("ADDED", "d", "9")]


def test_without_a_version_the_watch_starts_with_every_object(replay: BundleApiServer) -> None:
    watch = open_watch(replay, "timeoutSeconds=1&fieldSelector=metadata.name%3Da")
    assert [e[:2] for e in events(watch, 1)] == [("ADDED", "a")]
    replay.advance()
    assert events(watch, 1) == [("MODIFIED", "a", "8")]  # the selector holds for events too
    assert watch.read() == b""  # timeoutSeconds ends the stream cleanly


def test_a_too_old_version_gets_410_expired(replay: BundleApiServer) -> None:
    watch = open_watch(replay, "resourceVersion=3")
    event = json.loads(watch.readline())
    assert event["type"] == "ERROR"
    status = event["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"] == "too old resource version: 3 (7)"
    assert watch.read() == b""


def test_expired_watches_end_with_410(replay: BundleApiServer) -> None:
    watch = open_watch(replay, "resourceVersion=7&timeoutSeconds=5")
    replay.expire_watches()
    assert json.loads(watch.readline())["object"]["code"] == 410


def test_bad_watch_parameters_are_400(replay: BundleApiServer) -> None:
    assert get(replay, "/api/v1/pods?watch=1&resourceVersion=x")[0] == 400
    assert get(replay, "/api/v1/pods?watch=1&timeoutSeconds=soon")[0] == 400
    assert get(replay, "/api/v1/namespaces/shop/pods/a?watch=1")[0] == 405


def test_the_official_client_reads_the_events(replay: BundleApiServer) -> None:
    from kubernetes import client, watch

    config = client.Configuration()
    config.host = replay.url
    api = client.CoreV1Api(client.ApiClient(config))
    timer = threading.Timer(0.2, replay.advance)
    timer.start()
    seen = []
    for event in watch.Watch().stream(
        api.list_pod_for_all_namespaces,
        resource_version="7",
        timeout_seconds=1,
        _preload_content=False,
    ):
        seen.append((event["type"], event["raw_object"]["metadata"]["name"]))
        if len(seen) == 4:
            break
    timer.join()
    assert seen == [("DELETED", "b"), ("MODIFIED", "a"), ("ADDED", "c"), ("ADDED", "d")]


def test_serve_replays_an_incident_on_the_command_line(tmp_path: Path) -> None:
    kc = tmp_path / "serve.kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdoctor", "serve", str(DEMO), "--frame-interval", "0.1",
         "--kubeconfig", str(kc)],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True, env={**os.environ},
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        lines = [proc.stderr.readline() for _ in range(6)]
        assert "replayed from frame 1 of 12" in lines[0], lines
        url = yaml.safe_load(kc.read_text())["clusters"][0]["cluster"]["server"]
        conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=10)
        conn.request("GET", "/api/v1/pods?watch=1&resourceVersion=0&timeoutSeconds=1")
        body = conn.getresponse().read()
    finally:
        proc.terminate()
        proc.wait()
    sent = [json.loads(line) for line in body.splitlines()]
    with open_incident(DEMO) as incident, incident.open_bundle(1) as bundle:
        first = load_objects(bundle.read_json)["k8s/pods.json"]
    assert [e["type"] for e in sent[: len(first)]] == ["ADDED"] * len(first)
    later = sent[len(first) :]
    assert later and {e["type"] for e in later} <= {"ADDED", "MODIFIED", "DELETED"}
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in later]
    assert versions == sorted(versions)  # the frames came in order, one version each


def test_frame_interval_needs_an_incident(tmp_path: Path) -> None:
    from tests.conftest import HEALTHY, run_cli

    result = run_cli("serve", str(HEALTHY), "--frame-interval", "1", cwd=tmp_path)
    assert result.code == 2
    assert "--frame-interval needs a recorded incident" in result.err
