#!/usr/bin/env bash
# Install Debian's chromium (when /usr/bin/chromium is missing) and the playwright
# Python package in .venv. kaleido renders the PNG figures with that chromium, and
# tests/test_browser.py drives it with playwright.
# playwright drives the system chromium; its own browser download
# ('playwright install') is not used. apt-get needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "warning: /usr/bin/chromium is missing and installing it needs root;" \
      "run 'sudo apt-get install chromium'. Without it PNG figures and the" \
      "browser test are unavailable." >&2
  else
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

.venv/bin/python -m pip install --quiet -c requirements/constraints.txt playwright
/usr/bin/chromium --version 2>/dev/null
.venv/bin/python -c "import playwright.sync_api; print('playwright importable')"
