"""`netdoctor watch`: keep checking the live cluster, serve Prometheus metrics, record changes."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import summary
from netdoctor.frontends.commands.live_source import add_live_source_options, live_options
from netdoctor.frontends.interrupts import sigterm_interrupts

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from netdoctor.frontends.watch.cycle import CycleOutcome
    from netdoctor.frontends.watch.metrics import WatchMetrics
    from netdoctor.sources.incident.store import IncidentStore

DESCRIPTION = """\
Keep checking the cluster of your kubeconfig context (or, in a pod, of its service account)
and its AWS account: every --interval the checks run on the current state, the results are
served as Prometheus metrics, and with --record each change is stored as a frame of a recorded
incident that `netdoctor replay` opens at any time, also while watch runs.

Kubernetes state is listed once and then kept current with watches (resourceVersion,
bookmarks; a 410 Gone lists again; errors back off with jitter), so a quiet cluster costs no
requests per cycle. The AWS describes are polled every interval, scoped to the cluster's VPC
as `netdoctor capture` scopes them, with the same allow-list redaction.

Metrics (http://BIND:PORT/metrics): findings by check and severity, check status, free IPs and
free /28 blocks per subnet, pod-IP and max-pods headroom per node, the last successful cycle's
time and duration, capture errors by API, and the seconds until each subnet runs out at the
trend of the last hour (docs/watch.md says how it is computed).

One progress line per cycle goes to stderr. Ctrl-C or SIGTERM stops it; the frames already
recorded stay readable."""

EPILOG = """\
examples:
  netdoctor watch --interval 60s --record /var/lib/netdoctor --retain 7d
  netdoctor watch --context prod --metrics-bind 0.0.0.0 --metrics-port 9808
  netdoctor watch --once                      # one cycle, then exit
  netdoctor replay /var/lib/netdoctor         # the recording, while watch keeps adding to it"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `netdoctor watch`."""
    from netdoctor.frontends.commands.common import add_check_selection
    from netdoctor.frontends.watch.metrics import DEFAULT_BIND, DEFAULT_PORT

    parser = subparsers.add_parser(
        "watch",
        help=summary("watch"),
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_live_source_options(parser)
    parser.add_argument(
        "--interval",
        default="60s",
        metavar="DURATION",
        help="run the checks (and poll AWS) this often: 60s, 5m, or seconds (default: 60s)",
    )
    parser.add_argument(
        "--record",
        metavar="DIR",
        help="store a frame in this incident directory whenever some bundle file changed "
        "(created if needed; an existing recording is continued)",
    )
    parser.add_argument(
        "--retain",
        metavar="AGE|N",
        help="with --record: remove frames older than AGE (7d, 12h, 30m) or all but the newest "
        "N frames, after each new frame (default: keep everything)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=DEFAULT_PORT,
        metavar="PORT",
        help=f"serve Prometheus metrics on this port; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--metrics-bind",
        default=DEFAULT_BIND,
        metavar="ADDRESS",
        help=f"address the metrics listen on; 0.0.0.0 in a pod (default: {DEFAULT_BIND})",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="run one cycle (and record it with --record), print its line, and exit; no "
        "metrics server",
    )
    add_check_selection(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Watch until Ctrl-C or SIGTERM (or one cycle with --once)."""
    from netdoctor.frontends.commands.common import selected_checks
    from netdoctor.frontends.watch.cycle import WatchCycle
    from netdoctor.frontends.watch.metrics import WatchMetrics
    from netdoctor.frontends.watch.retention import parse_interval, parse_retention
    from netdoctor.sources.live.errors import CaptureError

    interval = parse_interval(args.interval)
    if args.retain and not args.record:
        raise UsageError("--retain needs --record DIR")
    retention = parse_retention(args.retain) if args.retain else None
    if not 0 <= args.metrics_port <= 65535:
        raise UsageError(f"--metrics-port must be between 0 and 65535, got {args.metrics_port}")
    options = live_options(args, None)
    checks = selected_checks(args)
    metrics = WatchMetrics()
    with sigterm_interrupts():
        store = _open_store(args.record)
        server = None
        cycle = None
        try:
            if not args.once:
                server = _serve_metrics(metrics, args.metrics_port, args.metrics_bind)
            cycle = WatchCycle(options, checks, metrics, store=store, retention=retention)
            _announce(args, interval, server)
            next_at = time.monotonic()
            while True:
                try:
                    _report(cycle.run())
                except CaptureError as exc:
                    if args.once:
                        raise
                    print(f"netdoctor watch: cycle failed: {exc}", file=sys.stderr, flush=True)
                if args.once:
                    return 0
                next_at += interval
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    next_at = time.monotonic()  # a cycle overran: start the next one now
        except KeyboardInterrupt:
            print("netdoctor watch: stopped", file=sys.stderr)
            return 0
        finally:
            if cycle is not None:
                cycle.close()
            if server is not None:
                server.shutdown()
                server.server_close()
            if store is not None:
                store.recover()
                store.close()


def _open_store(record: str | None) -> IncidentStore | None:
    if not record:
        return None
    from netdoctor.sources.incident.store import IncidentStore

    return IncidentStore.open(Path(record).expanduser())


def _serve_metrics(metrics: WatchMetrics, port: int, bind: str) -> WSGIServer:
    from netdoctor.frontends.watch.metrics import serve

    try:
        return serve(metrics, port, bind)
    except OSError as exc:  # in use, not allowed, not an address of this host …
        raise UsageError(f"cannot serve metrics on {bind}:{port}: {exc.strerror or exc}") from exc


def _announce(args: argparse.Namespace, interval: float, server: WSGIServer | None) -> None:
    where = ""
    if server is not None:
        where = f", metrics at http://{args.metrics_bind}:{server.server_port}/metrics"
    record = f", recording to {args.record}" if args.record else ""
    every = "once" if args.once else f"every {interval:g}s"
    print(f"netdoctor watch: checking {every}{record}{where}", file=sys.stderr, flush=True)


def _report(outcome: CycleOutcome) -> None:
    """The cycle's progress line on stderr."""
    from netdoctor.sources.live.progress import plural

    changed = "no file changed"
    if outcome.changed:
        names = ", ".join(outcome.changed[:3]) + (", …" if len(outcome.changed) > 3 else "")
        changed = f"{plural(len(outcome.changed), 'file')} changed ({names})"
    if outcome.recorded is not None:
        frame = f"frame {outcome.recorded.name} recorded"
        if outcome.pruned:
            frame += f", {plural(outcome.pruned, 'old frame')} removed"
    else:
        frame = "no frame recorded"
    missing = f", {plural(len(outcome.missing), 'file')} not collected" if outcome.missing else ""
    print(
        f"netdoctor watch: cycle {outcome.number} in {outcome.seconds:.1f}s "
        f"(AWS {outcome.aws_seconds:.1f}s, checks {outcome.check_seconds:.1f}s): "
        f"{plural(outcome.findings, 'finding')}, {changed}, {frame}; "
        f"{plural(outcome.kube_requests, 'Kubernetes request')}, "
        f"{plural(outcome.aws_calls, 'AWS call')}{missing}",
        file=sys.stderr,
        flush=True,
    )
