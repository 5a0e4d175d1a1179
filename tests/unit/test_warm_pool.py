"""The next warm-pool request a node makes (`facts.ipspace.next_top_up`), which the subnet
checks, the capacity view and `what-if` charge to a subnet. Under prefix delegation ipamd's
isDatastorePoolTooLow reads WARM_PREFIX_TARGET (or WARM_IP/MINIMUM_IP_TARGET), never
WARM_ENI_TARGET (pkg/ipamd/ipamd.go)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdoctor.facts.ipspace import next_top_up
from netdoctor.tooling.fixtures import Cluster
from netdoctor.tooling.fixtures.docs import write_docs
from tests.conftest import open_snapshot


def top_up(tmp_path: Path, **env: str | None) -> tuple[int, int, str]:
    cluster = Cluster()
    cluster.set_env(**env)
    snap = open_snapshot(write_docs(tmp_path / "b", cluster.docs))
    found = next_top_up(snap.views, snap.views.nodes[0])
    assert found is not None
    return found.addresses, found.prefixes, found.reason


@pytest.mark.parametrize(
    ("env", "addresses", "prefixes", "why"),
    [
        # WARM_ENI_TARGET is the manifest's default; with prefixes it is not read
        (
            {
                "ENABLE_PREFIX_DELEGATION": "true",
                "WARM_ENI_TARGET": "1",
                "WARM_PREFIX_TARGET": None,
            },
            16,
            1,
            "WARM_PREFIX_TARGET unset",
        ),
        (
            {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "2"},
            32,
            2,
            "WARM_PREFIX_TARGET=2",
        ),
        (
            {"ENABLE_PREFIX_DELEGATION": "true", "WARM_IP_TARGET": "20", "WARM_PREFIX_TARGET": "1"},
            32,
            2,
            "WARM_IP_TARGET=20",
        ),
        # secondary IPs: a whole ENI's worth (m6i.large: 10 IPs per ENI)
        ({"WARM_ENI_TARGET": "1"}, 10, 0, "WARM_ENI_TARGET=1"),
    ],
)
def test_the_next_request(
    tmp_path: Path, env: dict[str, str | None], addresses: int, prefixes: int, why: str
) -> None:
    got = top_up(tmp_path, **env)
    assert got[:2] == (addresses, prefixes), got
    assert got[2].startswith(why)
