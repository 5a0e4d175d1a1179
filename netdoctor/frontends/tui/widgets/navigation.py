"""Lists and tables that also move with j/k, as on-call engineers expect from k9s and less."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, OptionList, Tree

VIM_KEYS: list[BindingType] = [
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
]


class NavTable(DataTable):
    """A row-cursor DataTable with j/k, and home/end to the first/last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *VIM_KEYS,
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("cursor_type", "row")
        # Keep the cells' own colours under the cursor: a red overloaded row stays red.
        kwargs.setdefault("cursor_foreground_priority", "renderable")
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def selected_key(self) -> str | None:
        """The row key under the cursor, or None for an empty table."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value


class NavOptionList(OptionList):
    """An OptionList with j/k."""

    BINDINGS = VIM_KEYS


class NavTree(Tree):
    """A Tree with j/k."""

    BINDINGS = VIM_KEYS
