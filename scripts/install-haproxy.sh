#!/usr/bin/env bash
# Makes sure HAProxy is available for `make cluster` and the production-shape fault test.
# As root, installs Debian's `haproxy` package with apt-get when it is missing (only the
# binary is used: the tests and scripts run it as their own process, never the system
# service). Otherwise it says the fault test will be skipped; exit 1 if CI is set.
set -euo pipefail
command -v haproxy >/dev/null 2>&1 && exit 0
if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
	echo "install-haproxy: installing haproxy with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq haproxy || { apt-get update -qq && apt-get install -y -qq haproxy; }
	command -v haproxy >/dev/null 2>&1 && exit 0
	echo "install-haproxy: apt-get finished but no haproxy is on PATH" >&2
	exit 1
fi
echo "install-haproxy: haproxy is missing and this is not root; the production-shape test will be skipped" >&2
[[ -z "${CI:-}" ]]
