"""`netdoctor serve`: browse a bundle with kubectl or k9s through a read-only API on loopback."""

from __future__ import annotations

import argparse
import errno
import gc
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import summary
from netdoctor.frontends.interrupts import sigterm_interrupts

if TYPE_CHECKING:
    from netdoctor.frontends.serve.server import BundleApiServer
    from netdoctor.snapshot.archive import SizeLimits
    from netdoctor.snapshot.bundle import Bundle

DEFAULT_KUBECONFIG = "netdoctor-serve.kubeconfig"

DESCRIPTION = """\
Serve the Kubernetes objects of a snapshot bundle over the Kubernetes REST API on 127.0.0.1,
and write a kubeconfig for it, so kubectl, k9s or `netdoctor capture` can browse a recorded
incident as if it were live.

The API is read-only: discovery, list (with pagination, label and field selectors), get by
name and watch (?watch=1). Writes answer 405 Method Not Allowed; kinds whose file the bundle
lacks are not served. AGE columns count from the bundle's meta.json captured_at.

With --frame-interval, a recorded incident is replayed: the API serves its frames one after
the other, and watches stream the changes between frames as ADDED/MODIFIED/DELETED events
(resourceVersion one higher per frame, BOOKMARK events, 410 Expired for a version older than
the first frame), so `netdoctor watch` or `kubectl get -w` see the incident happen again."""

