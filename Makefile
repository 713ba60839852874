# Loa — see README.md. `make run` and `make test` are the two commands a
# newcomer needs; both install what is missing first.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export LOA_TOOLS_DIR ?= $(HOME)/.cache/loa/bin
GO ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build run test test-quick bench fuzz lint deps tools clean

all: build

build: ## build bin/loa
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/loa ./cmd/loa

deps: ## install missing Debian packages to build and run Loa
	scripts/deps.sh run

run: deps build ## start the server, submit the sample article, print its page URL
	scripts/run.sh

test: ## install test dependencies and run the whole suite (as CI does)
	scripts/test.sh

test-quick: ## unit tests only, without installing anything
	$(GO) test -count=1 ./...

bench: ## print the table of performance numbers
	scripts/bench.sh

fuzz: ## run every fuzz target for FUZZTIME (default 30s)
	scripts/fuzz.sh

lint: ## gofmt, go vet, staticcheck
	scripts/lint.sh

tools: ## build the S3 test servers (MinIO, versitygw) into $(LOA_TOOLS_DIR)
	scripts/tools.sh

clean:
	rm -rf bin
