# callconform: every command a user or CI needs. Only Go is required.
GO        ?= go
TARGET    ?=
REPORTS   ?= reports
BIN       ?= bin
PKGS      := ./...

.PHONY: all conformance test lint build bench suite-binary clean help

all: lint test

help: ## show the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

conformance: ## run every scenario against the embedded simulator (or TARGET=URL) and print the result
	$(GO) run ./cmd/replay run $(if $(TARGET),--target $(TARGET))

test: lint ## run every test, with the race detector
	$(GO) test -race -count=1 -timeout 8m $(PKGS)

lint: ## gofmt check and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

build: ## build bin/replay
	$(GO) build -o $(BIN)/replay ./cmd/replay

bench: ## run the benchmarks named in the issues
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean: ## remove build output and reports
	rm -rf $(BIN) $(REPORTS)
