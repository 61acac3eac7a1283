#!/usr/bin/env bash
# Per-process cost of the offline commands, side by side with a peer, in one run on the same token:
#
#   tokdiag decode      vs  jwt-cli `jwt decode`        (same token, hundreds of runs, best of rounds)
#   tokdiag explain     (--jwks, the seed config)       target: under 10 ms per process
#   peak RSS of tokdiag decode (/usr/bin/time -v)       target: under 10 MB
#
#   bench/startup.sh [RUNS] [ROUNDS]      defaults: 300 runs, 5 rounds
#
# Needs a release build (cargo build --release --locked) and jwt-cli, installed once with
#   cargo install --locked jwt-cli --root target/peers
# Not a test: it prints figures and ratios for the issue notes. Everything is local and offline.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-300}
ROUNDS=${2:-5}
BIN=${TOKDIAG:-target/release/tokdiag}
JWT=${JWT_CLI:-target/peers/bin/jwt}
[[ -x $BIN ]] || { echo "bench: $BIN missing: cargo build --release --locked" >&2; exit 2; }
[[ -x $JWT ]] || { echo "bench: $JWT missing: cargo install --locked jwt-cli --root target/peers" >&2; exit 2; }

TOKEN=$(<testdata/seed/id-token.jwt)
CFG=testdata/seed/.bedrock_agentcore.yaml
JWKS=testdata/seed/jwks.json
CACHE=$(mktemp -d)
trap 'rm -rf "$CACHE"' EXIT
export NO_COLOR=1

# best_ms LABEL CMD...: runs CMD $RUNS times per round, $ROUNDS rounds; prints the best per-run ms.
best_ms() {
    local best="" r i t0 t1 per
    for ((r = 0; r < ROUNDS; r++)); do
        t0=$(date +%s%N)
        for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null 2>&1 || true; done
        t1=$(date +%s%N)
        per=$(((t1 - t0) / RUNS))
        if [[ -z $best || $per -lt $best ]]; then best=$per; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e6 }'
}

base=$(best_ms /bin/true)
dec=$(best_ms "$BIN" --cache-dir "$CACHE" decode "$TOKEN")
peer=$(best_ms "$JWT" decode "$TOKEN")
exp=$(best_ms "$BIN" --cache-dir "$CACHE" explain --config "$CFG" --jwks "$JWKS" "$TOKEN")
rss=$(/usr/bin/time -v "$BIN" --cache-dir "$CACHE" decode "$TOKEN" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
peer_rss=$(/usr/bin/time -v "$JWT" decode "$TOKEN" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')

echo "per process, best of $ROUNDS rounds x $RUNS runs (includes fork/exec; /bin/true = $base ms)"
printf '  %-34s %8s ms\n' "tokdiag decode" "$dec"
printf '  %-34s %8s ms\n' "jwt-cli decode ($($JWT --version 2>/dev/null | head -1))" "$peer"
printf '  %-34s %8s ms\n' "tokdiag explain --jwks (seed)" "$exp"
awk -v a="$dec" -v b="$peer" 'BEGIN { printf "  ratio decode tokdiag/jwt-cli: %.2f (<= 1.00 means tokdiag is as fast or faster)\n", a / b }'
echo "peak RSS: tokdiag decode ${rss} kB, jwt-cli decode ${peer_rss} kB"
