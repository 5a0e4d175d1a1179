"""Run one command in a child process and print its wall time and peak RSS as JSON.

Usage: python bench/measure.py CMD [ARGS…]   → {"wall_s": 1.23, "max_rss_mb": 456.7, "code": 0}

Each measured command gets its own parent (this script), so RUSAGE_CHILDREN's max RSS is that
command's alone.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    start = time.perf_counter()
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "wall_s": round(wall, 3),
                "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
                "code": proc.returncode,
                "stderr": proc.stderr.decode()[-300:],
            }
        )
    )


if __name__ == "__main__":
    main()
