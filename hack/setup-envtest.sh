#!/usr/bin/env bash
# Builds the control plane envtest needs (kube-apiserver and etcd) from source
# through the Go module proxy, because the usual binary download is not
# reachable offline. Binaries are cached outside the repository, keyed by
# version, so a warm call returns at once.
#
# Progress goes to stderr; the LAST line of stdout is the directory holding
# kube-apiserver and etcd (suitable for KUBEBUILDER_ASSETS).
#
# kube-apiserver is built with this module's versions of the libraries both
# share (client-go, api, apimachinery, grpc, protobuf, ...) and the tests'
# build settings (the Makefile's CGO_ENABLED=0 -trimpath), so the packages
# this module's build compiled serve it too (on a fresh machine: about half
# of its compile). `--download-only`
# fetches the modules without building (a first step that can run while
# this module builds).
set -euo pipefail

download_only=false
[[ "${1:-}" == "--download-only" ]] && download_only=true
repo_gomod="$(cd "$(dirname "$0")/.." && pwd)/go.mod"

KUBE_VERSION="${KUBE_VERSION:-1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-3.6.5}"
CACHE_ROOT="${WALLET_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wallet-operator}"
ASSETS_DIR="$CACHE_ROOT/envtest/kube-${KUBE_VERSION}-etcd-${ETCD_VERSION}"

log() { echo "setup-envtest: $*" >&2; }

# have NAME: the cached binary runs; kube-apiserver must also say its
# version (clients such as helm check a chart's kubeVersion against it; one
# built without the version linked in says v0.0.0-master and is rebuilt,
# which on a warm build cache is a link).
have() {
  [[ -x "$ASSETS_DIR/$1" ]] || return 1
  local v; v="$("$ASSETS_DIR/$1" --version 2>&1)" || return 1
  [[ "$1" != kube-apiserver || "$v" == "Kubernetes v${KUBE_VERSION}" ]]
}

# staging_version maps a Kubernetes release (1.36.3) to the version of its
# staging modules (v0.36.3).
staging_version() { echo "v0.${KUBE_VERSION#*.}"; }

build_kube_apiserver() {
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  $download_only || log "building kube-apiserver v${KUBE_VERSION} from source (a few minutes on a cold cache)"
  (
    cd "$work"
    go mod init wallet-operator.local/envtest-kube-apiserver >/dev/null 2>&1
    # k8s.io/kubernetes replaces every staging module with a local path; a
    # module that depends on it has to pin each of them to the published
    # version instead. Derive the list from kubernetes' own go.mod.
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@v${KUBE_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
    [[ -f "$gomod" ]] || { log "could not download k8s.io/kubernetes v${KUBE_VERSION}'s go.mod"; exit 1; }
    local sv; sv="$(staging_version)"
    grep -oE '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" \
      | awk -v v="$sv" '{print "replace " $1 " => " $1 " " v}' >> go.mod
    log "pinned $(grep -c '^replace' go.mod) staging modules to ${sv}"
    # This module's requirements too: where both use a library, the
    # (newer) version this module builds with is the one compiled.
    if [[ -f "$repo_gomod" ]]; then
      sed -n '/^require (/,/^)/p' "$repo_gomod" | grep -v '^require\|^)' | awk 'NF >= 2 {print "require " $1 " " $2}' >> go.mod
    fi
    go get "k8s.io/kubernetes@v${KUBE_VERSION}" >&2
    $download_only && exit 0
    local minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
    local pkg=k8s.io/component-base/version
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X $pkg.gitVersion=v${KUBE_VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor} -X $pkg.gitTreeState=clean" \
      -o "$work/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
  )
  $download_only || mv "$work/kube-apiserver" "$ASSETS_DIR/kube-apiserver"
}

build_etcd() {
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  $download_only || log "building etcd v${ETCD_VERSION} from source"
  (
    cd "$work"
    go mod init wallet-operator.local/envtest-etcd >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}" >&2
    $download_only && exit 0
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$work/etcd" go.etcd.io/etcd/server/v3 >&2
  )
  $download_only || mv "$work/etcd" "$ASSETS_DIR/etcd"
}

mkdir -p "$ASSETS_DIR"
# A directory lock keeps concurrent callers (parallel make targets) from
# building twice into the same place.
lock="$ASSETS_DIR.lock"
until mkdir "$lock" 2>/dev/null; do
  if [[ -n "$(find "$lock" -maxdepth 0 -mmin +30 2>/dev/null)" ]]; then rm -rf "$lock"; continue; fi
  log "waiting for another build to finish ($lock)"; sleep 5
done
trap 'rm -rf "$lock"' EXIT

export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
# The two build side by side: one downloads while the other compiles.
# (No debug symbols: nobody debugs them, and the linker is faster without.)
etcd_pid=
if ! have etcd; then build_etcd & etcd_pid=$!; fi
have kube-apiserver || build_kube_apiserver
[[ -z "$etcd_pid" ]] || wait "$etcd_pid"
$download_only && { log "modules downloaded"; exit 0; }
have kube-apiserver && have etcd || { log "build finished but binaries do not run"; exit 1; }

log "kube-apiserver and etcd ready"
echo "$ASSETS_DIR"
