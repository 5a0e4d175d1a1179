"""Remediation playbooks: Markdown files with YAML front matter (id, title, checks).

Commands inside a playbook are templates: `{subnet_id}`, `{node}`, `{cluster}`, `{region}`...
are filled from a finding's params so the commands are ready to paste.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from netdoctor.errors import PlaybookError
from netdoctor.resources import builtin_path

SECTIONS = ("Symptoms", "Why it happens", "Confirm", "Fix", "Verify", "References")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class PlaybookMeta(BaseModel):
    """The front matter of a playbook."""

    model_config = ConfigDict(extra="forbid")

    id: str
    """Playbook id, referenced by checks and findings."""
    title: str
    checks: list[str]
    """Ids of the checks whose findings this playbook fixes."""


@dataclass(frozen=True)
class Playbook:
    """A parsed playbook: metadata plus the Markdown body."""

    meta: PlaybookMeta
    body: str
    path: Path

    @property
    def placeholders(self) -> set[str]:
        """Every `{name}` placeholder the body uses."""
        return set(PLACEHOLDER.findall(self.body))

    @property
    def sections(self) -> list[str]:
        """The `## ` headings in order."""
        return [m.strip() for m in re.findall(r"^## (.+)$", self.body, flags=re.M)]

    def render(self, params: dict[str, str] | None = None) -> str:
        """The Markdown with known placeholders filled; unknown ones stay visible as `{name}`."""
        values = params or {}
        body = PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), self.body)
        return f"# {self.meta.title}\n\n{body.lstrip()}"


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
