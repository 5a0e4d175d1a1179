#!/usr/bin/env bash
# Install netdoctor into ./.venv and open the TUI on the bundled demo incident.
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" ""
exec .venv/bin/netdoctor demo "$@"
