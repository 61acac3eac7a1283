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

# Time fresh copies of the binaries, as `cargo install` leaves them: how a file came into the page
# cache changes how fast it execs (on this kernel a file written in one sequential pass, as cp and
# cargo install write it, is held in large folios and faults in ~0.3 ms sooner than the same bytes
# written by the linker), so every binary is timed after the same treatment.
mkdir -p "$CACHE/bin"
cp "$BIN" "$CACHE/bin/tokdiag"
cp "$JWT" "$CACHE/bin/jwt"
BIN=$CACHE/bin/tokdiag
JWT=$CACHE/bin/jwt
if [[ -x $JWT_STATIC ]]; then
    cp "$JWT_STATIC" "$CACHE/bin/jwt-static"
    JWT_STATIC=$CACHE/bin/jwt-static
fi

# Every run interleaves the commands (one run of each in turn, the order rotated from run to run),
# so a burst of load on this shared machine hits all of them alike; each is timed on its own with
# bash's $EPOCHREALTIME (no process spent on the clock). A command's figure is its best round: the
# mean of its $RUNS runs in that round.
NAMES=(base dec peer exp)
CMD_base=(/bin/true)
CMD_dec=("$BIN" decode "$TOKEN") # as jwt-cli is called (decode reads no cache)
CMD_peer=("$JWT" decode "$TOKEN")
CMD_exp=("$BIN" --cache-dir "$CACHE" explain --config "$CFG" --jwks "$JWKS" "$TOKEN")
if [[ -x $JWT_STATIC ]]; then
    NAMES+=(speer)
    CMD_speer=("$JWT_STATIC" decode "$TOKEN")
fi
declare -A BEST SUM
us() { local t=${1/./}; echo $((10#$t)); } # EPOCHREALTIME (s.micro) -> microseconds
for ((r = 0; r < ROUNDS; r++)); do
    for n in "${NAMES[@]}"; do SUM[$n]=0; done
    for ((i = 0; i < RUNS; i++)); do
        for ((k = 0; k < ${#NAMES[@]}; k++)); do
            n=${NAMES[$(((i + k) % ${#NAMES[@]}))]}
            declare -n cmd=CMD_$n
            t0=$EPOCHREALTIME
            "${cmd[@]}" >/dev/null 2>&1 || true
            t1=$EPOCHREALTIME
            SUM[$n]=$((SUM[$n] + $(us "$t1") - $(us "$t0")))
            unset -n cmd
        done
    done
    for n in "${NAMES[@]}"; do
        per=$((SUM[$n] * 1000 / RUNS)) # ns
        if [[ -z ${BEST[$n]:-} || $per -lt ${BEST[$n]} ]]; then BEST[$n]=$per; fi
    done
done
ms() { awk -v ns="${BEST[$1]}" 'BEGIN { printf "%.3f", ns / 1e6 }'; }
base=$(ms base)
dec=$(ms dec)
peer=$(ms peer)
exp=$(ms exp)
rss=$(/usr/bin/time -v "$BIN" decode "$TOKEN" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
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
