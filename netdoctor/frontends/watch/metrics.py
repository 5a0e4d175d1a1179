"""The Prometheus metrics `netdoctor watch` serves, on a registry of their own.

`WatchMetrics.update()` sets every gauge from one cycle (Snapshot, Report, cycle stats,
forecasts); `capture_error()` counts failed API calls; `serve()` starts the HTTP exposition.
The names `netdoctor_findings`, `netdoctor_last_success_timestamp_seconds`,
`netdoctor_subnet_exhaustion_forecast_seconds` and `netdoctor_capture_errors_total` are the ones
the example alerts in deploy/monitoring/prometheusrule.yaml use. docs/watch.md lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from netdoctor.explore.capacity import node_capacity, subnet_capacity
from netdoctor.models import Severity, Status

if TYPE_CHECKING:
    from netdoctor.explore.forecast import Forecast
    from netdoctor.models import Report
    from netdoctor.snapshot.snapshot import Snapshot

DEFAULT_BIND = "127.0.0.1"
DEFAULT_PORT = 9808


@dataclass(frozen=True)
class CycleStats:
    """How one watch cycle went."""

    finished_at: float
    """Unix time the cycle completed."""
    duration: float
    """Seconds the cycle took (capture/refresh plus checks)."""


class WatchMetrics:
    """Every metric of `netdoctor watch`, on `self.registry` (not the process-global one)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.findings = Gauge(
            "netdoctor_findings",
            "Findings of the last cycle, by check and severity.",
            ["check", "severity"],
            registry=r,
        )
        self.check_status = Gauge(
            "netdoctor_check_status",
            "1 for the status each check had in the last cycle, 0 for the others.",
            ["check", "status"],
            registry=r,
        )
        self.subnet_free_ips = Gauge(
            "netdoctor_subnet_free_ips",
            "Free addresses of the subnet EC2 would hand out (AvailableIpAddressCount less"
            " CIDR reservations).",
            ["subnet", "zone"],
            registry=r,
        )
        self.subnet_free_blocks = Gauge(
            "netdoctor_subnet_free_prefix_blocks",
            "Free aligned /28 blocks of the subnet (only with prefix delegation).",
            ["subnet", "zone"],
            registry=r,
        )
        self.node_ip_headroom = Gauge(
            "netdoctor_node_pod_ip_headroom",
            "Pods the node's ENIs can still give an IP: ENI/IP capacity minus pods.",
            ["node"],
            registry=r,
        )
        self.node_max_pods_headroom = Gauge(
            "netdoctor_node_max_pods_headroom",
            "Pods the kubelet still admits: max-pods minus pods.",
            ["node"],
            registry=r,
        )
        self.last_success = Gauge(
            "netdoctor_last_success_timestamp_seconds",
            "Unix time the last successful cycle completed.",
            registry=r,
        )
        self.cycle_duration = Gauge(
            "netdoctor_cycle_duration_seconds",
            "Seconds the last successful cycle took.",
            registry=r,
        )
        self.capture_errors = Counter(
            "netdoctor_capture_errors",
            "Failed Kubernetes/AWS API calls, by API.",
            ["api"],
            registry=r,
        )
        self.forecast = Gauge(
            "netdoctor_subnet_exhaustion_forecast_seconds",
            "Seconds until the subnet's free addresses (unit free-ips) or free /28 blocks "
            "(unit free-28-blocks) run out at the trend of the recorded frames; absent while "
            "the trend is flat or rising.",
            ["subnet", "unit"],
            registry=r,
        )

    def update(
        self,
        snap: Snapshot,
        report: Report,
        cycle: CycleStats,
        forecasts: Iterable[Forecast] = (),
    ) -> None:
        """Set every gauge from one successful cycle; series of subnets, nodes, checks and
        forecasts that are gone disappear."""
        self._report(report)
        self._capacity(snap)
        self.forecast.clear()
        for fc in forecasts:
            self.forecast.labels(subnet=fc.subnet_id, unit=fc.unit).set(fc.seconds)
        self.last_success.set(cycle.finished_at)
        self.cycle_duration.set(cycle.duration)

    def capture_error(self, api: str, count: int = 1) -> None:
        """Count failed calls of one API (e.g. `ec2:DescribeSubnets`, `list pods`)."""
        self.capture_errors.labels(api=api).inc(count)

    def _report(self, report: Report) -> None:
        self.findings.clear()
        self.check_status.clear()
        for result in report.results:
            counts = dict.fromkeys(Severity, 0)
            for finding in result.findings:
                counts[finding.severity] += 1
            for severity, n in counts.items():
                self.findings.labels(check=result.check, severity=severity.value).set(n)
            for status in Status:
                self.check_status.labels(check=result.check, status=status.value).set(
                    1 if result.status is status else 0
                )

    def _capacity(self, snap: Snapshot) -> None:
        for gauge in (
            self.subnet_free_ips,
            self.subnet_free_blocks,
            self.node_ip_headroom,
            self.node_max_pods_headroom,
        ):
            gauge.clear()
        for row in subnet_capacity(snap):
            zone = row.zone or ""
            if row.free is not None:
                self.subnet_free_ips.labels(subnet=row.subnet_id, zone=zone).set(row.free)
            if row.free_prefix_blocks is not None:
                self.subnet_free_blocks.labels(subnet=row.subnet_id, zone=zone).set(
                    row.free_prefix_blocks
                )
        for node in node_capacity(snap):
            if node.eni_capacity is not None:
                self.node_ip_headroom.labels(node=node.name).set(node.eni_capacity - node.pods)
            if node.kubelet_max is not None:
                self.node_max_pods_headroom.labels(node=node.name).set(node.kubelet_max - node.pods)


def serve(metrics: WatchMetrics, port: int = DEFAULT_PORT, bind: str = DEFAULT_BIND) -> WSGIServer:
    """Serve `metrics.registry` at http://bind:port/metrics in a daemon thread; returns the
    server (`.shutdown()` then `.server_close()` stop it). Port 0 picks a free port:
    `server.server_port` says which."""
    server, _thread = start_http_server(port, addr=bind, registry=metrics.registry)
    return server
