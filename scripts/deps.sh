#!/usr/bin/env bash
# Installs the Debian packages Loa needs, only those missing.
#   scripts/deps.sh run    espeak-ng and libmp3lame (to build and run Loa)
#   scripts/deps.sh test   also what the tests use as outside oracles
set -euo pipefail

run_pkgs=(espeak-ng libmp3lame-dev gcc pkg-config ca-certificates curl)
test_pkgs=(lame ffmpeg mp3val chromium nginx-light postgresql)

case "${1:-run}" in
  run) want=("${run_pkgs[@]}") ;;
  test) want=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
