"""Plug-in checks for the TUI tests (loaded with --checks-dir): findings of every severity that
name real objects of tests/tui/bundles/broken, one check that crashes, one that skips, one
that passes. Their output is fixed, so the TUI tests do not move when the built-in checks do."""

from __future__ import annotations

from netdoctor.engine.api import Check, Finding, Iterator, Severity, Snapshot, files

NODE = "ip-192-168-102-239.eu-central-1.compute.internal"
SUBNET = "subnet-0a81eedc195edfd24"


class TuiSample(Check):
    id = "tui-sample"
    title = "Sample findings of every severity"
    needs = (files.K8S_NODES,)
    playbook = "tui-sample"
    provides = ("node", "subnet_id", "route_table_id")

    def run(self, snap: Snapshot) -> Iterator[Finding]:
        params = {"node": NODE, "subnet_id": SUBNET, "route_table_id": "rtb-0d9841098930aa3f4"}
        yield self.finding(
            Severity.CRITICAL,
            f"Subnet {SUBNET} has 12 free IPs left for node {NODE}",
            resources=[f"subnet/{SUBNET}", f"node/{NODE}", "route-table/rtb-0d9841098930aa3f4"],
            evidence=["AvailableIpAddressCount = 12", "CIDR 192.168.96.0/19 holds 8187 usable"],
            params=params,
        )
        yield self.finding(
            Severity.WARNING,
            "Pod bookstore/bookstore-web-svf9m2qtqh-92lrn runs on a node whose max-pods is 58",
            resources=["pod/bookstore/bookstore-web-svf9m2qtqh-92lrn", f"node/{NODE}"],
            evidence=["status.allocatable.pods = 58", "ENI capacity = 29"],
            params=params,
        )
        yield self.finding(
            Severity.INFO,
            "NAT gateway nat-0c7b50efd5f44d09f serves the eu-central-1a private subnet",
            resources=["nat-gateway/nat-0c7b50efd5f44d09f", "security-group/sg-0cab24e4f8ae2d5dc"],
            evidence=["State = available"],
            params=params,
        )
        yield self.finding(
            Severity.CRITICAL,
            "Service bookstore/bookstore-web sends ALB traffic to pod IPs on a full subnet",
            resources=["service/bookstore/bookstore-web", "ingress/bookstore/bookstore"],
            evidence=["target-type ip", "6 endpoints"],
            params=params,
        )
        yield self.finding(
            Severity.WARNING,
            "ENI eni-08683fc8e14b93a11 (Ünïcødé 名前 — a long name that must be cut cleanly "
            "in the table because it is far wider than the column)",
            resources=["eni/eni-08683fc8e14b93a11"],
            evidence=["device 1", "10 IPv4 addresses"],
            params=params,
        )
        yield self.finding(
            Severity.INFO,
            "Instance i-04659d7d3b07444d8 is an m6i.large",
            resources=["instance/i-04659d7d3b07444d8"],
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
