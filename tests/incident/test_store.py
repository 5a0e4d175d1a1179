"""The frame store: frames are plain bundles, repeated files cost nothing, a crash or Ctrl-C
leaves a readable recording, and a packed incident reads the same as the directory."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from netdoctor.errors import BundleError, UsageError
from netdoctor.snapshot import files
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.incident.reader import is_incident, open_incident
from netdoctor.sources.incident.store import IncidentStore, incident_size, pack
from tests.conftest import HEALTHY
from tests.incident.conftest import (
    SUBNET_A,
    at,
    edit_json,
    healthy_files,
    make_incident,
    set_free_ips,
)

SUBNETS = "aws/ec2-describe-subnets.json"


def ten_frames_one_file_changing() -> list[dict[str, bytes]]:
    """Ten frames of the healthy example a minute apart; only the subnets file changes."""
    base = healthy_files()
    frames = []
    for i in range(10):
        files = at(base, f"2025-10-18T10:{10 + i:02d}:00Z")
        edit_json(files, SUBNETS, set_free_ips(SUBNET_A, 8166 - i))
        frames.append(files)
    return frames


def test_ten_frames_with_one_changing_file_cost_one_frame_plus_the_changes(tmp_path: Path) -> None:
    frames = ten_frames_one_file_changing()
    root = make_incident(tmp_path / "incident", frames)
    size = incident_size(root)
    one_frame = sum(len(data) for data in frames[0].values())
    changes = sum(len(f[SUBNETS]) + len(f["meta.json"]) for f in frames[1:])
    assert size.frames == 10
    assert size.logical == sum(sum(len(d) for d in f.values()) for f in frames)
    # One frame, the nine new subnet files and meta.json files, and the small index.
    assert one_frame + changes <= size.stored <= one_frame + changes + 1024
    assert size.stored < size.logical / 4
    # One blob per distinct content: the unchanged contents (eniconfigs.json and
    # securitygrouppolicies.json are the same empty List, so one fewer than the files but
    # subnets) and one subnets file per frame.
    assert size.blobs == (len(files.ALL_FILES) - 2) + 10


def test_a_frame_is_a_plain_bundle_whose_files_link_into_the_blob_store(tmp_path: Path) -> None:
    root = make_incident(tmp_path / "incident", ten_frames_one_file_changing()[:2])
    frame = root / "frames" / "0002"
    nodes = frame / "k8s" / "nodes.json"
    assert nodes.is_symlink() and not os.readlink(nodes).startswith("/")
    assert nodes.resolve().parent.parent.name == "blobs"
    assert nodes.read_bytes() == (HEALTHY / "k8s" / "nodes.json").read_bytes()
    assert not (frame / "meta.json").is_symlink()  # each frame's own capture time
    assert (root / "frames" / "0001" / "k8s" / "nodes.json").resolve() == nodes.resolve()
    snap = Snapshot(open_bundle(frame, trusted_root=root))
    assert snap.info.captured_at == "2025-10-18T10:11:00Z"
    assert len(snap.nodes) == 3


def test_frame_links_are_refused_outside_the_incident_and_without_trust(tmp_path: Path) -> None:
    root = make_incident(tmp_path / "incident", ten_frames_one_file_changing()[:1])
    frame = root / "frames" / "0001"
    with pytest.raises(BundleError, match="outside the bundle"):
        _ = Snapshot(open_bundle(frame)).nodes  # the links lead out of the frame itself
    pods = frame / "k8s" / "pods.json"
    pods.unlink()
    secret = tmp_path / "elsewhere.json"
    secret.write_text('{"items": []}')
    os.symlink(os.path.relpath(secret, pods.parent), pods)
    with pytest.raises(BundleError, match=r"k8s/pods.json: is a link to .*outside the bundle"):
        _ = Snapshot(open_bundle(frame, trusted_root=root)).pods


def test_a_crash_mid_frame_leaves_the_committed_frames_readable_and_is_tidied(
    tmp_path: Path,
) -> None:
    frames = ten_frames_one_file_changing()
    root = make_incident(tmp_path / "incident", frames[:2])
    # What a crash while writing frame 3 leaves: a temp frame with some links, a blob half
    # written under its temp name, and a complete blob no committed frame uses yet.
    half = root / "frames" / ".tmp-0003-x1y2"
    (half / "k8s").mkdir(parents=True)
    os.symlink("../../../blobs/00/" + "0" * 64, half / "k8s" / "nodes.json")
    (root / "blobs" / "ab").mkdir(exist_ok=True)
    (root / "blobs" / "ab" / ".tmp-partial").write_bytes(b'{"Subn')
    orphan = root / "blobs" / "ab" / ("ab" + "1" * 62)
    orphan.write_bytes(b"{}")
    index_half = root / ".tmp-k2j3.part"  # the index rewrite after frame 3, cut short
    index_half.write_bytes(b'{"format": "netdoctor-incident/1", "fra')

    with open_incident(root) as incident:
        assert [f.name for f in incident.frames] == ["0001", "0002"]
        assert len(incident.snapshot(2).subnets) == 6

    with IncidentStore.open(root) as store:
        assert not half.exists()
        assert not (root / "blobs" / "ab" / ".tmp-partial").exists() and not orphan.exists()
        assert not index_half.exists()
        written = store.add_frame(frames[2])
    assert written.name == "0003"
    with open_incident(root) as incident:
        assert len(incident) == 3


def test_two_recorders_cannot_write_one_incident(tmp_path: Path) -> None:
    with (
        IncidentStore.open(tmp_path / "incident"),
        pytest.raises(UsageError, match="another netdoctor record"),
    ):
        IncidentStore.open(tmp_path / "incident")
    IncidentStore.open(tmp_path / "incident").close()  # released


def test_a_non_incident_directory_is_not_recorded_into(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a recorded incident"):
        IncidentStore.open(tmp_path)


def test_the_packed_archive_keeps_the_links_and_reads_like_the_directory(tmp_path: Path) -> None:
    root = make_incident(tmp_path / "incident", ten_frames_one_file_changing())
    archive = pack(root, tmp_path / "incident.tar.gz")
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    assert members[0].name == "incident.json"
    links = [m for m in members if m.issym()]
    assert len(links) == 10 * len(files.ALL_FILES)  # every frame file but meta.json
    assert archive.stat().st_size < incident_size(root).stored  # compressed too
    assert is_incident(archive) and is_incident(root)
    assert not is_incident(HEALTHY)
    with open_incident(archive) as packed, open_incident(root) as plain:
        assert [f.captured_at for f in packed.frames] == [f.captured_at for f in plain.frames]
        free = [s.AvailableIpAddressCount for s in packed.snapshot(10).subnets]
        assert free == [s.AvailableIpAddressCount for s in plain.snapshot(10).subnets]
        assert 8157 in free


def test_frames_are_ordered_by_capture_time_not_by_name(tmp_path: Path) -> None:
    base = healthy_files()
    # A plain directory of bundles (BUNDLE-FORMAT's own wording), named out of time order.
    for name, when in (("b-first", "2025-10-18T10:00:00Z"), ("a-second", "2025-10-18T10:05:00Z")):
        for rel, data in at(base, when).items():
            path = tmp_path / "incident" / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    with open_incident(tmp_path / "incident") as incident:
        assert [f.name for f in incident.frames] == ["b-first", "a-second"]
        assert incident.select("10:04").name == "b-first"
        assert incident.select("+5m").name == "a-second"
        with pytest.raises(UsageError, match="before the first frame"):
            incident.select("09:59")
