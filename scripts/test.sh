#!/usr/bin/env bash
# make test: install what the tests need, then run the whole suite the way
# CI does. A test whose dependency is missing fails here (LOA_TEST_REQUIRE=1).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
export LOA_TOOLS_DIR="${LOA_TOOLS_DIR:-$HOME/.cache/loa/bin}"
export LOA_TEST_REQUIRE=1
start=$(date +%s)

step() { printf '\n== %s (%ds)\n' "$*" $(( $(date +%s) - start )); }

step "system packages"
scripts/deps.sh test
step "S3 test servers"
scripts/tools.sh
step "PostgreSQL test cluster"
LOA_TEST_POSTGRES_URL="$(scripts/postgres.sh)"
export LOA_TEST_POSTGRES_URL
if [ -x scripts/web-deps.sh ]; then
  step "browser test dependencies"
  scripts/web-deps.sh
fi

step "lint"
scripts/lint.sh

step "tests with the race detector (concurrent packages)"
race_pkgs=(./storage/... ./synth ./synth/tts/... ./synth/webhook/... ./api/...)
go test -race -count=1 -timeout 20m "${race_pkgs[@]}"

step "all tests"
go test -count=1 -timeout 30m ./...

step "fuzz targets, briefly"
FUZZTIME="${FUZZTIME:-3000x}" scripts/fuzz.sh

step "done"
echo "make test passed in $(( $(date +%s) - start ))s"
