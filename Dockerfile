# One image for every component; the manifests pick the subcommand
# (manager, webservice). Multi-architecture, each compiled natively on the
# build machine (Go cross-compiles; no emulation):
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=v0.1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     -t ghcr.io/wallet-operator/wallet-operator:v0.1.0 .
# The settings are the Makefile's (CGO_ENABLED=0, -trimpath, the version
# linked in), so the image's binary is the release archives' binary.
ARG GO_IMAGE=golang:1.26.8-bookworm
ARG BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS TARGETARCH VERSION=v0.0.0-dev REVISION=
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags="-s -w -X github.com/wallet-operator/wallet-operator/internal/version.version=${VERSION} -X github.com/wallet-operator/wallet-operator/internal/version.revision=${REVISION}" \
      -o /out/wallet-operator .

FROM ${BASE_IMAGE}
ARG VERSION=v0.0.0-dev REVISION=
LABEL org.opencontainers.image.title="wallet-operator" \
      org.opencontainers.image.description="Apple Wallet passes as Kubernetes resources" \
      org.opencontainers.image.source="https://github.com/wallet-operator/wallet-operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/wallet-operator /wallet-operator
COPY LICENSE /LICENSE
USER 65532:65532
ENTRYPOINT ["/wallet-operator"]
