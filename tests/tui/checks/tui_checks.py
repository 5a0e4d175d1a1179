"""Plug-in checks for the TUI tests (loaded with --checks-dir): findings of every severity that
name real objects of tests/tui/bundles/broken, one check that crashes, one that skips, one
that passes. Their output is fixed, so the TUI tests do not move when the built-in checks do."""

from __future__ import annotations

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, files

NODE = "ip-192-168-107-189.eu-central-1.compute.internal"
SUBNET = "subnet-0c3e4e30d4d93c4b6"


class TuiSample(Check):
    id = "tui-sample"
    title = "Sample findings of every severity"
    needs = (files.K8S_NODES,)
    playbook = "tui-sample"
    provides = ("node", "subnet_id", "route_table_id")

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        params = {"node": NODE, "subnet_id": SUBNET, "route_table_id": "rtb-049920c1602a708d4"}
        yield self.finding(
            Severity.CRITICAL,
            f"Subnet {SUBNET} has 12 free IPs left for node {NODE}",
            resources=[f"subnet/{SUBNET}", f"node/{NODE}", "route-table/rtb-049920c1602a708d4"],
            evidence=["AvailableIpAddressCount = 12", "CIDR 192.168.96.0/19 holds 8187 usable"],
            params=params,
        )
        yield self.finding(
            Severity.WARNING,
            "Pod catalog/realtime-webhook-rjp9mdlg7s-8jcqs runs on a node whose max-pods is 58",
            resources=["pod/catalog/realtime-webhook-rjp9mdlg7s-8jcqs", f"node/{NODE}"],
            evidence=["status.allocatable.pods = 58", "ENI capacity = 29"],
            params=params,
        )
        yield self.finding(
            Severity.INFO,
            "NAT gateway nat-0584bbe9ff799a597 serves the eu-central-1a private subnet",
            resources=["nat-gateway/nat-0584bbe9ff799a597", "security-group/sg-0bf1d6df6f8dcf8c5"],
            evidence=["State = available"],
            params=params,
        )
        yield self.finding(
            Severity.CRITICAL,
            "Service catalog/realtime-webhook sends ALB traffic to pod IPs on a full subnet",
            resources=["service/catalog/realtime-webhook", "ingress/catalog/realtime-webhook"],
            evidence=["target-type ip", "6 endpoints"],
            params=params,
        )
        yield self.finding(
            Severity.WARNING,
            "ENI eni-04ab288fb01980554 (Ünïcødé 名前 — a long name that must be cut cleanly "
            "in the table because it is far wider than the column)",
            resources=["eni/eni-04ab288fb01980554"],
            evidence=["device 1", "10 IPv4 addresses"],
            params=params,
        )
        yield self.finding(
            Severity.INFO,
            "Instance i-0d5462d37c2cb6260 is an m6i.large",
            resources=["instance/i-0d5462d37c2cb6260"],
            evidence=["3 ENIs × 10 IPv4"],
            params=params,
        )


class TuiCrash(Check):
    id = "tui-crash"
    title = "A check that crashes"
    needs = (files.K8S_NODES,)

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        raise RuntimeError("sample crash for the TUI tests")


class TuiSkip(Check):
    id = "tui-skip"
    title = "A check whose input was not collected"
    needs = (files.K8S_NODES, files.K8S_SECURITY_GROUP_POLICIES)

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        yield from ()


class TuiQuiet(Check):
    id = "tui-quiet"
    title = "A check that always passes"
    needs = (files.K8S_NODES,)

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        yield from ()
