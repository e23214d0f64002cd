#!/usr/bin/env bash
# Makes sure a Chromium is available for the browser tests (chromedp).
#
# - If $CHROME_BIN, `chromium` or `chromium-browser` is found, there is nothing to do.
# - Otherwise, when running as root, install Debian's `chromium` package with apt-get.
# - Otherwise print that browser tests will be skipped; exit 1 if CI is set, since
#   CI must run every test.
set -euo pipefail

# fonts: the pages are Chinese, and a screenshot without a CJK font shows boxes. grep reads the
# whole list (no -q): with pipefail, a grep that stops at the first match makes fc-list die of
# SIGPIPE now and then, and the check fail although the fonts are there.
fonts() { fc-list 2>/dev/null | grep -i "noto sans cjk\|wenquanyi" >/dev/null; }

found() {
	fonts || return 1
	if [[ -n "${CHROME_BIN:-}" ]] && command -v "$CHROME_BIN" >/dev/null 2>&1; then
		return 0
	fi
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

if found; then
	exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium: installing chromium with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq chromium fonts-noto-cjk
	if found; then
		exit 0
	fi
	echo "install-chromium: apt-get finished but no chromium is on PATH" >&2
	exit 1
fi

echo "install-chromium: no Chromium found (set CHROME_BIN or install the chromium package as root);" \
	"browser tests will be skipped" >&2
if [[ -n "${CI:-}" ]]; then
	exit 1
fi
exit 0
