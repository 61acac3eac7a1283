#!/usr/bin/env bash
# Per-process cost of the offline commands, side by side with a peer, in one run on the same token:
#
#   tokdiag decode      vs  jwt-cli `jwt decode`        (same token, hundreds of runs, best of rounds)
#   tokdiag explain     (--jwks, the seed config)       target: under 10 ms per process
#   peak RSS of tokdiag decode (/usr/bin/time -v)       target: under 10 MB
#
#   bench/startup.sh [RUNS] [ROUNDS]      defaults: 300 runs, 5 rounds
#
# Builds the release binary (bench/release-bin.sh) unless TOKDIAG names one. Needs jwt-cli, installed once with
#   cargo install --locked jwt-cli --root target/peers
# (cargo install builds a registry crate without this project's .cargo/config.toml: a dynamically
# linked jwt-cli, as its users get it). When target/peers-static/bin/jwt exists, jwt-cli linked
# statically like tokdiag is timed too, as an extra row:
#   RUSTFLAGS="-C target-feature=+crt-static" cargo install --locked jwt-cli \
#     --root target/peers-static --target x86_64-unknown-linux-gnu
# Not a test: it prints figures and ratios for the issue notes. Everything is local and offline.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-300}
ROUNDS=${2:-5}
BIN=${TOKDIAG:-$(bench/release-bin.sh)}
JWT=${JWT_CLI:-target/peers/bin/jwt}
JWT_STATIC=${JWT_CLI_STATIC:-target/peers-static/bin/jwt}
[[ -x $BIN ]] || { echo "bench: $BIN is not an executable" >&2; exit 2; }
[[ -x $JWT ]] || { echo "bench: $JWT missing: cargo install --locked jwt-cli --root target/peers" >&2; exit 2; }

TOKEN=$(<testdata/seed/id-token.jwt)
CFG=testdata/seed/.bedrock_agentcore.yaml
JWKS=testdata/seed/jwks.json
CACHE=$(mktemp -d)
trap 'rm -rf "$CACHE"' EXIT
export NO_COLOR=1

# Rounds interleave the commands (a burst of load on this shared machine hits all of them alike);
# each command's figure is its best round: total time of $RUNS runs / $RUNS.
run_round() { # NAME CMD...: one round of $RUNS runs; keeps the best per-run ns in BEST[NAME]
    local name=$1 t0 t1 per i
    shift
    t0=$(date +%s%N)
    for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null 2>&1 || true; done
    t1=$(date +%s%N)
    per=$(((t1 - t0) / RUNS))
    if [[ -z ${BEST[$name]:-} || $per -lt ${BEST[$name]} ]]; then BEST[$name]=$per; fi
}
declare -A BEST
for ((r = 0; r < ROUNDS; r++)); do
    run_round base /bin/true
    run_round dec "$BIN" --cache-dir "$CACHE" decode "$TOKEN"
    run_round peer "$JWT" decode "$TOKEN"
    if [[ -x $JWT_STATIC ]]; then run_round speer "$JWT_STATIC" decode "$TOKEN"; fi
    run_round exp "$BIN" --cache-dir "$CACHE" explain --config "$CFG" --jwks "$JWKS" "$TOKEN"
done
ms() { awk -v ns="${BEST[$1]}" 'BEGIN { printf "%.3f", ns / 1e6 }'; }
base=$(ms base)
dec=$(ms dec)
peer=$(ms peer)
exp=$(ms exp)
rss=$(/usr/bin/time -v "$BIN" --cache-dir "$CACHE" decode "$TOKEN" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
peer_rss=$(/usr/bin/time -v "$JWT" decode "$TOKEN" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')

echo "per process, best of $ROUNDS rounds x $RUNS runs (includes fork/exec; /bin/true = $base ms)"
printf '  %-34s %8s ms\n' "tokdiag decode" "$dec"
printf '  %-34s %8s ms\n' "jwt-cli decode ($($JWT --version 2>/dev/null | head -1))" "$peer"
if [[ -n ${BEST[speer]:-} ]]; then
    speer=$(ms speer)
    printf '  %-34s %8s ms\n' "jwt-cli decode, static build" "$speer"
fi
printf '  %-34s %8s ms\n' "tokdiag explain --jwks (seed)" "$exp"
awk -v a="$dec" -v b="$peer" -v t="$base" 'BEGIN {
    printf "  ratio decode tokdiag/jwt-cli: %.2f (<= 1.00 means tokdiag is as fast or faster); without the /bin/true cost: %.2f\n", a / b, (a - t) / (b - t) }'
if [[ -n ${speer:-} ]]; then
    awk -v a="$dec" -v b="$speer" 'BEGIN { printf "  ratio decode tokdiag/jwt-cli static: %.2f (both linked statically)\n", a / b }'
fi
awk -v e="$exp" 'BEGIN { printf "  explain: %.3f ms per process (%s the 10 ms target)\n", e, e < 10 ? "within" : "OVER" }'
echo "peak RSS: tokdiag decode ${rss} kB, jwt-cli decode ${peer_rss} kB"
awk -v r="$rss" 'BEGIN { printf "  tokdiag decode RSS: %.1f MB (%s the 10 MB target)\n", r / 1024, r < 10240 ? "within" : "OVER" }'
