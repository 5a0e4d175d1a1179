"""Discover checks: the built-in `checks/` folder, `--checks-dir` folders, and installed plug-ins.

Folders are loaded by path under unique module names without touching `sys.path`; entry points
come from the `netdoctor.checks` group (a module, a Check subclass, or a list of them). A broken
plug-in is reported in one line and the rest load; a duplicate id is an error naming both sources.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from netdoctor.engine.api import Check
from netdoctor.errors import CheckLoadError
from netdoctor.resources import builtin_path

ENTRY_POINT_GROUP = "netdoctor.checks"

Warn = Callable[[str], object]
"""Reports a check that could not be loaded; what it returns is ignored."""


def _stderr(message: str) -> None:
    print(f"netdoctor: {message}", file=sys.stderr)


@dataclass
class Registry:
    """The loaded checks, by id, in load order."""

    checks: dict[str, Check] = field(default_factory=dict)

    def add(self, check: Check) -> None:
        existing = self.checks.get(check.id)
        if existing is not None:
            raise CheckLoadError(
                f"duplicate check id {check.id!r}: defined by {existing.source} "
                f"and by {check.source}"
            )
        self.checks[check.id] = check

    def select(self, only: Sequence[str] = (), skip: Sequence[str] = ()) -> list[Check]:
        """The checks to run: `only` (if given) minus `skip`.

        Raises:
            CheckLoadError: an id is unknown; the message lists the known ids.
        """
        unknown = [i for i in (*only, *skip) if i not in self.checks]
        if unknown:
            raise CheckLoadError(
                f"unknown check id {', '.join(map(repr, unknown))}; "
                f"known ids: {', '.join(sorted(self.checks))}"
            )
        chosen = list(only) if only else list(self.checks)
        return [self.checks[i] for i in dict.fromkeys(chosen) if i not in skip]


def _checks_in_module(module: ModuleType) -> list[type[Check]]:
    """Top-level Check subclasses defined (not merely imported) in the module, with an id."""
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Check)
        and obj is not Check
        and obj.id
        and obj.__module__ == module.__name__
    ]


def _package_for(directory: Path, namespace: str) -> str:
    """A synthetic package whose `__path__` is the folder, so check modules can import their
    `_helper.py` siblings with `from ._helper import x` without touching `sys.path`."""
    digest = hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:8]
    name = f"{namespace}_{digest}"
    if name not in sys.modules:
        package = ModuleType(name)
        package.__path__ = [str(directory)]
        package.__package__ = name
        sys.modules[name] = package
    return name


def _load_file(path: Path, namespace: str) -> ModuleType:
    name = f"{_package_for(path.parent, namespace)}.{path.stem}"
    if name in sys.modules:  # already loaded (a helper imported it, or a second registry)
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _instantiate(classes: Iterable[type[Check]], source: str, registry: Registry) -> None:
    for cls in classes:
        check = cls()
        check.source = source
        registry.add(check)


def load_directory(directory: Path, registry: Registry, source_label: str, warn: Warn) -> None:
    """Load every `*.py` check module in a folder (not recursive; `_*.py` are helpers)."""
    if not directory.is_dir():
        raise CheckLoadError(f"{directory}: checks directory does not exist")
    namespace = (
        "netdoctor._builtin_checks" if source_label == "built-in" else "netdoctor._user_checks"
    )
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        label = "built-in" if source_label == "built-in" else str(path)
        try:
            module = _load_file(path, namespace)
            classes = _checks_in_module(module)
        except Exception as exc:
            warn(f"skipping check module {path}: {type(exc).__name__}: {exc}")
            continue
        _instantiate(classes, f"{label} ({path.name})" if label == "built-in" else label, registry)


def load_entry_points(registry: Registry, warn: Warn) -> None:
    """Load plug-ins from the `netdoctor.checks` entry-point group."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        source = f"plug-in {ep.name} ({ep.value})"
        try:
            obj = ep.load()
            if isinstance(obj, ModuleType):
                classes = _checks_in_module(obj)
            elif inspect.isclass(obj) and issubclass(obj, Check):
                classes = [obj]
            elif isinstance(obj, list | tuple) and all(
                inspect.isclass(c) and issubclass(c, Check) for c in obj
            ):
                classes = list(obj)
            else:
                raise TypeError(
                    "entry point must name a module, a Check subclass or a list of them"
                )
        except Exception as exc:
            warn(f"skipping plug-in {ep.name!r} ({ep.value}): {type(exc).__name__}: {exc}")
            continue
        _instantiate(classes, source, registry)


def load_checks(
    checks_dirs: Sequence[Path] = (),
    *,
    builtin: bool = True,
    plugins: bool = True,
    warn: Warn = _stderr,
) -> Registry:
    """Discover checks: built-in folder, then each `--checks-dir`, then entry points.

    Raises:
        CheckLoadError: a duplicate id, or a `--checks-dir` that does not exist.
    """
    registry = Registry()
    if builtin:
        load_directory(builtin_path("checks"), registry, "built-in", warn)
    for directory in checks_dirs:
        load_directory(Path(directory), registry, str(directory), warn)
    if plugins:
        load_entry_points(registry, warn)
    return registry
