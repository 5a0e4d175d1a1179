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

The runner decides the status: a missing needed file → skip, a platform the check does not
apply to (`applies_to`) → skip, an exception → error, findings → fail, no findings but a
mechanism that could not run for lack of data (`mechanisms`, or `yield self.unchecked(...)`) →
partial, else pass. A check never performs I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from netdoctor.facts import platform as applies
from netdoctor.models import CauseHint, Finding, Severity, Unchecked
from netdoctor.snapshot import files
from netdoctor.snapshot.snapshot import Snapshot

__all__ = [
    "CauseHint",
    "Check",
    "Finding",
    "Iterator",
    "Mechanism",
    "Severity",
    "Snapshot",
    "Unchecked",
    "applies",
    "files",
]


@dataclass(frozen=True)
class Mechanism:
    """One thing a check looks for, and the bundle files it cannot judge without. When one of
    them is absent the runner lists the mechanism as `unchecked` and the check cannot `pass`."""

    name: str
    needs: tuple[str, ...]


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
    applies_to: ClassVar[tuple[applies.Requirement, ...]] = ()
    """Platform conditions (`applies.VPC_CNI`, `applies.IPV4_PODS`...): one that does not hold
    makes the check `skip` as not applicable, with the requirement's sentence."""
    mechanisms: ClassVar[tuple[Mechanism, ...]] = ()
    """What the check looks for beyond `needs`, each with the files it cannot do without."""

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
        mechanism_files = [rel for m in cls.mechanisms for rel in m.needs]
        unknown = [
            rel for rel in (*cls.needs, *cls.wants, *mechanism_files) if rel not in _KNOWN_FILES
        ]
        if unknown:
            raise TypeError(
                f"{cls.__name__}: needs/wants name unknown bundle files {unknown}; "
                "use the constants in netdoctor.snapshot.files"
            )
        if cls.playbook is None:
            cls.playbook = cls.id

    def run(self, snap: Snapshot) -> Iterable[Finding | Unchecked]:
        """Yield the findings for this snapshot, and an `Unchecked` for each mechanism that
        could not run for lack of data. Pure: no I/O, no global state."""
        raise NotImplementedError

    @staticmethod
    def cause_hint(check: str, *resources: str) -> CauseHint:
        """Where this finding's root cause may be reported: a finding of `check` that names
        one of `resources` (the runner links the two and ranks the cause first)."""
        return CauseHint(check=check, resources=tuple(resources))

    @staticmethod
    def unchecked(mechanism: str, *missing: str) -> Unchecked:
        """A mechanism that could not run because these bundle files are absent."""
        return Unchecked(mechanism=mechanism, missing=list(missing))

    def finding(
        self,
        severity: Severity | None,
        title: str,
        *,
        resources: Iterable[str] = (),
        evidence: Iterable[str] = (),
        playbook: str | None = None,
        params: dict[str, str] | None = None,
        cause: CauseHint | None = None,
        mechanism: str | None = None,
    ) -> Finding:
        """Build a finding with this check's defaults.

        Args:
            severity: the finding's severity, or None for the check's default.
            title: one line naming the object and the problem.
            resources: `kind/name` references of the objects involved.
            evidence: facts from the bundle that prove it, with numbers.
            playbook: a playbook id other than the check's own.
            params: values for the playbook's command placeholders (`subnet_id`, `node`...).
            cause: where the root cause of this finding may be reported (another check's
                finding naming one of these resources): the runner links the two.
            mechanism: which way things broke, as the playbook's Fix options name it
                (`### Option: ... {#KEY}`): `netdoctor playbook --finding N` shows that option.
        """
        return Finding(
            severity=severity or self.severity,
            title=title,
            resources=tuple(resources),
            evidence=tuple(evidence),
            playbook=playbook or self.playbook,
            params=params or {},
            cause=cause,
            mechanism=mechanism,
        )
