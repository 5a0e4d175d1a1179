"""A seeded mutation fuzzer of bundles, and the one outcome every case must have.

`cases(seed, n)` derives `n` cases from the fixture bundles: each copies one bundle and applies
one mutation (to one JSON file, or to the bundle as an archive). `run_case` runs
`netdoctor check` in-process on it and returns what a user would see. `verdict` says what is
wrong with that outcome, if anything: a case must end in a report (exit 0/1, no check `error`)
or in one clean line `netdoctor: error: <file>: …` with exit 2 — never a traceback, never
"internal error".

The same seed gives the same cases, so a failure is reproduced with
`python bench/fuzz.py --seed S --only N`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import BUNDLES

FIXTURES = sorted(p for p in BUNDLES.glob("*/*") if p.is_dir())
DEMO = BUNDLES.parent / "demo"
"""Every file and every problem at once (3 MB): a few cases use it."""
FORMATS = ("json", "json", "text", "markdown")
ONLY_KINDS: tuple[str, ...] = tuple(
    k for k in os.environ.get("NETDOCTOR_FUZZ_KINDS", "").split(",") if k
)
"""Restrict JSON mutations to these kinds (bench/fuzz.py --kinds), for a targeted sweep."""


@dataclass(frozen=True)
class Case:
    """One fuzz case: a fixture, a mutation, and the file it targets."""

    number: int
    seed: int
    fixture: Path
    mutation: str
    target: str
    """The bundle file mutated (`k8s/nodes.json`), or `archive` for archive mutations."""
    fmt: str

    def __str__(self) -> str:
        where = f"{self.fixture.parent.name}/{self.fixture.name}".removeprefix("fixtures/")
        return f"case {self.number} (seed {self.seed}): {self.mutation} on {where}:{self.target}"


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


# --- JSON-level mutations ------------------------------------------------------------------------


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, (*prefix, i))


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


def _structural(rng: random.Random, doc: Any, kind: str) -> Any:
    """Valid JSON with one structural change: a key dropped, a value nulled, a list item
    duplicated (the same name and id twice) or a list emptied; None when nothing fits."""
    paths = list(_paths(doc))
    if kind in ("drop-key", "null-value"):
        keyed = [p for p in paths if p and isinstance(p[-1], str)]
        if not keyed:
            return None
        path = rng.choice(keyed)
        if kind == "null-value":
            return _replace(doc, path, None)
        del _get(doc, path[:-1])[path[-1]]
        return doc
    lists = [p for p in paths if isinstance(_get(doc, p), list) and _get(doc, p)]
    if not lists:
        return None
    path = rng.choice(lists)
    items = _get(doc, path)
    if kind == "empty-list":
        items.clear()
    else:
        items.append(json.loads(json.dumps(rng.choice(items))))
    return doc


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _payload(rng: random.Random) -> str:
    """A hostile string: JSON-in-a-string (last-applied), odd quantities, ids, addresses."""
    return rng.choice(
        (
            "[" * 100_000 + "]" * 100_000,
            '{"spec": {"ports": [{"nodePort": "x"}, null, 7, {"nodePort": 1e999}]}}',
            '{"spec": {"ports": {"nodePort": 1}}}',
            "{",
            "NaN",
            "-1",
            "1e999",
            "99999999999999999999999999",
            "0x10",
            "1.5Ki",
            "10.0.0.0/-1",
            "10.0.0.0/99",
            "::/0",
            "300.1.2.3",
            "subnet-",
            "sg-",
            "aws:///",
            "aws:///zone/i-/x/y",
            "v1.2.3.4.5",
            "amazon-k8s-cni:v999999999999999999999.1.1",
            "true\x00",
            "\x1b[2J\x1b]0;title\x07\x9b",
            "\u202e\ufeff\ud800",
            "%s%n{0}${x}",
            "",
        )
    )


def _other_type(rng: random.Random, value: Any) -> Any:
    choices: list[Any] = [
        None,
        True,
        0,
        -1,
        2**70,
        1.5,
        "",
        "x",
        "lots",
        "\x1b]0;pwned\x07\x9b2J",
        [],
        [1, "a", None],
        {},
        {"a": {"b": []}},
    ]
    options = [c for c in choices if type(c) is not type(value)]
    return rng.choice(options)


def _deep(rng: random.Random) -> str:
    depth = rng.choice((200, 1000, 5000, 100_000))
    open_, close = rng.choice((("[", "]"), ('{"a":', "}")))
    return open_ * depth + "1" + close * depth


def _json_mutation(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """(name, new bytes) for one mutation of a JSON document."""
    try:
        doc = json.loads(data)
    except ValueError:
        doc = None
    kind = rng.choice(
        (
            "type-swap",
            "type-swap",
            "deep-nesting",
            "huge-string",
            "non-finite-number",
            "duplicate-key",
            "truncation",
            "bom",
            "utf16",
            "bad-encoding",
            "top-level",
            "null-items",
            "lone-surrogate",
            "garbage",
            "empty",
            "huge-number",
            "string-payload",
            "string-payload",
            "drop-key",
            "null-value",
            "duplicate-item",
            "empty-list",
        )
    )
    if kind in ("drop-key", "null-value", "duplicate-item", "empty-list") and doc is not None:
        picked = _structural(rng, doc, kind)
        if picked is not None:
            return kind, json.dumps(picked).encode()
        kind = "type-swap"
    if ONLY_KINDS:
        kind = rng.choice(ONLY_KINDS)
    if kind == "string-payload" and doc is not None:
        strings = [p for p in _paths(doc) if p and isinstance(_get(doc, p), str)]
        if strings:
            return kind, json.dumps(_replace(doc, rng.choice(strings), _payload(rng))).encode()
        kind = "type-swap"
    if kind in ("type-swap", "deep-nesting", "huge-string", "huge-number") and doc is not None:
        paths = list(_paths(doc))
        path = rng.choice(paths[1:] or paths)
        target = doc
        for key in path:
            target = target[key]
        if kind == "type-swap":
            return kind, json.dumps(_replace(doc, path, _other_type(rng, target))).encode()
        if kind == "huge-number":
            number = rng.choice(("1e400", "-1e400", "123456789012345678901234567890", "-0.0"))
            marker = "__NETDOCTOR_FUZZ__"
            text = json.dumps(_replace(doc, path, marker))
            return kind, text.replace(f'"{marker}"', number).encode()
        if kind == "huge-string":
            size = rng.choice((70_000, 1_000_000, 4_000_000))
            text = rng.choice(("A", "é", "\x00", "\\", "\u202e")) * size
            return kind, json.dumps(_replace(doc, path, text)).encode()
        marker = "__NETDOCTOR_FUZZ__"
        text = json.dumps(_replace(doc, path, marker))
        return kind, text.replace(f'"{marker}"', _deep(rng)).encode()
    if kind == "non-finite-number":
        token = rng.choice((b"NaN", b"Infinity", b"-Infinity"))
        digits = [i for i, c in enumerate(data) if 0x30 <= c <= 0x39]
        if digits:
            i = rng.choice(digits)
            j = i
            while j < len(data) and (0x30 <= data[j] <= 0x39 or data[j] in b".eE+-"):
                j += 1
            while i > 0 and (0x30 <= data[i - 1] <= 0x39 or data[i - 1] in b".-"):
                i -= 1
            return kind, data[:i] + token + data[j:]
        return kind, b'{"items": [' + token + b"]}"
    if kind == "duplicate-key":
        braces = [i for i, c in enumerate(data) if c == ord("{")]
        if braces:
            i = rng.choice(braces) + 1
            key = rng.choice((b'"items"', b'"metadata"', b'"name"', b'"spec"', b'"status"'))
            value = rng.choice((b"null", b"7", b'"dup"', b"[]", b"{}"))
            return kind, data[:i] + key + b": " + value + b", " + data[i:]
        return kind, b'{"items": [], "items": null}'
    if kind == "truncation":
        return kind, data[: rng.randrange(0, max(1, len(data)))]
    if kind == "bom":
        return kind, rng.choice((b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe")) + data
    if kind == "utf16":
        text = data.decode("utf-8", "replace")
        encoded = text.encode(rng.choice(("utf-16", "utf-16-le", "utf-16-be", "utf-32")))
        return kind, encoded[: -1 if rng.random() < 0.3 else None]
    if kind == "bad-encoding":
        i = rng.randrange(0, max(1, len(data)))
        return kind, data[:i] + rng.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80")) + data[
            i:
        ]
    if kind == "top-level":
        return kind, rng.choice(
            (b"null", b"[]", b'"items"', b"{}", b"1", b"true", b'{"items": {}}')
        )
    if kind == "null-items":
        return kind, rng.choice(
            (
                b'{"items": [null, 1, "x", [], {"metadata": null}]}',
                b'{"items": null}',
                b'{"items": [{"metadata": {"name": null}, "spec": [], "status": 3}]}',
            )
        )
    if kind == "lone-surrogate":
        quote = data.find(b'"', rng.randrange(0, max(1, len(data))))
        quote = quote if quote >= 0 else data.find(b'"')
        if quote >= 0:
            return kind, data[: quote + 1] + b"\\ud800\\udfff\\u0000" + data[quote + 1 :]
        return kind, b'{"items": ["\\ud800"]}'
    if kind == "garbage":
        return kind, rng.randbytes(rng.randrange(1, 4096))
    if kind == "empty":
        return kind, rng.choice((b"", b"   \n", b"\x00\x00"))
    return "type-swap", json.dumps(_other_type(rng, None)).encode()


# --- archive-level mutations ----------------------------------------------------------------------


def _members(bundle: Path) -> list[tuple[str, bytes]]:
    return sorted(
        (p.relative_to(bundle).as_posix(), p.read_bytes()) for p in bundle.rglob("*") if p.is_file()
    )


def _tar(path: Path, members: list[tuple[str, bytes]], extra: Callable[[tarfile.TarFile], None]):
    mode = "w:gz" if path.name.endswith(".tar.gz") else "w"
    with tarfile.open(path, mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        extra(tar)


def _link(name: str, target: str, kind: bytes) -> Callable[[tarfile.TarFile], None]:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = target
        tar.addfile(info)

    return add


def _archive_mutation(rng: random.Random, bundle: Path, out: Path) -> tuple[str, Path]:
    """(name, archive path) for one archive made of `bundle` with an oddity."""
    members = _members(bundle)
    kind = rng.choice(
        (
            "tar-absolute-member",
            "tar-dotdot-member",
            "tar-symlink-outside",
            "tar-symlink-loop",
            "tar-hardlink-outside",
            "tar-device",
            "tar-duplicate-member",
            "tar-dir-as-file",
            "tar-nested-folders",
            "tar-truncated",
            "tar-empty",
            "zip-dotdot-member",
            "zip-duplicate-member",
            "zip-bad-crc",
            "zip-truncated",
            "zip-empty",
            "zip-not-a-zip",
        )
    )
    if kind.startswith("tar"):
        path = out / rng.choice(("bundle.tar.gz", "bundle.tar", "bundle.tgz"))
        if path.name.endswith(".tgz"):
            path = path.with_name("bundle.tar.gz")
        none: Callable[[tarfile.TarFile], None] = lambda tar: None  # noqa: E731
        extra = {
            "tar-absolute-member": _link("/tmp/netdoctor-fuzz-abs", "x", tarfile.SYMTYPE),
            "tar-dotdot-member": _link("../netdoctor-fuzz-escape", "k8s", tarfile.SYMTYPE),
            "tar-symlink-outside": _link("k8s/events.json", "/etc/passwd", tarfile.SYMTYPE),
            "tar-symlink-loop": _link("k8s/events.json", "events.json", tarfile.SYMTYPE),
            "tar-hardlink-outside": _link("k8s/events.json", "../../etc/passwd", tarfile.LNKTYPE),
            "tar-device": _link("k8s/events.json", "", tarfile.CHRTYPE),
        }.get(kind, none)
        if kind == "tar-duplicate-member":
            name, _ = rng.choice(members)
            members = [*members, (name, b'{"items": [null]}')]
        elif kind == "tar-dir-as-file":
            name, _ = rng.choice(members)
            members = [(n, d) for n, d in members if n != name]
            extra = _link(name, "", tarfile.DIRTYPE)
        elif kind == "tar-nested-folders":
            members = [(f"a/b/{n}", d) for n, d in members]
        elif kind == "tar-empty":
            members = []
        _tar(path, members, extra)
        if kind == "tar-truncated":
            data = path.read_bytes()
            path.write_bytes(data[: rng.randrange(1, max(2, len(data)))])
        return kind, path
    path = out / "bundle.zip"
    if kind == "zip-not-a-zip":
        path.write_bytes(b"PK\x03\x04" + rng.randbytes(200))
        return kind, path
    with zipfile.ZipFile(path, "w") as archive:
        if kind == "zip-dotdot-member":
            archive.writestr("../netdoctor-fuzz-escape.json", b"{}")
        for name, data in [] if kind == "zip-empty" else members:
            archive.writestr(name, data)
        if kind == "zip-duplicate-member":
            with contextlib.suppress(Exception), _quiet_warnings():
                archive.writestr(rng.choice(members)[0], b"null")
    if kind == "zip-bad-crc":
        data = bytearray(path.read_bytes())
        where = data.find(b"PK\x03\x04")
        if where >= 0 and len(data) > where + 40:
            data[where + 40] ^= 0xFF  # a byte of the first member's data or name
        path.write_bytes(bytes(data))
    elif kind == "zip-truncated":
        data = path.read_bytes()
        path.write_bytes(data[: rng.randrange(1, max(2, len(data)))])
    return kind, path


@contextlib.contextmanager
def _quiet_warnings() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _directory_mutation(rng: random.Random, bundle: Path) -> str:
    """An oddity in a bundle directory: links out, a directory or FIFO where a file belongs."""
    files = sorted(p for p in bundle.rglob("*.json") if p.is_file())
    victim = rng.choice(files)
    kind = rng.choice(("symlink-outside", "symlink-loop", "dir-as-file", "fifo", "dangling"))
    victim.unlink()
    if kind == "symlink-outside":
        victim.symlink_to("/etc/hostname" if Path("/etc/hostname").exists() else "/etc/passwd")
    elif kind == "symlink-loop":
        victim.symlink_to(victim.name)
    elif kind == "dir-as-file":
        victim.mkdir()
    elif kind == "fifo":
        os.mkfifo(victim)
    else:
        victim.symlink_to("does-not-exist.json")
    return f"{kind}:{victim.relative_to(bundle).as_posix()}"


# --- cases --------------------------------------------------------------------------------------


def cases(seed: int, n: int) -> list[Case]:
    """`n` cases derived from `seed` (the same seed, the same cases)."""
    rng = random.Random(seed)
    out = []
    for number in range(n):
        fixture = DEMO if rng.random() < 0.04 else rng.choice(FIXTURES)
        files = sorted(
            p.relative_to(fixture).as_posix() for p in fixture.rglob("*.json") if p.is_file()
        )
        roll = rng.random()
        target = "archive" if roll < 0.12 else "directory" if roll < 0.17 else rng.choice(files)
        out.append(Case(number, seed, fixture, "", target, rng.choice(FORMATS)))
    return out


def prepare(case: Case, work: Path) -> tuple[Case, Path]:
    """Copy the case's fixture into `work`, mutate it, and return (case named, path to check)."""
    rng = random.Random(f"{case.seed}/{case.number}")
    bundle = work / "bundle"
    shutil.copytree(case.fixture, bundle, copy_function=_link_or_copy)
    if case.target == "archive":
        name, path = _archive_mutation(rng, bundle, work)
        return _named(case, name), path
    if case.target == "directory":
        return _named(case, _directory_mutation(rng, bundle)), bundle
    target = bundle / case.target
    data = target.read_bytes()
    name, mutated = _json_mutation(rng, data)
    target.unlink()  # a hard link to the fixture: never write through it
    target.write_bytes(mutated)
    return _named(case, name), bundle


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _named(case: Case, mutation: str, fmt: str | None = None) -> Case:
    return Case(case.number, case.seed, case.fixture, mutation, case.target, fmt or case.fmt)


