#!/usr/bin/env bash
# Install netdoctor with its test extra into ./.venv and run the whole test suite, on as many
# pytest-xdist workers as the machine has CPUs (pass `-n 0` to run in one process).
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "[test]"
unset NO_COLOR  # NO_COLOR breaks Textual snapshot comparisons
exec .venv/bin/python -m pytest -n auto "$@"
