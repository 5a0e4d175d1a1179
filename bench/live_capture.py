"""Measure `netdoctor capture` on a big cluster served locally (numbers for docs/live.md).

    .venv/bin/python bench/live_capture.py --nodes 2000

Kubernetes: a `netdoctor synth` bundle (2,000 nodes, ~60,000 pods) served by `BundleApiServer`
on 127.0.0.1. AWS: a moto server on 127.0.0.1 holding the cluster's VPC and one instance per
node; the synth nodes' providerIDs are re-pointed at those instances. The capture runs as the
CLI in a subprocess (`netdoctor capture -q`), once to a directory and once to a .tar.gz; the
script prints wall time, peak RSS, request counts and sizes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netdoctor.frontends.serve.kubeconfig import write_kubeconfig  # noqa: E402
from netdoctor.frontends.serve.server import BundleApiServer  # noqa: E402
from tests.live import aws_world  # noqa: E402

BATCH = 250


def start_moto() -> tuple[object, dict[str, str]]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    os.environ.update(env)
    return server, env


def aws_instances(cluster: str, count: int) -> list[tuple[str, str]]:
    """The cluster's VPC in moto plus `count` node instances: [(zone, instance id)]."""
    import boto3

    session = boto3.Session(region_name=aws_world.REGION)
    world = aws_world.populate(session, cluster, 0)
    ec2 = aws_world.client(session, "ec2")
    made: list[tuple[str, str]] = []
    zone = 0
    while len(made) < count:
        n = min(BATCH, count - len(made))
        reservation = ec2.run_instances(
            ImageId=aws_world.AMI,
            MinCount=n,
            MaxCount=n,
            InstanceType=aws_world.NODE_TYPES[zone % len(aws_world.NODE_TYPES)],
            SubnetId=world.private_subnets[zone % len(world.private_subnets)],
        )
        made += [
            (i["Placement"]["AvailabilityZone"], i["InstanceId"]) for i in reservation["Instances"]
        ]
        zone += 1
    return made


def point_nodes_at(src: Path, instances: list[tuple[str, str]]) -> int:
    path = src / "k8s" / "nodes.json"
    doc = json.loads(path.read_text())
    for node, (zone, instance_id) in zip(doc["items"], instances, strict=False):
        node["spec"]["providerID"] = f"aws:///{zone}/{instance_id}"
    path.write_text(json.dumps(doc))
    return len(doc["items"])


# The CLI, then the process's own peak RSS. (ru_maxrss of a child would count the pages it
# shared with this process at fork time, i.e. the whole served bundle.)
CHILD = """
import sys
from netdoctor.frontends.cli import main
code = main(sys.argv[1:])
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(f"peak-rss-kib {status}", file=sys.stderr)
sys.exit(code)
"""


def run_capture(output: Path, env: dict[str, str], cluster: str) -> dict[str, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "capture", "-q", "-o", str(output), "--cluster", cluster],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"capture failed: {proc.stderr}")
    peak = int(proc.stderr.split("peak-rss-kib ")[1].split()[0]) / 1024
    return {"wall": wall, "peak_mib": peak}


def request_budget(bundle: Path) -> int:
    """Σ over the served kinds of ⌈items/500⌉ (at least one page each), plus discovery."""
    import math

    import msgspec

    from netdoctor.snapshot.bundle import decode_bytes
    from netdoctor.snapshot.k8s_types import KubeList

    pages = 0
    for path in sorted((bundle / "k8s").glob("*.json")):
        count = len(decode_bytes(path.name, path.read_bytes(), KubeList[msgspec.Raw]).items)
        pages += max(1, math.ceil(count / 500))
    return pages + 1


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="keep the work files here")
    parser.add_argument(
        "--json",
        action="store_true",
        help="one capture to a directory; print its counts as JSON (bench/run.py)",
    )
    args = parser.parse_args()

    from netdoctor.tooling.synth import generate

    work = args.keep or Path(tempfile.mkdtemp(prefix="netdoctor-bench-"))
    src = work / "source"
    t = time.monotonic()
    summary = generate(src, nodes=args.nodes, pods_per_node=args.pods_per_node, seed=1)
    print(
        f"synth: {summary.nodes} nodes, {summary.pods} pods, {summary.events} events "
        f"({time.monotonic() - t:.1f}s)",
        file=sys.stderr,
    )

    moto, env = start_moto()
    t = time.monotonic()
    instances = aws_instances(summary.cluster, args.nodes)
    print(f"moto: {len(instances)} instances ({time.monotonic() - t:.1f}s)", file=sys.stderr)
    point_nodes_at(src, instances)

    server = BundleApiServer.from_directory(src).start()
    env["KUBECONFIG"] = str(write_kubeconfig(work / "kubeconfig", server.url))
    rows = []
    for name in ("bundle-dir",) if args.json else ("k8s-only-dir", "bundle-dir", "bundle.tar.gz"):
        server.clear_requests()
        out = work / name
        run_env = dict(env)
        if name.startswith("k8s-only"):  # no AWS credentials: every aws/ file is skipped at once
            run_env.update(AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
        result = run_capture(out, run_env, summary.cluster)
        if out.is_dir():
            meta = json.loads((out / "meta.json").read_text())
        else:
            import tarfile

            with tarfile.open(out) as tar:
                meta = json.load(tar.extractfile("meta.json"))  # type: ignore[arg-type]
        requests = server.requests
        per_path = Counter(r.path for r in requests)
        rows.append(
            (name, result["wall"], result["peak_mib"], len(requests), meta, size_of(out), per_path)
        )
    server.stop()
    moto.stop()  # type: ignore[attr-defined]
    if args.json:
        _, wall, peak, count, meta, _, _ = rows[0]
        print(
            json.dumps(
                {
                    "k8s_requests": count,
                    "k8s_budget": request_budget(src),
                    "aws_calls": meta["capture"]["aws_calls"],
                    "wall_s": wall,
                    "peak_rss_mb": peak,
                }
            )
        )
        return

    print(
        f"\n{summary.nodes} nodes, {summary.pods} pods, {summary.events} events, "
        f"{summary.services} services; cluster {summary.cluster}\n"
    )
    print(
        "| output | wall time | peak RSS of capture | Kubernetes requests "
        "| AWS calls | missing | size |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, wall, peak, count, meta, size, _ in rows:
        capture = meta["capture"]
        print(
            f"| {name} | {wall:.1f} s | {peak:.0f} MiB | {count} "
            f"(meta: {capture['kubernetes_requests']}) | {capture['aws_calls']} "
            f"| {len(meta['missing'])} | {size / 2**20:.0f} MiB |"
        )
    print("\nKubernetes requests per path (last run):")
    for path, n in sorted(rows[-1][6].items()):
        print(f"  {n:4d}  {path}")


if __name__ == "__main__":
    main()
