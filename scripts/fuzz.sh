#!/usr/bin/env bash
# Runs every Fuzz target of the module in turn, FUZZTIME each (default 20s).
# Targets are discovered with `go test -list`, so new ones need no listing.
#
#   scripts/fuzz.sh [PACKAGES...]      (default ./...)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
FUZZTIME=${FUZZTIME:-20s}
GO=${GO:-go}
[[ $# -gt 0 ]] || set -- ./...

list=$(mktemp)
trap 'rm -f "$list"' EXIT

# `go test -list` prints a package's matching names, then its "ok" line.
if ! "$GO" test -list '^Fuzz' "$@" >"$list" 2>&1; then
	cat "$list" >&2
	echo "fuzz: listing the targets failed" >&2
	exit 1
fi
mapfile -t targets < <(awk '
	/^Fuzz/ { names[n++] = $1; next }
	/^ok[ \t]/ { for (i = 0; i < n; i++) print $2, names[i]; n = 0 }
' "$list")

passed=0
failed=0
failures=()
for entry in "${targets[@]}"; do
	pkg=${entry% *}
	name=${entry#* }
	echo "fuzz: $pkg $name for $FUZZTIME" >&2
	if "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$pkg $name")
	fi
done
for f in "${failures[@]}"; do
	echo "fuzz: FAILED $f (the crasher is saved under testdata/fuzz/ of its package)" >&2
done
echo "fuzz targets: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
