"""The check API: the one module a check author imports.

A check is a class with its metadata as data and a `run(snap)` generator of findings:

    class NodesWithoutZone(Check):
        id = "nodes-without-zone"
        title = "Nodes without a zone label"
        needs = (files.K8S_NODES,)
        playbook = "nodes-without-zone"

        def run(self, snap: Snapshot) -> Iterator[Finding]:
            for view in snap.views.nodes:
                if not view.zone:
                    yield self.finding(Severity.WARNING, f"Node {view.name} has no zone",
                                       resources=[view.ref], evidence=["no zone label"])

The runner decides the status: a missing needed file → skip, an exception → error,
no findings → pass, findings → fail. A check never performs I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import ClassVar

from netdoctor.models import Finding, Severity
from netdoctor.snapshot import files
from netdoctor.snapshot.snapshot import Snapshot

__all__ = ["Check", "Finding", "Iterator", "Severity", "Snapshot", "files"]

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_KNOWN_FILES = frozenset((files.META, *files.ALL_FILES))


class Check:
    """Base class of every check. Subclasses set the class attributes and implement `run`."""

    id: ClassVar[str] = ""
    """Stable kebab-case id, e.g. `pod-ip-capacity`."""
    title: ClassVar[str] = ""
    """What the check diagnoses, in a few words."""
    needs: ClassVar[tuple[str, ...]] = ()
    """Bundle files without which the check cannot judge: missing → `skip`."""
    wants: ClassVar[tuple[str, ...]] = ()
    """Bundle files that enrich the evidence when present; never cause a skip."""
    severity: ClassVar[Severity] = Severity.WARNING
    """Default severity of the check's findings."""
    playbook: ClassVar[str | None] = None
    """Default playbook id for findings; defaults to the check id."""
    provides: ClassVar[tuple[str, ...]] = ()
    """Playbook placeholders the check's findings fill (`node`, `subnet_id`...); `cluster`
    and `region` come from the snapshot and need not be listed."""

    source: str = "built-in"
    """Where the check was loaded from (set by the registry)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.id:  # abstract intermediate classes may leave the id empty
            return
        if not _ID.match(cls.id):
            raise TypeError(f"{cls.__name__}: id {cls.id!r} is not kebab-case")
        if not cls.title.strip():
            raise TypeError(f"{cls.__name__}: title is empty")
        unknown = [rel for rel in (*cls.needs, *cls.wants) if rel not in _KNOWN_FILES]
        if unknown:
            raise TypeError(
                f"{cls.__name__}: needs/wants name unknown bundle files {unknown}; "
                "use the constants in netdoctor.snapshot.files"
            )
        if cls.playbook is None:
            cls.playbook = cls.id

    def run(self, snap: Snapshot) -> Iterable[Finding]:
        """Yield the findings for this snapshot. Pure: no I/O, no global state."""
        raise NotImplementedError

    def finding(
        self,
        severity: Severity | None,
        title: str,
        *,
        resources: Iterable[str] = (),
        evidence: Iterable[str] = (),
        playbook: str | None = None,
        params: dict[str, str] | None = None,
    ) -> Finding:
        """Build a finding with this check's defaults.

        Args:
            severity: the finding's severity, or None for the check's default.
            title: one line naming the object and the problem.
            resources: `kind/name` references of the objects involved.
            evidence: facts from the bundle that prove it, with numbers.
            playbook: a playbook id other than the check's own.
            params: values for the playbook's command placeholders (`subnet_id`, `node`...).
        """
        return Finding(
            severity=severity or self.severity,
            title=title,
            resources=tuple(resources),
            evidence=tuple(evidence),
            playbook=playbook or self.playbook,
            params=params or {},
        )
