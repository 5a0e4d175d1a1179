"""Open a snapshot bundle (directory or archive) and read its files safely.

A `Bundle` is the raw file layer: bytes in, parsed JSON out, with every error turned into one line
naming the file and, where it applies, the JSON path. Typed views live in `snapshot.py`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import orjson

from netdoctor.errors import BundleError
from netdoctor.snapshot import files as f
from netdoctor.snapshot.archive import SizeLimits, extract, is_archive

T = TypeVar("T")

_MARKERS = (f.META, "k8s", "aws")


class Bundle:
    """The files of one snapshot, read-only. Archives are extracted to a private temp dir."""

    def __init__(
        self,
        root: Path,
        label: str,
        cleanup: Path | None = None,
        trusted_root: Path | None = None,
    ) -> None:
        self.root = root
        """Directory holding `meta.json`, `k8s/` and `aws/`."""
        self.label = label
        """The path the user gave, for messages."""
        self._cleanup = cleanup
        self._real_root = root.resolve()
        # A recorded incident's frame links its files into the incident's shared blob store.
        self._link_root = trusted_root.resolve() if trusted_root is not None else self._real_root

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temp dir an archive was extracted into (a directory bundle is untouched)."""
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)
            self._cleanup = None

    def _path(self, rel: str) -> Path | None:
        path = self.root / rel
        if not path.is_file():
            return None
        if path.is_symlink() or any(p.is_symlink() for p in path.parents if p != self.root):
            real = path.resolve()
            if not real.is_relative_to(self._link_root):
                raise BundleError(
                    f"{rel}: is a link to {real}, outside the bundle; refusing to read it"
                )
        return path

    def has(self, rel: str) -> bool:
        """True when the bundle holds that file."""
        return self._path(rel) is not None

    def size(self, rel: str) -> int:
        """The file's size in bytes, 0 when absent."""
        path = self._path(rel)
        return path.stat().st_size if path is not None else 0

    def present(self) -> list[str]:
        """The known bundle files present, in BUNDLE-FORMAT.md order."""
        return [rel for rel in (f.META, *f.ALL_FILES) if self.has(rel)]

    def read_bytes(self, rel: str) -> bytes | None:
        """The file's content as UTF-8 bytes (BOMs and UTF-16 handled), or None when absent."""
        path = self._path(rel)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BundleError(f"{rel}: cannot read ({exc.strerror or exc})") from exc
        data = to_utf8(rel, data)
        reject_foreign_layout(rel, data)
        return data

    def read_json(self, rel: str) -> Any | None:
        """The file parsed as generic JSON, or None when absent."""
        data = self.read_bytes(rel)
        if data is None:
            return None
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise BundleError(f"{rel}: not valid JSON: {_orjson_position(data, exc)}") from exc
        except RecursionError as exc:
            raise too_deep(rel, data) from exc

    def decode(self, rel: str, typ: type[T]) -> T | None:
        """The file decoded into a typed shape, or None when absent.

        Raises:
            BundleError: bad JSON or a wrong shape, naming the file and the JSON path.
        """
        data = self.read_bytes(rel)
        if data is None:
            return None
        return decode_bytes(rel, data, typ)


def decode_bytes(rel: str, data: bytes, typ: type[T]) -> T:
    """Decode JSON bytes into `typ`, turning msgspec errors into one-line BundleErrors."""
    try:
        return msgspec.json.decode(data, type=typ)
    except msgspec.ValidationError as exc:
        raise BundleError(f"{rel}: {describe_validation_error(str(exc))}") from exc
    except msgspec.DecodeError as exc:
        raise BundleError(f"{rel}: not valid JSON: {_msgspec_position(data, str(exc))}") from exc
    except RecursionError as exc:
        raise too_deep(rel, data) from exc


MAX_DEPTH = 500
"""Nesting that no kubectl or aws CLI document comes near; the decoders stop somewhat deeper."""


