# callconform: every command a user or CI needs. Only Go is required.
GO        ?= go
TARGET    ?=
REPORTS   ?= reports
# The profile a TARGET implements (beta-2018 or v1.0); the embedded
# simulator runs under both.
PROFILE   ?= beta-2018
CONFORMANCE_PROFILES = $(if $(TARGET),$(PROFILE),beta-2018 v1.0)
# Extra flags for the suite binary, e.g. SUITE_FLAGS='--ginkgo.label-filter=invite --vars=sandbox.yaml'
SUITE_FLAGS ?=
BIN       ?= bin
PKGS      := ./...

GINKGO    := $(GO) tool ginkgo
# Tools run at a pinned version, outside the module's dependencies.
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := $(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB    ?= https://vuln.go.dev
FUZZTIME  ?= 60s
STRESS_COUNT ?= 3

# Build with the Go release go.mod names (its toolchain line: a release with
# the standard library's security fixes), even where GOTOOLCHAIN=local is set;
# the go command fetches it from the module proxy once. A newer local Go is
# used as it is.
export GOTOOLCHAIN := auto

.PHONY: all conformance scenarios test lint build bench suite-binary manifest clean help stress fuzz vuln interop

all: lint test

help: ## show the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

conformance: ## run the conformance suite against the embedded simulator under both profiles (or TARGET=URL under PROFILE); reports in reports/<profile>/
	@echo "conformance: compiling the suite (a minute the first time), then running it against $(if $(TARGET),$(TARGET),the embedded simulator) under $(CONFORMANCE_PROFILES)"
	@failed=; for p in $(CONFORMANCE_PROFILES); do \
	  mkdir -p $(abspath $(REPORTS))/$$p; \
	  echo "conformance: profile $$p, reports in $(REPORTS)/$$p/"; \
	  $(GINKGO) -p --no-color ./suites -- --profile=$$p \
	    --report-dir=$(abspath $(REPORTS))/$$p $(if $(TARGET),--target=$(TARGET)) $(SUITE_FLAGS) || failed="$$failed $$p"; \
	done; \
	for p in $(CONFORMANCE_PROFILES); do \
	  case " $$failed " in *" $$p "*) echo "conformance: $$p FAILED (reports in $(REPORTS)/$$p/)";; *) echo "conformance: $$p passed";; esac; \
	done; \
	test -z "$$failed"

scenarios: ## run the fixtures with the CLI alone (replay run), against the embedded simulator or TARGET
	$(GO) run ./cmd/replay run $(if $(TARGET),--target $(TARGET))

test: lint ## run every test, with the race detector
	$(GO) test -race -count=1 -timeout 8m $(PKGS)

lint: ## gofmt, go vet, staticcheck, and go.mod/go.sum tidy
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; }

stress: ## go test -race -count=3 (STRESS_COUNT) of every package while a CPU hog keeps every core busy, as on CI's shared machine
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/cpuhog ./internal/cpuhog
	@$(BIN)/cpuhog -for 60m & hog=$$!; trap 'kill $$hog 2>/dev/null' EXIT INT TERM; \
	  echo "stress: every core busy (cpuhog pid $$hog); go test -race -count=$(STRESS_COUNT)"; \
	  $(GO) test -race -count=$(STRESS_COUNT) -timeout 30m $$($(GO) list $(PKGS) | grep -v '/suites$$') || exit 1; \
	  for i in $$(seq $(STRESS_COUNT)); do \
	    echo "stress: the Ginkgo suite, run $$i of $(STRESS_COUNT) (Ginkgo refuses -count)"; \
	    $(GO) test -race -count=1 -timeout 10m ./suites || exit 1; \
	  done

fuzz: ## run every fuzz target for FUZZTIME each (default 60s); make test runs their seed corpora
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz: $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

vuln: ## report known vulnerabilities reachable from the code (govulncheck), where its database can be reached
	@out=$$($(GOVULNCHECK) -db $(VULNDB) ./... 2>&1); rc=$$?; \
	  if [ $$rc -ne 0 ] && echo "$$out" | grep -q 'fetching vulnerabilities'; then \
	    echo "vuln: the vulnerability database $(VULNDB) cannot be reached from here; nothing was checked."; \
	    echo "vuln: run 'make vuln' where it can, or point VULNDB at a copy (VULNDB=file:///path/to/vulndb)."; exit 0; fi; \
	  echo "$$out"; exit $$rc

interop: ## Microsoft's Graph SDK for Go against the simulator (nested module interop/msgraph-sdk-go); compiling the SDK takes minutes and ~4.5 GB the first time
	cd interop/msgraph-sdk-go && $(GO) mod tidy -diff && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 20m ./...

build: ## build bin/replay
	$(GO) build -o $(BIN)/replay ./cmd/replay

suite-binary: ## build bin/callconform.test: the suite, fixtures included, runnable anywhere with the same flags
	$(GO) test -c -o $(BIN)/callconform.test ./suites

manifest: ## regenerate suites/conformance.yaml from the fixtures and the specs' MUST comments
	$(GO) test ./suites/internal/manifest -update

bench: ## run every benchmark (figures per flow, per request, per notification)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean: ## remove build output and reports
	rm -rf $(BIN) $(REPORTS)
