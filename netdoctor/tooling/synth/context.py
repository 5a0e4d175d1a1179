"""What every stage of the generator shares: names, the seed, the problems and the id source."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field

from netdoctor.tooling.synth.ids import IdGen, rng_for
from netdoctor.tooling.synth.problems import Seeding

# Captures fall in the 30 days after this instant, the offset drawn from the seed: never the
# wall clock, so two runs with one seed write the same bytes.
_CAPTURE_BASE = calendar.timegm((2025, 9, 18, 10, 12, 44, 0, 0, 0))

DAY = 86400


@dataclass(eq=False)
class Context:
    """Cluster-wide facts and the deterministic random sources of one generation."""

    cluster: str
    region: str
    seed: int
    seeding: Seeding
    pods_per_node: int
    account: str = ""
    captured_at: int = 0
    ids: IdGen = field(init=False)

    def __post_init__(self) -> None:
        meta = self.rng("meta")
        self.account = str(meta.randrange(10**11, 10**12))
        self.captured_at = _CAPTURE_BASE + meta.randrange(0, 30 * DAY)
        self.ids = IdGen(self.rng("ids"))

    def rng(self, stream: str) -> random.Random:
        """A random stream of its own for one stage."""
        return rng_for(self.seed, stream)

    @property
    def node_dns_suffix(self) -> str:
        """Domain of EC2 private DNS names in the region."""
        return "ec2.internal" if self.region == "us-east-1" else f"{self.region}.compute.internal"
