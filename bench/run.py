"""netdoctor's benchmark: check time and memory against a bare orjson parse, TUI latency, capture
request counts. Ratios are taken against a baseline measured in the same run on the same files.

Usage:
    python bench/run.py [--sizes 100,1000,5000] [--pods-per-node 30] [--repeat 3]
                        [--work /tmp/netdoctor-bench] [--skip-tui] [--skip-live] [--markdown FILE]

See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import msgspec

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable


def sh(*args: str, env: dict[str, str] | None = None) -> dict:
    """Measure one command in its own parent process (bench/measure.py)."""
    out = subprocess.run(
        [PY, str(HERE / "measure.py"), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    result = json.loads(out)
    if result["code"] not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {result['stderr']}")
    return result


def ensure_bundle(work: Path, nodes: int, pods_per_node: int) -> Path:
    """Generate (once) a synthetic bundle of that size, kubectl-indented like real output."""
    target = work / f"synth-{nodes}x{pods_per_node}"
    if (target / "k8s" / "pods.json").is_file():
        return target
    if target.exists():
        shutil.rmtree(target)
    print(f"generating {nodes} nodes × {pods_per_node} pods …", file=sys.stderr, flush=True)
    subprocess.run(
        [
            PY,
            "-m",
            "netdoctor",
            "synth",
            "--nodes",
            str(nodes),
            "--pods-per-node",
            str(pods_per_node),
            "--problems",
            "all" if nodes >= 15 else "",
            "--seed",
            "1",
            "-q",
            "-o",
            str(target),
        ],
        check=True,
    )
    return target


class _Item(msgspec.Struct):
    pass


class _Items(msgspec.Struct):
    items: list[_Item]


def count_pods(bundle: Path) -> int:
    return len(msgspec.json.decode((bundle / "k8s" / "pods.json").read_bytes(), type=_Items).items)


def bundle_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.json"))


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def bench_check(bundle: Path, repeat: int) -> dict:
    """`netdoctor check --format json` vs the orjson baseline, interleaved, medians."""
    check, baseline, generic = [], [], []
    for _ in range(repeat):
        baseline.append(sh(PY, str(HERE / "baseline_orjson.py"), str(bundle)))
        check.append(sh(PY, "-m", "netdoctor", "check", str(bundle), "--format", "json"))
    generic.append(
        sh(
            PY,
            "-m",
            "netdoctor",
            "check",
            str(bundle),
            "--format",
            "json",
            env={"NETDOCTOR_DECODE": "generic"},
        )
    )
    return {
        "bytes": bundle_size(bundle),
        "check_s": median(check, "wall_s"),
        "check_rss_mb": median(check, "max_rss_mb"),
        "baseline_s": median(baseline, "wall_s"),
        "baseline_rss_mb": median(baseline, "max_rss_mb"),
        "generic_s": median(generic, "wall_s"),
        "generic_rss_mb": median(generic, "max_rss_mb"),
        "check_runs_s": [r["wall_s"] for r in check],
        "baseline_runs_s": [r["wall_s"] for r in baseline],
    }


def bench_tui(bundle: Path) -> dict | None:
    """Time to first findings / all checks done in the TUI, and key latency while loading."""
    script = HERE / "tui_timing.py"
    if not script.exists():
        return None
    out = subprocess.run([PY, str(script), str(bundle)], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(out.stdout)


def bench_live(nodes: int) -> dict | None:
    """Kubernetes requests and AWS calls of a capture against serve + moto."""
    script = HERE / "live_capture.py"
    out = subprocess.run(
        [PY, str(script), "--nodes", str(nodes), "--json"], capture_output=True, text=True
    )
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(out.stdout)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), "
        f"{mem:.0f} GiB RAM, Python {platform.python_version()}"
    )


def render(results: dict) -> str:
    lines = [
        f"Machine: {results['machine']}  ",
        f"Run: {results['when']}, median of {results['repeat']} interleaved runs per command.",
        "",
        "| nodes | pods | bundle | check | orjson baseline | time ratio | check RSS | "
        "baseline RSS | RSS ratio | generic-parse check |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, row in results["sizes"].items():
        c = row["check"]
        lines.append(
            f"| {size} | {row['pods']} | {c['bytes'] / 1e6:.0f} MB | {c['check_s']:.2f} s | "
            f"{c['baseline_s']:.2f} s | **{c['check_s'] / c['baseline_s']:.2f}×** | "
            f"{c['check_rss_mb']:.0f} MB | {c['baseline_rss_mb']:.0f} MB | "
            f"**{c['check_rss_mb'] / c['baseline_rss_mb']:.2f}×** | {c['generic_s']:.2f} s, "
            f"{c['generic_rss_mb']:.0f} MB |"
        )
    sizes = list(results["sizes"])
    if "1000" in results["sizes"] and "5000" in results["sizes"]:
        growth = (
            results["sizes"]["5000"]["check"]["check_s"]
            / results["sizes"]["1000"]["check"]["check_s"]
        )
        lines += ["", f"Growth 1,000 → 5,000 nodes: check time ×{growth:.2f} (target ≤ 5.5)."]
    tui_rows = [
        (s, results["sizes"][s].get("tui")) for s in sizes if results["sizes"][s].get("tui")
    ]
    if tui_rows:
        lines += [
            "",
            "| nodes | TUI first findings | TUI all checks done | check time + 0.5 s | "
            "longest event-loop stall while loading (a key waits at most this) |",
            "|---|---|---|---|---|",
        ]
        for size, tui in tui_rows:
            c = results["sizes"][size]["check"]
            lines.append(
                f"| {size} | {tui.get('first_findings_s', float('nan')):.2f} s "
                f"| {tui['all_done_s']:.2f} s | "
                f"{c['check_s'] + 0.5:.2f} s | {tui['loop_stall_ms']:.0f} ms |"
            )
    live_rows = [
        (s, results["sizes"][s].get("live")) for s in sizes if results["sizes"][s].get("live")
    ]
    if live_rows:
        lines += [
            "",
            "| nodes | k8s requests | budget Σ⌈items/500⌉ + discovery | AWS calls | capture wall |",
            "|---|---|---|---|---|",
        ]
        for size, live in live_rows:
            lines.append(
                f"| {size} | {live['k8s_requests']} | {live['k8s_budget']} | "
                f"{live['aws_calls']} | {live['wall_s']:.2f} s |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/netdoctor-bench"))
    parser.add_argument("--skip-tui", action="store_true")
    parser.add_argument("--skip-live", action="store_true")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    # As a pip install does: byte-compile, so every run measures netdoctor, not the compiler.
    subprocess.run(
        [PY, "-m", "compileall", "-q", str(REPO / "netdoctor"), str(REPO / "checks")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    results: dict = {
        "machine": machine(),
        "repeat": args.repeat,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "sizes": {},
    }
    for nodes in [int(s) for s in args.sizes.split(",")]:
        bundle = ensure_bundle(args.work, nodes, args.pods_per_node)
        row: dict = {"pods": count_pods(bundle)}
        print(f"[{nodes} nodes] check vs baseline …", file=sys.stderr, flush=True)
        row["check"] = bench_check(bundle, args.repeat)
        if not args.skip_tui:
            print(f"[{nodes} nodes] TUI …", file=sys.stderr, flush=True)
            row["tui"] = bench_tui(bundle)
        if not args.skip_live:
            print(f"[{nodes} nodes] live capture …", file=sys.stderr, flush=True)
            row["live"] = bench_live(nodes)
        results["sizes"][str(nodes)] = row
        print(json.dumps({str(nodes): row}), file=sys.stderr, flush=True)
    (args.work / "results.json").write_text(json.dumps(results, indent=2))
    table = render(results)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)


if __name__ == "__main__":
    main()