def too_deep(rel: str, data: bytes) -> BundleError:
    """The error for a document nested past what the decoders follow, with where it happens."""
    depth, in_string, escaped = 0, False, False
    for offset, byte in enumerate(data):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                where = _line_col(data, offset)
                return BundleError(f"{rel}: nested more than {MAX_DEPTH} levels deep at {where}")
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return BundleError(f"{rel}: nested too deeply to decode")


class _RawList(msgspec.Struct):
    items: list[msgspec.Raw]


# kubectl and the aws CLI print with 4-space indents, so a document's one list sits at 4 spaces
# and its items at exactly 8; JSON strings cannot hold a raw newline, so these byte runs can only
# be structure. The separator's long tail makes `find` fast.
_FIRST_ITEM = b"\n        {\n"
_SEPARATOR = b"\n        },\n        {\n            "
_ITEM_CLOSE = len(b"\n        }")


def _item_slices(data: bytes, key: str) -> list[tuple[int, int]] | None:
    """Where each item of the top-level list `key` sits in 4-space-indented JSON, or None for
    any other layout. Each `find` is short, so other threads run between them."""
    head_marker = f'\n    "{key}": ['.encode()
    head = data.find(head_marker)
    if head < 0:
        return None
    pos = head + len(head_marker)
    if data.startswith(b"]", pos):
        return []
    if not data.startswith(_FIRST_ITEM, pos):
        return None
    start = pos + 1
    slices: list[tuple[int, int]] = []
    while (sep := data.find(_SEPARATOR, start)) >= 0:
        slices.append((start, sep + _ITEM_CLOSE))
        start = sep + _ITEM_CLOSE + 1
    last = data.find(b"\n        }\n    ]", start)
    if last < 0:
        return None
    slices.append((start, last + _ITEM_CLOSE))
    return slices


def decode_list_in_slices(rel: str, data: bytes, shape: type[T], key: str, item: type) -> T:
    """Decode a document whose one field is the list `key`, item by item: the same result as
    `decode_bytes(rel, data, shape)`, but other threads (a TUI's event loop) run between items
    instead of waiting seconds for one call over a 500 MB file. Other layouts: one call."""
    slices = _item_slices(data, key)
    if slices is None:
        return decode_bytes(rel, data, shape)
    if slices:  # the document with its items cut out must be valid
        decode_bytes(rel, data[: slices[0][0] - 1] + data[slices[-1][1] :], shape)
    decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(item)
    view = memoryview(data)
    items = []
    for start, end in slices:
        try:
            items.append(decoder.decode(view[start:end]))
        except (msgspec.MsgspecError, RecursionError):
            return decode_bytes(rel, data, shape)  # so the error reads as the one-call path's
    return shape(**{key: items})


def convert_generic(rel: str, value: Any, typ: type[T]) -> T:
    """Convert already-parsed JSON into `typ` (the straightforward path; same errors)."""
    try:
        return msgspec.convert(value, type=typ)
    except msgspec.ValidationError as exc:
        raise BundleError(f"{rel}: {describe_validation_error(str(exc))}") from exc
    except RecursionError as exc:
        raise BundleError(f"{rel}: nested too deeply to decode") from exc


_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def describe_validation_error(message: str) -> str:
    """`Expected `int`, got `str` - at `$.a[0].b`` → `a[0].b: expected int, got str`."""
    match = _AT.match(message.strip())
    what, path = (match["what"], match["path"]) if match else (message, None)
    what = what.replace("`", "").replace(" | null", "").replace(" | ", " or ")
    what = what[:1].lower() + what[1:]
    path = (path or "").lstrip(".")
    return f"{path}: {what}" if path else what


def _line_col(data: bytes, offset: int) -> str:
    offset = max(0, min(offset, len(data)))
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {col}"


def _msgspec_position(data: bytes, message: str) -> str:
    match = re.search(r"\(byte (\d+)\)", message)
    reason = re.sub(r"^JSON is malformed: ", "", message)
    reason = re.sub(r"\s*\(byte \d+\)", "", reason)
    if not data.strip():
        return "the file is empty"
    if match:
        return f"{reason} at {_line_col(data, int(match.group(1)))}"
    return reason


