# Pylon-Go. The two commands that matter on a fresh machine:
#
#   make run    build the binary and run the service (writes a local .env on first use)
#   make test   run every test, with the race detector
#
# Both fetch the Go modules first. Everything else here is a convenience.

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

# What `make run` runs against. Today: the settings in RUN_ENV_FILE (./.env,
# created on first use with fresh tokens), i.e. the network named there
# (finney unless you change it). To run against the local devnet instead, point
# RUN_ENV_FILE at the .env the devnet generates and add the target that starts
# the chain to RUN_DEPS, e.g.
#
#   RUN_DEPS     := devnet-up
#   RUN_ENV_FILE := devnet/.run/devnet.env
RUN_DEPS     ?=
RUN_ENV_FILE ?= .env

.PHONY: help deps build run test lint fmt vet ci docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

deps: ## download the Go modules (pinned in go.mod/go.sum)
	$(GO) mod download

build: deps ## build bin/pylon (static, with version information)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/pylon

run: build $(RUN_DEPS) $(RUN_ENV_FILE) ## run the service with RUN_ENV_FILE (default ./.env)
	PYLON_ENV_FILE=$(RUN_ENV_FILE) ./$(BIN) serve

test: deps ## run all tests with the race detector
	$(GO) test -race $(TESTFLAGS) ./...

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

# First `make run`: a local .env listening on loopback, with fresh random
# tokens. Edit it (identities, network) using deploy/env.template.
.env:
	@echo "make run: writing ./.env with fresh tokens (see deploy/env.template for every setting)"
	@umask 077; { \
	  echo "# Written by 'make run'. Every setting is described in deploy/env.template."; \
	  echo "PYLON_LISTEN_ADDRESS=127.0.0.1:8000"; \
	  echo "PYLON_OPEN_ACCESS_TOKEN=$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"; \
	  echo "PYLON_METRICS_TOKEN=$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"; \
	} > $@
