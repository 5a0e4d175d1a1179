"""Live capture from a cluster and an AWS account into a snapshot bundle.

The modules of this package are the only ones in netdoctor that import `kubernetes` and
`boto3`, and they import them lazily: importing this package costs a few milliseconds, the
clients load only when `capture()` runs.
"""

from __future__ import annotations

from netdoctor.sources.live.capture import CaptureOptions, CaptureResult, capture
from netdoctor.sources.live.errors import Cancelled, CaptureError
from netdoctor.sources.live.progress import CallbackProgress, FileProgress, ProgressSink

__all__ = [
    "CallbackProgress",
    "Cancelled",
    "CaptureError",
    "CaptureOptions",
    "CaptureResult",
    "FileProgress",
    "ProgressSink",
    "capture",
]
