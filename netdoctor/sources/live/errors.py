"""Errors of live capture."""

from __future__ import annotations

from netdoctor.errors import NetdoctorError


class CaptureError(NetdoctorError):
    """Nothing could be captured (no Kubernetes access and no AWS access), or bad options."""

    title = "Capture failed"


class Cancelled(Exception):
    """The capture was interrupted (Ctrl-C); collector threads stop at the next request."""
