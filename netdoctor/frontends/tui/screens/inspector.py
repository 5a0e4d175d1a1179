"""Resource inspector: the chain an object sits on as a tree, and the raw JSON of the selected
object. Enter on another object re-roots the inspector there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree
from textual.widgets.tree import TreeNode

from netdoctor.errors import NetdoctorError
from netdoctor.explore import ChainNode, RawObject, build_chain, raw_object
from netdoctor.frontends.tui.messages import PromptRequested, ResourceChosen
from netdoctor.frontends.tui.widgets.header import SnapshotHeader
from netdoctor.frontends.tui.widgets.json_view import JsonView
from netdoctor.frontends.tui.widgets.navigation import NavTree
from netdoctor.report.escape import printable
from netdoctor.snapshot.snapshot import Snapshot


@dataclass
class ChainBuilt(Message):
    """The chain tree is ready."""

    root: ChainNode


@dataclass
class RawLoaded(Message):
    """The raw JSON of one object (None when absent), or why it could not be read."""

    ref: str
    raw: RawObject | None
    error: str = ""


def chain_label(node: ChainNode) -> Text:
    """Title in bold (red when the bundle lacks the object), facts dimmed."""
    style = "bold red" if node.missing else ("bold" if node.ref else "italic")
    if node.focus:
        style += " underline"
    label = Text(printable(node.title), style=style)
    if node.detail:
        label.append("  ")
        label.append(printable(node.detail), style="red" if node.missing else "dim")
    return label


def trace_source(ref: str) -> str | None:
    """How `trace` names the object as a sender (`pod/NS/NAME`, a node name, an instance id),
    or None for objects that do not send (subnets, route tables…)."""
    kind, _, rest = ref.partition("/")
    if kind == "pod" and rest:
        return ref
    if kind in ("node", "instance") and rest:
        return rest
    if ref.startswith("i-"):
        return ref
    return None


class InspectorScreen(Screen):
    """The chain of one resource (`node/…`, `pod/NS/NAME`, `subnet/subnet-…`, `rtb-…`…)."""

    CSS_PATH = "../styles/inspector.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("t", "trace", "Trace from here")]

    def __init__(self, ref: str, snapshot: Snapshot, header: str, badge: str) -> None:
        super().__init__()
        self.ref = ref
        self.snapshot = snapshot
        self.header = header
        self.badge = badge
        self.root: ChainNode | None = None
        self.shown_ref: str | None = None
        """The object whose JSON the right pane shows."""

    def compose(self) -> ComposeResult:
        yield SnapshotHeader(self.badge, self.header)
        yield Static(
            Text.assemble(
                ("Inspector ", "bold"),
                (self.ref, "bold cyan"),
                ("   enter: inspect that object · space: fold", "dim"),
            ),
            id="inspector-title",
        )
        with Horizontal(id="inspector-body"):
            tree: NavTree = NavTree(Text("building the chain…", style="dim"), id="chain")
            tree.auto_expand = False
            tree.show_root = True
            yield tree
            yield JsonView(id="raw")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(JsonView).show_message(self.ref, "Loading…")
        self.query_one("#chain").focus()
        self.build()

    @work(thread=True, exclusive=True, group="chain", exit_on_error=False)
    def build(self) -> None:
        """Walk the chain off the UI thread (a big bundle's indexes are built here)."""
        self.post_message(ChainBuilt(build_chain(self.snapshot, self.ref)))

    def on_chain_built(self, message: ChainBuilt) -> None:
        self.root = message.root
        tree = self.query_one("#chain", Tree)
        tree.clear()
        tree.root.set_label(chain_label(message.root))
        tree.root.data = message.root
        focus = self._fill(tree.root, message.root)
        tree.root.expand()
        target = focus or tree.root
        # The tree lays out its lines on the next refresh; only then can the cursor move there.
        self.call_after_refresh(tree.move_cursor, target, animate=False)
        ref = (target.data.ref if target.data else None) or self.ref
        self.load_raw(ref)

    def _fill(self, parent: TreeNode[ChainNode], node: ChainNode) -> TreeNode[ChainNode] | None:
        """Add the children of `node` under `parent`; returns the tree node of the focus."""
        focus = parent if node.focus else None
        for child in node.children:
            if child.children:
                branch = parent.add(chain_label(child), data=child, expand=child.expand)
                found = self._fill(branch, child)
            else:
                branch = parent.add_leaf(chain_label(child), data=child)
                found = branch if child.focus else None
            focus = focus or found
        if focus is not None:
            # Unfold the way to the focus even through folded groups.
            up: TreeNode[ChainNode] | None = focus.parent
            while up is not None:
                up.expand()
                up = up.parent
        return focus

    @work(thread=True, exclusive=True, group="raw", exit_on_error=False)
    def load_raw(self, ref: str) -> None:
        """Read the object's JSON off the UI thread (a big file is sliced, not parsed)."""
        try:
            self.post_message(RawLoaded(ref, raw_object(self.snapshot, ref)))
        except NetdoctorError as exc:
            self.post_message(RawLoaded(ref, None, str(exc)))

    def on_raw_loaded(self, message: RawLoaded) -> None:
        self.shown_ref = message.ref
        view = self.query_one(JsonView)
        if message.error:
            view.show_message(message.ref, message.error)
        else:
            node = self.root.find(message.ref) if self.root is not None else None
            view.show(message.ref, message.raw, node.detail if node is not None else "")

    @on(Tree.NodeHighlighted, "#chain")
    def _highlighted(self, event: Tree.NodeHighlighted[ChainNode]) -> None:
        data = event.node.data
        if data is not None and data.ref and data.ref != self.shown_ref:
            self.load_raw(data.ref)

    def action_trace(self) -> None:
        """The `:trace` prompt with the highlighted pod, node or instance (else the inspected
        one) typed in as the sender; the user adds the destination."""
        highlighted = self.query_one("#chain", Tree).cursor_node
        refs = [highlighted.data.ref if highlighted and highlighted.data else None, self.ref]
        source = next((s for r in refs if r and (s := trace_source(r))), None)
        if source is None:
            self.notify(
                "Trace starts from a pod, a node or an instance: highlight one.",
                severity="warning",
            )
            return
        self.post_message(PromptRequested(f"trace {source} "))

    @on(Tree.NodeSelected, "#chain")
    def _selected(self, event: Tree.NodeSelected[ChainNode]) -> None:
        event.stop()
        data = event.node.data
        if data is not None and data.ref and not data.focus:
            self.post_message(ResourceChosen(data.ref))
        elif event.node.allow_expand:
            event.node.toggle()
