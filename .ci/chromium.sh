#!/usr/bin/env bash
# A headless browser for the dashboard's browser tests (tests/api/web/).
#
# Installs Debian's chromium package (and a font, so that pages render text) when
# /usr/bin/chromium is missing; Playwright drives that browser, it downloads none. Prints
# the browser's path for ZERO_BACKLOG_TEST_CHROMIUM on stdout; everything else goes to
# stderr. Idempotent: when the browser is installed already it only checks and prints.
#
#   export ZERO_BACKLOG_TEST_CHROMIUM=$(bash .ci/chromium.sh)
set -euo pipefail

browser=/usr/bin/chromium

say() { echo "chromium.sh: $*" >&2; }

install_browser() {
    bash "$(dirname "$0")/apt-install.sh" chromium fonts-dejavu-core
}

[ -x "$browser" ] || install_browser
[ -x "$browser" ] || { say "no $browser after the install"; exit 1; }
# The launcher script is Debian's; the version check proves the browser itself starts.
version=$("$browser" --version 2>/dev/null) || { say "$browser --version failed"; exit 1; }
say "$version ready"
echo "$browser"
