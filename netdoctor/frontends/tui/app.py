"""The netdoctor TUI: a thin App that runs the checks in a thread worker and routes messages.

Build it with `make_app(bundle=...)`; screens live in `screens/`, widgets in `widgets/`, the
look in `styles/*.tcss`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from netdoctor.engine.runner import build_report, cheapest_first, iter_results
from netdoctor.errors import NetdoctorError
from netdoctor.frontends.tui.export import export_report
from netdoctor.frontends.tui.loader import Opener, RunPlan, cni_version
from netdoctor.frontends.tui.messages import (
    CheckFinished,
    FindingChosen,
    LoadWarned,
    PromptRequested,
    ResourceChosen,
    RunCompleted,
    SnapshotLoaded,
)
from netdoctor.frontends.tui.prompt_commands import run_prompt
from netdoctor.frontends.tui.screens.capacity import CapacityScreen
from netdoctor.frontends.tui.screens.error import ErrorScreen
from netdoctor.frontends.tui.screens.export import ExportScreen
from netdoctor.frontends.tui.screens.finding import FindingScreen
from netdoctor.frontends.tui.screens.help import HelpScreen
from netdoctor.frontends.tui.screens.inspector import InspectorScreen
from netdoctor.frontends.tui.screens.prompt import PromptScreen
from netdoctor.frontends.tui.screens.triage import TriageScreen
from netdoctor.frontends.tui.state import CheckInfo, RunState
from netdoctor.frontends.tui.widgets.header import header_text
from netdoctor.models import Severity
from netdoctor.report.escape import printable
from netdoctor.snapshot.archive import SizeLimits
from netdoctor.snapshot.snapshot import Snapshot


def error_line(exc: BaseException) -> str:
    """The one line the CLI prints for the same failure."""
    if isinstance(exc, NetdoctorError):
        return f"netdoctor: error: {exc}"
    return (
        f"netdoctor: internal error: {type(exc).__name__}: {exc} "
        "(NETDOCTOR_DEBUG=1 shows the traceback; please report it)"
    )


class NetdoctorApp(App[None]):
    """Triage first; finding detail, inspector, capacity, help and export on top of it."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "netdoctor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "back_or_quit", "Back/Quit"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("colon", "prompt", "Command", key_display=":"),
        Binding("question_mark", "help", "Help"),
        Binding("c", "capacity", "Capacity"),
        Binding("e", "export", "Export"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, plan: RunPlan, source_badge: str = "RECORDED") -> None:
        super().__init__()
        self.plan = plan
        self.badge = source_badge.upper()
        self.state = RunState()
        """What the triage screen shows; replaced on every reload."""
        self.snapshot: Snapshot | None = None
        self.run_number = 0
        self.triage = TriageScreen(self.state, self.badge, plan.label)

    def on_mount(self) -> None:
        self.push_screen(self.triage)
        self.action_reload()

    def on_unmount(self) -> None:
        if self.snapshot is not None:
            self.snapshot.bundle.close()

    @property
    def header(self) -> str:
        return header_text(self.state.info, self.state.cni_version, self.plan.label)

    # --- the run ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="checks", exit_on_error=False)
    def load_and_check(self, run: int) -> None:
        """Open the snapshot and run the checks, posting one message per result."""
        worker = get_current_worker()
        checks = self.plan.load_checks(lambda text: self.post_message(LoadWarned(run, text)))
        snap = self.plan.open()
        snap.responsive = True  # decode big files in slices: the screen keeps answering keys
        infos = [CheckInfo.of(c) for c in checks]
        # The header names the platform (CNI, its modes, IP family, node kinds) from the start.
        info = snap.info.model_copy(update={"platform": snap.views.platform.info()})
        self.post_message(SnapshotLoaded(run, snap, info, cni_version(snap), infos))
        results = {}
        # Cheap checks first, each decoding only what it reads: first findings show sooner.
        order = cheapest_first(checks, snap)
        for check, result in zip(order, iter_results(order, snap, progressive=True), strict=True):
            if worker.is_cancelled:
                return
            missing = tuple(m.file for m in result.missing)
            results[check.id] = result
            self.post_message(CheckFinished(run, result, missing, len(results), len(checks)))
        # The report lists checks in load order, exactly as `netdoctor check` does.
        ordered = [results[check.id] for check in checks]
        report = build_report(ordered, snap)
        self.post_message(RunCompleted(run, report))

    def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        if message.run != self.run_number:
            message.snapshot.bundle.close()
            return
        if self.snapshot is not None:
            self.snapshot.bundle.close()
        self.snapshot = message.snapshot
        self.state.start(message.info, message.cni_version, message.checks)
        self.triage.refresh_state()

    def on_check_finished(self, message: CheckFinished) -> None:
        if message.run == self.run_number:
            self.state.add(message.result, message.missing)
            self.triage.refresh_state()

    def on_run_completed(self, message: RunCompleted) -> None:
        if message.run == self.run_number:
            self.state.finish(message.report)
            self.triage.refresh_state()

    def on_load_warned(self, message: LoadWarned) -> None:
        if message.run == self.run_number:
            self.notify(
                printable(message.text),
                title="Check not loaded",
                severity="warning",
                timeout=10,
                markup=False,
            )

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures become UI: the run's → error screen, others → toast."""
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        if event.worker.is_cancelled:
            return  # a run a reload superseded: its snapshot may be gone, its errors are moot
        error = event.worker.error
        if event.worker.group == "checks":
            title = error.title if isinstance(error, NetdoctorError) else "Internal error"
            self.push_screen(ErrorScreen(title, error_line(error)))
        else:
            self.notify(printable(error_line(error)), severity="error", timeout=10, markup=False)

    # --- navigation ------------------------------------------------------------------------

    def on_finding_chosen(self, message: FindingChosen) -> None:
        row = next((r for r in self.state.rows if r.key == message.key), None)
        if row is not None:
            screen = FindingScreen(
                row, self.state.info, self.header, self.badge, self.plan.playbook_dirs
            )
            self.push_screen(screen)

    def on_prompt_requested(self, message: PromptRequested) -> None:
        self.action_prompt(message.text)

    def on_resource_chosen(self, message: ResourceChosen) -> None:
        if self.snapshot is not None:
            self.push_screen(InspectorScreen(message.ref, self.snapshot, self.header, self.badge))

    # --- actions ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Load again (a live source captures again) and re-run every check."""
        while isinstance(self.screen, ErrorScreen) or len(self.screen_stack) > 2:
            self.pop_screen()
        self.run_number += 1
        self.state = self.triage.state = RunState()
        self.triage.refresh_state()
        self.load_and_check(self.run_number)

    async def action_quit(self) -> None:
        """Quit; status 2 when leaving from the error screen (as the CLI exits on bad input)."""
        self.exit(return_code=2 if isinstance(self.screen, ErrorScreen) else 0)

    async def action_back(self) -> None:
        if len(self.screen_stack) > 2 and not isinstance(self.screen, ErrorScreen):
            self.pop_screen()

    async def action_back_or_quit(self) -> None:
        """`q` as in k9s: back one screen, quit from the top one (and from the error screen)."""
        if len(self.screen_stack) > 2 and not isinstance(self.screen, ErrorScreen):
            self.pop_screen()
        else:
            await self.action_quit()

    def action_top(self) -> None:
        """Back to the triage screen (the replay's, for an incident)."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, ErrorScreen):
            self.pop_screen()

    @property
    def is_replay(self) -> bool:
        """True for a recorded incident (the replay app)."""
        return False

    def action_prompt(self, initial: str = "") -> None:
        """The `:` prompt: `:capacity`, `:replay`, `:find IP`, `:trace SRC DST`, `:check ID`,
        `:q`; `initial` is typed in already."""
        if isinstance(self.screen, PromptScreen):
            return

        def run(line: str | None) -> None:
            if line:
                run_prompt(self, line)

        self.push_screen(PromptScreen(initial), run)

    def _ask_find(self) -> None:
        self.action_prompt("find ")

    def _ask_trace(self) -> None:
        self.action_prompt("trace ")

    def show_trace(self, source: str, destination: str, port: int | None) -> None:
        """The trace screen for SRC → DST (`:trace`, the palette, `t` in the inspector)."""
        from netdoctor.errors import NetdoctorError
        from netdoctor.facts.paths import trace
        from netdoctor.frontends.tui.screens.trace import TraceScreen

        if self.snapshot is None:
            self.notify("No snapshot is loaded yet.", severity="warning")
            return
        try:
            result = trace(self.snapshot, source, destination, port=port)
        except NetdoctorError as exc:
            self.notify(printable(str(exc)), severity="warning", markup=False)
            return
        self.push_screen(TraceScreen(result, self.state.info, self.header, self.badge))

    def show_check(self, check_id: str) -> None:
        """The triage screen with only that check's findings (`:check ID`)."""
        known = list(self.state.checks)
        if check_id not in known:
            self.notify(
                f"No check {check_id!r}. Checks: {', '.join(known) or 'none loaded yet'}",
                severity="warning",
                markup=False,
            )
            return
        self.action_top()
        self.triage.check = check_id
        self.triage.refresh_findings()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_capacity(self) -> None:
        if self.snapshot is None:
            self.notify("The bundle is still loading.", severity="warning")
        elif not isinstance(self.screen, CapacityScreen):
            critical = frozenset(
                ref
                for row in self.state.rows
                if row.finding.severity is Severity.CRITICAL
                for ref in row.finding.resources
                if ref.startswith("node/")
            )
            self.push_screen(CapacityScreen(self.snapshot, self.header, self.badge, critical))

    def action_export(self) -> None:
        """Ask for a format, then write the report to the current directory."""
        report = self.state.report
        if report is None:
            self.notify(
                "The checks are still running: export when they finish.", severity="warning"
            )
            return

        def write(fmt: str | None) -> None:
            if fmt is None:
                return
            try:
                bundle, selection = self.plan.report_source()
                path = export_report(report, fmt, bundle=bundle, selection=selection)
            except OSError as exc:
                self.notify(f"Cannot write the report: {exc}", severity="error", markup=False)
                return
            self.notify(f"Report written to {path}", title="Exported", markup=False)

        self.push_screen(ExportScreen(), write)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key's action, also in the command palette (ctrl+p)."""
        yield from super().get_system_commands(screen)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Reload", "Load the snapshot again and re-run the checks (r)", self.action_reload),
            ("Export report", "Write the report as Markdown or JSON (e)", self.action_export),
            ("Capacity", "Pods and IPs per node and subnet (c)", self.action_capacity),
            ("Find IP", "Which pod, node or ENI holds an address (:find IP)", self._ask_find),
            (
                "Trace from … to …",
                "Can SRC reach DST, and which hop drops it (:trace SRC DST [PORT])",
                self._ask_trace,
            ),
            ("Help", "Every key (?)", self.action_help),
        ]
        if isinstance(screen, TriageScreen):
            commands += [
                ("Filter findings", "Filter by text (/)", screen.action_filter),
                ("Cycle severity", "all → critical → warning → info (s)", screen.action_severity),
                ("Clear filters", "Show every finding (escape)", screen.action_clear_filters),
            ]
        if isinstance(screen, FindingScreen):
            commands += [
                ("Copy command", "Copy the selected command (y)", screen.action_copy_command),
                ("Inspect resource", "Open the selected resource (i)", screen.action_inspect),
            ]
        if len(self.screen_stack) > 2:
            commands.append(("Back", "Return to the previous screen (escape)", self.action_back))
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)


