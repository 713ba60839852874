#!/usr/bin/env bash
# Builds the S3 servers the storage tests run against (MinIO and versitygw)
# into ${LOA_TOOLS_DIR:-$HOME/.cache/loa/bin}, each only when it is missing,
# and prints how long each build took. Safe to run repeatedly and from
# several shells at once: a lock serialises builds of the same folder.
#
#   scripts/tools.sh            build what is missing
#   scripts/tools.sh --force    rebuild both
set -euo pipefail

MINIO_PKG="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
VERSITYGW_PKG="github.com/versity/versitygw/cmd/versitygw@v1.8.0"

tools_dir="${LOA_TOOLS_DIR:-$HOME/.cache/loa/bin}"
force=0
[[ "${1:-}" == "--force" ]] && force=1

mkdir -p "$tools_dir"
exec 9>"$tools_dir/.build.lock"
if ! flock -n 9; then
	echo "tools: another build into $tools_dir is running; waiting for it" >&2
	flock 9
fi

build() {
	local name="$1" pkg="$2"
	if [[ $force -eq 0 && -x "$tools_dir/$name" ]]; then
		echo "tools: $name present ($tools_dir/$name)"
		return
	fi
	echo "tools: building $name ($pkg)"
	local start=$SECONDS
	# Build into a scratch GOBIN and move into place, so a failed or
	# interrupted build never leaves a half-written binary behind.
	local scratch
	scratch="$(mktemp -d "$tools_dir/.build-$name.XXXXXX")"
	if ! GOBIN="$scratch" go install "$pkg"; then
		rm -rf "$scratch"
		echo "tools: building $name failed" >&2
		return 1
	fi
	mv -f "$scratch/$name" "$tools_dir/$name"
	rm -rf "$scratch"
	echo "tools: built $name in $((SECONDS - start))s"
}

build minio "$MINIO_PKG"
build versitygw "$VERSITYGW_PKG"
