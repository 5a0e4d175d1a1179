"""The IP-capacity fixture scripts rebuild the committed bundles byte for byte (the other four
checks assert the same in their own test modules)."""

from __future__ import annotations

import pytest

from tests.checks._support import assert_script_rebuilds_fixtures


@pytest.mark.parametrize("check", ["pod-ip-capacity", "prefix-delegation", "custom-networking"])
def test_fixture_script_rebuilds_the_committed_bundles(check: str) -> None:
    assert_script_rebuilds_fixtures(check)
