"""Kubernetes resource quantities, as far as netdoctor needs them (counts like `110`)."""

from __future__ import annotations

import re

_QUANTITY = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*(k|M|G|Ki|Mi|Gi)?\s*$")
_SUFFIX = {None: 1, "k": 1000, "M": 10**6, "G": 10**9, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def parse_count(value: str | int | float) -> int:
    """A whole count from a quantity (`"110"`, `110`, `"1k"`).

    Raises:
        ValueError: the value is not a quantity.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        return int(value)
    match = _QUANTITY.match(value)
    if not match:
        raise ValueError(f"not a quantity: {value!r}")
    return int(float(match[1]) * _SUFFIX[match[2]])
