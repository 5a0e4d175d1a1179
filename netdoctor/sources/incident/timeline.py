"""Follow each finding across the frames of an incident: when it first appeared, when it
cleared, and in how many frames it held.

A finding keeps its identity across frames when its check, playbook, resources and title match
with every run of digits replaced, since the numbers in a title change as an incident unfolds
("3 pods stuck" → "9 pods stuck"). The objects a finding names change too (more pods get
stuck, some recover): a finding with no exact match continues the one of the same check,
playbook and normalised title that held in the previous frame and shares the most resources
with it, so "pods stuck on node X" stays one row while its pod list grows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from netdoctor.models import Finding, Report, Severity, Status

_DIGITS = re.compile(r"\d+")

FindingKey = tuple[str, str, tuple[str, ...], str]


def normalise_title(title: str) -> str:
    """The title with every run of digits replaced by `#`."""
    return _DIGITS.sub("#", title)


def finding_key(check: str, finding: Finding) -> FindingKey:
    """What makes a finding the same one in another frame."""
    return (
        check,
        finding.playbook or "",
        tuple(sorted(finding.resources)),
        normalise_title(finding.title),
    )


@dataclass(frozen=True)
class FrameResult:
    """One frame's report, with where it sits in the incident."""

    number: int
    """1-based frame number."""
    captured_at: str | None
    report: Report


class TimelineEntry(BaseModel):
    """One finding followed across the frames."""

    check: str
    title: str
    """The title in the last frame that held the finding."""
    severity: Severity
    """The worst severity it had."""
    resources: list[str]
    playbook: str | None = None
    first_seen: str | None
    """captured_at of the first frame that held it."""
    cleared: str | None
    """captured_at of the first frame, after the last one that held it, whose check ran
    (pass or fail) without it; None while it still holds at the end (or the check stopped
    running: then nobody knows)."""
    frames_held: int
    frames: list[int]
    """1-based numbers of the frames that held it."""
    first_frame: int
    last_frame: int
    cleared_frame: int | None = None
    evidence: list[str] = Field(default_factory=list)
    """The evidence in the last frame that held it."""

    @property
    def open(self) -> bool:
        """Still holding in the last frame (or never seen to clear)."""
        return self.cleared is None


@dataclass
class _Track:
    """One finding's history while the timeline is built."""

    check: str
    playbook: str
    title: str
    """Normalised title."""
    held: list[tuple[int, Finding]]

    @property
    def resources(self) -> set[str]:
        return set(self.held[-1][1].resources)


def _match(
    found: list[tuple[FindingKey, Finding]],
    tracks: dict[FindingKey, _Track],
    previous: int | None,
) -> list[tuple[_Track | None, FindingKey, Finding]]:
    """Pair this frame's findings with tracks: exact keys first, then continuations of
    tracks held in the previous frame (same check, playbook and title; most shared resources
    first). Unpaired findings get None."""
    claimed: set[int] = set()
    paired: list[tuple[_Track | None, FindingKey, Finding]] = []
    rest: list[tuple[FindingKey, Finding]] = []
    for key, finding in found:
        track = tracks.get(key)
        if track is not None and id(track) not in claimed:
            claimed.add(id(track))
            paired.append((track, key, finding))
        else:
            rest.append((key, finding))
    active = {
        id(t): t for t in tracks.values() if previous is not None and t.held[-1][0] == previous
    }
    options = []
    for index, (key, finding) in enumerate(rest):
        for track in active.values():
            if id(track) in claimed or (track.check, track.playbook, track.title) != (
                key[0],
                key[1],
                key[3],
            ):
                continue
            shared = len(track.resources & set(finding.resources))
            if shared:
                options.append((-shared, index, id(track), track))
    taken: set[int] = set()
    chosen: dict[int, _Track] = {}
    for _, index, track_id, track in sorted(options, key=lambda o: o[:3]):
        if index in taken or track_id in claimed:
            continue
        taken.add(index)
        claimed.add(track_id)
        chosen[index] = track
    for index, (key, finding) in enumerate(rest):
        paired.append((chosen.get(index), key, finding))
    return paired


def build_timeline(results: Sequence[FrameResult]) -> list[TimelineEntry]:
    """Every distinct finding across the frames, ordered by when it appeared, then by
    severity (worst first), check and title."""
    return follow(results)[0]


Membership = dict[tuple[int, FindingKey], TimelineEntry]
"""(frame number, finding key) → the timeline entry that finding belongs to."""


def follow(results: Sequence[FrameResult]) -> tuple[list[TimelineEntry], Membership]:
    """The timeline, and for each frame's findings the entry they belong to (the replay
    screen marks each finding with its entry's first-seen and cleared frames)."""
    tracks: dict[FindingKey, _Track] = {}
    ran: dict[str, set[int]] = {}
    times = {r.number: r.captured_at for r in results}
    previous: int | None = None
    for frame in results:
        found: dict[FindingKey, Finding] = {}
        for result in frame.report.results:
            if result.status in (Status.PASS, Status.FAIL):
                ran.setdefault(result.check, set()).add(frame.number)
            for finding in result.findings:
                found.setdefault(finding_key(result.check, finding), finding)
        for track, key, finding in _match(list(found.items()), tracks, previous):
            if track is None:
                track = _Track(key[0], key[1], key[3], [])
            track.held.append((frame.number, finding))
            tracks[key] = track  # the key now names this track too
        previous = frame.number
    numbers = sorted(times)
    entries = []
    membership: Membership = {}
    unique = {id(t): t for t in tracks.values()}
    for track in unique.values():
        seen = track.held
        frames = [n for n, _ in seen]
        last_finding = seen[-1][1]
        cleared_frame = next(
            (n for n in numbers if n > frames[-1] and n in ran.get(track.check, set())), None
        )
        entries.append(
            TimelineEntry(
                check=track.check,
                title=last_finding.title,
                severity=max((f.severity for _, f in seen), key=lambda s: s.rank),
                resources=list(last_finding.resources),
                playbook=last_finding.playbook,
                first_seen=times[frames[0]],
                cleared=times[cleared_frame] if cleared_frame is not None else None,
                frames_held=len(frames),
                frames=frames,
                first_frame=frames[0],
                last_frame=frames[-1],
                cleared_frame=cleared_frame,
                evidence=list(last_finding.evidence),
            )
        )
        for number, finding in seen:
            membership[(number, finding_key(track.check, finding))] = entries[-1]
    entries.sort(key=lambda e: (e.first_frame, -e.severity.rank, e.check, e.title))
    return entries, membership


def strip(entry: TimelineEntry, total: int, width: int = 48) -> str:
    """The frames as a strip of cells: `█` held, `·` not, e.g. `··████··` for 8 frames. Past
    `width` frames each cell stands for several consecutive frames (`█` if any held)."""
    held = set(entry.frames)
    if total <= width:
        return "".join("█" if n in held else "·" for n in range(1, total + 1))
    cells = []
    for i in range(width):
        first, last = i * total // width + 1, (i + 1) * total // width
        cells.append("█" if any(n in held for n in range(first, last + 1)) else "·")
    return "".join(cells)
