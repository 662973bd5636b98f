#!/usr/bin/env bash
# Builds the S3 server the tests and the demo use (versitygw with its POSIX
# backend) from source through the Go module proxy, cached outside the
# repository keyed by version, so a warm call returns at once.
#
# Progress goes to stderr; the LAST line of stdout is the server binary.
set -euo pipefail

VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"
CACHE_ROOT="${WALLET_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wallet-operator}"
DIR="$CACHE_ROOT/s3/versitygw-${VERSITYGW_VERSION}"

if [[ ! -x "$DIR/versitygw" ]]; then
  echo "setup-s3: building versitygw ${VERSITYGW_VERSION} from source (about a minute, once)" >&2
  mkdir -p "$DIR"
  GOBIN="$DIR" GOFLAGS= go install "github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}" >&2
fi
echo "$DIR/versitygw"
