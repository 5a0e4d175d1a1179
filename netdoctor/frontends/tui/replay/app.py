"""The replay app: the netdoctor TUI over the frames of a recorded incident.

It reuses everything of `NetdoctorApp` (triage, finding detail, inspector, capacity, export,
error screen) and replaces the single load-and-check run with one analysis worker that runs the
checks on every frame in time order and posts each frame as it is done. Stepping frames then
only swaps the precomputed state in; nothing runs again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.worker import get_current_worker

from netdoctor.frontends.tui.app import NetdoctorApp
from netdoctor.frontends.tui.loader import RunPlan, cni_version
from netdoctor.frontends.tui.messages import LoadWarned
from netdoctor.frontends.tui.replay.help import ReplayHelpScreen
from netdoctor.frontends.tui.replay.messages import FrameAnalysed, IncidentAnalysed, IncidentOpened
from netdoctor.frontends.tui.replay.screen import ReplayTriageScreen
from netdoctor.frontends.tui.replay.widgets import FrameMark
from netdoctor.frontends.tui.screens.error import ErrorScreen
from netdoctor.frontends.tui.screens.help import HelpScreen
from netdoctor.frontends.tui.state import CheckInfo, RunState
from netdoctor.report.escape import printable
from netdoctor.snapshot.archive import SizeLimits
from netdoctor.snapshot.snapshot import Snapshot
from netdoctor.sources.incident.analysis import FrameAnalysis, IncidentAnalysis, analyse
from netdoctor.sources.incident.reader import Incident, open_incident


@dataclass(frozen=True)
class FrameData:
    """What one analysed frame needs to fill the triage screen."""

    item: FrameAnalysis
    checks: list[CheckInfo]
    cni_version: str
    missing: dict[str, tuple[str, ...]]


class ReplayApp(NetdoctorApp):
    """Triage of one frame at a time, a timeline bar to move between frames. The analysed
    frames live here; where the replay stands (frame, play, speed) lives on its screen."""

    CSS_PATH = "../styles/app.tcss"  # resolved next to this module: netdoctor/tui/styles/

    def __init__(
        self,
        plan: RunPlan,
        source: Path,
        badge: str = "RECORDED",
        start: str | None = None,
    ) -> None:
        super().__init__(plan, badge)
        self.source = source
        self.start = start
        """`--frame` to open at (a number, first/last or a time); None: the worst frame."""
        self.open_on_worst = start is None
        """Jump to the worst frame once every frame is analysed, unless the user moved."""
        self.incident: Incident | None = None
        self.data: dict[int, FrameData] = {}
        self.analysis: IncidentAnalysis | None = None
        self.replay = ReplayTriageScreen(self.state, self.badge, plan.label)
        self.triage = self.replay

    @property
    def is_replay(self) -> bool:
        return True

    def on_unmount(self) -> None:
        super().on_unmount()
        if self.incident is not None:
            self.incident.close()

    # --- where the replay stands (read from its screen) --------------------------------

    @property
    def frame(self) -> int:
        """The frame shown (1-based)."""
        return self.replay.frame

    @property
    def playing(self) -> bool:
        return self.replay.playing

    @property
    def speed(self) -> float:
        """Frames per second while playing."""
        return self.replay.speed

    @property
    def frame_count(self) -> int:
        return len(self.incident.frames) if self.incident is not None else 0

    # --- the analysis run ------------------------------------------------------------------

    def action_reload(self) -> None:
        """Open the incident again (a recording still running has new frames) and re-run the
        checks on every frame."""
        while isinstance(self.screen, ErrorScreen) or len(self.screen_stack) > 2:
            self.pop_screen()
        self.run_number += 1
        self.data = {}
        self.analysis = None
        self.show_frame()
        self.analyse_incident(self.run_number)

    @work(thread=True, exclusive=True, group="checks", exit_on_error=False)
    def analyse_incident(self, run: int) -> None:
        """Open the incident and run the checks on each frame, posting each as it is done."""
        worker = get_current_worker()
        incident = open_incident(self.source, self.plan.limits)
        self.post_message(IncidentOpened(run, incident))
        checks = self.plan.load_checks(lambda text: self.post_message(LoadWarned(run, text)))
        infos = [CheckInfo.of(c) for c in checks]

        def on_frame(item: FrameAnalysis, snap: Snapshot) -> None:
            missing = {
                r.check: tuple(m.file for m in r.missing) for r in item.report.results if r.missing
            }
            self.post_message(FrameAnalysed(run, item, infos, cni_version(snap), missing))

        analysis = analyse(incident, checks, on_frame, cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(IncidentAnalysed(run, analysis))

    def on_incident_opened(self, message: IncidentOpened) -> None:
        if message.run != self.run_number:
            message.incident.close()
            return
        if self.incident is not None and self.incident is not message.incident:
            self.incident.close()
        self.incident = message.incident
        frame = self.replay.frame
        if self.start is not None:
            try:
                frame = self.incident.select(self.start).number
            except Exception as exc:  # a bad --frame: say so, stay on the first frame
                self.notify(printable(str(exc)), severity="error", timeout=10, markup=False)
            self.start = None
        self.replay.open_frames(len(self.incident.frames), frame)
        self.show_frame()

    def on_frame_analysed(self, message: FrameAnalysed) -> None:
        if message.run != self.run_number:
            return
        number = message.item.frame.number
        self.data[number] = FrameData(
            message.item, message.checks, message.cni_version, message.missing
        )
        if number == self.replay.frame:
            self.show_frame()
        else:
            self._refresh_top()

    def on_incident_analysed(self, message: IncidentAnalysed) -> None:
        if message.run != self.run_number:
            return
        self.analysis = message.analysis
        self.replay.membership = message.analysis.membership
        if self.open_on_worst and not self.replay.moved:
            worst = message.analysis.worst_frame()
            if worst is not None and worst != self.replay.frame:
                self.replay.frame = worst
                self.notify(
                    f"Opened on frame {worst}, the incident at its worst "
                    "(g: first frame, w: back here).",
                    timeout=6,
                )
        self.open_on_worst = False
        self.show_frame()

    def action_worst(self) -> None:
        """`w`: jump to the first frame in the incident's worst state."""
        worst = self.analysis.worst_frame() if self.analysis is not None else None
        if worst is None:
            what = "still analysing the frames" if self.analysis is None else "no findings"
            self.notify(f"No worst frame: {what}.", severity="warning")
            return
        self.action_top()
        self.replay.goto(worst)

    # --- showing a frame -------------------------------------------------------------------

    def on_replay_triage_screen_frame_changed(
        self, message: ReplayTriageScreen.FrameChanged
    ) -> None:
        self.show_frame()

    def show_frame(self) -> None:
        """Put the screen's current frame's state on it and on the panes above it."""
        frame = self.replay.frame
        data = self.data.get(frame)
        state = RunState()
        if data is not None:
            report = data.item.report
            state.start(report.snapshot, data.cni_version, data.checks)
            for result in report.results:
                state.add(result, data.missing.get(result.check, ()))
            state.finish(report)
        self.state = self.replay.state = state
        if self.snapshot is not None:
            self.snapshot.bundle.close()
        self.snapshot = (
            self.incident.snapshot(frame)
            if self.incident is not None and data is not None
            else None
        )
        self.replay.refresh_state()
        self._refresh_top()
        self.replay.keep_focus()

    def _refresh_top(self) -> None:
        frame = self.replay.frame
        frames = self.incident.frames if self.incident is not None else []
        marks = {
            n: FrameMark(
                True, d.item.report.worst(), sum(len(r.findings) for r in d.item.report.results)
            )
            for n, d in self.data.items()
        }
        data = self.data.get(frame)
        previous = frames[frame - 2] if frame > 1 and frames else None
        series = self.analysis.series if self.analysis is not None else None
        self.replay.show_top(frames, marks, data.item.diff if data else None, previous, series)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(ReplayHelpScreen())


def make_replay_app(
    incident: str | Path,
    checks_dirs: Sequence[str | Path] = (),
    source_badge: str = "RECORDED",
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    builtin: bool = True,
    plugins: bool = True,
    playbooks_dir: str | Path | None = None,
    limits: SizeLimits | None = None,
    start: str | None = None,
) -> ReplayApp:
    """Build the replay TUI over an incident directory or archive.

    Args:
        incident: the recorded incident (directory or .tar.gz).
        checks_dirs, only, skip, builtin, plugins, playbooks_dir, limits: as for `make_app`.
        source_badge: RECORDED or DEMO.
        start: the frame to open at (`--frame`: N, first/last, or a time).
    """
    path = Path(incident)
    plan = RunPlan(
        bundle=path,
        checks_dirs=tuple(Path(d) for d in checks_dirs),
        only=tuple(only),
        skip=tuple(skip),
        builtin=builtin,
        plugins=plugins,
        limits=limits,
        playbooks_dir=Path(playbooks_dir) if playbooks_dir is not None else None,
    )
    return ReplayApp(plan, path, source_badge, start)
