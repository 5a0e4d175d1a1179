"""Every fixture script in scripts/fixtures/ rebuilds what is committed, byte for byte: the
check fixtures, the healthy bundle and the TUI tests' bundle all come from the project's own
builders (netdoctor.tooling.fixtures), so a clone regenerates them with nothing beside it."""

from __future__ import annotations

import pytest

from tests.checks._support import SCRIPTS, assert_script_rebuilds_fixtures

NAMES = sorted(p.stem for p in SCRIPTS.glob("*.py"))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_script_rebuilds_what_is_committed(name: str) -> None:
    assert_script_rebuilds_fixtures(name)
