"""Atomic writes: readers see the old file or the whole new one; a failure leaves the old file
and no temp file behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netdoctor.sources.atomic import atomic_file, write_atomic


def test_the_old_file_stays_readable_until_the_new_one_is_whole(tmp_path: Path) -> None:
    dest = tmp_path / "incident.json"
    dest.write_bytes(b"old")
    with atomic_file(dest) as out:
        out.write(b"new, first half")
        assert dest.read_bytes() == b"old"
        out.write(b", second half")
    assert dest.read_bytes() == b"new, first half, second half"
    assert [p.name for p in tmp_path.iterdir()] == ["incident.json"]


def test_a_failure_mid_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    dest = tmp_path / "pods.json"
    dest.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_file(dest) as out:
        out.write(b"half")
        raise KeyboardInterrupt
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["pods.json"]


def test_the_result_gets_the_mode_asked_for_and_the_temp_name_a_cleanup_knows(
    tmp_path: Path,
) -> None:
    blob = tmp_path / "ab12"
    write_atomic(blob, b"shared", 0o444, prefix=".tmp-")
    assert blob.read_bytes() == b"shared" and blob.stat().st_mode & 0o777 == 0o444
    private = tmp_path / "capture.tar.gz"
    seen: list[str] = []
    with atomic_file(private, 0o600, fsync=False) as out:
        seen = sorted(p.name for p in tmp_path.iterdir())
        out.write(b"x")
    assert private.stat().st_mode & 0o777 == 0o600
    assert seen[0].startswith(".capture.tar.gz.") and seen[0].endswith(".part")
    assert sorted(os.listdir(tmp_path)) == ["ab12", "capture.tar.gz"]
