"""Options and helpers shared by the subcommands that read bundles and run checks."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netdoctor.engine.api import Check
from netdoctor.engine.registry import load_checks
from netdoctor.errors import UsageError
from netdoctor.snapshot.archive import SizeLimits
from netdoctor.snapshot.snapshot import Snapshot

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$", re.I)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_size(text: str) -> int:
    """`8G`, `512MiB`, `1000000` → bytes."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 8G or 512M)")
    unit = (match[2] or "").upper()[:1]
    return int(float(match[1]) * _UNITS[unit])


def add_bundle_options(parser: argparse.ArgumentParser) -> None:
    """`--max-bundle-size`, for commands that open archives."""
    parser.add_argument(
        "--max-bundle-size",
        type=parse_size,
        metavar="SIZE",
        help="refuse archives that inflate past SIZE in all (default 8G; each file at most "
        "min(2G, SIZE)); guards against archive bombs",
    )


def add_check_selection(parser: argparse.ArgumentParser) -> None:
    """`--check`, `--skip-check`, `--checks-dir`."""
    parser.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="ID",
        help="run only this check (repeatable)",
    )
    parser.add_argument(
        "--skip-check",
        action="append",
        default=[],
        metavar="ID",
        help="do not run this check (repeatable)",
    )
    parser.add_argument(
        "--checks-dir",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="also load checks from *.py files in DIR (repeatable)",
    )


def size_limits(args: argparse.Namespace) -> SizeLimits:
    """The archive caps the user asked for."""
    total = getattr(args, "max_bundle_size", None)
    if not total:
        return SizeLimits()
    if total <= 0:
        raise UsageError("--max-bundle-size must be positive")
    return SizeLimits(per_member=min(SizeLimits().per_member, total), per_bundle=total)


def selected_checks(args: argparse.Namespace) -> list[Check]:
    """The checks the command line selects."""
    registry = load_checks(args.checks_dir)
    return registry.select(args.check, args.skip_check)


@contextmanager
def open_snapshot(path: str | Path, args: argparse.Namespace) -> Iterator[Snapshot]:
    """The bundle at `path` as a Snapshot, with the size caps the user asked for (the one
    opener: `netdoctor.sources.open`)."""
    from netdoctor.sources.open import opened

    with opened(path, size_limits(args)) as snap:
        yield snap


def add_live_options(parser: argparse.ArgumentParser) -> None:
    """`--live` and where to capture from; BUNDLE becomes optional."""
    from netdoctor.frontends.commands.live_source import add_live_source_options

    parser.add_argument(
        "--live",
        action="store_true",
        help="capture from the kubeconfig context and its AWS account into a temporary bundle "
        "(removed afterwards), then check it exactly as a recorded one",
    )
    add_live_source_options(parser)


@contextmanager
def open_source(args: argparse.Namespace, checks: list[Check] | None = None) -> Iterator[Snapshot]:
    """The Snapshot to check: BUNDLE, or with `--live` a fresh capture of the files `checks`
    read, opened through the same `open_snapshot` path and removed afterwards."""
    if not getattr(args, "live", False):
        if not args.bundle:
            raise UsageError("give a BUNDLE, or --live to capture from the cluster")
        with open_snapshot(args.bundle, args) as snap:
            yield snap
        return
    if args.bundle:
        raise UsageError("give either BUNDLE or --live, not both")
    from netdoctor.frontends.commands.capture import run_capture
    from netdoctor.frontends.commands.live_source import live_options

    options = live_options(args, None)
    if checks is not None:
        options.files = frozenset(rel for c in checks for rel in (*c.needs, *c.wants))
    result = run_capture(options, quiet=False)
    try:
        with open_snapshot(result.path, args) as snap:
            yield snap
    finally:
        result.cleanup()