def run_case(path: Path, fmt: str) -> Outcome:
    """`netdoctor check PATH --format FMT`, in this process, as the CLI would run it."""
    from netdoctor.frontends.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["check", str(path), "--format", fmt])
        except BaseException as exc:  # a crash past main() is a finding too
            import traceback

            err.write("Traceback (most recent call last):\n" + traceback.format_exc())
            code = 99 if not isinstance(exc, SystemExit) else int(exc.code or 0)
    return Outcome(code, out.getvalue(), err.getvalue())


def verdict(case: Case, path: Path, outcome: Outcome) -> str | None:
    """What is wrong with the outcome, or None when it is one a user should get."""
    err = outcome.err
    if "Traceback" in err or "internal error" in err:
        return f"crash: {err.strip().splitlines()[-1][:300] if err.strip() else ''}"
    if outcome.code in (0, 1):
        if err.strip():
            return f"exit {outcome.code} with stderr {err.strip()[:200]!r}"
        if case.fmt == "json":
            statuses = [r["status"] for r in json.loads(outcome.out)["results"]]
            if "error" in statuses:
                errors = [
                    f"{r['check']}: {r['reason']}"
                    for r in json.loads(outcome.out)["results"]
                    if r["status"] == "error"
                ]
                return f"check error: {errors}"
        return None
    if outcome.code != 2:
        return f"exit {outcome.code}: {err.strip()[:200]!r}"
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith("netdoctor: error: "):
        return f"not one clean error line: {err[:300]!r}"
    # The line names the mutated file; an archive case may name the archive or a member.
    if case.target == "archive":
        names = [path.name, "k8s/", "aws/", "meta.json"]
    elif case.target == "directory":
        names = [case.mutation.partition(":")[2]]
    else:
        names = [case.target]
    if not any(name in lines[0] for name in names):
        return f"error line does not name {names[0]}: {lines[0][:300]!r}"
    return None


