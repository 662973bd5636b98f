#!/usr/bin/env bash
# Installs Debian's Chromium for the preview-page browser test, unless it is
# there already. Prints the browser's path as its last line.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "install-chromium: installing Debian's chromium package" >&2
  if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
fi
command -v chromium
