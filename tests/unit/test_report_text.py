"""`netdoctor check` as a person reads it: blocks at 80 columns, every id whole, the playbook
command for each finding, what could not run and how to collect it, colour only on a TTY."""

from __future__ import annotations

import json
import os
import pty
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import BUNDLES, REPO, run_cli

DEMO = "fixtures/demo"
PASSING = BUNDLES / "egress-snat-route" / "pass-external-snat-nat"
ANSI = "\x1b["


def _demo(*args: str, columns: int = 80) -> str:
    result = run_cli("check", DEMO, *args, cwd=REPO, env={"COLUMNS": str(columns)})
    assert result.code == 1, result.err
    assert result.err == ""
    return result.out


def _commands(text: str) -> list[str]:
    """Every `netdoctor playbook` command printed, its continuation lines joined back."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if "netdoctor playbook" not in line:
            continue
        command = line.strip().removeprefix("fix: ")
        while command.endswith(" \\"):
            i += 1
            command = command[:-2] + " " + lines[i].strip()
        found.append(command)
    return found


@pytest.mark.parametrize("columns", [80, 100, 132])
def test_demo_fits_the_terminal_and_keeps_every_id_whole(columns: int) -> None:
    text = _demo(columns=columns)
    wide = [line for line in text.splitlines() if cell_len(line) > columns]
    assert wide == []
    report = json.loads(run_cli("check", DEMO, "-o", "json", cwd=REPO).out)
    lines = {line.strip() for line in text.splitlines()}
    expected = []
    for result in report["results"]:
        for finding in result["findings"]:
            for ref in finding["resources"]:
                assert ref in lines, f"{ref} not printed whole on a line of its own"
            n = finding["index"]
            heading = f"[{n}] {finding['severity'].upper()} {result['check']}"
            if finding.get("caused_by"):  # a consequence, indented under its cause
                heading += f"  caused by [{finding['caused_by']}]"
            assert heading in lines
            playbook = finding["playbook"]
            command = f"netdoctor playbook {playbook} --bundle fixtures/demo --finding {n}"
            expected.append((n, command))
    assert _commands(text) == [command for _, command in sorted(expected)]
    assert ANSI not in text


def test_demo_reads_top_to_bottom() -> None:
    lines = _demo().splitlines()
    assert lines[:4] == [
        "netdoctor 0.1.0 · cluster shop-prod · eu-central-1 · captured",
        "2025-10-03T04:15:35Z · source synth",
        "platform: vpc-cni v1.20.1 (prefix-delegation, custom-networking,",
        "          security-groups-for-pods, external-snat) · IPv4 · 15 ec2",
    ]
    assert lines[5] == "  CHECK                      STATUS  FINDINGS  NOTE"
    assert lines[6] == "  ✗ cni-health               fail           1"
    assert lines[7] == "  ✗ custom-networking        fail           2"
    first = lines.index("[2] CRITICAL custom-networking")
    assert lines[first + 1 : first + 4] == [
        "    2 node(s) select ENIConfig 'eu-central-1c', which does not exist: their pods",
        "    cannot get IPs",
        "    evidence:",
    ]
    # an evidence line wraps under its bullet, never cut
    assert lines[first + 5 : first + 7] == [
        "      - the node(s) select ENIConfig 'eu-central-1c' (label",
        "        topology.kubernetes.io/zone); no ENIConfig has that name",
    ]
    assert " ".join(lines[-2:]) == (
        "25 problems, 4 consequences in 10 of 12 checks (worst: critical); 2 not applicable "
        "to this cluster."
    )
    # the findings come in display order
    headings = [line.lstrip() for line in lines if line.lstrip().startswith("[")]
    numbers = [int(line[1:].split("]")[0]) for line in headings]
    assert numbers == list(range(1, 30))


def test_bundle_path_in_the_playbook_command_is_shell_quoted(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle with space's"
    shutil.copytree(BUNDLES / "egress-snat-route" / "fail-nat-failed", bundle)
    out = run_cli("check", str(bundle), "--check", "egress-snat-route").out
    command = next(line.strip() for line in out.splitlines() if "netdoctor playbook" in line)
    assert command == (
        f"fix: netdoctor playbook egress-snat-route --bundle {shlex.quote(str(bundle))} "
        "--check egress-snat-route --finding 1"
    )
    words = shlex.split(command.removeprefix("fix: "))
    assert words[words.index("--bundle") + 1] == str(bundle)


PLUGIN = """
from netdoctor.engine.api import Check, Mechanism, files


