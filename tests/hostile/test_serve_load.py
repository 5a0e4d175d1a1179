"""`serve` under load and under hostile clients, and capture against a list that fails mid-way.

- The request log is a ring of bounded entries: 60 KB queries do not pile up in memory.
- A burst of 300 simultaneous connections is accepted (the listen backlog was 5).
- `--log-requests` shows request lines with control characters made visible, refused ones too.
- A fault on a later page of a paginated list: capture retries it, or leaves the file out with
  the reason — never a truncated list written as complete.
"""

from __future__ import annotations

import copy
import gc
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from netdoctor.frontends.serve.kubeconfig import write_kubeconfig
from netdoctor.frontends.serve.server import LOGGED_TEXT_LIMIT, BundleApiServer
from netdoctor.snapshot import files as f
from netdoctor.sources.live import CaptureOptions, capture
from tests.conftest import BUNDLES, REPO
from tests.hostile import planted
from tests.live import aws_world
from tests.live.conftest import _session, reset_moto
from tests.live.helpers import items

NODES = {"k8s/nodes.json": [{"metadata": {"name": f"n{i}"}} for i in range(3)]}


def _get_many(server: BundleApiServer, queries: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for query in queries:
            conn.request("GET", f"/api/v1/nodes?{query}")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
    finally:
        conn.close()


def _big_queries(start: int, n: int) -> list[str]:
    pad = "x" * 60_000
    return [f"labelSelector=a%3D{i}&pad={pad}{i}" for i in range(start, start + n)]


def test_the_request_log_stays_small_under_huge_distinct_queries() -> None:
    tracemalloc.start()
    try:
        with BundleApiServer(NODES) as server:
            # The standard library's own caches (urlsplit keeps the last 128 URLs) fill first.
            _get_many(server, _big_queries(0, 150))
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            _get_many(server, _big_queries(150, 300))
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
            logged = server.requests
    finally:
        tracemalloc.stop()
    # 300 × 60 KB went through; the log keeps ~0.6 KB of each (it kept all 18 MB before).
    assert grown < 2_000_000, grown
    assert len(logged) == 450
    assert all(len(r.query) <= LOGGED_TEXT_LIMIT + 32 for r in logged)
    assert logged[-1].query.startswith("labelSelector=a%3D449&pad=xxx")
    assert logged[-1].query.endswith(f"...(+{len(_big_queries(449, 1)[0]) - 512} chars)")


def test_the_request_log_is_a_ring_that_still_counts_everything() -> None:
    with BundleApiServer(NODES, request_log_size=50) as server:
        _get_many(server, [f"limit={i}" for i in range(120)])
        assert [r.query for r in server.requests] == [f"limit={i}" for i in range(70, 120)]
        assert server.request_total == 120
        server.clear_requests()
        assert (server.requests, server.request_total) == ([], 0)


def test_a_burst_of_300_connections_is_served() -> None:
    n = 300
    barrier = threading.Barrier(n)
    outcomes: list[str] = ["not run"] * n

    with BundleApiServer(NODES) as server:

        def client(i: int) -> None:
            barrier.wait()
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                    sock.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    data = b""
                    while chunk := sock.recv(65536):
                        data += chunk
                outcomes[i] = data.split(b"\r\n", 1)[0].decode()
            except OSError as exc:
                outcomes[i] = f"{type(exc).__name__}: {exc}"

        threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    failed = [o for o in outcomes if o != "HTTP/1.1 200 OK"]
    assert failed == []  # with a backlog of 5, about 190 of 300 timed out


# --- --log-requests ---------------------------------------------------------------------------


def _serve(bundle: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("NETDOCTOR_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdoctor", "serve", str(bundle), "--log-requests",
         "--kubeconfig", str(tmp_path / "kubeconfig")],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if match := re.search(r"at http://127\.0\.0\.1:(\d+)", line):
            return proc, int(match[1])
    proc.kill()
    raise AssertionError("serve did not start")


def _raw_request(port: int, request_line: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        while sock.recv(65536):
            pass


def test_logged_request_lines_carry_no_control_characters(tmp_path: Path) -> None:
    proc, port = _serve(BUNDLES / "nodeport-exposure" / "fail-pinned-nodeport", tmp_path)
    try:
        _raw_request(port, b"GET /api/v1/\x1b]0;pwned\x07nodes?x=\x1b[2J HTTP/1.1")
        _raw_request(port, b"DELETE /api/v1/nodes/\x9b31m HTTP/1.1")  # refused: 405
        _raw_request(port, b"GET /api/v1/nodes HTTP/1.1")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    lines = [line for line in err.splitlines() if re.match(r"^\d{3} ", line)]
    assert len(lines) == 3, err
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", err)
    assert lines[0] == "404 GET /api/v1/␛]0;pwned␇nodes?x=␛[2J"
    assert lines[1] == "405 DELETE /api/v1/nodes/\\x9b31m"
    assert lines[2] == "200 GET /api/v1/nodes"


# --- a fault on a later page during capture ---------------------------------------------------

PODS = "/api/v1/pods"


@pytest.fixture
def paged(moto_endpoint: str, tmp_path: Path) -> Any:
    """A cluster whose pods list takes 4 pages of 3 (capture runs with page_size=3)."""
    reset_moto(moto_endpoint)
    world = aws_world.populate(_session(moto_endpoint), "atlas", 2)
    objects, _ = planted.build(world)
    template = objects[f.K8S_PODS][0]
    pods = []
    for i in range(10):
        pod = copy.deepcopy(template)
        pod["metadata"]["name"] = f"web-{i:02d}"
        pod["metadata"]["uid"] = f"uid-web-{i:02d}"
        pods.append(pod)
    objects[f.K8S_PODS] = pods
    server = BundleApiServer(objects).start()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url)

    def run(name: str) -> Any:
        options = CaptureOptions(
            output=tmp_path / name,
            kubeconfig=str(kubeconfig),
            backoff=0.01,
            timeout=5.0,
            page_size=3,
            attempts=3,
        )
        return capture(options)

    try:
        yield server, run
    finally:
        server.stop()


def _pod_pages(server: BundleApiServer) -> list[tuple[bool, int]]:
    """(is a continue page, status) of each pods request."""
    return [("continue=" in r.query, r.status) for r in server.requests if r.path == PODS]


def test_a_transient_fault_on_a_later_page_is_retried(paged: Any) -> None:
    server, run = paged
    server.add_fault(f"{PODS}?continue=", [500, 503])
    result = run("bundle")
    assert f.K8S_PODS not in result.missing
    names = [p["metadata"]["name"] for p in items(result.path, f.K8S_PODS)]
    assert names == [f"web-{i:02d}" for i in range(10)]
    assert _pod_pages(server) == [(False, 200), (True, 500), (True, 503), (True, 200),
                                  (True, 200), (True, 200)]  # fmt: skip


def test_a_later_page_that_keeps_failing_leaves_the_file_out_with_the_reason(
    paged: Any,
) -> None:
    server, run = paged
    server.add_fault(f"{PODS}?continue=", [500], forever=True)
    result = run("bundle")
    # Three pods had arrived: they are not written as if they were all of them.
    assert not (result.path / f.K8S_PODS).exists()
    assert not list(result.path.rglob("*.part"))
    reason = result.missing[f.K8S_PODS]
    assert reason.startswith("InternalError: Internal error occurred"), reason
    assert reason.endswith(
        "(gave up after 3 attempts) on page 2 of the list, after 3 items; "
        "the partial list was not written"
    ), reason
    meta = json.loads((result.path / f.META).read_text())
    assert meta["missing"][f.K8S_PODS] == reason
    assert (True, 500) in _pod_pages(server)


def test_an_expired_continue_token_restarts_the_list(paged: Any) -> None:
    server, run = paged
    server.add_fault(f"{PODS}?continue=", [410])
    result = run("bundle")
    names = [p["metadata"]["name"] for p in items(result.path, f.K8S_PODS)]
    assert names == [f"web-{i:02d}" for i in range(10)]  # once each: the list started over
    statuses = [s for _, s in _pod_pages(server)]
    assert statuses.count(410) == 1
