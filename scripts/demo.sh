#!/usr/bin/env bash
# Install netdoctor into ./.venv (once; again only when pyproject.toml changes) and open the TUI
# on the bundled demo incident. Ends by saying how to run `netdoctor` yourself.
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" ""
status=0
.venv/bin/netdoctor demo "$@" || status=$?
cat >&2 <<'NOTE'

netdoctor is installed in ./.venv. To type `netdoctor` yourself:
  source .venv/bin/activate        # this shell; then: netdoctor check BUNDLE, netdoctor tui BUNDLE
  pipx install .                   # or: on PATH for good, in its own environment
(or run it without activating: .venv/bin/netdoctor …)
NOTE
exit "$status"
