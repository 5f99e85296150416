#!/usr/bin/env bash
# Install Debian packages for the tests (.ci/postgres.sh, .ci/chromium.sh): as root only;
# every message goes to stderr.
#
#   bash .ci/apt-install.sh postgresql
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
    echo "apt-install.sh: not root: install Debian's $* yourself" >&2
    exit 1
fi
echo "apt-install.sh: installing Debian's $*" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