def inspect_case(path: Path, report: str) -> str | None:
    """Walk what the TUI inspector shows on a bundle that gave a report: capacity rows, and
    the chain and raw JSON of every resource a finding names. None when nothing crashed."""
    from netdoctor.errors import BundleError
    from netdoctor.explore import build_chain, node_capacity, raw_object, subnet_capacity
    from netdoctor.sources.open import opened

    refs = {
        ref
        for result in json.loads(report)["results"]
        for finding in result["findings"]
        for ref in finding["resources"]
    }
    try:
        with opened(path) as snap:
            node_capacity(snap)
            subnet_capacity(snap)
            for ref in sorted(refs)[:20]:
                build_chain(snap, ref)
                raw_object(snap, ref)
    except BundleError:
        return None  # bad input, said cleanly (the TUI shows it as such)
    except Exception as exc:  # any other exception is the finding
        return f"inspector crash: {type(exc).__name__}: {exc}"[:300]
    return None


def check_case(case: Case, work: Path) -> tuple[Case, str | None]:
    """Prepare, run and judge one case in `work` (emptied afterwards): the chosen report
    format, and the JSON report (check statuses) with an inspector walk when it differs."""
    try:
        named, path = prepare(case, work)
        problem = verdict(named, path, run_case(path, case.fmt))
        if problem is None and case.fmt != "json":
            as_json = _named(named, named.mutation, "json")
            outcome = run_case(path, "json")
            problem = verdict(as_json, path, outcome)
        else:
            outcome = None
        if problem is None and (outcome or case.fmt == "json"):
            result = outcome or run_case(path, "json")
            if result.code in (0, 1):
                problem = inspect_case(path, result.out)
        return named, problem
    finally:
        for child in work.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