EPILOG = """\
example:
  netdoctor serve bundle.tar.gz &
  netdoctor serve incident/ --frame 7 &     # one frame of a recorded incident
  netdoctor serve --demo --frame 5 &        # the demo incident's frame 5
  netdoctor serve incident/ --frame-interval 10 &   # replay: the next frame every 10 s
  export KUBECONFIG=$PWD/netdoctor-serve.kubeconfig
  kubectl get nodes
  kubectl get pods -A --field-selector spec.nodeName=ip-10-0-1-5.ec2.internal
  kubectl get eniconfigs,cninodes"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `netdoctor serve` on the CLI's subparsers."""
    from netdoctor.frontends.commands.common import add_bundle_options

    parser = subparsers.add_parser(
        "serve",
        help=summary("serve"),
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "bundle",
        metavar="BUNDLE",
        nargs="?",
        help="snapshot bundle (a directory, .tar.gz, .tgz or .zip) or a recorded incident",
    )
    parser.add_argument(
        "--frame",
        metavar="N|TIME",
        help="with a recorded incident: the frame to serve (N, first/last or a time, as for "
        "`netdoctor check --frame`; default: the last frame)",
    )
    parser.add_argument(
        "--frame-interval",
        type=float,
        metavar="SECONDS",
        help="with a recorded incident: replay it, serving the next frame every SECONDS "
        "(from --frame, default the first) and streaming the changes to watches",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="serve the demo incident that ships with netdoctor (instead of BUNDLE)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        metavar="P",
        help="TCP port on 127.0.0.1 to listen on (default: any free port)",
    )
    parser.add_argument(
        "--kubeconfig",
        default=DEFAULT_KUBECONFIG,
        metavar="FILE",
        help=f"where to write the kubeconfig (default: ./{DEFAULT_KUBECONFIG}); an existing "
        "file is replaced only if netdoctor wrote it",
    )
    parser.add_argument(
        "--https",
        action="store_true",
        help="serve HTTPS with a fresh self-signed certificate and a random bearer token, both "
        "written into the kubeconfig (default: plain HTTP, loopback only)",
    )
    parser.add_argument("--log-requests", action="store_true", help="print every request on stderr")
    add_bundle_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM; returns 0."""
    import secrets

    from netdoctor.frontends.commands.common import size_limits
    from netdoctor.frontends.serve.kubeconfig import is_ours, write_kubeconfig
    from netdoctor.frontends.serve.server import BundleApiServer, RequestRecord
    from netdoctor.report.escape import printable

    source = _source(args)
    if args.frame_interval is not None and not args.frame_interval > 0:
        raise UsageError(f"--frame-interval must be positive, got {args.frame_interval:g}")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    kubeconfig = Path(args.kubeconfig).expanduser().absolute()
    if kubeconfig.exists() and not is_ours(kubeconfig):
        raise UsageError(
            f"{kubeconfig} exists and is not a kubeconfig netdoctor wrote; refusing to replace "
            "it (choose another --kubeconfig)"
        )

    def log_request(record: RequestRecord) -> None:
        # The request line is the client's: never let it reach the terminal as escapes.
        query = f"?{record.query}" if record.query else ""
        line = printable(f"{record.method} {record.path}{query}")
        print(f"{record.status} {line}", file=sys.stderr, flush=True)

    # Everything loaded lives until exit: skip the collector's scans of it (a 3-5x faster load
    # on big bundles, and no multi-second GC pauses mid-request later).
    gc.disable()
    try:
        options = {
            "port": args.port,
            "tls": args.https,
            "token": secrets.token_urlsafe(24) if args.https else None,
            "on_request": log_request if args.log_requests else None,
        }
        if args.frame_interval is not None:
            server, label = _replay(
                source, args.frame, args.frame_interval, size_limits(args), options
            )
        else:
            with _open(source, args.frame, size_limits(args)) as (bundle, label):
                server = BundleApiServer.from_loader(bundle.read_json, **options)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from exc
    finally:
        gc.freeze()
        gc.enable()

    try:
        with sigterm_interrupts():  # Ctrl-C and SIGTERM both stop the server
            server.start()
            try:
                written = write_kubeconfig(
                    kubeconfig, server.url, token=server.token, ca_pem=server.ca_pem
                )
            except OSError as exc:
                raise UsageError(f"cannot write {kubeconfig}: {exc.strerror or exc}") from exc
            _announce(label, server.url, written, [k.plural for k in server.kinds])
            while True:
                time.sleep(3600)  # the server answers from its threads until a signal
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("netdoctor serve: stopped", file=sys.stderr)
    return 0


def _source(args: argparse.Namespace) -> str:
    """BUNDLE, or the demo incident with `--demo`.

    Raises:
        UsageError: neither or both given.
    """
    if args.demo:
        from netdoctor.resources import builtin_path
        from netdoctor.sources.incident.builtin import demo_incident

        if args.bundle:
            raise UsageError("give BUNDLE or --demo, not both")
        return str(demo_incident() or builtin_path("demo"))
    if not args.bundle:
        raise UsageError("serve needs BUNDLE (a bundle or a recorded incident) or --demo")
    return str(args.bundle)


@contextmanager
def _open(source: str, frame: str | None, limits: SizeLimits) -> Iterator[tuple[Bundle, str]]:
    """The bundle to serve and how to name it: a bundle as it is, or one frame of an
    incident (`--frame`, default the last).

    Raises:
        UsageError: `--frame` on a single bundle, or no such frame.
    """
    from netdoctor.sources.incident.reader import is_incident, open_incident
    from netdoctor.sources.open import open_path

    if not is_incident(source):
        if frame:
            raise UsageError("--frame needs a recorded incident; BUNDLE is a single snapshot")
        with open_path(source, limits) as bundle:
            yield bundle, source
        return
    with open_incident(source, limits) as incident:
        chosen = incident.select(frame) if frame else incident.last
        label = f"{source} frame {chosen.number} of {len(incident)}"
        with incident.open_bundle(chosen.number) as bundle:
            yield bundle, label


def _replay(
    source: str, frame: str | None, interval: float, limits: SizeLimits, options: dict[str, Any]
) -> tuple[BundleApiServer, str]:
    """A server replaying every frame of the incident at `source`, from `frame` (default the
    first), one frame every `interval` seconds.

    Raises:
        UsageError: `source` is a single bundle, or no such frame.
    """
    from netdoctor.frontends.serve.server import BundleApiServer
    from netdoctor.frontends.serve.store import captured_at, cluster_version, load_objects
    from netdoctor.sources.incident.reader import is_incident, open_incident

    if not is_incident(source):
        raise UsageError("--frame-interval needs a recorded incident; BUNDLE is a single snapshot")
    with open_incident(source, limits) as incident:
        start = incident.select(frame) if frame else incident.first
        frames = []
        for fr in incident.frames:
            with incident.open_bundle(fr.number) as bundle:
                frames.append(load_objects(bundle.read_json))
                if fr.number == start.number:
                    options["age_reference"] = captured_at(bundle.read_json)
                    options["kubernetes_version"] = cluster_version(bundle.read_json)
        server = BundleApiServer(
            {},
            frames=frames,
            start_frame=start.number - 1,
            frame_interval=interval,
            **options,
        )
        label = (
            f"{source} replayed from frame {start.number} of {len(incident)}, "
            f"one frame every {interval:g}s"
        )
    return server, label


def _announce(bundle: str, url: str, kubeconfig: Path, kinds: list[str]) -> None:
    path = shlex.quote(str(kubeconfig))
    served = ", ".join(kinds) if kinds else "nothing (the bundle has no k8s/*.json files)"
    print(
        f"netdoctor serve: {bundle} at {url} (read-only)\n"
        f"  serving: {served}\n"
        f"  kubeconfig written to {kubeconfig}\n"
        f"  export KUBECONFIG={path}\n"
        f"  kubectl --kubeconfig {path} get nodes\n"
        "Press Ctrl-C to stop.",
        file=sys.stderr,
        flush=True,
    )
