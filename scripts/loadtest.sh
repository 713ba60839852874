#!/usr/bin/env bash
# Range-request load on published audio: Loa next to nginx serving the same
# file on the same machine, in the same run. Prints one line per server and
# the ratio. DURATION (default 30s) and CLIENTS (default 200) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
duration="${DURATION:-30s}"
clients="${CLIENTS:-200}"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

command -v nginx >/dev/null || scripts/deps.sh test
go build -o "$work/loa" ./cmd/loa
go build -o "$work/loadgen" ./cmd/loadgen

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
loa_port=$(port); nginx_port=$(port)
LOA_ADDR=127.0.0.1:$loa_port LOA_DATA_DIR="$work/data" LOA_EDITOR_TOKEN=t LOA_LOG_LEVEL=warn "$work/loa" serve 2>"$work/loa.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$loa_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
"$work/loa" submit --server "http://127.0.0.1:$loa_port" --token t --id load --file testdata/samples/ngaynay-trieu-tien-nga.html --wait 5m >/dev/null 2>&1
audio="http://127.0.0.1:$loa_port/audio/load.mp3"
mkdir -p "$work/www" "$work/nginx/logs"
curl -fs "$audio" -o "$work/www/load.mp3"
cat > "$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 2;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  types { audio/mpeg mp3; }
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$nginx_port/load.mp3" && break; sleep 0.1; done

loa_json=$("$work/loadgen" -url "$audio" -clients "$clients" -duration "$duration" -json)
nginx_json=$("$work/loadgen" -url "http://127.0.0.1:$nginx_port/load.mp3" -clients "$clients" -duration "$duration" -json)
python3 - "$loa_json" "$nginx_json" <<'PY'
import json, sys
loa, ngx = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for name, r in (("loa", loa), ("nginx", ngx)):
    print(f"{name:6} {r['requests_per_second']:9.0f} req/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  errors {r['errors']}  ({r['requests']} requests, {r['clients']} clients, {r['seconds']:.0f} s)")
print(f"ratio loa/nginx: throughput {loa['requests_per_second']/ngx['requests_per_second']:.2f}, p99 {loa['p99_ms']/max(ngx['p99_ms'],1e-9):.2f}")
sys.exit(1 if loa['errors'] or ngx['errors'] else 0)
PY
