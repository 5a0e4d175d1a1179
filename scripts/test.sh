#!/usr/bin/env bash
# Install netdoctor with its test extra into ./.venv and run the whole test suite.
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "[test]"
unset NO_COLOR  # NO_COLOR breaks Textual snapshot comparisons
exec .venv/bin/python -m pytest "$@"
