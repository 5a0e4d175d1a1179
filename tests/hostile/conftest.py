"""The hostile tier reuses the live tier's loopback moto server."""

from __future__ import annotations

from tests.live.conftest import moto_endpoint, moto_server

__all__ = ["moto_endpoint", "moto_server"]
