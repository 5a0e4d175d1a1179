"""Line wrapping for the text report: words are never cut short with `…` and never split unless
one alone is wider than the line; commands wrap with shell line continuations so they still
paste as one command.

Widths are terminal cells (`rich.cells.cell_len`), not characters: a wide character in a name
takes two.
"""

from __future__ import annotations

from rich.cells import cell_len


def _split_word(word: str, room: int) -> tuple[str, str]:
    """The longest head of `word` that fits `room` cells (at least one character), and the
    rest."""
    used = 0
    for i, char in enumerate(word):
        used += cell_len(char)
        if used > room:
            return (word[:i], word[i:]) if i else (word[:1], word[1:])
    return word, ""


def wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """`text` in lines of at most `width` cells: the first prefixed with `first`, the others with
    `rest` (default: spaces as wide as `first`). Runs of whitespace become one space.

    A word wider than a whole line is split across lines rather than cut (ids must stay
    whole, even if on two lines, and no line may pass `width`)."""
    hang = " " * cell_len(first) if rest is None else rest
    words = text.split()
    lines: list[str] = []
    line, used = first, cell_len(first)
    empty = True
    for word in words:
        size = cell_len(word)
        if not empty and used + 1 + size <= width:
            line += " " + word
            used += 1 + size
            continue
        if not empty:
            lines.append(line)
            line, used = hang, cell_len(hang)
        while used + size > width and width - used > 0:
            head, word = _split_word(word, width - used)
            lines.append(line + head)
            line, used = hang, cell_len(hang)
            size = cell_len(word)
        line += word
        used += size
        empty = False
    lines.append(line)
    return lines


def _shell_words(command: str) -> list[str]:
    """`command` split at the spaces a shell would split at (outside quotes), each word kept
    exactly as written (quotes included)."""
    words: list[str] = []
    current = ""
    quote = ""
    escaped = False
    for char in command:
        if escaped:
            current += char
            escaped = False
        elif char == "\\" and quote != "'":
            current += char
            escaped = True
        elif quote:
            current += char
            if char == quote:
                quote = ""
        elif char in "'\"":
            current += char
            quote = char
        elif char in " \t":
            if current:
                words.append(current)
                current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


def _units(words: list[str]) -> list[str]:
    """Words with each `--option` joined to its value and each redirection to its target, so
    a line never ends on a dangling flag."""
    units: list[str] = []
    for word in words:
        if units and (
            (units[-1].startswith("-") and " " not in units[-1] and not word.startswith("-"))
            or units[-1] in (">", ">>", "<", "|")
        ):
            units[-1] += " " + word
        else:
            units.append(word)
    return units


def wrap_command(command: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """A shell command in lines of at most `width` cells, broken between words with ` \\` line
    continuations so the lines paste as the one command. A single word wider than the line
    stays whole (a line over `width` beats a command that no longer runs)."""
    hang = (" " * cell_len(first) + "  ") if rest is None else rest
    words = _units(_shell_words(command))
    lines: list[str] = []
    line, used = first, cell_len(first)
    empty = True
    for word in words:
        size = cell_len(word)
        # keep room for the " \" that ends a line when another word follows
        if empty or used + 1 + size + 2 <= width:
            line += ("" if empty else " ") + word
            used += (0 if empty else 1) + size
            empty = False
            continue
        lines.append(line + " \\")
        line, used = hang + word, cell_len(hang) + size
    lines.append(line)
    return lines
