# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

.PHONY: run test lint bench cluster build install install-chromium clean

## run: install Meilisearch if missing, build, migrate, seed demo data, start Meilisearch and the portal
run: install build
	@bash scripts/run.sh

## test: install Meilisearch and Chromium if missing, then run every test (PostgreSQL and Redis when they answer)
test: install install-chromium
	@bash scripts/test.sh

## lint: gofmt, go vet, and golangci-lint when it is installed
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if command -v golangci-lint >/dev/null; then golangci-lint run ./...; else echo "golangci-lint not installed; skipped"; fi

## bench: the search benchmark (100,000 synthetic postings, a real Meilisearch and portal; report in
## var/bench/), then the Go benchmarks (the outcome of 1,000 trainees × 40 days). BENCH_FLAGS="-n 2000 -duration 2s" is quick.
bench: install
	$(GO) run ./cmd/bench $(BENCH_FLAGS)
	$(GO) test -run '^$$' -bench . -benchmem ./models/

## cluster: the production shape on one box: PostgreSQL database portal_cluster, Redis db 3, two
## Meilisearch nodes, two portals and HAProxy at 127.0.0.1:8080 (deploy/README.md)
cluster: install build
	@bash scripts/cluster.sh

build:
	$(GO) build -o bin/portal ./cmd/portal

install:
	@bash scripts/install-meilisearch.sh >/dev/null

install-chromium:
	@bash scripts/install-chromium.sh

clean:
	rm -rf bin
