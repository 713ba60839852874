#!/usr/bin/env bash
# make run: start Loa on the embedded defaults, submit the sample article,
# print the URL of its page, and keep serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

addr="${LOA_ADDR:-127.0.0.1:8080}"
export LOA_ADDR="$addr"
export LOA_DATA_DIR="${LOA_DATA_DIR:-./data}"
if [ -z "${LOA_EDITOR_TOKEN:-}" ]; then
  mkdir -p "$LOA_DATA_DIR"
  tokfile="$LOA_DATA_DIR/.editor-token"
  [ -s "$tokfile" ] || head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tokfile"
  LOA_EDITOR_TOKEN="$(cat "$tokfile")"
  export LOA_EDITOR_TOKEN
fi

log="$LOA_DATA_DIR/loa.log"
mkdir -p "$LOA_DATA_DIR"
bin/loa serve >>"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' INT TERM EXIT

echo "Loa is starting on http://$addr (log: $log)."
echo "Editor dashboard: http://$addr/admin (token: $LOA_EDITOR_TOKEN)"
echo "Podcast feed:     http://$addr/feeds/all.xml"
echo "Serving until Ctrl-C. The sample article's page:"
bin/loa submit --server "http://$addr" --token "$LOA_EDITOR_TOKEN" \
  --id sample-trieu-tien-nga --file testdata/samples/ngaynay-trieu-tien-nga.html --wait 5m
wait $server