def make_app(
    bundle: str | Path | None = None,
    checks_dirs: Sequence[str | Path] = (),
    source_badge: str | None = None,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    builtin: bool = True,
    plugins: bool = True,
    playbooks_dir: str | Path | None = None,
    limits: SizeLimits | None = None,
    opener: Opener | None = None,
) -> NetdoctorApp:
    """Build the TUI.

    Args:
        bundle: a bundle directory or archive.
        checks_dirs: extra `--checks-dir` folders.
        source_badge: LIVE, RECORDED or DEMO (default RECORDED for a bundle, LIVE for an opener).
        only: run only these check ids (`--check`).
        skip: do not run these check ids (`--skip-check`).
        builtin: load the built-in checks.
        plugins: load checks from installed plug-ins.
        playbooks_dir: extra playbooks, looked up before those beside the `checks_dirs` checks
            and the built-in ones.
        limits: archive size caps (`--max-bundle-size`).
        opener: makes the Snapshot instead of opening `bundle` (live capture, replay frames);
            called again on every reload.
    """
    plan = RunPlan(
        bundle=Path(bundle) if bundle is not None else None,
        checks_dirs=tuple(Path(d) for d in checks_dirs),
        only=tuple(only),
        skip=tuple(skip),
        builtin=builtin,
        plugins=plugins,
        limits=limits,
        opener=opener,
        playbooks_dir=Path(playbooks_dir) if playbooks_dir is not None else None,
    )
    badge = source_badge or ("LIVE" if opener is not None and bundle is None else "RECORDED")
    return NetdoctorApp(plan, badge)
