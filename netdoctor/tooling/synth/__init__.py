"""`netdoctor synth`: realistic, internally consistent snapshot bundles, optionally seeded with
the problems netdoctor's checks detect. Deterministic for a seed.

    from netdoctor.tooling.synth import generate
    summary = generate(Path("bundle"), nodes=20, problems=["subnet-exhausted"], seed=7)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netdoctor.tooling.synth.problems import PROBLEMS, parse_problems

if TYPE_CHECKING:
    from netdoctor.tooling.synth.generator import ProgressCallback, SynthSummary, generate

__all__ = ["PROBLEMS", "ProgressCallback", "SynthSummary", "generate", "parse_problems"]


def __getattr__(name: str) -> Any:
    # The generator pulls in orjson, msgspec and every module; the CLI only needs PROBLEMS
    # to build its --help, so the rest loads on first use.
    if name in ("ProgressCallback", "SynthSummary", "generate"):
        from netdoctor.tooling.synth import generator

        return getattr(generator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
