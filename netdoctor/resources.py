"""Find the built-in folders (`checks/`, `playbooks/`, the demo bundle) in a wheel or a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE.parent

# Where each folder lives in a checkout; the wheel maps them under netdoctor/_builtin/.
_IN_CHECKOUT = {"checks": "checks", "playbooks": "playbooks", "demo": "fixtures/demo"}


def builtin_path(name: str) -> Path:
    """The installed copy (`netdoctor/_builtin/NAME`) when present, else the checkout's folder."""
    installed = _PACKAGE / "_builtin" / name
    if installed.is_dir():
        return installed
    return _SOURCE_ROOT / _IN_CHECKOUT[name]
