"""Names from a cluster are untrusted: escape sequences, Rich markup and shell metacharacters in
node, pod, service and cluster names and in event messages reach no terminal raw, print as
text, and run nothing when a playbook's commands are pasted into a shell."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli

NODE = "ip-192-168-163-254.eu-central-1.compute.internal"
SERVICE = "bad-nodeport-direct"
POD = "bad-subnet-exhausted-7l9vgkhd6c-2zls4"
CLUSTER = "shop-prod"

HOSTILE_NODE = (
    "ip-192-168-163-254\x1b]0;pwned-title\x07\x1b[2J\x9b31m[bold red]N[/]"
    "[link=http://evil.example]x[/link]$(touch pwned-node)`touch pwned-node2`"
)
HOSTILE_SERVICE = "grafana[/]\x1b[31m;touch pwned-svc;$(touch pwned-svc2)"
HOSTILE_POD = "web-1\x9b2J[/]\x1b[5m\u202eevil"
HOSTILE_CLUSTER = "analytics-dev; touch pwned-cluster #\x1b]0;t\x07"
HOSTILE_EVENT = " \x1b]52;c;ZWNobyBwd25lZA==\x07[bold]boom[/] $(touch pwned-event)"

# Anything a terminal acts on: C0 (but newline), DEL, C1, bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
STUBS = ("aws", "kubectl", "netdoctor", "curl", "sudo", "nslookup", "dig", "ssh", "eksctl")


def _json_text(value: str) -> str:
    return json.dumps(value)[1:-1]


def _make_hostile(target: Path) -> Path:
    """The demo bundle with its names replaced by hostile ones in every file."""
    shutil.copytree(FIXTURES / "demo", target)
    swaps = {
        NODE: HOSTILE_NODE,
        f'"{SERVICE}"': HOSTILE_SERVICE,
        POD: HOSTILE_POD,
        CLUSTER: HOSTILE_CLUSTER,
    }
    for path in target.rglob("*.json"):
        text = path.read_text()
        for old, new in swaps.items():
            quoted = old.startswith('"')
            text = text.replace(old, f'"{_json_text(new)}"' if quoted else _json_text(new))
        path.write_text(text)
    events = target / "k8s" / "events.json"
    data = json.loads(events.read_text())
    for event in data["items"]:
        if event.get("reason") == "FailedCreatePodSandBox":
            event["message"] += HOSTILE_EVENT
    events.write_text(json.dumps(data))
    return target


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_hostile(tmp_path_factory.mktemp("hostile") / "bundle")


@pytest.fixture(scope="module")
def hostile_report(hostile: Path) -> dict:
    result = run_cli("check", str(hostile), "-o", "json")
    assert result.code == 1, result.err
    assert not RAW_CONTROL.search(result.out)  # C0 escaped by JSON, C1/bidi as \u escapes
    return json.loads(result.out)


def test_json_keeps_the_exact_names(hostile_report: dict) -> None:
    refs = {ref for r in hostile_report["results"] for f in r["findings"] for ref in f["resources"]}
    assert f"node/{HOSTILE_NODE}" in refs
    assert f"service/shipping/{HOSTILE_SERVICE}" in refs
    assert f"pod/default/{HOSTILE_POD}" in refs
    assert hostile_report["snapshot"]["cluster"] == HOSTILE_CLUSTER
    evidence = [e for r in hostile_report["results"] for f in r["findings"] for e in f["evidence"]]
    assert any(HOSTILE_EVENT.strip()[:20] in e for e in evidence)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_reports_show_names_without_obeying_them(hostile: Path, fmt: str) -> None:
    narrow = run_cli("check", str(hostile), "-o", fmt, env={"COLUMNS": "80"})
    assert (narrow.code, narrow.err) == (1, "")
    assert not RAW_CONTROL.search(narrow.out)
    result = run_cli("check", str(hostile), "-o", fmt)  # wide: long names stay on one line
    assert (result.code, result.err) == (1, "")
    assert not RAW_CONTROL.search(result.out)
    assert "␛]0;pwned-title␇␛[2J\\x9b31m" in result.out
    if fmt == "text":
        # Rich markup prints as written
        assert "[bold red]N[/][link=http://evil.example]x[/link]" in result.out
        svc = "service/shipping/grafana[/]␛[31m;touch pwned-svc;$(touch pwned-svc2)"
        assert svc in result.out
        assert "cluster analytics-dev; touch pwned-cluster #␛]0;t␇" in result.out
    else:
        assert "\\[bold red\\]N\\[/\\]\\[link=http://evil.example\\]x\\[/link\\]" in result.out
        assert "`service/shipping/grafana[/]␛[31m;touch pwned-svc;$(touch pwned-svc2)`" in (
            result.out
        )


def test_the_tui_export_and_check_render_the_same(hostile: Path, tmp_path: Path) -> None:
    from datetime import datetime

    from netdoctor.engine.registry import load_checks
    from netdoctor.engine.runner import run_checks
    from netdoctor.frontends.tui.export import export_report
    from tests.conftest import open_snapshot

    report = run_checks(list(load_checks().checks.values()), open_snapshot(hostile))
    path = export_report(report, "markdown", tmp_path, datetime(2025, 1, 1), bundle=str(hostile))
    assert path.read_text() == run_cli("check", str(hostile), "-o", "markdown").out


def _incident(hostile: Path, target: Path) -> Path:
    for number, time in ((1, "2025-10-03T04:15:35Z"), (2, "2025-10-03T04:16:35Z")):
        frame = target / "frames" / f"{number:04d}"
        shutil.copytree(hostile, frame)
        meta = json.loads((frame / "meta.json").read_text())
        meta["captured_at"] = time
        (frame / "meta.json").write_text(json.dumps(meta))
    return target


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_incident_reports_show_names_without_obeying_them(
    hostile: Path, tmp_path: Path, fmt: str
) -> None:
    incident = _incident(hostile, tmp_path / "incident")
    result = run_cli("check", str(incident), "-o", fmt, env={"COLUMNS": "100"})
    assert result.code == 1, result.err
    assert not RAW_CONTROL.search(result.out)
    if fmt == "json":
        frames = json.loads(result.out)["frames"]
        assert frames[0]["snapshot"]["cluster"] == HOSTILE_CLUSTER
    else:
        assert "analytics-dev; touch pwned-cluster #␛]0;t␇" in result.out


def _shell_blocks(markdown: str) -> list[str]:
    """The shell code blocks of a Markdown document, de-indented."""
    blocks = []
    for match in re.finditer(
        r"^(?P<indent>[ \t]*)```(?P<lang>[a-z]*)\n(?P<body>.*?)^(?P=indent)```",
        markdown,
        flags=re.M | re.S,
    ):
        if match["lang"] in ("", "sh", "bash"):
            indent = len(match["indent"])
            blocks.append("\n".join(line[indent:] for line in match["body"].splitlines()))
    return blocks


def _paste(blocks: list[str], sandbox: Path) -> None:
    """Check each block's syntax, then run it as if pasted, with the cloud CLIs stubbed out."""
    stubs = sandbox.parent / "stubs"
    stubs.mkdir(exist_ok=True)
    for name in STUBS:
        stub = stubs / name
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    env = {"PATH": f"{stubs}:/usr/bin:/bin", "HOME": str(sandbox), "TMP": str(sandbox)}
    for block in blocks:
        syntax = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True)
        assert syntax.returncode == 0, (block, syntax.stderr)
        subprocess.run(
            ["bash"], input=block, cwd=sandbox, env=env, capture_output=True, text=True, timeout=20
        )


