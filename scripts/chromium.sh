#!/usr/bin/env bash
# Debian's Chromium, headless, for the report tests (the HTML report must make no network request when opened, and
# show what a case found). Idempotent: installs only what is missing. Prints the binary's path.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v chromium
