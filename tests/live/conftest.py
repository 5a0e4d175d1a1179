"""Real endpoints on loopback for live capture: a moto server (AWS) and `BundleApiServer` (k8s).

EKS goes through `EksExtras` (the three EKS operations moto lacks, the rest proxied to moto).

The moto server lives for the session; each test resets it and builds its world with boto3
(`aws_world.populate`), then serves that world's Kubernetes objects (`k8s_world`) on a fresh
`BundleApiServer` whose request log and faults belong to the test alone.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netdoctor.frontends.serve.kubeconfig import write_kubeconfig
from netdoctor.frontends.serve.server import BundleApiServer
from tests.live import aws_world, k8s_world
from tests.live.eks_extras import EksExtras

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    # Nothing from this machine's own AWS setup may leak in.
    "AWS_CONFIG_FILE": "/nonexistent/netdoctor-test-aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/netdoctor-test-aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Unset so that capture must find the region itself (from the nodes' providerIDs).
AWS_UNSET = ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One moto server for the session (its first EC2 call costs ~1.5 s); yields its URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    extras = EksExtras(url)
    extras.start()
    EKS_EXTRAS[url] = extras
    try:
        yield url
    finally:
        extras.stop()
        del EKS_EXTRAS[url]
        server.stop()


EKS_EXTRAS: dict[str, EksExtras] = {}
"""The EKS front of each moto server, by the moto server's URL."""


@pytest.fixture
def moto_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto server, with this test's environment pointing boto3 (and subprocesses) at it."""
    eks = EKS_EXTRAS[moto_server].url
    for key, value in {
        **AWS_ENV,
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ENDPOINT_URL_EKS": eks,
    }.items():
        monkeypatch.setenv(key, value)
    for key in AWS_UNSET:
        monkeypatch.delenv(key, raising=False)
    return moto_server


@dataclass
class Live:
    """One test's cluster: the AWS world in moto and its Kubernetes objects served."""

    world: aws_world.World
    objects: dict[str, list[dict[str, Any]]]
    server: BundleApiServer
    kubeconfig: Path
    tmp: Path
    session: Any

    def options(self, output: Path | None = None, **kwargs: Any) -> Any:
        """CaptureOptions against this cluster (fast retries for tests)."""
        from netdoctor.sources.live import CaptureOptions

        kwargs.setdefault("backoff", 0.01)
        kwargs.setdefault("timeout", 5.0)
        return CaptureOptions(output=output, kubeconfig=str(self.kubeconfig), **kwargs)

    def source_bundle(self) -> Path:
        """The same cluster as kubectl + the aws CLI would record it (the reference)."""
        root = self.tmp / "source"
        if not root.exists():
            k8s_world.write_source_bundle(self.objects, root)
            aws_world.write_source_files(self.session, self.world, root)
            (root / "meta.json").write_text(json.dumps(k8s_world.meta_for(self.world)))
        return root


def reset_moto(endpoint: str) -> None:
    if endpoint in EKS_EXTRAS:
        EKS_EXTRAS[endpoint].reset()
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


_SESSIONS: dict[str, Any] = {}


def _session(endpoint: str) -> Any:
    # One boto3 session per moto server: building clients re-reads the service models (~0.3 s).
    import boto3

    if endpoint not in _SESSIONS:
        _SESSIONS[endpoint] = boto3.Session(region_name=aws_world.REGION)
    return _SESSIONS[endpoint]


def make_live(endpoint: str, tmp: Path, nodes: int, objects: Any = None) -> Live:
    reset_moto(endpoint)
    session = _session(endpoint)
    world = aws_world.populate(session, "atlas", nodes)
    if endpoint in EKS_EXTRAS:
        EKS_EXTRAS[endpoint].state.access_entries[world.cluster] = world.access_entries
        EKS_EXTRAS[endpoint].state.insights[world.cluster] = world.insights
    objects = objects if objects is not None else k8s_world.build_objects(world)
    server = BundleApiServer(objects).start()
    kubeconfig = write_kubeconfig(tmp / "kubeconfig", server.url)
    return Live(world, objects, server, kubeconfig, tmp, session)


@pytest.fixture
def live(moto_endpoint: str, tmp_path: Path) -> Iterator[Live]:
    """A 3-node cluster."""
    env = make_live(moto_endpoint, tmp_path, 3)
    try:
        yield env
    finally:
        env.server.stop()


@pytest.fixture
def live_factory(moto_endpoint: str, tmp_path: Path) -> Iterator[Any]:
    """Build clusters of any size (each resets moto); all servers stop at the end."""
    made: list[Live] = []

    def make(nodes: int, name: str) -> Live:
        root = tmp_path / name
        root.mkdir()
        env = make_live(moto_endpoint, root, nodes)
        made.append(env)
        return env

    try:
        yield make
    finally:
        for env in made:
            env.server.stop()


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
