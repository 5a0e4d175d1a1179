# Shared by demo.sh and test.sh: create ./.venv (PEP 668-safe) and install netdoctor into it.
# Usage: . scripts/_venv.sh EXTRA   (EXTRA is "" or "[test]")
# The install is editable, so only pyproject.toml (dependencies, entry points) or the Python
# version call for a new one: a stamp of those skips `pip install` when nothing changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "netdoctor needs Python 3.11 or newer (found: $("$PY" --version 2>&1)); set PYTHON=python3.11" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
_extra=${1:-}
_stamp() {
  { cat pyproject.toml; .venv/bin/python --version; echo "$1"; } | .venv/bin/python -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
}
_have=$(cat .venv/.netdoctor-install 2>/dev/null || true)
# The test extra includes everything the plain install has.
if [ "$_have" != "$(_stamp "$_extra")" ] && [ "$_have" != "$(_stamp "[test]")" ] \
  || ! .venv/bin/python -c 'import netdoctor' 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet --editable ".${_extra}"
  _stamp "$_extra" > .venv/.netdoctor-install
fi
