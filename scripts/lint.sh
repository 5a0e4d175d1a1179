#!/usr/bin/env bash
# The rules that run (CI runs this after the tests): ruff lint and format, the import-linter
# contracts in pyproject.toml, mypy --strict on the headless core and checks/, mypy on the rest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/lint-imports ] || [ ! -x .venv/bin/mypy ]; then
  . scripts/_venv.sh "[test]"
fi
STRICT=(
  netdoctor/snapshot netdoctor/facts netdoctor/engine netdoctor/report netdoctor/explore
  netdoctor/models.py netdoctor/errors.py netdoctor/playbooks.py netdoctor/resources.py
  checks
)
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/mypy --strict "${STRICT[@]}"
.venv/bin/mypy netdoctor
