# Pylon-Go. The two commands that matter on a fresh machine:
#
#   make run    start a local devnet (the real subtensor runtime) and run the service against it
#   make test   run every test, with the race detector
#
# Both install what they need first (Go modules, the devnet's npm packages).
# `make serve` runs the service against the network configured in ./.env instead.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
BIN       := bin/pylon
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
TESTFLAGS ?=

# The devnet's run directory: up.mjs writes the chain's .env and wallets here.
DEVNET_RUN := devnet/.run
SERVE_ENV_FILE ?= .env

.PHONY: help deps devnet-deps devnet devnet-up devnet-down build run serve test fuzz crosscheck lint fmt vet ci docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## download the Go modules (pinned in go.mod/go.sum)
	$(GO) mod download

devnet-deps: ## install the devnet's npm packages (pinned by devnet/package-lock.json)
	@if [[ ! -d devnet/node_modules ]] || [[ devnet/package-lock.json -nt devnet/node_modules ]]; then \
	  cd devnet && npm ci --ignore-scripts --no-audit --no-fund && touch node_modules; \
	fi

devnet: devnet-deps ## run the local devnet in the foreground (Ctrl-C stops it)
	node devnet/up.mjs

devnet-up: devnet-deps ## start the local devnet in the background
	node devnet/up.mjs --detach

devnet-down: ## stop the background devnet
	node devnet/up.mjs down

build: deps ## build bin/pylon (static, with version information)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/pylon

run: build devnet-deps ## start a devnet and run the service against it (Ctrl-C stops both)
	node devnet/up.mjs --detach
	trap 'node devnet/up.mjs down' EXIT; PYLON_ENV_FILE=$(DEVNET_RUN)/.env ./$(BIN) serve

serve: build $(SERVE_ENV_FILE) ## run the service with SERVE_ENV_FILE (default ./.env) against its configured network
	PYLON_ENV_FILE=$(SERVE_ENV_FILE) ./$(BIN) serve

test: deps devnet-deps ## run all tests with the race detector (devnet tests start their own chains)
	$(GO) test -race $(TESTFLAGS) ./...

# Every fuzz target, as package:Target. `make fuzz FUZZTIME=5m` for a longer hunt; a failing input
# is saved under the package's testdata/fuzz and becomes a regression test.
FUZZTIME ?= 10s
FUZZ_TARGETS := internal/chain/scale:FuzzDecoder \
	internal/chain/metadata:FuzzDynamicDecoder internal/chain/metadata:FuzzMetadataDecode \
	internal/timelock:FuzzDecrypt internal/timelock:FuzzDecodeWeightsPayload \
	internal/keys:FuzzDecodeSS58

fuzz: deps ## run every fuzz target for FUZZTIME (default 10s) each
	for t in $(FUZZ_TARGETS); do $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "./$${t%%:*}"; done

crosscheck: deps ## timelock against the Rust reference (bittensor-drand) and the weights vectors against the SDK (bittensor), wheels from PyPI; needs python3 with venv
	bash internal/timelock/crosscheck/run.sh
	bash internal/weights/testdata/run_sdk_check.sh

lint: ## golangci-lint (see .golangci.yml)
	golangci-lint run ./...

fmt: ## list files gofmt would change
	@out="$$(gofmt -l .)"; if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(GO) vet ./...

ci: ## what CI runs: format, vet, lint, tests
	bash .ci/run

docker: ## build the container image (needs a Docker daemon)
	docker build -f deploy/Dockerfile --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg BUILD_DATE=$(DATE) -t pylon-go:$(VERSION) .

clean: ## remove build output
	rm -rf bin

# First `make serve`: a local .env listening on loopback, with fresh random
# tokens. Edit it (identities, network) using deploy/env.template.
.env:
	@echo "make serve: writing ./.env with fresh tokens (see deploy/env.template for every setting)"
	@umask 077; { \
	  echo "# Written by 'make serve'. Every setting is described in deploy/env.template."; \
	  echo "PYLON_LISTEN_ADDRESS=127.0.0.1:8000"; \
	  echo "PYLON_OPEN_ACCESS_TOKEN=$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"; \
	  echo "PYLON_METRICS_TOKEN=$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"; \
	} > $@
