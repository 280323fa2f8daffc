#!/usr/bin/env bash
# Renders every derivation file of the corpus to LaTeX (with verdict marks) and compiles each with
# pdflatex. Needs Debian's `texlive-latex-base` (amsmath; amssymb comes with it):
#   apt-get install -y --no-install-recommends texlive-latex-base
# Usage: docs/render-check.sh [GRADPROOF]   (default: target/release/gradproof, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/gradproof}"
if [ ! -x "$bin" ]; then cargo build --release --quiet; fi
command -v pdflatex >/dev/null || { echo "pdflatex not found: apt-get install -y texlive-latex-base" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
files=(derivations/*.deriv derivations/generated/*.deriv tests/egg_math/*.deriv examples/*.deriv)
[ -d ../shared/examples ] && files+=(../shared/examples/*.deriv)
n=0; failed=0
for f in "${files[@]}"; do
  [ -e "$f" ] || continue
  name="$(echo "$f" | tr '/.' '__')"
  if ! "$bin" render "$f" --to latex --verdicts > "$out/$name.tex" 2> "$out/$name.err"; then
    # Files with errors on purpose (shape_errors.deriv) are refused by render: not a LaTeX failure.
    echo "skipped (render refused it): $f"; continue
  fi
  n=$((n + 1))
  if ! (cd "$out" && pdflatex -interaction=nonstopmode -halt-on-error "$name.tex" > /dev/null 2>&1); then
    echo "FAILED: $f"; grep -A4 '^!' "$out/$name.log" | head -8; failed=$((failed + 1))
  fi
done
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
