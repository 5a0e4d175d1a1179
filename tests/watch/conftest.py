"""The moto server fixtures of the live tests, shared by the watch tests."""

from tests.live.conftest import moto_endpoint, moto_server

__all__ = ["moto_endpoint", "moto_server"]
