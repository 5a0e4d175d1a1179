"""netdoctor reads every foreign bundle (real JSON other projects recorded) without a crash:
each check passes, fails or skips, or the CLI gives the contract's one-line error and exit 2."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import FOREIGN, run_cli

BUNDLES = sorted(p for p in FOREIGN.iterdir() if p.is_dir())


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name)
def test_foreign_bundle_gives_a_verdict_per_check_or_a_clean_error(bundle: Path) -> None:
    result = run_cli("check", str(bundle), "--format", "json", "--fail-on", "never")
    assert "Traceback" not in result.err
    if bundle.name == "awscli-examples-malformed":
        assert result.code == 2
        assert result.err.count("\n") == 1 and "aws/ec2-describe-" in result.err
        assert "line " in result.err
        return
    assert result.code == 0, result.err
    report = orjson.loads(result.out)
    errors = {r["check"]: r["reason"] for r in report["results"] if r["status"] == "error"}
    assert not errors
