#!/usr/bin/env bash
# gofmt, go vet and a pinned staticcheck; any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Layers (docs/design.md): web reaches neither api nor storage, the store is
# a leaf, the pipeline knows no HTTP server. Test helper packages (…test,
# testenv) may use what they need. The domain types (synth/article) import
# only the standard library, so that web can use them without reaching the
# store through the service.
layers() { # patterns… -- forbidden-regex allowed-regex field
  local pkgs=() rule allow field line bad=0
  while [ "$1" != "--" ]; do pkgs+=("$1"); shift; done
  rule=$2 allow=$3 field=$4
  while read -r pkg deps; do
    case "$pkg" in *test|*/testenv) continue ;; esac
    line=$(tr ' ' '\n' <<<"$deps" | grep -E "$rule" | grep -Ev "$allow" | tr '\n' ' ' || true)
    if [ -n "$line" ]; then echo "layers: $pkg must not depend on: $line" >&2; bad=1; fi
  done < <(go list -f "{{.ImportPath}}{{range .$field}} {{.}}{{end}}" "${pkgs[@]}")
  return $bad
}
loa=github.com/loa-audio/loa
layers ./web/... -- "^$loa/(api|storage|cmd)(/|$)" '^$' Deps
layers ./storage/... -- "^$loa/(api|web|cmd|synth)(/|$)" "^$loa/synth/testenv$" Deps
layers ./synth/article -- '^[^/]*\.' '^$' Deps
layers ./synth/text/... ./synth/tts/... ./synth/audio/... -- "^($loa/(api|web|cmd)(/|$)|github.com/gin-gonic/|net/http/httptest$)" '^$' Deps
