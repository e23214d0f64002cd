#!/usr/bin/env bash
# make cluster: the production shape on one box (SPEC §4) — one PostgreSQL database, Redis,
# two Meilisearch nodes, two portal processes and HAProxy in front, everything on 127.0.0.1.
# A Meilisearch node, portal or HAProxy that dies is started again after 2 s, as a service
# manager would (try kill -9 on one and watch the shape keep answering and the node catch up).
# Ctrl-C stops what this script started (by pid); the machine's PostgreSQL and Redis stay up.
# Every address can be changed through the environment; see deploy/README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH=/usr/local/go/bin:$PATH

dir="${CLUSTER_DIR:-var/cluster}"
db="${CLUSTER_DB:-portal_cluster}"
pg="${CLUSTER_PG:-postgres://postgres@127.0.0.1:5432}"
front="${CLUSTER_ADDR:-127.0.0.1:8080}"
redis_url="${CLUSTER_REDIS_URL:-redis://127.0.0.1:6379/3}" # a database of its own
meili_ports=(${CLUSTER_MEILI_PORTS:-7711 7712})
portal_ports=(${CLUSTER_PORTAL_PORTS:-8081 8082})
meili_bin="${MEILI_BIN:-.tools/meilisearch}"
mkdir -p "$dir"

answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_http() { # url, pid, what, log
	for _ in $(seq 1 200); do
		curl -sf "$1" >/dev/null 2>&1 && return 0
		kill -0 "$2" 2>/dev/null || { echo "$3 failed to start; see $4" >&2; tail -5 "$4" >&2; exit 1; }
		sleep 0.1
	done
	echo "$3 did not answer at $1; see $4" >&2
	exit 1
}

pids=()
stop() {
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop EXIT
stopping=""
trap 'stopping=1; exit 130' INT TERM

command -v haproxy >/dev/null || { echo "haproxy is missing: apt-get install -y haproxy" >&2; exit 1; }
answers 5432 || { echo "PostgreSQL does not answer at 127.0.0.1:5432" >&2; exit 1; }
if ! answers 6379; then
	echo "Starting Redis at 127.0.0.1:6379 (log $dir/redis.log)"
	redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no >"$dir/redis.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 50); do answers 6379 && break; sleep 0.1; done
fi

# Secrets shared by every process of the shape, kept across runs.
[[ -s "$dir/meili.key" ]] || (umask 077; od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$dir/meili.key")
[[ -s "$dir/portal.secret" ]] || (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$dir/portal.secret")
export MEILI_MASTER_KEY="$(cat "$dir/meili.key")" PORTAL_SECRET="$(cat "$dir/portal.secret")"
export DATABASE_URL="$pg/$db?sslmode=disable" REDIS_URL="$redis_url" PORTAL_TRUSTED_PROXIES=127.0.0.1

if ! psql "$pg/postgres?sslmode=disable" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
	psql "$pg/postgres?sslmode=disable" -qc "CREATE DATABASE $db"
	echo "Created the database $db"
fi

# Every process of the shape is started by one of these, so it can be started again.
declare -A started # pid -> what it is ("meili N", "portal N", "haproxy")
start_meili() { # n
	local n=$1 port="${meili_ports[$1 - 1]}"
	"$meili_bin" --http-addr "127.0.0.1:$port" --db-path "$dir/meili$n" --master-key "$MEILI_MASTER_KEY" \
		--no-analytics --env production --max-indexing-memory 512MiB --dump-dir "$dir/meili$n-dumps" --snapshot-dir "$dir/meili$n-snapshots" \
		>>"$dir/meili$n.log" 2>&1 &
	pids+=($!) started[$!]="meili $n"
	wait_http "http://127.0.0.1:$port/health" "$!" "Meilisearch node $n" "$dir/meili$n.log"
	echo "Meilisearch node $n at http://127.0.0.1:$port (pid $!)"
}
start_portal() { # n
	local n=$1 port="${portal_ports[$1 - 1]}"
	# Each portal has a folder of its own: uploads live in the database, no disk is shared.
	PORTAL_ADDR="127.0.0.1:$port" FILES_DIR="$dir/files$n" bin/portal serve >>"$dir/portal$n.log" 2>&1 &
	pids+=($!) started[$!]="portal $n"
	wait_http "http://127.0.0.1:$port/healthz" "$!" "portal $n" "$dir/portal$n.log"
	echo "portal $n at http://127.0.0.1:$port (pid $!)"
}
start_haproxy() {
	mkdir -p "$dir/haproxy"
	PORTAL_FRONT="$front" PORTAL_1="127.0.0.1:${portal_ports[0]}" PORTAL_2="127.0.0.1:${portal_ports[1]}" HAPROXY_STATE="$(realpath "$dir/haproxy")" \
		haproxy -db -f deploy/haproxy.cfg >>"$dir/haproxy.log" 2>&1 &
	pids+=($!) started[$!]="haproxy"
	wait_http "http://$front/readyz" "$!" "HAProxy" "$dir/haproxy.log"
	echo "HAProxy at http://$front (pid $!), health checks on /readyz"
}

urls=()
for i in "${!meili_ports[@]}"; do
	start_meili $((i + 1))
	urls+=("http://127.0.0.1:${meili_ports[i]}")
done
export MEILI_URL="$(IFS=,; echo "${urls[*]}")"

bin/portal migrate
bin/portal seed --demo

for i in "${!portal_ports[@]}"; do start_portal $((i + 1)); done
start_haproxy
echo
echo "Portal is running at http://$front/ (2 portals, 2 Meilisearch nodes, PostgreSQL $db, Redis $redis_url)"
echo "Logs under $dir/. Ctrl-C stops the cluster."
while true; do
	dead=""
	wait -n -p dead "${pids[@]}" || true
	[[ -z "$stopping" ]] || exit 130 # Ctrl-C reaches the children too: nothing is started again
	what="${started[$dead]:-}"
	[[ -n "$what" ]] || { echo "a process of the cluster ($dead) exited; stopping the others" >&2; exit 1; }
	alive=()
	for p in "${pids[@]}"; do [[ "$p" == "$dead" ]] || alive+=("$p"); done
	pids=("${alive[@]}")
	unset "started[$dead]"
	echo "$what (pid $dead) exited; the others keep serving; starting it again in 2 s" >&2
	sleep 2
	[[ -z "$stopping" ]] || exit 130
	case "$what" in
	meili*) start_meili "${what#meili }" ;;
	portal*) start_portal "${what#portal }" ;;
	haproxy) start_haproxy ;;
	esac
done
