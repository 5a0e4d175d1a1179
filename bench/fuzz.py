"""The full fuzz sweep: many seeded mutation cases of the fixture bundles (tests/hostile/fuzz.py).

Usage:
    .venv/bin/python bench/fuzz.py                      # 5,000 cases over seeds 1..10
    .venv/bin/python bench/fuzz.py --cases 300 --seeds 1
    .venv/bin/python bench/fuzz.py --seed 7 --only 123  # reproduce one case

Prints one line per bad case and a summary by problem class; exit status 1 when any case is bad.
CI runs a fixed few hundred of these (tests/hostile/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile import fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="total cases (default 5000)")
    parser.add_argument("--seeds", type=int, default=10, help="spread over seeds 1..N")
    parser.add_argument("--seed", type=int, help="one seed only")
    parser.add_argument("--only", type=int, help="run only this case number of --seed")
    args = parser.parse_args()
    seeds = [args.seed] if args.seed is not None else list(range(1, args.seeds + 1))
    per_seed = max(1, args.cases // len(seeds))
    classes: collections.Counter[str] = collections.Counter()
    started, total = time.perf_counter(), 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for seed in seeds:
            for case in fuzz.cases(seed, per_seed if args.only is None else args.only + 1):
                if args.only is not None and case.number != args.only:
                    continue
                total += 1
                named, problem = fuzz.check_case(case, work)
                if problem:
                    classes[problem.split(":")[0]] += 1
                    print(f"{named}: {problem}", flush=True)
    seconds = time.perf_counter() - started
    print(f"{total} cases in {seconds:.1f} s; {sum(classes.values())} bad", dict(classes))
    return 1 if classes else 0


if __name__ == "__main__":
    sys.exit(main())
