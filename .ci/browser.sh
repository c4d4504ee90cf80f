#!/usr/bin/env bash
# Install what the browser test of the Flask example needs (tests/examples/test_flask_browser.py):
# Debian's chromium and chromedriver, and Selenium in the project's virtual environment.
# Run as root on a fresh Debian machine, from anywhere: .ci/browser.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "== chromium and chromedriver already installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown)"
else
  echo "== installing chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends chromium chromium-driver
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
echo "== installing the web-test extra (Selenium) and the Flask example's extra"
.venv/bin/pip install -q -e ".[web-test,flask]"
