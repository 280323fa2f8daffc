#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (as root, on Ubuntu).
# It installs gradproof from the autograder zip: either a prebuilt Linux binary `gradproof`
# next to this script, or the gradproof source tree in `gradproof-src/` (built with cargo).
# AUTOGRADER and BIN_DIR may be set to try it outside Gradescope (see docs/grading.md).
set -euo pipefail
AUTOGRADER="${AUTOGRADER:-/autograder}"
BIN_DIR="${BIN_DIR:-/usr/local/bin}"
SOURCE="$AUTOGRADER/source"
mkdir -p "$BIN_DIR"
if [ -f "$SOURCE/gradproof" ]; then
  install -m 0755 "$SOURCE/gradproof" "$BIN_DIR/gradproof"
elif [ -d "$SOURCE/gradproof-src" ]; then
  if ! command -v cargo >/dev/null 2>&1; then
    apt-get update && apt-get install -y --no-install-recommends cargo
  fi
  cargo build --release --locked --manifest-path "$SOURCE/gradproof-src/Cargo.toml"
  install -m 0755 "$SOURCE/gradproof-src/target/release/gradproof" "$BIN_DIR/gradproof"
else
  echo "setup.sh: put a Linux build of gradproof, or its source in gradproof-src/, in the autograder zip" >&2
  exit 1
fi
test -f "$SOURCE/reference.deriv" || { echo "setup.sh: reference.deriv is missing from the autograder zip" >&2; exit 1; }
"$BIN_DIR/gradproof" --version
