"""Finding detail: title, severity, evidence, resources (→ inspector), and the playbook with its
commands filled with the finding's real ids; `y` copies the selected command."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from netdoctor.errors import NetdoctorError
from netdoctor.frontends.tui.messages import ResourceChosen
from netdoctor.frontends.tui.state import FindingRow
from netdoctor.frontends.tui.widgets.findings_table import SEVERITY_STYLE
from netdoctor.frontends.tui.widgets.header import SnapshotHeader
from netdoctor.frontends.tui.widgets.navigation import NavOptionList
from netdoctor.frontends.tui.widgets.playbook_view import PlaybookView
from netdoctor.models import SnapshotInfo
from netdoctor.playbooks import Command, extract_commands, get_playbook
from netdoctor.report.escape import printable

CLIPBOARD_NOTE = (
    "Sent to the terminal's clipboard (OSC 52): {line}\n"
    "If nothing arrived (tmux with set-clipboard off, a terminal without OSC 52), "
    "press w to write it to a file."
)


@dataclass
class PlaybookRendered(Message):
    """The playbook's Markdown, filled, and the commands found in it."""

    markdown: str
    commands: list[Command]


def playbook_params(row: FindingRow, info: SnapshotInfo) -> dict[str, str]:
    """The finding's params, plus `cluster` and `region` from the snapshot (as the CLI does)."""
    params = dict(row.finding.params)
    if info.cluster:
        params.setdefault("cluster", info.cluster)
    if info.region:
        params.setdefault("region", info.region)
    return params


def render_playbook(row: FindingRow, info: SnapshotInfo, directories: Sequence[Path] = ()) -> str:
    """The finding's playbook as Markdown with its placeholders filled: from the first of
    `directories` that has it, else from the built-in playbooks.

    Raises:
        PlaybookError: no such playbook, or a malformed one.
    """
    playbook_id = row.finding.playbook or row.check
    params = playbook_params(row, info)
    for directory in directories:
        try:
            return get_playbook(playbook_id, directory).render(params)
        except NetdoctorError:
            continue  # not there (or not a playbook folder): try the next
    return get_playbook(playbook_id).render(params)


def command_options(commands: Sequence[Command]) -> list[Option]:
    """The command list: a heading per section (Fix marked as changing things), then its
    commands, each Option's id its index in `commands`."""
    options: list[Option] = []
    heading: tuple[str, str | None] | None = None
    for i, command in enumerate(commands):
        if (command.section, command.option) != heading:
            heading = (command.section, command.option)
            label = Text(command.section or "Commands", style="bold")
            if command.option:
                label.append(f" · {command.option}", style="bold")
            label.append(
                "  changes things" if command.changes else "  read-only",
                style="bold red" if command.changes else "dim green",
            )
            options.append(Option(label, disabled=True))
        mark = Text("! " if command.changes else "  ", style="bold red")
        mark.append(_first_line(command.text))
        options.append(Option(mark, id=str(i)))
    return options


def _first_line(command: str) -> str:
    lines = command.splitlines()
    more = f"  (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return f"{lines[0]}{more}" if lines else ""


def write_command(
    command: Command, row: FindingRow, number: int, folder: Path | None = None
) -> Path:
    """`netdoctor-PLAYBOOK-N.sh` in `folder` (default: the current directory), with a header
    saying where it came from and whether it changes things."""
    playbook = row.finding.playbook or row.check
    path = (folder or Path.cwd()) / f"netdoctor-{playbook}-{number}.sh"
    kind = "CHANGES the cluster or AWS" if command.changes else "read-only"
    where = command.section + (f" / {command.option}" if command.option else "")
    head = f"# netdoctor playbook {playbook}, {where} ({kind})\n"
    path.write_text(head + command.text + "\n", encoding="utf-8")
    return path


