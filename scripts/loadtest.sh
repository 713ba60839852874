#!/usr/bin/env bash
# Range-request load on published audio: Loa next to nginx serving the same
# file on the same machine, in the same run (the Range rows of make bench).
# DURATION (default 30s) and CLIENTS (default 200) tune it; ROUNDS (default
# 1) repeats it and reports medians. Exits non-zero when a request failed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
exec go run ./cmd/loabench -only range -load-duration "${DURATION:-30s}" -clients "${CLIENTS:-200}" -load-rounds "${ROUNDS:-1}" "$@"
