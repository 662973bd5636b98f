# wallet-operator build. Every tool runs pinned through go.mod (go tool), so a
# fresh machine needs only Go; the test control plane is built from source
# by hack/setup-envtest.sh.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

GO ?= go
# One set of build settings for the binary, vet, the tests, the release
# archives and the test control plane (hack/setup-envtest.sh uses the same):
# static and path-free, so the package compiled once serves all of them and
# a release build is a link. (The tests use no cgo.)
export CGO_ENABLED := 0
export GOFLAGS := $(strip $(filter-out -trimpath,$(GOFLAGS)) -trimpath)
# The version the binary reports (wallet-operator version): the release tag
# from git describe, a dev version outside a tag's checkout.
VERSION ?= $(shell git describe --tags --match 'v*' --dirty 2>/dev/null || echo v0.0.0-dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/wallet-operator/wallet-operator/internal/version.version=$(VERSION) -X github.com/wallet-operator/wallet-operator/internal/version.revision=$(REVISION)
BIN ?= bin/wallet-operator
CONTROLLER_GEN := $(GO) tool controller-gen
CRD_OPTIONS := crd:allowDangerousTypes=true

.PHONY: all
all: build

##@ Development

.PHONY: demo
demo: build ## Run everything locally: a local cluster, the samples, signed passes in demo-out/ (DEMO_ARGS="--exit-after-ready --out DIR").
	assets="$$(hack/setup-envtest.sh | tail -n1)"; \
	KUBEBUILDER_ASSETS="$$assets" $(BIN) demo $(DEMO_ARGS)

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

.PHONY: manifests
manifests: ## Generate CRDs and RBAC from the markers in api/ and controllers/.
	$(CONTROLLER_GEN) $(CRD_OPTIONS) rbac:roleName=wallet-operator-manager paths="./..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: ## Generate deepcopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## go fmt.
	$(GO) fmt ./...

.PHONY: vet
vet: ## go vet.
	$(GO) vet ./...

.PHONY: verify-generated
verify-generated: ## Fail when generated files are stale.
	hack/verify-generated.sh

.PHONY: envtest
envtest: ## Build (once) the kube-apiserver and etcd the tests run against.
	hack/setup-envtest.sh >/dev/null

# A count, not a duration: a duration-based -fuzztime can fail with a bare
# "context deadline exceeded" when it expires mid-input (golang/go#75804).
FUZZTIME ?= 10000x

# go test through gotestsum (a go.mod tool): the same output as go test,
# then the tests skipped, each with its reason, and a count (a skip must be
# seen, not silent).
GOTEST = $(GO) tool gotestsum --format standard-quiet --format-icons text --

# The oldest Kubernetes the README supports. make test runs the CRDs'
# validation and the install's tests (both components with their RBAC,
# every manifest's server-side dry run) again against it, as the same
# kube-apiserver emulates it (--emulated-version: 1.33 to 1.36 here).
OLDEST_KUBE_VERSION = 1.33
OLDEST_KUBE_PACKAGES = ./api/... ./test/deploy
.PHONY: test
test: verify-generated vet ## Run every test against a real API server (the router's fuzz corpus too), and the pure-logic fuzz targets for 10,000 inputs.
	hack/setup-s3.sh >/dev/null # built once here, not by each package that needs it
	# Beside them, the web service's tests again with registrations in
	# PostgreSQL (both registration stores pass the same protocol, push and
	# webhook tests), the install's packages against the oldest Kubernetes
	# supported, and the pure-logic fuzz targets (whose instrumented
	# build is long): the packages leave a core idle while they wait on API
	# servers. Test binaries are linked without DWARF (-w): nobody debugs
	# them here, and the linker is faster without.
	assets="$$(hack/setup-envtest.sh | tail -n1)"; pglog="$$(mktemp)"; oldlog="$$(mktemp)"; fuzzlog="$$(mktemp)"; \
	KUBEBUILDER_ASSETS="$$assets" WALLET_REGISTRATION_STORE=postgres $(GOTEST) ./webservice -count=1 -ldflags=-w $(TESTFLAGS) >"$$pglog" 2>&1 & pg=$$!; \
	KUBEBUILDER_ASSETS="$$assets" WALLET_TEST_KUBE_VERSION=$(OLDEST_KUBE_VERSION) $(GOTEST) $(OLDEST_KUBE_PACKAGES) -count=1 -ldflags=-w $(TESTFLAGS) >"$$oldlog" 2>&1 & old=$$!; \
	$(MAKE) --no-print-directory fuzz-logic >"$$fuzzlog" 2>&1 & fuzz=$$!; \
	rc=0; KUBEBUILDER_ASSETS="$$assets" $(GOTEST) ./... -count=1 -ldflags=-w $(TESTFLAGS) || rc=$$?; \
	pgrc=0; wait $$pg || pgrc=$$?; echo "# ./webservice with WALLET_REGISTRATION_STORE=postgres:"; cat "$$pglog"; rm -f "$$pglog"; \
	oldrc=0; wait $$old || oldrc=$$?; echo "# $(OLDEST_KUBE_PACKAGES) against Kubernetes $(OLDEST_KUBE_VERSION) (WALLET_TEST_KUBE_VERSION):"; cat "$$oldlog"; rm -f "$$oldlog"; \
	fuzzrc=0; wait $$fuzz || fuzzrc=$$?; echo "# make fuzz-logic:"; cat "$$fuzzlog"; rm -f "$$fuzzlog"; \
	[ $$rc -eq 0 ] && [ $$pgrc -eq 0 ] && [ $$oldrc -eq 0 ] && [ $$fuzzrc -eq 0 ]

.PHONY: fuzz
fuzz: fuzz-logic ## Run each fuzz target for FUZZTIME (inputs, e.g. 1000000x; or a duration).
	# The whole web service router against a real API server: one worker, which starts its own.
	$(GO) test ./webservice -run '^$$' -fuzz '^FuzzRouter$$' -fuzztime $(FUZZTIME) -parallel 1
	# Bundle keys (their instrumented build holds the S3 client: make fuzz only).
	$(GO) test ./internal/bundle -run '^$$' -fuzz '^FuzzKeyRoundTrip$$' -fuzztime $(FUZZTIME)

# The fuzz targets of pure logic, which make test runs too. The router's
# (above) is left to make fuzz: its instrumented build is the whole web
# service's dependency graph (about 5 minutes of CPU on a fresh machine);
# the inputs it found that reach new code are kept in
# webservice/testdata/fuzz/FuzzRouter, and every go test replays them.
.PHONY: fuzz-logic
fuzz-logic:
	$(GO) test ./internal/render -run '^$$' -fuzz '^FuzzRenderData$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/render -run '^$$' -fuzz '^FuzzStringsRoundTrip$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/barcodes -run '^$$' -fuzz '^FuzzCheckThenEncode$$' -fuzztime $(FUZZTIME)

PASSES ?= 10000
BUNDLE_STORE ?= configmap

.PHONY: scale
scale: ## Load run: PASSES passes of one template, a bare client's rate beside the operator's (creation and a template change), bundles in BUNDLE_STORE (configmap or s3; figures on stdout).
	assets="$$(hack/setup-envtest.sh | tail -n1)"; \
	KUBEBUILDER_ASSETS="$$assets" WALLET_SCALE_PASSES=$(PASSES) WALLET_SCALE_BUNDLE_STORE=$(BUNDLE_STORE) $(GO) test ./test/scale -count=1 -timeout 120m -v -run TestScale

.PHONY: push-load
# REGISTRATION_STORE=postgres: DEVICES registrations (1,000,000 by default)
# over 1,000 passes, pushed by one web-service replica, then by two.
REGISTRATION_STORE ?= kubernetes
DEVICES ?= 1000000
push-load: ## Load run: fan-out and change-to-push latency (kubernetes), or DEVICES pushed from PostgreSQL (REGISTRATION_STORE=postgres); figures on stdout.
	assets="$$(hack/setup-envtest.sh | tail -n1)"; \
	if [ "$(REGISTRATION_STORE)" = postgres ]; then run='^TestPushLoadPostgres$$'; else run='^TestPushLoad$$'; fi; \
	KUBEBUILDER_ASSETS="$$assets" WALLET_PUSH_LOAD=1 WALLET_REGISTRATION_STORE=$(REGISTRATION_STORE) WALLET_PUSH_DEVICES=$(DEVICES) \
	  $(GO) test ./test/push -count=1 -timeout 60m -v -run "$$run"

.PHONY: bench-registrations
bench-registrations: ## The protocol's register, list-serials and 304 paths with each registration store, one after the other.
	assets="$$(hack/setup-envtest.sh | tail -n1)"; \
	for store in kubernetes postgres; do echo "registration store: $$store"; \
	  KUBEBUILDER_ASSETS="$$assets" WALLET_REGISTRATION_STORE=$$store $(GO) test ./webservice -count=1 -run '^$$' \
	    -bench '^Benchmark(Register|ListSerials|NotModified)$$' -benchtime 3000x | grep -E '^Benchmark'; done

.PHONY: bench
bench: ## Render+sign+zip against a bare RSA 2048 signature, one core.
	$(GO) test ./internal/render -run '^$$' -bench . -benchmem -cpu 1 -count 6

##@ Build

# The same build settings as the tests', so one compile of the module's
# dependencies serves the binary, vet and every test (a fresh machine
# compiles them once, not twice). The image and the release archives are
# the same settings with the version linked in (Dockerfile, make release).
.PHONY: build
build: ## Build bin/wallet-operator.
	@echo "go build -o $(BIN) . ($(VERSION))"
	@$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

PLUGIN_DIR ?= $(HOME)/.local/bin

.PHONY: install-plugin
install-plugin: build ## Install the binary as the kubectl plugin (kubectl wallet): a kubectl-wallet link in PLUGIN_DIR (default ~/.local/bin, which must be on PATH).
	mkdir -p $(PLUGIN_DIR)
	ln -sf $(abspath $(BIN)) $(PLUGIN_DIR)/kubectl-wallet
	@echo "installed $(PLUGIN_DIR)/kubectl-wallet: try kubectl wallet --help"

PLATFORMS ?= linux/amd64,linux/arm64,darwin/amd64,darwin/arm64
DIST ?= dist
SBOM ?= true

.PHONY: release
release: ## Build a release offline into dist/ (VERSION=v0.1.0): install.yaml and one file per component, the Helm chart, archives for PLATFORMS, the krew manifest, an SBOM, checksums.
	$(GO) run ./hack/release -version $(VERSION) -revision "$(REVISION)" -platforms "$(PLATFORMS)" -sbom=$(SBOM) -out $(DIST)

# Where publish-chart pushes the chart, and helm's flags for it (a local
# registry without TLS: --plain-http).
CHART_REPO ?= oci://ghcr.io/wallet-operator/charts
HELM_FLAGS ?=
.PHONY: publish-chart
publish-chart: ## Push the Helm chart of the release in DIST (make release first) to CHART_REPO as an OCI artifact, with helm (a go.mod tool; log in first: go tool helm registry login ghcr.io).
	$(GO) tool helm push $(DIST)/wallet-operator-$(patsubst v%,%,$(VERSION)).tgz $(CHART_REPO) $(HELM_FLAGS)

.PHONY: run
run: manifests generate ## Run the manager against the cluster of the current kubeconfig.
	$(GO) run . manager $(ARGS)
