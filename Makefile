# callconform: every command a user or CI needs. Only Go is required.
GO        ?= go
TARGET    ?=
REPORTS   ?= reports
# Extra flags for the suite binary, e.g. SUITE_FLAGS='--ginkgo.label-filter=invite --vars=sandbox.yaml'
SUITE_FLAGS ?=
BIN       ?= bin
PKGS      := ./...

GINKGO    := $(GO) tool ginkgo

.PHONY: all conformance scenarios test lint build bench suite-binary manifest clean help

all: lint test

help: ## show the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

conformance: ## run the conformance suite against the embedded simulator (or TARGET=URL); reports in reports/
	@mkdir -p $(REPORTS)
	$(GINKGO) -p --no-color ./suites -- \
	  --report-dir=$(abspath $(REPORTS)) $(if $(TARGET),--target=$(TARGET)) $(SUITE_FLAGS)

scenarios: ## run the fixtures with the CLI alone (replay run), against the embedded simulator or TARGET
	$(GO) run ./cmd/replay run $(if $(TARGET),--target $(TARGET))

test: lint ## run every test, with the race detector
	$(GO) test -race -count=1 -timeout 8m $(PKGS)

lint: ## gofmt check and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

build: ## build bin/replay
	$(GO) build -o $(BIN)/replay ./cmd/replay

suite-binary: ## build bin/callconform.test: the suite, fixtures included, runnable anywhere with the same flags
	$(GO) test -c -o $(BIN)/callconform.test ./suites

manifest: ## regenerate suites/conformance.yaml from the fixtures and the specs' MUST comments
	$(GO) test ./suites/internal/manifest -update

bench: ## run the benchmarks named in the issues
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean: ## remove build output and reports
	rm -rf $(BIN) $(REPORTS)
