"""Measure `netdoctor watch` in steady state on a big cluster served locally, against the
baseline of what a cron job would do each interval: `netdoctor capture` then `netdoctor check`.

    .venv/bin/python bench/watch_steady.py --nodes 5000          # 150,000 pods
    .venv/bin/python bench/watch_steady.py --nodes 1000 --markdown /tmp/watch.md

Kubernetes: a `netdoctor synth` bundle served by `BundleApiServer` on 127.0.0.1 as a replay of
two frames: the bundle, then the same bundle with `--changes` pods modified (a label each), so
the watch streams see MODIFIED events. AWS: a moto server on 127.0.0.1 holding the cluster's VPC
and one instance per node (the synth nodes' providerIDs re-pointed at them, as in
live_capture.py).

The watch runs as the CLI in a subprocess (`--interval 1`: cycles back to back), its own peak
RSS read from /proc at exit. Cycle 1 lists everything; then `--quiet` cycles with no change;
then the API moves to frame 2 and the next cycle carries the changes; requests per cycle are
counted at the server. The baseline runs in the same process tree, on the same served cluster.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.live_capture import CHILD, aws_instances, point_nodes_at, start_moto  # noqa: E402
from netdoctor.frontends.serve.kubeconfig import write_kubeconfig  # noqa: E402
from netdoctor.frontends.serve.server import BundleApiServer  # noqa: E402
from netdoctor.frontends.serve.store import directory_loader, load_objects  # noqa: E402

PODS = "k8s/pods.json"
_LINE = re.compile(
    r"cycle (?P<n>\d+) in (?P<s>[\d.]+)s \(AWS (?P<aws_s>[\d.]+)s, checks (?P<check_s>[\d.]+)s\)"
    r": .*?(?P<changed>no file changed|\d+ files? changed)"
    r".*?; (?P<k8s>\d+) Kubernetes requests?, (?P<aws>\d+) AWS calls?"
)


def changed_frame(first: dict[str, list[Any]], changes: int) -> dict[str, list[Any]]:
    """`first` with `changes` pods relabelled (shares every other object)."""
    second = dict(first)
    pods = list(first[PODS])
    step = max(1, len(pods) // max(1, changes))
    for i in range(0, min(len(pods), step * changes), step):
        pod = copy.deepcopy(pods[i])
        pod["metadata"].setdefault("labels", {})["bench/changed"] = "1"
        pods[i] = pod
    second[PODS] = pods
    return second


def child(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **env},
    )


def peak_of(stderr: str) -> float:
    return int(stderr.split("peak-rss-kib ")[1].split()[0]) / 1024


def baseline(server: BundleApiServer, work: Path, env: dict[str, str], cluster: str) -> dict:
    """One cron-style interval: capture to a directory, then check it."""
    out = work / f"baseline-{time.monotonic_ns()}"
    before = server.request_total
    started = time.monotonic()
    proc = child(["capture", "-q", "-o", str(out), "--cluster", cluster], env)
    _, err = proc.communicate()
    capture_s = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"capture failed: {err}")
    requests = server.request_total - before
    capture_peak = peak_of(err)
    started = time.monotonic()
    proc = child(["check", str(out), "--format", "json", "--fail-on", "never"], env)
    _, err = proc.communicate()
    check_s = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"check failed: {err}")
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    return {
        "cycle_s": round(capture_s + check_s, 2),
        "capture_s": round(capture_s, 2),
        "check_s": round(check_s, 2),
        "k8s_requests": requests,
        "peak_rss_mb": round(max(capture_peak, peak_of(err)), 1),
    }


def watch(
    server: BundleApiServer, env: dict[str, str], cluster: str, quiet: int, work: Path
) -> dict:
    """Run `netdoctor watch`: cycle 1, `quiet` unchanged cycles, one cycle with the changes."""
    import shutil

    shutil.rmtree(work / "recording", ignore_errors=True)  # a fresh recording each run
    proc = child(
        ["watch", "--interval", "1", "--metrics-port", "0", "--cluster", cluster,
         "--record", str(work / "recording")],
        env,
    )  # fmt: skip
    assert proc.stderr is not None
    cycles: list[dict[str, Any]] = []
    lines: list[str] = []
    advanced = False
    started = time.monotonic()
    while True:
        line = proc.stderr.readline()
        if not line:
            raise SystemExit("watch ended early:\n" + "".join(lines))
        lines.append(line)
        match = _LINE.search(line)
        if not match:
            continue
        cycles.append(
            {
                "cycle": int(match["n"]),
                "seconds": float(match["s"]),
                "aws_s": float(match["aws_s"]),
                "check_s": float(match["check_s"]),
                "k8s_requests": int(match["k8s"]),
                "aws_calls": int(match["aws"]),
                "changed": match["changed"],
                "server_requests_so_far": server.request_total,
                "after_change": advanced,
            }
        )
        print(f"  watch: {line.strip()}", file=sys.stderr)
        if len(cycles) == 1 + quiet and not advanced:
            server.advance()
            advanced = True
            time.sleep(2.0)  # let the events arrive before the next cycle starts
        elif advanced and (
            cycles[-1]["changed"] != "no file changed" or len(cycles) > 1 + quiet + 3
        ):
            break
    wall = time.monotonic() - started
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return {"cycles": cycles, "wall_s": round(wall, 1), "peak_rss_mb": round(peak_of(err), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--changes", type=int, default=50, help="pods modified in frame 2")
    parser.add_argument("--quiet", type=int, default=2, help="unchanged cycles to measure")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nd-watch-bench"))
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    args = parser.parse_args()

    from netdoctor.tooling.synth import generate

    src = args.work / f"source-{args.nodes}"
    t = time.monotonic()
    if not (src / "meta.json").exists():
        generate(src, nodes=args.nodes, pods_per_node=args.pods_per_node, seed=1)
    cluster = json.loads((src / "meta.json").read_text())["cluster"]
    print(f"synth: {time.monotonic() - t:.0f}s", file=sys.stderr)

    moto, env = start_moto()
    t = time.monotonic()
    instances = aws_instances(cluster, args.nodes)
    point_nodes_at(src, instances)
    print(f"moto: {len(instances)} instances ({time.monotonic() - t:.0f}s)", file=sys.stderr)

    first = load_objects(directory_loader(src))
    pods = len(first[PODS])
    server = BundleApiServer({}, frames=[first, changed_frame(first, args.changes)]).start()
    env["KUBECONFIG"] = str(write_kubeconfig(args.work / "kubeconfig", server.url))
    print(f"serving {args.nodes} nodes, {pods} pods", file=sys.stderr)
    try:
        base = baseline(server, args.work, env, cluster)
        print(f"  baseline: {base}", file=sys.stderr)
        watched = watch(server, env, cluster, args.quiet, args.work)
    finally:
        server.stop()
        moto.stop()  # type: ignore[attr-defined]
    cycles = watched["cycles"]
    steady = [c for c in cycles[1:] if c["changed"] == "no file changed"]
    changed = [c for c in cycles if c["after_change"] and c["changed"] != "no file changed"]
    result = {
        "nodes": args.nodes,
        "pods": pods,
        "changes": args.changes,
        "baseline": base,
        "watch": watched,
        "summary": {
            "first_cycle_s": cycles[0]["seconds"],
            "first_cycle_k8s_requests": cycles[0]["k8s_requests"],
            "steady_cycle_s": statistics.median(c["seconds"] for c in steady) if steady else None,
            "steady_aws_s": statistics.median(c["aws_s"] for c in steady) if steady else None,
            "steady_check_s": statistics.median(c["check_s"] for c in steady) if steady else None,
            "steady_k8s_requests": [c["k8s_requests"] for c in steady],
            "changed_cycle_s": changed[0]["seconds"] if changed else None,
            "changed_k8s_requests": changed[0]["k8s_requests"] if changed else None,
            "aws_calls_per_cycle": cycles[-1]["aws_calls"],
            "watch_peak_rss_mb": watched["peak_rss_mb"],
        },
    }
    s = result["summary"]
    if s["steady_cycle_s"]:
        s["steady_time_ratio"] = round(s["steady_cycle_s"] / base["cycle_s"], 2)
    steady_requests = max(s["steady_k8s_requests"] or [0])
    s["steady_request_ratio"] = round(steady_requests / base["k8s_requests"], 4)
    s["rss_ratio"] = round(watched["peak_rss_mb"] / base["peak_rss_mb"], 2)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