def test_pasting_a_naively_filled_command_would_run_the_payload(tmp_path: Path) -> None:
    """The harness below can see an injection: a plain string substitution runs it."""
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    naive = "kubectl -n default get service {service}".replace("{service}", HOSTILE_SERVICE)
    _paste([naive], sandbox)
    assert sorted(p.name for p in sandbox.iterdir()) == ["pwned-svc", "pwned-svc2"]


def test_playbook_commands_filled_from_hostile_findings_run_nothing(
    hostile: Path, hostile_report: dict, tmp_path: Path
) -> None:
    from netdoctor.playbooks import load_playbooks

    playbooks = load_playbooks()
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    findings = [f for r in hostile_report["results"] for f in r["findings"]]
    # one real CLI run per playbook: the finding numbered as the report numbers it
    chosen = {f["playbook"]: f["index"] for f in reversed(findings)}
    refused_any = False
    for playbook_id, index in sorted(chosen.items()):
        result = run_cli("playbook", playbook_id, "--bundle", str(hostile), "--finding", str(index))
        assert result.code == 0, result.err
        assert not RAW_CONTROL.search(result.out)
        refused_any |= "**Not filled in**" in result.out
        _paste(_shell_blocks(result.out), sandbox)
        everything = run_cli(
            "playbook", playbook_id, "--bundle", str(hostile), "--finding", str(index), "--all"
        )
        _paste(_shell_blocks(everything.out), sandbox)
    assert refused_any
    assert list(sandbox.iterdir()) == []
    # every playbook a check points at, filled from a hostile finding (path-filters is only
    # pointed at by trace hops, which fill nothing in)
    # (the playbooks of checks for other platforms — Cilium ENI, IPv6 — have no finding here)
    elsewhere = {
        r["check"] for r in hostile_report["results"] if r.get("reason_code") == "not_applicable"
    }
    assert set(chosen) == {
        p
        for p, book in playbooks.items()
        if book.meta.checks and not set(book.meta.checks) <= elsewhere
    }


