"""The `service` hop of `--to svc/NS/NAME`: kube-proxy on the source's node rewrites the
ClusterIP to one of the service's ready endpoints (its EndpointSlices)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdoctor.facts.paths.model import Hop, HopKind, HopVerdict
from netdoctor.snapshot import files

if TYPE_CHECKING:
    from netdoctor.snapshot import k8s_types as k
    from netdoctor.snapshot.snapshot import Snapshot

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True)
class Backends:
    hop: Hop
    addresses: list[str]
    """Ready endpoint addresses, in the slices' order."""
    port: int | None
    """The endpoints' port (the service's targetPort, resolved)."""


def _service_port(svc: k.Service, port: int | None) -> k.ServicePort | None:
    ports = svc.spec.ports or []
    if port is None:
        return ports[0] if ports else None
    return next((p for p in ports if p.port == port), None)


def backends(snap: Snapshot, svc: k.Service, port: int | None) -> Backends:
    """The ready endpoints of the service behind `port` (its first port when None)."""
    namespace = svc.metadata.namespace or "default"
    ref = f"svc/{namespace}/{svc.metadata.name}"

    def hop(verdict: HopVerdict, reason: str, *missing: str) -> Hop:
        return Hop(HopKind.SERVICE, ref, verdict, reason, missing=missing)

    wanted = _service_port(svc, port)
    if wanted is None:
        listed = ", ".join(str(p.port) for p in svc.spec.ports or ()) or "none"
        return Backends(
            hop(HopVerdict.BLOCK, f"{ref} has no port {port} (ports: {listed})"), [], None
        )
    if not snap.has(files.K8S_ENDPOINT_SLICES):
        return Backends(
            hop(
                HopVerdict.UNKNOWN,
                f"{ref}: its endpoints are not in the bundle",
                files.K8S_ENDPOINT_SLICES,
            ),
            [],
            None,
        )
    addresses: list[str] = []
    target: int | None = None
    for piece in snap.endpoint_slices:
        labels = piece.metadata.labels or {}
        if labels.get(SERVICE_NAME_LABEL) != svc.metadata.name:
            continue
        if (piece.metadata.namespace or "default") != namespace:
            continue
        match = next((p for p in piece.ports or () if (p.name or "") == (wanted.name or "")), None)
        if match is None or match.port is None:
            continue
        target = match.port
        for endpoint in piece.endpoints or ():
            if endpoint.conditions is not None and endpoint.conditions.ready is False:
                continue
            addresses += [a for a in endpoint.addresses or () if a not in addresses]
    front = f"{ref} ({svc.spec.clusterIP}:{wanted.port})"
    if not addresses:
        return Backends(
            hop(
                HopVerdict.BLOCK,
                f"{front} has no ready endpoint: kube-proxy has nowhere to send the connection",
            ),
            [],
            target,
        )
    return Backends(
        hop(
            HopVerdict.PASS,
            f"{front} → {len(addresses)} ready endpoint(s) on port {target}: "
            f"{', '.join(addresses[:5])}{' …' if len(addresses) > 5 else ''}",
        ),
        addresses,
        target,
    )
