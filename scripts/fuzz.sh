#!/usr/bin/env bash
# Runs every fuzz target (func FuzzXxx in *_test.go) for FUZZTIME each.
# FUZZTIME is a duration (30s) or an execution count (2000x). Go 1.26's fuzz
# coordinator can fail a duration run with a bare "context deadline exceeded"
# when a worker is mid-call at the deadline (go.dev/issue/75804, fixed in Go
# 1.27); a count has no deadline to race, so make test uses one.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-30s}"
found=0
while IFS= read -r file; do
  pkg="./$(dirname "$file")"
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    found=$((found+1))
    echo "fuzz $pkg $target for $fuzztime"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg"
  done
done < <(git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go')
echo "$found fuzz targets ran for $fuzztime each"
[ "$found" -gt 0 ]
