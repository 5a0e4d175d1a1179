"""`netdoctor record`: capture a frame every interval into a recorded incident."""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from netdoctor.errors import NetdoctorError, UsageError
from netdoctor.frontends.commands import summary
from netdoctor.frontends.interrupts import sigterm_interrupts

if TYPE_CHECKING:
    from netdoctor.sources.incident.recorder import Capture, Captured

DESCRIPTION = """\
Record an incident: capture a snapshot bundle from the live cluster and AWS account every
--interval (as `netdoctor capture` does, with the same options and redaction) and store each as
a frame of INCIDENT. Files that did not change since the last frame are stored once, so a long
recording costs about one bundle plus what changed. Ctrl-C stops; the frames recorded so far
stay a valid recording, and recording into the same INCIDENT again appends to it.

Then: `netdoctor check INCIDENT` for the timeline of each finding, `netdoctor replay INCIDENT`
to step through the frames. With --pack (or -o NAME.tar.gz) the incident is also packed into a
single .tar.gz to share; netdoctor reads that archive directly.

The incident path is printed on stdout; progress goes to stderr."""

EPILOG = """\
examples:
  netdoctor record --interval 30s --duration 15m -o incident/
  netdoctor record --frames 20 --context prod --region eu-central-1 -o incident.tar.gz
  netdoctor record --from snap-1001/ snap-1002.tar.gz snap-1003/ -o incident/
  netdoctor check incident/ --format markdown"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `netdoctor record`."""
    from netdoctor.frontends.commands.live_source import add_live_source_options

    parser = subparsers.add_parser(
        "record",
        help=summary("record"),
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="INCIDENT",
        help="incident directory to create or append to; NAME.tar.gz records into NAME/ and "
        "packs it into NAME.tar.gz at the end",
    )
    parser.add_argument(
        "--interval",
        default="30s",
        metavar="DURATION",
        help="time between the starts of two captures, e.g. 30s, 2m (default: 30s)",
    )
    stop = parser.add_mutually_exclusive_group()
    stop.add_argument(
        "--duration",
        metavar="DURATION",
        help="stop after this long, e.g. 15m (default: run until Ctrl-C)",
    )
    stop.add_argument("--frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument(
        "--pack",
        action="store_true",
        help="also pack the incident into INCIDENT.tar.gz at the end (links kept, so the "
        "archive is as small as the directory)",
    )
    parser.add_argument(
        "--from",
        dest="sources",
        nargs="+",
        metavar="BUNDLE",
        help="make the frames from existing bundles (directories or archives, each with "
        "meta.json captured_at) instead of capturing live",
    )
    add_live_source_options(parser)
    parser.add_argument(
        "--redact-ids",
        action="store_true",
        help="as for capture; the token key is drawn once per recording (or --redact-key), so "
        "frames stay comparable",
    )
    parser.add_argument("--redact-key", metavar="KEY", help="key for --redact-ids tokens")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(run=run)


def _targets(output: str, pack: bool) -> tuple[Path, Path | None]:
    """(incident directory, archive to pack into or None)."""
    path = Path(output)
    name = path.name
    for suffix in (".tar.gz", ".tgz"):
        if name.lower().endswith(suffix):
            return path.with_name(name[: -len(suffix)]), path
    return path, (path.with_name(name + ".tar.gz") if pack else None)


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _say(quiet: bool) -> Callable[[str], None]:
    def say(text: str) -> None:
        if not quiet:
            print(f"netdoctor: {text}", file=sys.stderr, flush=True)

    return say


def _live_capture(args: argparse.Namespace) -> Capture:
    """One live capture per call into a temp bundle, with one redaction key for all frames."""
    from netdoctor.frontends.commands.capture import report_missing
    from netdoctor.frontends.commands.live_source import live_options
    from netdoctor.sources.incident.recorder import Captured
    from netdoctor.sources.live.capture import capture

    if args.redact_key and not args.redact_ids:
        raise UsageError("--redact-key only makes sense with --redact-ids")
    options = live_options(args, None)
    if options.redact_ids and not options.redact_key:
        options.redact_key = secrets.token_hex(16)

    def one() -> Captured:
        result = capture(options)
        if not args.quiet:
            report_missing(result)
        return Captured(result.path, result.cleanup)

    return one


