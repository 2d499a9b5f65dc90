# baton-azure and azsim. Run `make help` for the targets.
GO        ?= go
BIN       ?= bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
PRESET    ?= small
SEED      ?= 1
STATE_DIR ?= .azsim

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build all binaries into ./bin (version stamped from git).
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...

.PHONY: test
test: lint ## Lint, then run the full test suite with the race detector (what CI runs).
	$(GO) test -race -count=1 ./...
	cd deploy/kubernetes && $(GO) test -count=1 ./...

# Development tools, pinned in tools/go.mod (a module of its own, so the main module's `./...` never
# includes it) and built from the module proxy: baton-sdk's `baton` CLI and staticcheck.
TOOLS     := $(BIN)/baton $(BIN)/staticcheck
GO_DIRS   := cmd pkg internal deploy tools

.PHONY: tools
tools: $(TOOLS) ## Build the pinned tools (baton CLI, staticcheck) from tools/go.mod into ./bin.

$(BIN)/baton: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o $(abspath $(BIN))/ github.com/conductorone/baton-sdk/cmd/baton

$(BIN)/staticcheck: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o $(abspath $(BIN))/ honnef.co/go/tools/cmd/staticcheck

.PHONY: lint
lint: $(BIN)/staticcheck ## Static checks: gofmt, go vet and staticcheck (staticcheck.conf).
	@test -z "$$(gofmt -l $(GO_DIRS))" || (echo "gofmt needed:"; gofmt -l $(GO_DIRS); exit 1)
	$(GO) vet ./...
	$(BIN)/staticcheck ./...
	cd deploy/kubernetes && $(GO) vet ./... && $(abspath $(BIN))/staticcheck ./...

.PHONY: demo
demo: build $(BIN)/baton ## Sync a simulated tenant (azsim, small preset) into demo/sync.c1z and print a summary.
	$(BIN)/azdemo --dir demo --baton-azure $(BIN)/baton-azure

.PHONY: sim
sim: build ## Serve an azsim tenant on loopback (PRESET, SEED); writes $(STATE_DIR)/endpoints.json.
	$(BIN)/azsim serve --preset $(PRESET) --seed $(SEED) --state-dir $(STATE_DIR)

# `make bench` benchmarks the medium tenant unless PRESET is given; BENCH_FLAGS go to azbench, e.g.
# BENCH_FLAGS='--connector-arg=--disable-rbac-inheritance --workers 4 --throttle off'.
BENCH_PRESET = $(if $(filter file,$(origin PRESET)),medium,$(PRESET))
BENCH_FLAGS ?=

.PHONY: bench
bench: build ## Benchmark a full sync against azsim (PRESET=medium|large…, BENCH_FLAGS); report in .bench/ (BENCHMARKS.md).
	$(BIN)/azbench --preset $(BENCH_PRESET) --seed $(SEED) --baton-azure $(BIN)/baton-azure $(BENCH_FLAGS)

.PHONY: bench-gen
bench-gen: ## Benchmark tenant generation (includes the large preset).
	$(GO) test -run '^$$' -bench 'Generate' -benchtime 1x -benchmem ./pkg/azsim/gen/

.PHONY: bench-sim
bench-sim: ## Benchmark azsim serving list pages.
	$(GO) test -run '^$$' -bench 'Serve' -benchmem ./pkg/azsim/

.PHONY: generate
generate: ## Regenerate conf.gen.go, baton_capabilities.json, config_schema.json, docs/configuration.md and generator goldens.
	cd pkg/config && $(GO) generate . && gofmt -w conf.gen.go
	$(GO) build -o $(BIN)/baton-azure ./cmd/baton-azure
	$(BIN)/baton-azure capabilities > baton_capabilities.json
	$(BIN)/baton-azure config > config_schema.json
	$(GO) test ./internal/configdoc/ -run Fresh -update
	$(GO) test ./pkg/azsim/gen/ -run Golden -update

# `make soak` runs the long fault suite (test/reliability with BATON_AZURE_SOAK=1): full syncs of the
# SOAK_PRESETS tenants under every fault profile with realistic Retry-After values, kill -9 at more seeds,
# and writes the figures table to $(SOAK_REPORT) (copy it into docs/reliability.md).
SOAK_PRESETS ?= small medium
SOAK_REPORT  ?= .soak/figures.md

.PHONY: soak
soak: ## Long fault suite: storms on small and medium, more kill seeds; figures in .soak/figures.md.
	@mkdir -p $(dir $(SOAK_REPORT))
	BATON_AZURE_SOAK=1 BATON_AZURE_SOAK_PRESETS="$(SOAK_PRESETS)" BATON_AZURE_SOAK_REPORT="$(abspath $(SOAK_REPORT))" \
		$(GO) test -count=1 -timeout 3h -v ./test/reliability/