def test_refused_values_are_named_and_left_out(hostile: Path, hostile_report: dict) -> None:
    finding = next(
        f
        for r in hostile_report["results"]
        for f in r["findings"]
        if f"service/shipping/{HOSTILE_SERVICE}" in f["resources"]
    )
    result = run_cli(
        "playbook",
        "nodeport-exposure",
        "--bundle",
        str(hostile),
        "--finding",
        str(finding["index"]),
    )
    assert result.code == 0, result.err
    out = result.out
    assert (
        "> - `{service}`: `grafana[/]␛[31m;touch pwned-svc;$(touch pwned-svc2)` is not a "
        "Kubernetes Service name (DNS-1035 label)"
    ) in out
    assert "kubectl -n shipping port-forward service/{service} 8080:80" in out
    assert "pwned-svc2)" not in out.split("## Symptoms", 1)[1]
    everything = run_cli(
        "playbook",
        "nodeport-exposure",
        "--bundle",
        str(hostile),
        "--finding",
        str(finding["index"]),
        "--all",
    ).out
    assert (
        "> - `{cluster}`: `analytics-dev; touch pwned-cluster #␛]0;t␇` is not an EKS cluster "
        "name ([0-9A-Za-z][A-Za-z0-9_-]*): it holds control characters"
    ) in everything
    assert "Name=tag:elbv2.k8s.aws/cluster,Values={cluster} " in everything


def test_set_values_are_checked_too() -> None:
    result = run_cli(
        "playbook",
        "nodeport-exposure",
        "--set",
        "service=grafana$(touch pwned)",
        "--set",
        "namespace=default",
    )
    assert result.code == 0
    assert "`{service}`: `grafana$(touch pwned)` is not a Kubernetes Service name" in result.out
    assert "kubectl -n default annotate service {service} " in result.out


def test_plugin_placeholders_are_quoted_for_the_shell(tmp_path: Path) -> None:
    from netdoctor.playbooks import fill

    template = (
        "```sh\n"
        "echo {thing} > seen\n"
        'for w in {thing}; do echo "$w" >> words; done\n'
        "echo '{thing}'\n"
        "```\n"
        "Prose: {thing}\n"
    )
    filled = fill(template, {"thing": "x;touch pwned $(touch pwned2)"})
    assert filled.text.splitlines()[1] == "echo 'x;touch' pwned '$(touch' 'pwned2)' > seen"
    assert filled.refused == {"thing": "cannot be pasted inside quotes or prose as it is"}
    assert "echo '{thing}'" in filled.text and "Prose: {thing}" in filled.text
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    _paste(_shell_blocks(filled.text), sandbox)
    assert sorted(p.name for p in sandbox.iterdir()) == ["seen", "words"]
    assert (sandbox / "seen").read_text() == "x;touch pwned $(touch pwned2)\n"
