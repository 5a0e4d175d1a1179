"""Events as `kubectl get events -A -o json` prints them.

Events live an hour on EKS, so only recent pods, the seeded problems and the Ingresses have any.
"""

from __future__ import annotations

import random
from typing import Any

from netdoctor.tooling.synth import clock
from netdoctor.tooling.synth.ids import IdGen

NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
SANDBOX_FAILURE = (
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
    'sandbox "{sandbox}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to '
    "assign an IP address to container"
)


def _histogram(counts: dict[str, int]) -> str:
    # The scheduler sorts "<count> <reason>" strings lexically (framework.FitError.Error).
    return ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items() if n))


def scheduling_message(total: int, reason: str, failing: int) -> str:
    """The FitError text when `failing` nodes fail on `reason` and the rest on node selection."""
    others = total - failing
    filters = _histogram({reason: failing, NODE_AFFINITY: others})
    preemption = _histogram({NO_VICTIMS: failing, NOT_HELPFUL: others})
    return (
        f"0/{total} nodes are available: {filters}. "
        f"preemption: 0/{total} nodes are available: {preemption}."
    )


class EventLog:
    """Collects events while pods are rendered; `items` sorts them as the API server lists them."""

    def __init__(self, ids: IdGen, rng: random.Random, dns_suffix: str) -> None:
        self.ids, self.rng = ids, rng
        self.scheduler = f"default-scheduler-ip-172-16-50-186.{dns_suffix}"
        self._items: list[dict[str, Any]] = []

    def _rv(self) -> str:
        return str(self.rng.randrange(300000, 900000))

    def add(
        self,
        obj: dict[str, str],
        reason: str,
        message: str,
        *,
        kind: str = "Normal",
        first: int,
        last: int | None = None,
        count: int = 1,
        source: dict[str, str],
        reporting: tuple[str, str],
    ) -> None:
        """An event in the core/v1 style (kubelet, controllers): count and timestamps set."""
        last = first if last is None else last
        self._items.append(
            {
                "apiVersion": "v1",
                "count": count,
                "eventTime": None,
                "firstTimestamp": clock.k8s(first),
                "involvedObject": obj,
                "kind": "Event",
                "lastTimestamp": clock.k8s(last),
                "message": message,
                "metadata": self._meta(obj, first),
                "reason": reason,
                "reportingComponent": reporting[0],
                "reportingInstance": reporting[1],
                "source": source,
                "type": kind,
            }
        )

    def add_scheduler(
        self,
        obj: dict[str, str],
        reason: str,
        message: str,
        *,
        kind: str,
        first: int,
        action: str,
        repeats: int = 0,
        last: int = 0,
    ) -> None:
        """An event the scheduler wrote through events.k8s.io: eventTime and series instead."""
        item: dict[str, Any] = {
            "action": action,
            "apiVersion": "v1",
            "eventTime": clock.micro(first, self.rng.randrange(1000000)),
            "firstTimestamp": None,
            "involvedObject": obj,
            "kind": "Event",
            "lastTimestamp": None,
            "message": message,
            "metadata": self._meta(obj, first),
            "reason": reason,
            "reportingComponent": "default-scheduler",
            "reportingInstance": self.scheduler,
            "source": {},
            "type": kind,
        }
        if repeats > 1:
            item["series"] = {
                "count": repeats,
                "lastObservedTime": clock.micro(last, self.rng.randrange(1000000)),
            }
        self._items.append(item)

    def _meta(self, obj: dict[str, str], created: int) -> dict[str, Any]:
        return {
            "creationTimestamp": clock.k8s(created),
            "name": f"{obj['name']}.{self.ids.hex(16)}",
            "namespace": obj.get("namespace", "default"),
            "resourceVersion": self._rv(),
            "uid": self.ids.uuid(),
        }

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[dict[str, Any]]:
        """All events, sorted by namespace then name."""
        return sorted(
            self._items, key=lambda e: (e["metadata"]["namespace"], e["metadata"]["name"])
        )
