#!/usr/bin/env bash
# Batch verification throughput of `tokdiag verify`, compared with `openssl speed rsa2048` verify/s.
#
#   bench/verify.sh [N]          # N RS256 tokens (default 10000)
#   TOKDIAG=path/to/tokdiag bench/verify.sh   # default: the release build (bench/release-bin.sh)
#
# Tokens are minted with testdata/keys/rsa-1.pem (test-only key; needs Python with `cryptography`:
# PYTHON, else .venv/bin/python as created by scripts/test.sh, else python3), each with its own jti,
# and verified offline (--jwks) so the network plays no part. Reports the best of 3 runs, per core
# too (the batch uses every core), and the ratio to OpenSSL's single-core RSA-2048 verify rate.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
BIN="${TOKDIAG:-}"
if [[ -z "$BIN" ]]; then BIN=$(bench/release-bin.sh); fi
ISS="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx"
PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
"$PYTHON" -c 'import cryptography' 2>/dev/null || {
  echo "bench: $PYTHON has no 'cryptography': run scripts/test.sh once (it creates .venv), or set PYTHON" >&2
  exit 2
}
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$PYTHON" - "$N" "$WORK/tokens.txt" <<'PY'
import base64, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
n, out = int(sys.argv[1]), sys.argv[2]
key = serialization.load_pem_private_key(open("testdata/keys/rsa-1.pem", "rb").read(), password=None)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"kid": "rsa-1", "alg": "RS256"}, separators=(",", ":")).encode())
iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx"
with open(out, "w") as f:
    for i in range(n):
        claims = {"sub": f"user-{i}", "iss": iss, "client_id": "3ipsf00btbffko91d8irdu8up1",
                  "token_use": "access", "scope": "aws.cognito.signin.user.admin",
                  "auth_time": 1767225600, "exp": 4102444800, "iat": 1767225600,
                  "jti": f"bench-{i:08d}", "username": f"user{i}"}
        si = header + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
        sig = key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())
        f.write(si + "." + b64(sig) + "\n")
PY

echo "binary: $BIN ($(nproc) cores), $N RS256 tokens ($(wc -c <"$WORK/tokens.txt") bytes)"
best=""
for run in 1 2 3; do
  start=$(date +%s.%N)
  set +e
  "$BIN" --quiet --cache-dir "$WORK/cache" verify --jwks testdata/jwks-rsa-only.json --issuer "$ISS" \
    <"$WORK/tokens.txt" >"$WORK/out.txt"
  rc=$?
  set -e
  end=$(date +%s.%N)
  ok=$(grep -c '^✓' "$WORK/out.txt" || true)
  if [[ $rc -ne 0 || $ok -ne $N ]]; then
    echo "run $run: exit $rc, $ok of $N valid" >&2
    exit 1
  fi
  secs=$(echo "$end - $start" | bc -l)
  rate=$(echo "$N / $secs" | bc -l)
  printf 'run %d: %.3f s, %.0f tokens/s\n' "$run" "$secs" "$rate"
  if [[ -z "$best" ]] || (( $(echo "$rate > $best" | bc -l) )); then best=$rate; fi
done

cores=$(nproc)
ossl=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $7}')
printf 'tokdiag best: %.0f tokens/s on %d cores (%.0f tokens/s per core)\n' "$best" "$cores" "$(echo "$best / $cores" | bc -l)"
if [[ -n "$ossl" ]]; then
  printf 'openssl speed rsa2048 verify (1 core): %.0f/s\n' "$ossl"
  printf 'ratio tokdiag/openssl: %.2f (all cores vs 1 core), %.2f per core\n' \
    "$(echo "$best / $ossl" | bc -l)" "$(echo "$best / $cores / $ossl" | bc -l)"
fi
