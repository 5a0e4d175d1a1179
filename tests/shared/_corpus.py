"""Where the reference corpora are: `../shared` beside the repository (how CI lays it out), or
the folder `NETDOCTOR_SHARED` names. Nothing here runs at import: callers ask when they need it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REPO

REASON = "../shared not found: the reference-corpus tier is skipped"
MALFORMED = "awscli-examples-malformed"
"""The foreign bundle that is unparseable on purpose (its clean error is tested on its own)."""


def shared_root() -> Path | None:
    """The corpus folder, or None where there is none."""
    configured = os.environ.get("NETDOCTOR_SHARED")
    root = Path(configured) if configured else REPO.parent / "shared"
    return root if root.is_dir() else None


def foreign_bundles(*, malformed: bool = False) -> list[Path]:
    """The foreign bundles (real JSON other projects recorded), in name order."""
    root = shared_root()
    if root is None:
        return []
    return sorted(
        p for p in (root / "foreign").iterdir() if p.is_dir() and (malformed or p.name != MALFORMED)
    )
