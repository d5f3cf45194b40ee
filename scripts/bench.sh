#!/usr/bin/env bash
# make bench: every benchmark family with an iteration count that suits it,
# against real services (PostgreSQL with fsync on, Meilisearch) started by
# testenv.sh and stopped afterwards. Numbers go to docs/BENCHMARKS.md with
# the machine and the date.
#   PORTEE_BENCH_SIZES=10k,100k   search index sizes (default both)
#   PORTEE_BENCH_500K=0           skip the 500k-offer Meilisearch run (long)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}
export PORTEE_TESTENV_DURABLE=1
export PORTEE_BENCH_500K=${PORTEE_BENCH_500K:-1}

run() {
	cat <<'INNER'
set -euo pipefail
GO=${GO:-go}
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%F) $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
b() { echo; echo "== go test -run '^\$' -bench '$1' -benchtime $2 $3"; $GO test -run '^$' -bench "$1" -benchtime "$2" -benchmem "$3"; }
b 'BenchmarkUpsertOffer' 2000x ./catalog/
b 'BenchmarkIngest' 3000x ./federation/
b 'BenchmarkFanout1000' 3x ./federation/
b '.' 1s ./federation/vocab/
b '.' 1s ./search/gazetteer/
b 'BenchmarkGenerate100k' 3x ./catalog/catalogtest/synth/
b 'Embedded|Meilisearch' 3x ./search/
b 'BenchmarkResultsPage' 300x ./frontend/
b 'BenchmarkRenderResults' 1s ./frontend/
b 'BenchmarkEditToSearch' 10x ./internal/demo/
INNER
}
exec scripts/testenv.sh bash -c "$(run)"
