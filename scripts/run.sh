#!/usr/bin/env bash
# make run: start a local Meilisearch (unless one answers at MEILI_URL), migrate and seed the
# SQLite database with demo data, then run the portal in the foreground. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p var

meili_bin="${MEILI_BIN:-.tools/meilisearch}"
export MEILI_URL="${MEILI_URL:-http://127.0.0.1:7700}"
if [[ -z "${MEILI_MASTER_KEY:-}" ]]; then
	[[ -s var/meili.key ]] || (umask 077; od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >var/meili.key)
	MEILI_MASTER_KEY="$(cat var/meili.key)"
	export MEILI_MASTER_KEY
fi

meili_pid=""
stop() { [[ -n "$meili_pid" ]] && kill "$meili_pid" 2>/dev/null && wait "$meili_pid" 2>/dev/null; true; }
trap stop EXIT

if curl -sf "$MEILI_URL/health" >/dev/null 2>&1; then
	echo "Using the Meilisearch already answering at $MEILI_URL"
else
	hostport="${MEILI_URL#http://}"
	"$meili_bin" --http-addr "$hostport" --db-path var/meili --master-key "$MEILI_MASTER_KEY" \
		--no-analytics --env development --max-indexing-memory 512MiB --dump-dir var/meili-dumps --snapshot-dir var/meili-snapshots \
		>var/meilisearch.log 2>&1 &
	meili_pid=$!
	for _ in $(seq 1 100); do
		curl -sf "$MEILI_URL/health" >/dev/null 2>&1 && break
		kill -0 "$meili_pid" 2>/dev/null || { echo "Meilisearch failed to start; see var/meilisearch.log" >&2; tail -5 var/meilisearch.log >&2; exit 1; }
		sleep 0.1
	done
	echo "Meilisearch started at $MEILI_URL (pid $meili_pid, log var/meilisearch.log)"
fi

# The footer names the operating office, its hotline and ICP number; the demo says plainly
# that it has none (set the real ones in production).
export PORTAL_OPERATOR="${PORTAL_OPERATOR:-【演示】专业镇人才服务平台(演示环境,非政府官方网站)}"
export PORTAL_HOTLINE="${PORTAL_HOTLINE:-演示环境未开通}"
export PORTAL_ICP="${PORTAL_ICP:-演示环境未备案}"
bin/portal migrate
bin/portal seed --demo
bin/portal serve
