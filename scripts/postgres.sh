#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on 127.0.0.1, reused across
# runs like the S3 test servers. Needs Debian's postgresql package
# (scripts/deps.sh test). No docker, no system service.
#
#   scripts/postgres.sh          start the cluster if needed, print its URL
#   scripts/postgres.sh url      the same
#   scripts/postgres.sh stop     stop it (its folder stays for the next start)
#   scripts/postgres.sh destroy  stop it and delete its folder
#
# The URL names the database loa_test, owned by the role loa_test; tests
# make a schema of their own in it for each test.
set -euo pipefail

bin="${LOA_PG_BIN:-}"
if [[ -z "$bin" ]]; then
	bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
fi
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
	echo "postgres: no PostgreSQL binaries in /usr/lib/postgresql/*/bin; run scripts/deps.sh test" >&2
	exit 1
fi

# PostgreSQL refuses to run as root: as root the cluster belongs to the
# postgres user and lives where that user can reach it.
as=()
if [[ "$(id -u)" -eq 0 ]]; then
	dir="${LOA_PG_DIR:-/tmp/loa-postgres}"
	as=(runuser -u postgres --)
else
	dir="${LOA_PG_DIR:-$HOME/.cache/loa/postgres}"
fi
data="$dir/data"
portfile="$dir/port"

mkdir -p "$dir"
[[ ${#as[@]} -gt 0 ]] && chown postgres: "$dir"
exec 9>"$dir/.lock"
flock 9

running() { [[ -f "$portfile" ]] && "${as[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }
url() { echo "postgres://loa_test@127.0.0.1:$(cat "$portfile")/loa_test?sslmode=disable"; }

# A port nothing answers on (bash's /dev/tcp, so no other tool is needed).
free_port() {
	local port
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	echo "postgres: no free port found" >&2
	return 1
}

start() {
	if running; then
		url
		return
	fi
	if [[ ! -f "$data/PG_VERSION" ]]; then
		echo "postgres: initdb $data" >&2
		"${as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	local port
	port="$(free_port)"
	echo "$port" >"$portfile"
	# The server must not inherit our output (a caller's $(...) would wait for
	# it forever) nor the lock. Durability is not what tests check: fsync off keeps them fast on a
	# shared disk.
	"${as[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start \
		-o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		</dev/null >/dev/null 2>>"$dir/pg_ctl.err" 9>&-
	local psql=("${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1)
	if [[ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'loa_test'")" != "1" ]]; then
		"${psql[@]}" -c "CREATE ROLE loa_test LOGIN"
	fi
	if [[ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'loa_test'")" != "1" ]]; then
		"${psql[@]}" -c "CREATE DATABASE loa_test OWNER loa_test"
	fi
	echo "postgres: running on 127.0.0.1:$port ($dir)" >&2
	url
}

case "${1:-url}" in
url | start) start ;;
stop) running && "${as[@]}" "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null || true ;;
destroy)
	running && "${as[@]}" "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null || true
	rm -rf "$data" "$portfile"
	;;
*)
	echo "usage: $0 [url|stop|destroy]" >&2
	exit 2
	;;
esac
