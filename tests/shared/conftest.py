"""The reference-corpus tier: tests that read `../shared` (foreign bundles other projects
recorded, AWS's published tables). Every test here carries the `shared` marker; where the corpus
is absent each is skipped with one reason, and no test touches the folder at import or
collection time unless it exists (parameters are made from it only then)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared._corpus import REASON, foreign_bundles, shared_root

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    present = shared_root() is not None
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.shared)
            if not present:
                item.add_marker(pytest.mark.skip(reason=REASON))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`foreign_bundle`: every foreign bundle but the malformed one; `any_foreign_bundle`:
    all of them. With no corpus, one placeholder that the skip marker never runs."""
    for name, malformed in (("foreign_bundle", False), ("any_foreign_bundle", True)):
        if name in metafunc.fixturenames:
            bundles = foreign_bundles(malformed=malformed)
            if bundles:
                metafunc.parametrize(name, bundles, ids=[p.name for p in bundles])
            else:
                metafunc.parametrize(name, [None], ids=["absent"])


@pytest.fixture(scope="session")
def shared() -> Path:
    """The corpus folder (the tier is skipped before this runs where there is none)."""
    root = shared_root()
    if root is None:
        pytest.skip(REASON)
    return root


@pytest.fixture(scope="session")
def foreign(shared: Path) -> Path:
    return shared / "foreign"


@pytest.fixture(scope="session")
def foreign2(shared: Path) -> Path:
    return shared / "foreign2"


@pytest.fixture(scope="session")
def reference(shared: Path) -> Path:
    return shared / "reference"
