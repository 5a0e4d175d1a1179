"""Each finding followed across frames: first seen, cleared, frames held, on the demo incident
with the built-in checks, and the identity rules on small hand-made reports."""

from __future__ import annotations

import pytest

from netdoctor.models import CheckResult, Finding, Report, Severity, SnapshotInfo, Status
from netdoctor.sources.incident.timeline import FrameResult, build_timeline
from tests.incident.conftest import DEMO, NODE_A, NODE_D, SUBNET_A


@pytest.fixture(scope="module")
def demo_timeline():
    from netdoctor.engine.registry import load_checks
    from netdoctor.sources.incident.analysis import analyse
    from netdoctor.sources.incident.reader import open_incident

    checks = load_checks(plugins=False).select([], [])
    with open_incident(DEMO) as incident:
        return analyse(incident, checks).report()


def _entry(report, check: str, title_part: str, resource: str):
    found = [
        e
        for e in report.timeline
        if e.check == check and title_part in e.title and resource in e.resources
    ]
    assert len(found) == 1, [(e.title, e.frames) for e in report.timeline]
    return found[0]


def test_the_demo_subnet_shortage_warns_before_the_burst_and_clears_when_pods_stick(
    demo_timeline,
) -> None:
    entry = _entry(demo_timeline, "pod-ip-capacity", "warm-pool", f"subnet/{SUBNET_A}")
    assert entry.severity is Severity.WARNING
    assert entry.frames == [1, 2]
    assert entry.first_seen == "2025-10-18T08:00:00Z"
    # From frame 3 the stuck pods name the subnet; the warning gives way to that finding.
    assert (entry.cleared_frame, entry.cleared) == (3, "2025-10-18T08:01:00Z")


def test_the_demo_ip_assignment_failure_holds_from_the_burst_until_the_new_subnet(
    demo_timeline,
) -> None:
    node_a = _entry(demo_timeline, "pod-ip-capacity", "IP address", f"node/{NODE_A}")
    assert node_a.severity is Severity.CRITICAL
    # Frames 3–9 are one finding although its pod list grows from 6 to 9 and the subnet's
    # free count in the title drops from 6 to 0.
    assert node_a.frames == [3, 4, 5, 6, 7, 8, 9]
    assert node_a.frames_held == 7
    assert node_a.first_seen == "2025-10-18T08:01:00Z"
    assert (node_a.cleared_frame, node_a.cleared) == (10, "2025-10-18T08:04:30Z")
    # The entry shows the finding as frame 9 had it: the 9 pods stuck then.
    [last] = [
        f
        for r in demo_timeline.frames[8].results
        for f in r.findings
        if f"node/{NODE_A}" in f.resources and f.title == node_a.title
    ]
    assert len([x for x in last.resources if x.startswith("pod/")]) == 9
    assert f"subnet/{SUBNET_A}" in node_a.resources

    node_d = _entry(demo_timeline, "pod-ip-capacity", "IP address", f"node/{NODE_D}")
    assert node_d.frames == [6, 7, 8, 9]
    assert node_d.cleared_frame == 10
    assert len([x for x in node_d.resources if x.startswith("pod/")]) == 4


def test_the_demo_unschedulable_pods_hold_one_frame_until_the_new_node(demo_timeline) -> None:
    entry = _entry(demo_timeline, "pod-ip-capacity", "Too many pods", f"node/{NODE_A}")
    assert entry.frames == [4]
    assert entry.cleared_frame == 5
    assert len([r for r in entry.resources if r.startswith("pod/")]) == 3


def test_the_demo_ends_clean_and_nothing_else_fires(demo_timeline) -> None:
    assert {e.check for e in demo_timeline.timeline} == {"pod-ip-capacity"}
    assert all(e.cleared_frame is not None for e in demo_timeline.timeline)
    last = demo_timeline.frames[-1]
    assert all(r.status in (Status.PASS, Status.SKIP) for r in last.results)
    assert len(demo_timeline.timeline) == 4


# --- identity rules ----------------------------------------------------------------------------


def _report(*results: CheckResult) -> Report:
    return Report(netdoctor="test", snapshot=SnapshotInfo(), results=list(results))


def _fail(*findings: Finding, check: str = "c") -> CheckResult:
    return CheckResult(check=check, status=Status.FAIL, findings=list(findings))


def _finding(title: str, *resources: str) -> Finding:
    return Finding(severity=Severity.WARNING, title=title, resources=resources, playbook="c")


PASS = CheckResult(check="c", status=Status.PASS)
SKIP = CheckResult(check="c", status=Status.SKIP, reason="missing k8s/pods.json")


def _timeline(*reports: Report):
    return build_timeline(
        [FrameResult(n, f"2025-01-01T00:0{n}:00Z", r) for n, r in enumerate(reports, start=1)]
    )


def test_numbers_in_titles_do_not_split_a_finding() -> None:
    entries = _timeline(
        _report(_fail(_finding("3 pods stuck on node n1", "node/n1"))),
        _report(_fail(_finding("12 pods stuck on node n1", "node/n1"))),
        _report(PASS),
    )
    assert [(e.frames, e.cleared_frame, e.title) for e in entries] == [
        ([1, 2], 3, "12 pods stuck on node n1")
    ]


def test_the_same_title_on_other_objects_is_another_finding() -> None:
    entries = _timeline(
        _report(_fail(_finding("pods stuck", "node/n1"), _finding("pods stuck", "node/n2"))),
        _report(_fail(_finding("pods stuck", "node/n2"))),
    )
    by_node = {e.resources[0]: (e.frames, e.cleared_frame) for e in entries}
    assert by_node == {"node/n1": ([1], 2), "node/n2": ([1, 2], None)}


def test_a_finding_whose_objects_change_continues_the_closest_one() -> None:
    entries = _timeline(
        _report(_fail(_finding("2 pods stuck", "node/n1", "pod/a/1", "pod/a/2"))),
        _report(
            _fail(
                _finding("3 pods stuck", "node/n1", "pod/a/1", "pod/a/2", "pod/a/3"),
                _finding("1 pods stuck", "node/n2", "pod/a/9"),
            )
        ),
    )
    assert sorted((e.resources[0], e.frames) for e in entries) == [
        ("node/n1", [1, 2]),
        ("node/n2", [2]),
    ]


def test_a_check_that_stops_running_leaves_the_clearing_unknown() -> None:
    entries = _timeline(
        _report(_fail(_finding("pods stuck", "node/n1"))),
        _report(SKIP),
        _report(SKIP),
    )
    assert entries[0].frames == [1] and entries[0].cleared is None


def test_a_finding_that_comes_back_is_one_entry_with_a_gap() -> None:
    entries = _timeline(
        _report(_fail(_finding("pods stuck", "node/n1"))),
        _report(PASS),
        _report(_fail(_finding("pods stuck", "node/n1"))),
        _report(PASS),
    )
    assert [(e.frames, e.frames_held, e.cleared_frame) for e in entries] == [([1, 3], 2, 4)]
