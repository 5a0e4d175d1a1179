"""Find the built-in folders (`checks/`, `playbooks/`, the demo bundle) in a wheel or a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE.parent

# Where each folder lives in a checkout; the wheel maps them under netdoctor/_builtin/.
_IN_CHECKOUT = {
    "checks": "checks",
    "playbooks": "playbooks",
    "demo": "fixtures/demo",
    "demo-incident": "fixtures/incidents/demo",
}


def builtin_path(name: str) -> Path:
    """The installed copy (`netdoctor/_builtin/NAME`, or `NAME.tar.gz` for an incident, which
    keeps its shared files shared) when present, else the checkout's folder."""
    for installed in (_PACKAGE / "_builtin" / name, _PACKAGE / "_builtin" / f"{name}.tar.gz"):
        if installed.exists():
            return installed
    return _SOURCE_ROOT / _IN_CHECKOUT[name]
