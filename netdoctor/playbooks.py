"""Remediation playbooks: Markdown files with YAML front matter (id, title, checks).

Commands inside a playbook are templates: `{subnet_id}`, `{node}`, `{cluster}`, `{region}`...
are filled from a finding's params so the commands are ready to paste. `{name|WORD}` shows WORD
(for the reader to replace) when the finding cannot fill `name`.

The `## Fix` section is a preamble followed by options, one per mechanism that breaks things:

    ### Option: NAT gateway in a subnet without an internet gateway route {#nat-misplaced}

A finding names its mechanism (`Finding.mechanism`); `render(..., mechanism=KEY)` keeps only
the options whose heading lists `#KEY` (an option may list several keys when it fixes several
mechanisms).

Filled values come from the cluster and are untrusted: each must match the grammar of its kind
(`netdoctor.report.shell`), and is quoted for the shell where a command reads it. A value that
fails is left out and reported at the top of the playbook.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from netdoctor.errors import PlaybookError
from netdoctor.models import Finding, SnapshotInfo, unset_marker
from netdoctor.report import shell
from netdoctor.report.escape import markdown_code, printable
from netdoctor.resources import builtin_path

SECTIONS = ("Symptoms", "Why it happens", "Confirm", "Fix", "Verify", "References")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\|([A-Z][A-Z0-9_]*))?\}")
OPTION = re.compile(
    r"^### Option: (?P<title>.+?)\s*\{(?P<keys>#[a-z0-9-]+(?:\s+#[a-z0-9-]+)*)\}\s*$"
)
_FENCE = re.compile(r"^\s*(```|~~~)\s*([A-Za-z0-9_-]*)")
_SHELL_LANGS = {"", "sh", "bash", "shell", "console", "zsh"}
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


class PlaybookMeta(BaseModel):
    """The front matter of a playbook."""

    model_config = ConfigDict(extra="forbid")

    id: str
    """Playbook id, referenced by checks and findings."""
    title: str
    checks: list[str]
    """Ids of the checks whose findings this playbook fixes."""


@dataclass(frozen=True)
class FixOption:
    """One `### Option: TITLE {#key ...}` of the Fix section."""

    title: str
    keys: tuple[str, ...]
    """The mechanisms it fixes."""
    start: int
    """Line index (in the body) of its heading."""
    end: int
    """Line index just past its last line."""


@dataclass
class Filled:
    """A playbook body with its placeholders filled, and the values that could not be."""

    text: str
    refused: dict[str, str] = field(default_factory=dict)
    """Placeholder name → why its value was not pasted."""


@dataclass(frozen=True)
class Playbook:
    """A parsed playbook: metadata plus the Markdown body."""

    meta: PlaybookMeta
    body: str
    path: Path

    @property
    def placeholders(self) -> set[str]:
        """Every `{name}` placeholder the body uses without a fallback word: what every
        finding that names this playbook must fill."""
        return {m[1] for m in PLACEHOLDER.finditer(self.body) if not m[2]}

    @property
    def optional_placeholders(self) -> set[str]:
        """`{name|WORD}` placeholders: filled when the finding can, else WORD is shown."""
        return {m[1] for m in PLACEHOLDER.finditer(self.body) if m[2]}

    @property
    def sections(self) -> list[str]:
        """The `## ` headings in order."""
        return [m.strip() for m in re.findall(r"^## (.+)$", self.body, flags=re.M)]

    @property
    def options(self) -> list[FixOption]:
        """The Fix options in order."""
        lines = self.body.splitlines()
        found: list[FixOption] = []
        in_fix = False
        current: tuple[str, tuple[str, ...], int] | None = None
        for i, line in enumerate(lines):
            if line.startswith("## ") or line.startswith("### "):
                if current is not None:
                    found.append(FixOption(current[0], current[1], current[2], i))
                    current = None
                if line.startswith("## "):
                    in_fix = line[3:].strip() == "Fix"
                    continue
                match = OPTION.match(line)
                if in_fix and match:
                    keys = tuple(k.lstrip("#") for k in match["keys"].split())
                    current = (match["title"], keys, i)
        if current is not None:
            found.append(FixOption(current[0], current[1], current[2], len(lines)))
        return found

    @property
    def mechanisms(self) -> set[str]:
        """Every mechanism key some option fixes."""
        return {key for option in self.options for key in option.keys}

    def select(self, mechanism: str | None) -> list[FixOption]:
        """The options that fix `mechanism` (every option when it is None or none matches)."""
        options = self.options
        chosen = [o for o in options if mechanism in o.keys]
        return chosen or options

    def render(
        self,
        params: Mapping[str, str] | None = None,
        *,
        mechanism: str | None = None,
        all_options: bool = True,
        intro: str | None = None,
    ) -> str:
        """The Markdown with placeholders filled (safely; see the module docstring).

        Args:
            params: placeholder values (a finding's params, cluster, region, `--set`).
            mechanism: the finding's mechanism; with `all_options` False only the options
                for it are kept (all of them when no option lists it).
            all_options: keep every Fix option.
            intro: a line shown under the title (e.g. which finding filled the values).
        """
        lines = self.body.splitlines()
        options = self.options
        note = None
        if not all_options and mechanism is not None and options:
            keep = self.select(mechanism)
            if len(keep) < len(options):
                dropped = {i for o in options if o not in keep for i in range(o.start, o.end)}
                lines = [line for i, line in enumerate(lines) if i not in dropped]
                note = (
                    f"_Showing the {'option' if len(keep) == 1 else 'options'} for this "
                    f"finding ({markdown_code(mechanism)}); `--all` shows all "
                    f"{len(options)}._"
                )
        out: list[str] = []
        for line in lines:
            match = OPTION.match(line)
            if match:
                line = f"### {match['title']}"
            out.append(line)
            if note and line.strip() == "## Fix":
                out += ["", note]
        filled = fill("\n".join(out), params or {})
        head = [f"# {self.meta.title}", ""]
        if intro:
            head += [intro, ""]
        if filled.refused:
            head += [
                "> **Not filled in**: these values from the bundle do not look like what they "
                "name, so the commands below keep the placeholder instead:",
                ">",
            ]
            head += [
                f"> - `{{{name}}}`: {markdown_code(printable(value))} {why}"
                for name, (value, why) in sorted(_refusals(filled.refused, params or {}).items())
            ]
            head.append("")
        return "\n".join(head) + "\n" + filled.text.lstrip("\n").rstrip("\n") + "\n"


def _refusals(refused: dict[str, str], params: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {name: (params.get(name, ""), why) for name, why in refused.items()}


class _Shell:
    """Where a scan of a shell code block stands: inside quotes, inside a here-document."""

    def __init__(self) -> None:
        self.quote = ""
        self.escaped = False
        self.comment = False
        self.previous = " "
        self.heredoc: str | None = None
        self.pending: str | None = None

    @property
    def literal(self) -> bool:
        """True inside quotes or a here-document: nothing quoted there means what it says."""
        return bool(self.quote) or self.heredoc is not None

    def line_start(self, line: str) -> None:
        if self.heredoc is not None and line.strip() == self.heredoc:
            self.heredoc = None

    def line_end(self, line: str) -> None:
        self.escaped = self.comment = False  # a trailing backslash escaped the newline
        self.previous = " "
        if self.heredoc is None and self.pending is not None:
            self.heredoc, self.pending = self.pending, None

    def feed(self, char: str, rest: str) -> None:
        previous, self.previous = self.previous, char
        if self.heredoc is not None or self.comment:
            return
        if self.escaped:
            self.escaped = False
        elif char == "#" and not self.quote and previous in " \t;|&(":
            self.comment = True
        elif char == "\\" and self.quote != "'":
            self.escaped = True
        elif self.quote:
            if char == self.quote:
                self.quote = ""
        elif char in "'\"":
            self.quote = char
        elif char == "<":
            match = _HEREDOC.match(rest)
            if match:
                self.pending = match[2]


def _value(
    match: re.Match[str], params: Mapping[str, str], where: str, refused: dict[str, str]
) -> str:
    """The text that replaces one placeholder: `where` is `shell` (an unquoted spot of a
    command), `literal` (inside quotes or a here-document) or `prose`."""
    name, fallback = match[1], match[2]
    keep = fallback or match[0]
    if name not in params:
        return keep
    value = params[name]
    why = shell.problem(name, value)
    quoted_spot = where != "shell" and value != unset_marker(name)
    if why is None and quoted_spot and not shell.safe_everywhere(value):
        why = "cannot be pasted inside quotes or prose as it is"
    if why is not None:
        refused.setdefault(name, why)
        return keep
    return shell.shell_words(name, value) if where == "shell" else value


def fill(text: str, params: Mapping[str, str]) -> Filled:
    """`text` (playbook Markdown) with its placeholders filled from `params`: quoted for the
    shell in unquoted spots of shell code blocks, pasted as they are elsewhere only when they
    need no quoting at all; refused values keep their placeholder (or fallback word)."""
    refused: dict[str, str] = {}
    out: list[str] = []
    fence: str | None = None
    state: _Shell | None = None
    for line in text.split("\n"):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened[1]
            state = _Shell() if opened[2].lower() in _SHELL_LANGS else None
            out.append(line)
            continue
        if fence is not None and line.strip().startswith(fence) and line.strip() == fence:
            fence, state = None, None
            out.append(line)
            continue
        if fence is None:
            out.append(PLACEHOLDER.sub(lambda m: _value(m, params, "prose", refused), line))
            continue
        if state is None:  # YAML, JSON...: literal text
            out.append(PLACEHOLDER.sub(lambda m: _value(m, params, "literal", refused), line))
            continue
        state.line_start(line)
        pieces: list[str] = []
        i = 0
        while i < len(line):
            match = PLACEHOLDER.match(line, i)
            if match:
                where = "literal" if state.literal else "shell"
                pieces.append(_value(match, params, where, refused))
                i = match.end()
                continue
            state.feed(line[i], line[i:])
            pieces.append(line[i])
            i += 1
        state.line_end(line)
        out.append("".join(pieces))
    return Filled("\n".join(out), refused)


def parse_playbook(path: Path) -> Playbook:
    """Read one playbook file.

    Raises:
        PlaybookError: no front matter, bad YAML or missing fields, naming the file.
    """
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", text, flags=re.S)
    if not match:
        raise PlaybookError(f"{path}: no YAML front matter between '---' lines")
    try:
        meta = PlaybookMeta.model_validate(yaml.safe_load(match[1]) or {})
    except yaml.YAMLError as exc:
        raise PlaybookError(f"{path}: front matter is not valid YAML ({exc})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PlaybookError(f"{path}: front matter {where}: {first['msg']}") from exc
    return Playbook(meta=meta, body=match[2], path=path)


def load_playbooks(directory: Path | None = None) -> dict[str, Playbook]:
    """Every playbook in the folder (default: the built-in one), by id."""
    folder = directory or builtin_path("playbooks")
    found: dict[str, Playbook] = {}
    for path in sorted(folder.glob("*.md")):
        playbook = parse_playbook(path)
        if playbook.meta.id in found:
            raise PlaybookError(f"{path}: duplicate playbook id {playbook.meta.id!r}")
        found[playbook.meta.id] = playbook
    return found


def get_playbook(playbook_id: str, directory: Path | None = None) -> Playbook:
    """One playbook by id.

    Raises:
        PlaybookError: no playbook has that id; the message lists the known ids.
    """
    playbooks = load_playbooks(directory)
    if playbook_id not in playbooks:
        raise PlaybookError(
            f"no playbook {playbook_id!r}; known playbooks: {', '.join(sorted(playbooks))}"
        )
    return playbooks[playbook_id]


def finding_params(finding: Finding, snapshot: SnapshotInfo) -> dict[str, str]:
    """The values that fill a finding's playbook: its params, then the cluster and region of
    the snapshot it came from (`netdoctor playbook --finding`, the agents' `explain`)."""
    params = dict(finding.params)
    if snapshot.cluster:
        params.setdefault("cluster", snapshot.cluster)
    if snapshot.region:
        params.setdefault("region", snapshot.region)
    return params


# --- the commands of a rendered playbook ----------------------------------------------------

READ_ONLY_SECTIONS = ("Symptoms", "Why it happens", "Confirm", "Verify", "References")


@dataclass(frozen=True)
class Command:
    """One shell block of a playbook, with the section it sits in."""

    text: str
    section: str
    """The `## ` heading above it (`Confirm`, `Fix`, `Verify`…)."""
    option: str | None = None
    """The `### ` heading above it inside its section (a Fix option's title)."""

    @property
    def changes(self) -> bool:
        """True for commands that change the cluster or AWS (the Fix section); Confirm and
        Verify commands only read."""
        return self.section not in READ_ONLY_SECTIONS


def extract_commands(markdown: str) -> list[Command]:
    """Every shell block of playbook Markdown (filled or not), in order, including blocks
    indented inside list items (their indent removed) and with `$ ` prompts dropped."""
    found: list[Command] = []
    section, option = "", None
    fence: str | None = None
    indent = 0
    shell_block = False
    body: list[str] = []
    for line in markdown.split("\n"):
        if fence is None:
            opened = _FENCE.match(line)
            if opened:
                fence, indent = opened[1], len(line) - len(line.lstrip())
                shell_block = opened[2].lower() in _SHELL_LANGS
                body = []
            elif line.startswith("## "):
                section, option = line[3:].strip(), None
            elif line.startswith("### "):
                option = line[4:].strip()
            continue
        if line.strip() == fence:
            text = "\n".join(body).strip("\n")
            if shell_block and text.strip():
                found.append(Command(text, section, option))
            fence = None
            continue
        line = line[indent:] if line[:indent].strip() == "" else line.lstrip()
        body.append(line[2:] if line.startswith("$ ") else line)
    return found
