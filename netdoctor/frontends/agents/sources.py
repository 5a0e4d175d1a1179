"""Open what a tool call names: a bundle, a frame of a recorded incident, or a live capture.

The same openers as the CLI (`sources.open`, `sources.incident.reader`, `sources.live.capture`);
a live capture runs without progress output (stdout is the protocol) and what it could not
collect comes back as notes for the agent instead of stderr lines.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from netdoctor.errors import UsageError
from netdoctor.frontends.commands.common import open_snapshot, size_limits
from netdoctor.snapshot.snapshot import Snapshot


@dataclass
class Opened:
    """A Snapshot to read, and what the agent should know about where it came from."""

    snapshot: Snapshot
    source: str
    """The path the call gave (with `#frame N` for an incident frame), or `live`."""
    notes: list[str] = field(default_factory=list)


def is_incident_path(args: argparse.Namespace) -> bool:
    """True when the call names a whole recorded incident (not one of its frames)."""
    from netdoctor.sources.incident.reader import is_incident

    return bool(args.bundle) and not args.live and is_incident(args.bundle)


@contextmanager
def opened(args: argparse.Namespace, files: frozenset[str] | None = None) -> Iterator[Opened]:
    """The Snapshot the call names; an incident without `frame` gives its last frame.

    `files`: with `live`, capture only these bundle files (what the selected checks read).

    Raises:
        UsageError, BundleError: the one-line errors `netdoctor check` gives.
    """
    if args.live:
        if args.bundle:
            raise UsageError("give either bundle or live: true, not both")
        with _live(args, files) as found:
            yield found
        return
    if not args.bundle:
        raise UsageError("give a bundle path, or live: true to capture from the cluster")
    if is_incident_path(args):
        from netdoctor.sources.incident.reader import open_incident

        with open_incident(args.bundle, size_limits(args)) as incident:
            frame = incident.select(args.frame or "last")
            yield Opened(incident.snapshot(frame.number), f"{args.bundle}#frame {frame.number}")
        return
    if args.frame:
        raise UsageError("frame needs a recorded incident; bundle is a single snapshot")
    with open_snapshot(args.bundle, args) as snap:
        yield Opened(snap, args.bundle)


@contextmanager
def _live(args: argparse.Namespace, files: frozenset[str] | None) -> Iterator[Opened]:
    from netdoctor.frontends.commands.live_source import live_options
    from netdoctor.sources.live.capture import capture

    options = live_options(args, None)
    options.files = files
    result = capture(options)
    try:
        notes = [f"capture: {rel} not collected: {why}" for rel, why in result.missing.items()]
        with open_snapshot(result.path, args) as snap:
            yield Opened(snap, "live", notes)
    finally:
        result.cleanup()
