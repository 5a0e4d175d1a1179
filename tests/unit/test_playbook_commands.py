"""The one command extractor of playbooks: every shell block, indented ones included, with the
section it belongs to (Fix changes things; Confirm and Verify only read)."""

from __future__ import annotations

import pytest

from netdoctor.playbooks import extract_commands, get_playbook


@pytest.mark.parametrize("playbook", ["pod-ip-capacity", "prefix-delegation", "custom-networking"])
def test_fix_commands_indented_in_list_items_are_found(playbook: str) -> None:
    markdown = get_playbook(playbook).render({"cluster": "prod", "region": "eu-west-1"})
    commands = extract_commands(markdown)
    fixes = [c for c in commands if c.section == "Fix"]
    assert fixes, f"{playbook}: no Fix command found"
    assert all(c.changes for c in fixes)
    assert all(not c.changes for c in commands if c.section in ("Confirm", "Verify"))
    for c in commands:  # the list item's indent is gone, the block's own indent kept
        assert not c.text.startswith(" "), c.text


def test_indented_block_loses_its_list_indent_and_prompts() -> None:
    markdown = (
        "## Fix\n\n### Option A\n\n- do this:\n\n  ```sh\n  $ aws ec2 x \\\n    --y z\n  ```\n"
        "\n  ```yaml\n  a: 1\n  ```\n## Verify\n\n```\nkubectl get pods\n```\n"
    )
    commands = extract_commands(markdown)
    assert [(c.text, c.section, c.option, c.changes) for c in commands] == [
        ("aws ec2 x \\\n  --y z", "Fix", "Option A", True),
        ("kubectl get pods", "Verify", None, False),
    ]
