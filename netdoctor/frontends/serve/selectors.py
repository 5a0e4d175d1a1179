"""Label and field selectors: parsing them, and the objects of a list that match.

Both follow Kubernetes: label selectors are equality- or set-based, field selectors compare any
dotted path with `=`, `==` or `!=`, and a comma means AND.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from netdoctor.frontends.serve.columns import dig
from netdoctor.frontends.serve.responses import ApiError
from netdoctor.frontends.serve.store import Store

CACHE_SIZE = 32
"""How many selections `Selections` remembers; the least recently used goes first."""

_Predicate = Callable[[dict[str, Any]], bool]
_LABEL_KEY = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_SET_REQ = re.compile(r"^(?P<key>\S+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_OP_REQ = re.compile(r"^(?P<key>[^=!<>\s]+)\s*(?P<op>==|=|!=|<|>)\s*(?P<value>\S*)$")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(selector: str) -> list[_Predicate]:
    """Predicates for a Kubernetes label selector (equality and set-based, comma means AND).

    Raises:
        ApiError: 400 when the selector does not parse.
    """
    predicates: list[_Predicate] = []
    for term in _split_top_level(selector):
        predicates.append(_label_requirement(term))
    return predicates


def _labels(obj: dict[str, Any]) -> dict[str, Any]:
    labels = dig(obj, "metadata", "labels")
    return labels if isinstance(labels, dict) else {}


def _label_requirement(term: str) -> _Predicate:
    def bad() -> ApiError:
        return ApiError(400, f"unable to parse requirement: invalid label selector term {term!r}")

    if term.startswith("!"):
        key = term[1:].strip()
        if not _LABEL_KEY.match(key):
            raise bad()
        return lambda obj: key not in _labels(obj)
    if m := _SET_REQ.match(term):
        key, values = m["key"], {v.strip() for v in m["values"].split(",") if v.strip()}
        if not _LABEL_KEY.match(key) or not all(_LABEL_VALUE.match(v) for v in values):
            raise bad()
        if m["op"] == "in":
            return lambda obj: key in _labels(obj) and str(_labels(obj)[key]) in values
        return lambda obj: key not in _labels(obj) or str(_labels(obj)[key]) not in values
    if m := _OP_REQ.match(term):
        key, op, value = m["key"], m["op"], m["value"]
        if not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
            raise bad()
        if op in ("=", "=="):
            return lambda obj: key in _labels(obj) and str(_labels(obj)[key]) == value
        if op == "!=":
            return lambda obj: key not in _labels(obj) or str(_labels(obj)[key]) != value
        try:
            bound = int(value)
        except ValueError:
            raise bad() from None
        return lambda obj: _compare_label(_labels(obj).get(key), op, bound)
    if _LABEL_KEY.match(term):
        return lambda obj: term in _labels(obj)
    raise bad()


def _compare_label(value: Any, op: str, bound: int) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return number > bound if op == ">" else number < bound


def parse_field_selector(selector: str) -> list[_Predicate]:
    """Predicates for a field selector: `path=value`, `path==value`, `path!=value`, comma-AND.

    Any dotted path works (`metadata.name`, `spec.nodeName`, `involvedObject.name`,
    `status.phase` ...); a missing field reads as the empty string, as in Kubernetes.

    Raises:
        ApiError: 400 when the selector does not parse.
    """
    predicates: list[_Predicate] = []
    for term in re.split(r"(?<!\\),", selector):
        term = term.strip()
        if not term:
            continue
        m = re.match(r"^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$", term)
        if not m:
            raise ApiError(400, f"invalid field selector {term!r}: expected field=value")
        path, op, value = m[1].split("."), m[2], m[3].replace("\\,", ",")
        if op == "!=":
            predicates.append(lambda obj, p=path, v=value: _field(obj, p) != v)
        else:
            predicates.append(lambda obj, p=path, v=value: _field(obj, p) == v)
    return predicates


def _field(obj: Any, path: list[str]) -> str:
    value = dig(obj, *path)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Selections:
    """The indices of a store's objects that match a namespace and selectors, cached.

    Pages of one selector re-use the first page's scan: O(limit) per later page.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, ...], list[int]] = OrderedDict()

    def select(
        self, store: Store, namespace: str | None, labels: str, fields: str
    ) -> Sequence[int]:
        """Indices into `store.objects`, in order, of the matching objects.

        Raises:
            ApiError: 400 when a selector does not parse.
        """
        if namespace is None:
            base: Sequence[int] = range(len(store.objects))
        else:
            base = store.by_namespace.get(namespace, [])
        if not labels and not fields:
            return base
        key = (store.kind.bundle_file, namespace or "\0", labels, fields)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        predicates = parse_label_selector(labels) + parse_field_selector(fields)
        objects = store.objects
        selected = [i for i in base if all(p(objects[i]) for p in predicates)]
        with self._lock:
            self._cache[key] = selected
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return selected
