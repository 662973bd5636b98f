#!/usr/bin/env bash
# Installs the Debian packages the tests use to look at what the web service
# draws, unless they are there already: chromium (the preview page),
# poppler-utils (pdftotext, pdftoppm: the PDF) and zbar-tools (zbarimg: the
# barcodes printed on it), and postgresql (the PostgreSQL registration
# store's tests start their own server with its initdb and pg_ctl),
# openssl (the tests check signatures with it, as a user would), and
# kubectl (the README's commands and the release test run it as printed)
# where apt offers it (Google's apt repository; Debian's own
# kubernetes-client is 1.20, older than the commands the docs show).
set -euo pipefail
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if ! command -v kubectl >/dev/null 2>&1; then
  if apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    missing+=(kubectl)
  else
    echo "install-test-tools: kubectl is not on PATH and apt offers none: install kubectl 1.32 or later; under CI the tests that run it fail without it" >&2
  fi
fi
if ((${#missing[@]})); then
  echo "install-test-tools: installing Debian's ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
