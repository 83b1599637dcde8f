#!/bin/sh
# Install Debian's chromium for the browser tests (tests/web/xss_browser_test.ts) when missing.
# Needs root (CI runs as root); without it the browser test skips with a message.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install-chromium: /usr/bin/chromium is missing and this is not root: the browser test will be skipped" >&2
  exit 0
fi
# Bounded: a slow or unreachable mirror must not hang CI (the browser tests then say they skipped).
APT_OPTS="-o Acquire::http::Timeout=30 -o Acquire::Retries=2"
timeout 600 apt-get $APT_OPTS update
DEBIAN_FRONTEND=noninteractive timeout 900 apt-get $APT_OPTS install -y --no-install-recommends chromium
