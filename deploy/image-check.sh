#!/usr/bin/env bash
# What deploy/Dockerfile does, without a Docker engine: the same two pip steps in plain
# virtualenvs. Stage 1 (a build venv) makes netdoctor's wheel and a wheel of every dependency
# (this downloads from the package index); stage 2 (a fresh venv) installs them offline from
# that directory only, then the installed command checks the healthy fixture from another
# directory. Usage: bash deploy/image-check.sh [EXTRAS]   e.g. '[mcp]'
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
EXTRAS=${1:-}
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" -m venv "$work/build"
"$work/build/bin/python" -m pip install --quiet --upgrade pip
"$work/build/bin/python" -m pip wheel --quiet --no-cache-dir --wheel-dir "$work/wheels" ".${EXTRAS}"

"$PY" -m venv "$work/image"
"$work/image/bin/python" -m pip install --quiet --no-cache-dir --no-index \
  --find-links "$work/wheels" "netdoctor${EXTRAS}"

mkdir "$work/elsewhere"
cp -r fixtures/healthy "$work/healthy"
cd "$work/elsewhere"
"$work/image/bin/netdoctor" --version
"$work/image/bin/netdoctor" check "$work/healthy" --format json > report.json
"$work/image/bin/python" - <<'PY'
import json
report = json.load(open("report.json"))
statuses = {r["check"]: r["status"] for r in report["results"]}
assert statuses and all(s == "pass" for s in statuses.values()), statuses
print(f"image-check: ok: {len(statuses)} checks pass on the healthy fixture from the installed wheel")
PY
echo "image-check: $(ls "$work/wheels" | wc -l) wheels, $(du -sh "$work/image" | cut -f1) installed"
