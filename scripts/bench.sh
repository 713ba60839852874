#!/usr/bin/env bash
# make bench: one table of Loa's performance figures, each next to a
# baseline measured in the same run (medians of several runs). Flags go to
# cmd/loabench: -quick (smoke run), -markdown, -json, -only GROUPS, -runs N.
# The catalog group fills an archive of BENCH_ARTICLES articles (100,000 by
# default) and a baseline one of 10,000 on SQLite and on PostgreSQL (started
# by scripts/postgres.sh), and measures the two in turn.
# Exits non-zero only when a figure could not be measured.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
exec go run ./cmd/loabench "$@"
