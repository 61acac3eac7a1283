#!/usr/bin/env bash
# Builds the release binary (cargo build --release --locked) and prints its path. The path depends
# on .cargo/config.toml (target/<host triple>/release/tokdiag), so it is cargo's answer, not a guess.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(cargo build --release --locked --quiet --message-format=json-render-diagnostics |
    grep -o '"executable":"[^"]*/tokdiag"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')
[[ -n $exe && -x $exe ]] || { echo "bench: cargo build --release --locked gave no tokdiag binary" >&2; exit 2; }
printf '%s\n' "$exe"
