"""Where the bundled demo incident lives, in a wheel or a checkout."""

from __future__ import annotations

from pathlib import Path

from netdoctor.resources import builtin_path
from netdoctor.sources.incident.reader import is_incident


def demo_incident() -> Path | None:
    """The demo incident (the wheel's `demo-incident.tar.gz`, else the checkout's
    `fixtures/incidents/demo`); None when there is none (the demo is then a single bundle)."""
    path = builtin_path("demo-incident")
    return path if path.exists() and is_incident(path) else None
