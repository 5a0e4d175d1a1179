"""Names inside a recorded incident (docs/incidents.md describes the layout)."""

from __future__ import annotations

FORMAT = "netdoctor-incident/1"
"""The `format` value of `incident.json`."""
INDEX = "incident.json"
"""The optional index: `{"format": FORMAT, "frames": ["frames/0001", ...]}`."""
BLOBS = "blobs"
"""`blobs/ab/abcdef…`: each distinct file content once, named by its SHA-256."""
FRAMES = "frames"
"""`frames/0001/`: one plain snapshot bundle per frame; its files link into `blobs/`."""
TEMP_PREFIX = ".tmp-"
"""Frames and blobs being written; readers ignore them, the store removes them on open."""
LOCK = ".lock"
"""Held by the one process recording into the incident."""
