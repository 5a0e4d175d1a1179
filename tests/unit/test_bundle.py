"""Reading bundles: directories and archives read the same; encodings; hostile archives refused;
malformed files end in one line naming the file and JSON path, with exit status 2."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from netdoctor.errors import BundleError
from netdoctor.snapshot.archive import SizeLimits
from netdoctor.snapshot.bundle import open_bundle
from netdoctor.snapshot.snapshot import Snapshot
from tests.conftest import HEALTHY, run_cli


def _tar(bundle: Path, target: Path, prefix: str = "bundle") -> Path:
    with tarfile.open(target, "w:gz") as tar:
        tar.add(bundle, arcname=prefix)
    return target


def _zip(bundle: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(bundle).as_posix())
    return target


def _facts(snap: Snapshot) -> dict:
    views = snap.views
    return {
        "info": snap.info.model_dump(),
        "nodes": [
            (
                v.name,
                v.instance_id,
                v.instance_type,
                v.zone,
                v.kubelet_max_pods,
                v.subnet.SubnetId if v.subnet else None,
                v.route_table.RouteTableId if v.route_table else None,
                len(v.enis),
                len(v.pods),
            )
            for v in views.nodes
        ],
        "cni": (views.cni.version, views.cni.env),
        "pods": len(snap.pods),
        "subnets": [(s.SubnetId, s.AvailableIpAddressCount) for s in snap.subnets],
    }


def test_directory_tar_gz_and_zip_give_identical_snapshots(tmp_path: Path) -> None:
    tgz = _tar(HEALTHY, tmp_path / "b.tgz")
    zipped = _zip(HEALTHY, tmp_path / "b.zip")
    with open_bundle(HEALTHY) as d, open_bundle(tgz) as t, open_bundle(zipped) as z:
        expected = _facts(Snapshot(d))
        assert _facts(Snapshot(t)) == expected
        assert _facts(Snapshot(z)) == expected
    assert expected["nodes"] and all(n[1] and n[5] and n[6] for n in expected["nodes"])


def test_extracted_archive_is_removed_on_close(tmp_path: Path) -> None:
    bundle = open_bundle(_tar(HEALTHY, tmp_path / "b.tar.gz"))
    root = bundle.root
    assert root.is_dir()
    bundle.close()
    assert not root.exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_bom_and_utf16_files_read(tmp_path: Path, encoding: str) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(HEALTHY, bundle)
    nodes = bundle / "k8s" / "nodes.json"
    text = nodes.read_text("utf-8")
    data = text.encode(encoding)
    if encoding == "utf-16-le":  # no BOM: detected from the zero bytes
        assert not data.startswith(b"\xff\xfe")
    nodes.write_bytes(data)
    with open_bundle(bundle) as b:
        assert [n.metadata.name for n in Snapshot(b).nodes] == [
            n.metadata.name for n in Snapshot(open_bundle(HEALTHY)).nodes
        ]


BAD_FILES = [
    ("k8s/nodes.json", '{"items": [', "k8s/nodes.json: not valid JSON"),
    ("k8s/nodes.json", "", "k8s/nodes.json: not valid JSON: the file is empty"),
    ("k8s/nodes.json", '{"items": {"a": 1}}', "k8s/nodes.json: items: expected array, got object"),
    ("k8s/nodes.json", '{"kind": "List"}', "k8s/nodes.json: object missing required field items"),
    (
        "aws/ec2-describe-subnets.json",
        '{"Subnets": [{"SubnetId": "subnet-1", "AvailableIpAddressCount": "lots"}]}',
        "aws/ec2-describe-subnets.json: Subnets[0].AvailableIpAddressCount: expected int, got str",
    ),
    ("meta.json", '{"cluster": 5}', "meta.json: cluster: expected str, got int"),
    (
        "meta.json",
        '{"captured_at": "yesterday"}',
        "meta.json: captured_at: expected an RFC 3339 time, got 'yesterday'",
    ),
]


@pytest.mark.parametrize(("rel", "content", "message"), BAD_FILES)
def test_malformed_file_gives_one_line_naming_file_and_path(
    tmp_path: Path, rel: str, content: str, message: str
) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(HEALTHY, bundle)
    (bundle / rel).write_text(content, "utf-8")
    before = sorted((p, p.read_bytes()) for p in bundle.rglob("*") if p.is_file())
    result = run_cli("check", str(bundle), "--format", "json")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(f"netdoctor: error: {message}"), result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert sorted((p, p.read_bytes()) for p in bundle.rglob("*") if p.is_file()) == before


def test_a_string_quantity_for_max_pods_names_the_node_index(tmp_path: Path) -> None:
    import orjson

    bundle = tmp_path / "b"
    shutil.copytree(HEALTHY, bundle)
    nodes = orjson.loads((bundle / "k8s/nodes.json").read_bytes())
    nodes["items"][2]["status"]["allocatable"]["pods"] = "lots"
    (bundle / "k8s/nodes.json").write_bytes(orjson.dumps(nodes))
    result = run_cli("check", str(bundle))
    assert result.code == 2
    assert result.err.strip() == (
        "netdoctor: error: k8s/nodes.json: items[2].status.allocatable.pods: "
        "expected a quantity, got 'lots'"
    )


def test_path_without_bundle_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hi")
    result = run_cli("check", str(tmp_path / "empty"))
    assert result.code == 2 and "no bundle files found" in result.err
    result = run_cli("check", str(tmp_path / "missing"))
    assert result.code == 2 and "no such file or directory" in result.err
    (tmp_path / "x.txt").write_text("{}")
    result = run_cli("check", str(tmp_path / "x.txt"))
    assert result.code == 2 and "not a bundle" in result.err


def test_corrupt_archive_is_a_clean_error(tmp_path: Path) -> None:
    tgz = _tar(HEALTHY, tmp_path / "b.tar.gz")
    data = tgz.read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(data[: len(data) // 2])
    result = run_cli("check", str(tmp_path / "cut.tar.gz"))
    assert result.code == 2 and "cut.tar.gz" in result.err and "Traceback" not in result.err
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    result = run_cli("check", str(tmp_path / "junk.zip"))
    assert result.code == 2 and "junk.zip: not a readable archive" in result.err


def _tar_with(tmp_path: Path, name: str, members: list[tarfile.TarInfo], data: bytes = b"") -> Path:
    target = tmp_path / name
    with tarfile.open(target, "w:gz") as tar:
        info = tarfile.TarInfo("k8s/nodes.json")
        payload = (HEALTHY / "k8s/nodes.json").read_bytes()
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
        for member in members:
            tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return target


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, link: str = "", size: int = 0
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = size
    return info


HOSTILE = [
    ("dotdot.tgz", [_member("../escaped.json", size=2)], "escapes the bundle root"),
    ("absolute.tgz", [_member("/tmp/netdoctor-abs.json", size=2)], "has an absolute path"),
    (
        "symlink.tgz",
        [_member("aws/ec2-describe-vpcs.json", tarfile.SYMTYPE, "/etc/passwd")],
        "points outside the bundle",
    ),
    (
        "relsymlink.tgz",
        [_member("aws/x.json", tarfile.SYMTYPE, "../../../etc/passwd")],
        "points outside the bundle",
    ),
    (
        "hardlink.tgz",
        [_member("aws/y.json", tarfile.LNKTYPE, "../etc/passwd")],
        "points outside the bundle",
    ),
]


@pytest.mark.parametrize(("name", "members", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_archive_is_refused_and_writes_nothing_outside(
    tmp_path: Path, name: str, members: list[tarfile.TarInfo], message: str
) -> None:
    archive = _tar_with(tmp_path, name, members, b"{}")
    work = tmp_path / "cwd"
    work.mkdir()
    result = run_cli("check", str(archive), cwd=work)
    assert result.code == 2, result.err
    assert message in result.err and "Traceback" not in result.err
    assert list(work.iterdir()) == []
    assert not (tmp_path / "escaped.json").exists()
    assert not Path("/tmp/netdoctor-abs.json").exists()


def test_symlink_inside_a_directory_bundle_pointing_out_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(HEALTHY, bundle)
    target = bundle / "k8s" / "nodes.json"
    target.unlink()
    os.symlink("/etc/hostname", target)
    with pytest.raises(BundleError, match="outside the bundle"):
        Snapshot(open_bundle(bundle)).nodes  # noqa: B018


def test_in_bundle_symlink_is_followed(tmp_path: Path) -> None:
    archive = tmp_path / "b.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        payload = (HEALTHY / "k8s/nodes.json").read_bytes()
        info = tarfile.TarInfo("blobs/abc")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
        tar.addfile(_member("k8s/nodes.json", tarfile.SYMTYPE, "../blobs/abc"))
    with open_bundle(archive) as b:
        assert len(Snapshot(b).nodes) == 3


def test_archive_bomb_is_refused_while_reading(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("k8s/pods.json")
        info.size = 64 * 1024 * 1024  # 64 MiB of zeros compresses to ~64 KiB
        tar.addfile(info, io.BytesIO(b"\0" * info.size))
    assert archive.stat().st_size < 1024 * 1024
    with pytest.raises(BundleError, match="inflates past"):
        open_bundle(archive, SizeLimits(per_member=8 * 1024 * 1024, per_bundle=16 * 1024 * 1024))
    result = run_cli("check", str(archive), "--max-bundle-size", "10M")
    assert result.code == 2 and "inflates past the 10 MiB" in result.err


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("k8s/pods.json", b"\0" * (32 * 1024 * 1024))
    result = run_cli("check", str(archive), "--max-bundle-size", "4M")
    assert result.code == 2 and "inflates past" in result.err