def _bundle_frames(
    sources: list[str], args: argparse.Namespace, closers: list[Callable[[], None]]
) -> list[Captured]:
    """Frames from bundles and from other incidents' frames, oldest captured_at first."""
    from netdoctor.frontends.commands.common import size_limits
    from netdoctor.snapshot.snapshot import Snapshot
    from netdoctor.sources.incident.clock import parse_time
    from netdoctor.sources.incident.reader import is_incident, open_incident
    from netdoctor.sources.incident.recorder import Captured
    from netdoctor.sources.open import open_path

    found: list[tuple[float, str, Captured]] = []
    for source in sources:
        if is_incident(source):
            incident = open_incident(source, size_limits(args))
            closers.append(incident.close)
            for frame in incident.frames:
                when = frame.time.timestamp() if frame.time else 0.0
                found.append(
                    (
                        when,
                        f"{source} {frame.number:09d}",
                        Captured(frame.path, trusted_root=incident.root),
                    )
                )
            continue
        bundle = open_path(source, size_limits(args))
        closers.append(bundle.close)
        time = parse_time(Snapshot(bundle).info.captured_at)
        if time is None:
            raise UsageError(f"{source}: meta.json has no captured_at; a frame needs one")
        found.append((time.timestamp(), source, Captured(bundle.root)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [captured for _, _, captured in found]


def run(args: argparse.Namespace) -> int:
    """Record until --frames/--duration or Ctrl-C; pack if asked; print the incident path."""
    from netdoctor.sources.incident.clock import format_duration, parse_duration
    from netdoctor.sources.incident.recorder import record
    from netdoctor.sources.incident.store import FrameWritten, IncidentStore, pack

    say = _say(args.quiet)
    interval = parse_duration(args.interval)
    duration = parse_duration(args.duration) if args.duration else None
    if args.frames is not None and args.frames < 1:
        raise UsageError("--frames must be at least 1")
    directory, archive = _targets(args.output, args.pack)
    frames = args.frames
    closers: list[Callable[[], None]] = []
    try:
        if args.sources:
            queue = _bundle_frames(args.sources, args, closers)
            capture: Capture = lambda: queue.pop(0)  # noqa: E731
            frames, interval, duration = len(queue), 0.0, None
            plan = f"{frames} frame{'s' if frames != 1 else ''} from bundles"
        else:
            capture = _live_capture(args)
            until = (
                f"{frames} frames"
                if frames
                else f"for {format_duration(duration)}"
                if duration
                else "until Ctrl-C"
            )
            plan = f"a frame every {format_duration(interval)}, {until}"
        existed = directory.exists()
        store = IncidentStore.open(directory)
        before = len(store.frame_names())
        appending = f" (appending after {before} frames)" if before else ""
        say(f"recording {plan} into {directory}{appending}")

        def on_frame(written: FrameWritten, seconds: float) -> None:
            total = f"/{before + frames}" if frames else ""
            late = " (longer than --interval)" if interval and seconds > interval else ""
            say(
                f"frame {int(written.name)}{total} at {written.captured_at}: {written.files} "
                f"files, {written.new_blobs} new ({_size(written.new_bytes)}), "
                f"{seconds:.1f}s{late}"
            )

        try:
            with sigterm_interrupts():  # stops like Ctrl-C: the frames so far stay readable
                result = record(
                    store,
                    capture,
                    interval=interval,
                    frames=frames,
                    duration=duration,
                    on_frame=on_frame,
                    on_skip=lambda exc: say(f"capture failed, frame skipped: {exc}"),
                )
        finally:
            store.close()
    finally:
        for close in closers:
            close()
    size = result.size
    if size is None or size.frames == 0:
        if not existed:
            shutil.rmtree(directory, ignore_errors=True)
        if result.interrupted:
            say("interrupted before the first frame; nothing recorded")
            return 130
        raise NetdoctorError(
            "no frame could be captured" + (f": {result.skipped[-1]}" if result.skipped else "")
        )
    ratio = f" ({size.stored / size.logical:.0%})" if size.logical else ""
    say(
        f"{'stopped: ' if result.interrupted else ''}{size.frames} frames in {directory}: "
        f"{_size(size.stored)} stored for {_size(size.logical)} of frames{ratio}"
    )
    print(directory)
    if archive is not None:
        pack(directory, archive)
        say(f"packed {archive} ({_size(archive.stat().st_size)})")
        print(archive)
    return 0