def _orjson_position(data: bytes, exc: orjson.JSONDecodeError) -> str:
    if not data.strip():
        return "the file is empty"
    return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"


def to_utf8(rel: str, data: bytes) -> bytes:
    """Normalise a file's bytes to UTF-8: strip a UTF-8 BOM, transcode UTF-16 (PowerShell `>`)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    encoding = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(data) >= 2 and data[0] != 0 and data[1] == 0:
        encoding = "utf-16-le"
    elif len(data) >= 2 and data[0] == 0 and data[1] != 0:
        encoding = "utf-16-be"
    if encoding is None:
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        raise BundleError(f"{rel}: not valid {encoding.upper()} text ({exc.reason})") from exc


# Layouts people save instead of what kubectl and the aws CLI print, told from a document's
# first bytes (no parse): a recorded boto3 response (placebo's `{"status_code", "data"}`), a bare
# JSON array, and a single Kubernetes object where `kubectl get -o json` prints a List (kubectl
# sorts keys, so a single object's `kind` comes right after `apiVersion`, before any `items`).
_ENVELOPE = re.compile(rb'\A\s*\{\s*"status_code"\s*:')
_ARRAY = re.compile(rb"\A\s*\[")
_SINGLE_OBJECT = re.compile(
    rb'\A\s*\{\s*(?:"apiVersion"\s*:\s*"[^"]*"\s*,\s*)?"kind"\s*:\s*"([A-Za-z]+)"'
)


def reject_foreign_layout(rel: str, data: bytes) -> None:
    """One clear line for a file saved in a layout the bundle format does not use (BUNDLE-FORMAT
    section 1), instead of the shape error about a missing field it would otherwise get."""
    if _ENVELOPE.match(data):
        raise BundleError(
            f'{rel}: a recorded API response ({{"status_code", "data"}}), not what the aws CLI '
            "prints: save the `data` member's contents instead"
        )
    kube = rel.startswith("k8s/")
    expected = "a Kubernetes List (what `kubectl get … -o json` prints)" if kube else "an object"
    if _ARRAY.match(data):
        raise BundleError(f"{rel}: expected {expected}, got a JSON array")
    single = _SINGLE_OBJECT.match(data) if kube else None
    if single and not single[1].endswith(b"List"):
        raise BundleError(f"{rel}: expected {expected}, got a single {single[1].decode()} object")


def find_root(path: Path) -> Path | None:
    """The directory under `path` that holds the bundle files, or None when there is none."""
    if any((path / m).exists() for m in _MARKERS):
        return path
    children = [c for c in path.iterdir() if not c.name.startswith(".")] if path.is_dir() else []
    if len(children) == 1 and children[0].is_dir():
        return find_root(children[0])
    return None


def open_bundle(
    path: str | Path, limits: SizeLimits | None = None, trusted_root: Path | None = None
) -> Bundle:
    """Open a bundle directory or archive.

    `trusted_root` widens where the bundle's symlinks may point (a recorded incident's frame may
    link into the incident directory); by default links must stay inside the bundle.

    Raises:
        BundleError: the path does not exist, is unreadable, is a hostile or corrupt archive, or
            holds no bundle files.
    """
    source = Path(path)
    if not source.exists():
        raise BundleError(f"{source}: no such file or directory")
    cleanup: Path | None = None
    if source.is_dir():
        base = source
    elif is_archive(source):
        base = cleanup = extract(source, limits or SizeLimits())
    else:
        raise BundleError(
            f"{source}: not a bundle: expected a directory, .tar.gz, .tgz, .tar or .zip"
        )
    root = find_root(base)
    if root is None or not any((root / rel).is_file() for rel in (f.META, *f.ALL_FILES)):
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        raise BundleError(
            f"{source}: no bundle files found (expected k8s/*.json and aws/*.json as in "
            "BUNDLE-FORMAT.md)"
        )
    return Bundle(root, str(source), cleanup, trusted_root=trusted_root)
