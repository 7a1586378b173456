#!/usr/bin/env bash
# Install what tests/test_browser.py needs: Debian's chromium (when
# /usr/bin/chromium is missing) and the playwright Python package in .venv.
# playwright drives the system chromium; its own browser download
# ('playwright install') is not used. apt-get needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

.venv/bin/python -m pip install --quiet -c requirements/constraints.txt playwright
/usr/bin/chromium --version 2>/dev/null
.venv/bin/python -c "import playwright.sync_api; print('playwright importable')"