class NatState(Check):
    id = "acme-nat-state"
    title = "NAT gateway state"
    needs = (files.K8S_NODES,)
    mechanisms = (Mechanism("NAT gateway state", (files.AWS_NAT_GATEWAYS,)),)

    def run(self, snap):
        return iter(())
"""


def _partial_bundle(tmp_path: Path) -> tuple[Path, list[str]]:
    """A bundle without NAT gateways, and the arguments that add a check that needs them
    for one mechanism (so it ends `partial`)."""
    bundle = tmp_path / "partial"
    shutil.copytree(PASSING, bundle)
    (bundle / "aws" / "ec2-describe-nat-gateways.json").unlink()
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "acme.py").write_text(PLUGIN)
    return bundle, ["--checks-dir", str(plugins)]


def test_missing_data_is_said_plainly_with_the_commands_that_collect_it(tmp_path: Path) -> None:
    bundle, plugin = _partial_bundle(tmp_path)
    result = run_cli("check", str(bundle), *plugin, env={"COLUMNS": "80"})
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "  ◐ acme-nat-state           partial        -  1 unchecked" in lines
    section = lines[lines.index("Could not run") :]
    assert "  pod-ip-capacity: skipped, missing data" in section
    assert "    k8s/pods.json" in section
    assert "      collect: kubectl get pods -A -o json > k8s/pods.json" in section
    assert "  acme-nat-state: ran in part; not checked:" in section
    assert "    - NAT gateway state (needs aws/ec2-describe-nat-gateways.json)" in section
    assert "    aws/ec2-describe-nat-gateways.json" in section
    assert lines[-2:] == [
        "No problems found in 2 checks; 11 of 13 checks could not run in full for missing",
        "data (see above).",
    ]
    # pods.json is absent too: trunk-node-label and cni-health ran in part, and so did
    # egress-snat-route
    builtin_only = run_cli("check", str(bundle), env={"COLUMNS": "80"}).out.splitlines()
    assert builtin_only[-2:] == [
        "No problems found in 2 checks; 10 of 12 checks could not run in full for missing",
        "data (see above).",
    ]


def test_fail_on_skip_turns_missing_data_into_exit_1(tmp_path: Path) -> None:
    bundle, plugin = _partial_bundle(tmp_path)
    only = ["--check", "acme-nat-state", "--check", "egress-snat-route", *plugin]
    assert run_cli("check", str(bundle), *only).code == 0  # partial, nothing found
    assert run_cli("check", str(bundle), *only, "--fail-on-skip").code == 1
    assert run_cli("check", str(PASSING), *only, "--fail-on-skip").code == 0
    full = run_cli("check", DEMO, "--fail-on", "never", "--fail-on-skip", cwd=REPO)
    assert full.code == 0  # every check ran in full


def test_o_is_format() -> None:
    assert (
        run_cli("check", DEMO, "-o", "json", cwd=REPO).out
        == run_cli("check", DEMO, "--format", "json", cwd=REPO).out
    )
    assert run_cli("checks", "-o", "json").out.startswith("[")
    assert json.loads(run_cli("max-pods", "m5.large", "-o", "json").out)[0]["instance_type"] == (
        "m5.large"
    )


def test_markdown_numbers_findings_and_lists_collect_commands(tmp_path: Path) -> None:
    out = run_cli("check", DEMO, "-o", "markdown", cwd=REPO).out
    assert "### 2. CRITICAL · `custom-networking`" in out
    assert "Fix: `netdoctor playbook custom-networking --bundle fixtures/demo --finding 2`" in out
    assert (
        "**25 problems, 4 consequences in 10 of 12 checks \\(worst: critical\\); 2 not applicable "
        "to this cluster.**"
    ) in out
    bundle, plugin = _partial_bundle(tmp_path)
    partial = run_cli("check", str(bundle), *plugin, "-o", "markdown").out
    assert "## Could not run" in partial
    assert "- `acme-nat-state`: ran in part; not checked:" in partial
    assert (
        "  - `k8s/pods.json`: collect with\n    `kubectl get pods -A -o json > k8s/pods.json`"
        in partial
    )


def _on_a_tty(args: list[str], env: dict[str, str]) -> str:
    """stdout of `netdoctor ARGS` written to a pseudo-terminal."""
    master, slave = pty.openpty()
    full = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"COLUMNS": "100"} | env
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdoctor", *args],
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=full,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_under_no_color() -> None:
    assert ANSI in _on_a_tty(["check", DEMO], {})
    assert ANSI not in _on_a_tty(["check", DEMO], {"NO_COLOR": "1"})
    assert ANSI not in _on_a_tty(["check", DEMO], {"NO_COLOR": ""})
    assert ANSI not in run_cli("check", DEMO, cwd=REPO, env={"NO_COLOR": "x"}).out


def test_a_consequence_is_printed_under_its_cause() -> None:
    from netdoctor.models import CheckResult, Finding, Report, Severity, SnapshotInfo, Status
    from netdoctor.report.render import render

    cause = Finding(
        severity=Severity.CRITICAL,
        title="NAT gateway nat-0a1b is failed",
        resources=("nat-gateway/nat-0a1b",),
        playbook="egress-snat-route",
        index=1,
    )
    effect = Finding(
        severity=Severity.WARNING,
        title="3 pod(s) cannot pull images",
        resources=("pod/shop/web-1",),
        evidence=("ErrImagePull: dial tcp 52.1.2.3:443: i/o timeout",),
        playbook="private-endpoint-access",
        index=2,
        caused_by=1,
    )
    report = Report(
        netdoctor="0.1.0",
        snapshot=SnapshotInfo(cluster="c1", region="eu-west-1"),
        results=[
            CheckResult(check="egress-snat-route", status=Status.FAIL, findings=[cause]),
            CheckResult(check="private-endpoint-access", status=Status.FAIL, findings=[effect]),
        ],
    )
    lines = render(report, "text", width=80, bundle="b").splitlines()
    start = lines.index("[1] CRITICAL egress-snat-route")
    assert lines[start:] == [
        "[1] CRITICAL egress-snat-route",
        "    NAT gateway nat-0a1b is failed",
        "    resources:",
        "      nat-gateway/nat-0a1b",
        "    fix: netdoctor playbook egress-snat-route --bundle b --finding 1",
        "",
        "    [2] WARNING private-endpoint-access  caused by [1]",
        "        3 pod(s) cannot pull images",
        "        evidence:",
        "          - ErrImagePull: dial tcp 52.1.2.3:443: i/o timeout",
        "        resources:",
        "          pod/shop/web-1",
        "        fix: netdoctor playbook private-endpoint-access --bundle b --finding 2",
        "",
        "1 problem, 1 consequence in 2 of 2 checks (worst: critical).",
    ]
    markdown = render(report, "markdown", bundle="b")
    assert "### 2. WARNING · `private-endpoint-access`\n\n**3 pod\\(s\\) cannot pull images**" in (
        markdown
    )
    assert "Caused by finding 1." in markdown


def test_checks_for_other_platforms_are_not_listed_as_could_not_run() -> None:
    """The demo is a VPC CNI IPv4 cluster: the Cilium and IPv6 checks have nothing to collect,
    so they get their own section with the reason, not "Could not run"."""
    lines = _demo().splitlines()
    assert "Could not run" not in lines
    start = lines.index("Not applicable to this cluster")
    assert lines[start + 1 : start + 3] == [
        "  cilium-eni-ipam: cluster uses VPC CNI, not Cilium's ENI IPAM",
        "  ipv6-pod-prefixes: IPv4 cluster: pods take no IPv6 prefix",
    ]
    markdown = run_cli("check", DEMO, "-o", "markdown", cwd=REPO).out
    assert "## Could not run" not in markdown
    assert "## Not applicable to this cluster" in markdown
