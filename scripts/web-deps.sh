#!/usr/bin/env bash
# Installs what the browser tests of package web need, outside the
# repository and only when missing: axe-core (npm) for the accessibility
# checks. Chromium itself comes from Debian (scripts/deps.sh test).
#
#   scripts/web-deps.sh    install if missing, then print LOA_AXE_JS=<path>
#
# The tests find axe.min.js through LOA_AXE_JS or, by default, at
# ${LOA_TOOLS_DIR:-$HOME/.cache/loa/bin}/../node_modules/axe-core/axe.min.js.
set -euo pipefail

AXE_VERSION="4.14.1"

tools_dir="${LOA_TOOLS_DIR:-$HOME/.cache/loa/bin}"
prefix="$(cd "$(dirname "$tools_dir")" 2>/dev/null && pwd || dirname "$tools_dir")"
mkdir -p "$prefix"
axe="$prefix/node_modules/axe-core/axe.min.js"
pkg="$prefix/node_modules/axe-core/package.json"

installed_version() {
	[[ -f "$pkg" ]] || return 0
	sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pkg" | head -n 1
}

if [[ -f "$axe" && "$(installed_version)" == "$AXE_VERSION" ]]; then
	echo "web-deps: axe-core $AXE_VERSION present" >&2
else
	command -v npm >/dev/null || { echo "web-deps: npm is needed to install axe-core (apt-get install npm)" >&2; exit 1; }
	exec 9>"$prefix/.web-deps.lock"
	flock 9
	if [[ ! -f "$axe" || "$(installed_version)" != "$AXE_VERSION" ]]; then
		echo "web-deps: installing axe-core@$AXE_VERSION into $prefix/node_modules" >&2
		npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock --silent "axe-core@$AXE_VERSION" >&2
	fi
	[[ -f "$axe" ]] || { echo "web-deps: $axe missing after install" >&2; exit 1; }
fi
command -v chromium >/dev/null || echo "web-deps: warning: chromium is not installed (scripts/deps.sh test)" >&2
echo "LOA_AXE_JS=$axe"
