"""The baseline: a bare `orjson.loads` of every JSON file in a bundle, in a fresh process.

Each parsed document is kept until the end, as a tool that reads the whole bundle would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson


def main() -> None:
    docs = [orjson.loads(p.read_bytes()) for p in sorted(Path(sys.argv[1]).rglob("*.json"))]
    print(len(docs))


if __name__ == "__main__":
    main()
