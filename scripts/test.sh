#!/usr/bin/env bash
# make test: every test of every package. PostgreSQL and Redis runs join in when their
# TEST_* URLs are set, or when the default local servers answer; under CI they must.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
if [[ -z "${TEST_DATABASE_URL:-}" ]] && answers 5432; then
	export TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
fi
if [[ -z "${TEST_REDIS_URL:-}" ]] && answers 6379; then
	export TEST_REDIS_URL='redis://127.0.0.1:6379/9'
fi
bash scripts/install-haproxy.sh # the production-shape fault test runs HAProxy
echo "PostgreSQL tests: ${TEST_DATABASE_URL:-skipped (set TEST_DATABASE_URL)}"
echo "Redis tests:      ${TEST_REDIS_URL:-skipped (set TEST_REDIS_URL)}"
# The fuzzers of the public surface, briefly: their corpus is in handlers/testdata/fuzz, and
# a failing input they find is written there for `go test` to replay.
for target in FuzzRequestDecoding FuzzSearchParameters; do
	go test -count=1 -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-5s}" ./handlers
done
go test -count=1 -timeout 15m ./...
