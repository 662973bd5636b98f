#!/usr/bin/env bash
# Builds the kubectl plugin as krew installs it: bin/krew/kubectl-wallet_<os>_<arch>.tar.gz
# (the binary named kubectl-wallet) and bin/krew/wallet.yaml, the krew
# manifest pointing at the release asset of VERSION with the archive's
# sha256. Publish the archive under the URL the manifest names, then submit
# the manifest to a krew index.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:?usage: hack/krew.sh VERSION (e.g. v0.1.0)}"
os="$(go env GOOS)"
arch="$(go env GOARCH)"
out=bin/krew
archive="kubectl-wallet_${os}_${arch}.tar.gz"
mkdir -p "$out/stage"
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$out/stage/kubectl-wallet" .
tar -C "$out/stage" -czf "$out/$archive" kubectl-wallet
sha="$(sha256sum "$out/$archive" | cut -d' ' -f1)"
cat > "$out/wallet.yaml" <<YAML
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: wallet
spec:
  version: ${version}
  homepage: https://github.com/wallet-operator/wallet-operator
  shortDescription: Apple Wallet passes as Kubernetes resources
  description: |
    Works on the PassCertificates, PassTemplates and Passes of wallet-operator:
    status shows them as a tree with what is not Ready, find looks a pass up by
    the barcode a scanner read, fetch/verify/render handle .pkpass files,
    redeem/void/push change passes, open draws a pass's link as a QR code.
  platforms:
    - selector:
        matchLabels:
          os: ${os}
          arch: ${arch}
      uri: https://github.com/wallet-operator/wallet-operator/releases/download/${version}/${archive}
      sha256: ${sha}
      bin: kubectl-wallet
YAML
echo "$out/$archive"
echo "$out/wallet.yaml"