class FindingScreen(Screen):
    """One finding in full."""

    CSS_PATH = "../styles/finding.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_command", "Copy command"),
        Binding("w", "write_command", "Write to file"),
        Binding("i", "inspect", "Inspect"),
        Binding("t", "trace", "Trace"),
    ]

    def __init__(
        self,
        row: FindingRow,
        info: SnapshotInfo,
        header: str,
        badge: str,
        playbook_dirs: Sequence[Path] = (),
    ) -> None:
        super().__init__()
        self.row = row
        self.info = info
        self.header = header
        self.badge = badge
        self.playbook_dirs = tuple(playbook_dirs)
        """Folders searched for the playbook before the built-in one."""
        self.commands: list[str] = []
        """The playbook's shell blocks, filled; what `y` copies."""
        self.entries: list[Command] = []
        """The same blocks with their section."""

    def compose(self) -> ComposeResult:
        f = self.row.finding
        yield SnapshotHeader(self.badge, self.header)
        title = Text.assemble(
            (f" {f.severity.value.upper()} ", f"reverse {SEVERITY_STYLE[f.severity]}"),
            " ",
            (printable(f.title), "bold"),
        )
        if f.index is not None:
            title.append(f"  finding [{f.index}]", style="dim")
        meta = Text(f"check {self.row.check} · playbook {f.playbook or self.row.check}", "dim")
        with Vertical(id="finding-head"):
            yield Static(title, id="finding-title")
            yield Static(meta, id="finding-meta")
        with Horizontal(id="finding-body"):
            with VerticalScroll(id="finding-left"):
                yield Static("Evidence", classes="pane-title")
                evidence = Text(
                    "\n".join(f"• {printable(line)}" for line in f.evidence) or "(none)"
                )
                yield Static(evidence, id="evidence")
                yield Static("Resources · enter opens the inspector", classes="pane-title")
                yield NavOptionList(
                    *[Option(Text(printable(r)), id=r) for r in f.resources], id="resources"
                )
                yield Static(
                    "Commands · y copies, w writes to a file · ! changes things",
                    classes="pane-title",
                )
                yield NavOptionList(id="commands")
            yield PlaybookView(id="playbook")
        yield Footer()

    def on_mount(self) -> None:
        resources = self.query_one("#resources", OptionList)
        if resources.option_count:
            resources.highlighted = 0
            resources.focus()
        self.load_playbook()

    @work(thread=True, exclusive=True, group="playbook", exit_on_error=False)
    def load_playbook(self) -> None:
        """Read and fill the playbook off the UI thread."""
        try:
            markdown = render_playbook(self.row, self.info, self.playbook_dirs)
        except NetdoctorError as exc:
            markdown = f"## No playbook\n\n{exc}"
        self.post_message(PlaybookRendered(markdown, extract_commands(markdown)))

    async def on_playbook_rendered(self, message: PlaybookRendered) -> None:
        self.entries = message.commands
        self.commands = [c.text for c in message.commands]
        commands = self.query_one("#commands", OptionList)
        commands.clear_options()
        commands.add_options(command_options(message.commands))
        commands.display = bool(message.commands)
        if message.commands:
            commands.highlighted = 1  # the first command, under its section heading
        await self.query_one(PlaybookView).show(message.markdown)

    # --- actions -------------------------------------------------------------------------

    def selected_index(self) -> int | None:
        """The index in `commands` of the highlighted command (the first one by default)."""
        if not self.commands:
            return None
        options = self.query_one("#commands", OptionList)
        index = options.highlighted
        option = options.get_option_at_index(index) if index is not None else None
        return int(option.id) if option is not None and option.id else 0

    def selected_command(self) -> str | None:
        index = self.selected_index()
        return None if index is None else self.commands[index]

    def action_copy_command(self) -> None:
        """Send the selected command to the terminal's clipboard (OSC 52). Whether it arrived
        the terminal never says, so the note says what was done, not "copied"."""
        command = self.selected_command()
        if command is None:
            self.notify("This playbook has no commands to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(command)
        note = CLIPBOARD_NOTE.format(line=printable(_first_line(command)))
        self.notify(note, title="Clipboard", timeout=8, markup=False)

    def action_write_command(self) -> None:
        """Write the selected command to a file in the current directory (for terminals where
        OSC 52 does not reach the clipboard)."""
        index = self.selected_index()
        if index is None:
            self.notify("This playbook has no commands to write.", severity="warning")
            return
        try:
            path = write_command(self.entries[index], self.row, index + 1)
        except OSError as exc:
            self.notify(f"Cannot write the command: {exc}", severity="error", markup=False)
            return
        self.notify(f"Command written to {path}", title="Written", markup=False)

    def action_inspect(self) -> None:
        """Open the inspector on the selected resource."""
        resources = self.query_one("#resources", OptionList)
        index = resources.highlighted
        refs = self.row.finding.resources
        if refs:
            self.post_message(ResourceChosen(refs[index if index is not None else 0]))

    def action_trace(self) -> None:
        """Open the trace of the path this finding is about (screens/trace.py)."""
        from netdoctor.frontends.tui.screens.trace import TraceScreen, trace_for_finding

        snap = getattr(self.app, "snapshot", None)
        result = trace_for_finding(snap, self.row.finding, self.row.check) if snap else None
        if result is None:
            self.notify("This finding names no pod or node to trace from.", severity="warning")
            return
        self.app.push_screen(TraceScreen(result, self.info, self.header, self.badge))

    @on(OptionList.OptionSelected, "#resources")
    def _resource_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(ResourceChosen(event.option.id))

    @on(OptionList.OptionSelected, "#commands")
    def _command_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_copy_command()
