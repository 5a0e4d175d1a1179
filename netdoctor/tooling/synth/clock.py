"""Timestamps in the exact formats kubectl and the aws CLI print.

Times are held as integer epoch seconds; formatting is cached because pods share most instants.
"""

from __future__ import annotations

import time
from functools import lru_cache


@lru_cache(maxsize=1 << 16)
def k8s(ts: int) -> str:
    """`2025-09-12T10:13:59Z` (metav1.Time)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def micro(ts: int, micros: int) -> str:
    """`2025-09-18T09:47:44.614016Z` (metav1.MicroTime)."""
    return f"{k8s(ts)[:-1]}.{micros:06d}Z"


@lru_cache(maxsize=1 << 14)
def aws_offset(ts: int) -> str:
    """`2025-09-12T10:12:44+00:00` (EC2 LaunchTime, instance attachments)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


def aws_millis(ts: int, millis: int = 0) -> str:
    """`2025-09-12T10:12:44.000Z` (ENI AttachTime, NAT CreateTime, ELB CreatedTime)."""
    return f"{k8s(ts)[:-1]}.{millis:03d}Z"


def eks(ts: int, micros: int) -> str:
    """`2025-05-20T10:12:44.565000+00:00` (EKS createdAt)."""
    return f"{k8s(ts)[:-1]}.{micros:06d}+00:00"
