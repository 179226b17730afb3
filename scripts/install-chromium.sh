#!/usr/bin/env bash
# Install Debian's headless-capable Chromium for the docs browser test (tests/docs_browser.rs).
# Idempotent: does nothing when a chromium binary is already there. Needs root (CI runs as root).
# Set CHROMIUM to use a browser elsewhere; the test reads the same variable.
set -euo pipefail
bin="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  echo "install-chromium: $bin is already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if [ ! -x "$bin" ]; then
  echo "install-chromium: apt-get finished but $bin is missing" >&2
  exit 1
fi
echo "install-chromium: installed $("$bin" --version 2>/dev/null || echo chromium)"
