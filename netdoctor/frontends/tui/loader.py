"""What to load and which checks to run: the part of the TUI run that does I/O, kept free of
Textual so the worker is a thin loop over it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from netdoctor.engine.api import Check
from netdoctor.engine.registry import Warn, load_checks
from netdoctor.errors import BundleError, NetdoctorError
from netdoctor.snapshot.archive import SizeLimits
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.open import open_snapshot

Opener = Callable[[], Snapshot]
"""Makes a fresh Snapshot: opens a bundle, captures from a live cluster, or picks a frame."""


@dataclass(frozen=True)
class RunPlan:
    """Where the snapshot comes from and which checks run on it."""

    bundle: Path | None = None
    checks_dirs: tuple[Path, ...] = ()
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    builtin: bool = True
    plugins: bool = True
    limits: SizeLimits | None = None
    opener: Opener | None = None
    """Used instead of `bundle` (live capture, replay); called again on every reload."""
    playbooks_dir: Path | None = None
    """Extra playbooks, looked up before the `--checks-dir` folders and the built-in ones."""

    @property
    def playbook_dirs(self) -> tuple[Path, ...]:
        """Where a finding's playbook is looked for before the built-in folder: `playbooks_dir`,
        then each `--checks-dir` (a plug-in folder may keep its playbooks beside its checks)."""
        first = (self.playbooks_dir,) if self.playbooks_dir is not None else ()
        return (*first, *self.checks_dirs)

    def report_source(self) -> tuple[str | None, list[str]]:
        """The bundle path and check-selection arguments, as `netdoctor check` would name them
        in a report's `netdoctor playbook` commands (a live capture has no path)."""
        selection = [w for d in self.checks_dirs for w in ("--checks-dir", str(d))]
        selection += [w for c in self.only for w in ("--check", c)]
        selection += [w for c in self.skip for w in ("--skip-check", c)]
        bundle = str(self.bundle) if self.bundle is not None else None
        return bundle, selection

    @property
    def label(self) -> str:
        return str(self.bundle) if self.bundle is not None else "live cluster"

    def open(self) -> Snapshot:
        """A new Snapshot (called in a worker thread).

        Raises:
            NetdoctorError: the bundle cannot be opened.
        """
        if self.opener is not None:
            return self.opener()
        if self.bundle is None:
            raise NetdoctorError("nothing to load: give a bundle path")
        return open_snapshot(self.bundle, self.limits)

    def load_checks(self, warn: Warn) -> list[Check]:
        """The selected checks; broken check modules are reported through `warn`.

        Raises:
            CheckLoadError: a duplicate or unknown check id.
        """
        registry = load_checks(
            list(self.checks_dirs), builtin=self.builtin, plugins=self.plugins, warn=warn
        )
        return registry.select(list(self.only), list(self.skip))


def cni_version(snap: Snapshot) -> str:
    """The VPC CNI version for the header: `v1.20.1`, `unknown`, or `no aws-node`."""
    try:
        cni = snap.views.cni
    except BundleError:
        return "unreadable"
    if not cni.found:
        return "no aws-node"
    return cni.version_text
