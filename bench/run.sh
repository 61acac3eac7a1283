#!/usr/bin/env bash
# Every benchmark in one go, on one release build, then the ratios side by side:
#
#   bench/verify.sh    batch verification (10,000 RS256 tokens) vs `openssl speed rsa2048` verify/s
#   bench/startup.sh   per-process decode vs jwt-cli, explain per process, peak RSS of decode
#   bench/proxy.sh     latency and throughput of `tokdiag proxy` in front of the MCP test server
#   bench/batch.sh     batch verify side by side: openssl speed (1 core, -multi 2), aws-jwt-verify, PyJWT,
#                      jwt-cli, tokdiag; the memo (10 tokens x 10k); peak RSS at 10k and 1M tokens
#
#   bench/run.sh            all four
#   bench/run.sh batch      only the ones named (verify, startup, proxy, batch)
#
# Needs what the scripts need: .venv (scripts/test.sh creates it) for Python with `cryptography`
# and the MCP server, jwt-cli in target/peers (cargo install --locked jwt-cli --root target/peers),
# openssl. Each script's full output is shown as it runs; the summary at the end repeats the
# lines with the ratios and targets. Everything runs on 127.0.0.1, nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -gt 0 ]]; then BENCHES=("$@"); else BENCHES=(verify startup proxy batch); fi
for b in "${BENCHES[@]}"; do
    [[ -x bench/$b.sh ]] || { echo "bench: no bench/$b.sh (choose among verify, startup, proxy, batch)" >&2; exit 2; }
done

if [[ -z ${TOKDIAG:-} ]]; then
    echo "== cargo build --release --locked"
    TOKDIAG=$(bench/release-bin.sh)
fi
export TOKDIAG

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
failed=()
for b in "${BENCHES[@]}"; do
    echo
    echo "== bench/$b.sh"
    if ! bench/"$b".sh 2>&1 | tee "$OUT/$b.txt"; then
        failed+=("$b")
    fi
done

echo
echo "== summary ($(nproc) cores, $(uname -m), binary $TOKDIAG)"
for b in "${BENCHES[@]}"; do
    case $b in
        verify) grep -E '^(tokdiag best|openssl speed|ratio tokdiag/openssl)' "$OUT/$b.txt" || true ;;
        startup) grep -E '(tokdiag decode|jwt-cli decode|explain|ratio decode|RSS)' "$OUT/$b.txt" || true ;;
        proxy) grep -E '(proxy adds|proxy/direct)' "$OUT/$b.txt" || true ;;
        batch) grep -E '^(  |tokdiag 10 distinct|tokdiag [0-9]+ tokens|peak RSS|openssl speed)' "$OUT/$b.txt" || true ;;
    esac | sed "s/^ */$b: /"
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
