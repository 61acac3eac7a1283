#!/usr/bin/env bash
# Batch verification side by side (issue 17): openssl speed rsa2048 verify (1 core and -multi 2),
# aws-jwt-verify (verifySync after cacheJwks, Node), PyJWT (key parsed once), jwt-cli (one process per
# token), and `tokdiag verify` batch on stdin — as tokens/s and ratios to `openssl speed -multi 2`.
# Then a batch of 10 distinct tokens x 10k (the signature memo) and tokdiag's peak RSS
# (/usr/bin/time -v) at 10k and 1M tokens.
#
#   bench/batch.sh [N]     # N distinct RS256 tokens for the rates (default 20000)
#   BATCH_BIG=1000000      # tokens of the large RSS run (default 1M)
#
# Peers are installed under target/ and bench/node (npm ci, pinned by bench/node/package-lock.json;
# pip, pinned by bench/requirements.txt; jwt-cli: JWT_CLI or target/peers/bin/jwt, from
# `cargo install --locked jwt-cli --root target/peers`). A missing peer is reported, not skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20000}"
BIN="${TOKDIAG:-}"
if [[ -z "$BIN" ]]; then BIN=$(bench/release-bin.sh); fi
ISS="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx"
JWKS=testdata/jwks-rsa-only.json
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

VENV=target/bench-venv
if [[ ! -x $VENV/bin/python ]] || ! $VENV/bin/python -c 'import jwt, cryptography' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q -r bench/requirements.txt
fi
PY=$VENV/bin/python
[[ -d bench/node/node_modules/aws-jwt-verify ]] || (cd bench/node && npm ci --no-audit --no-fund -s)
JWT=${JWT_CLI:-target/peers/bin/jwt}

# N distinct tokens (own sub and jti), signed with the test key.
"$PY" - "$N" "$WORK/tokens.txt" <<'PY'
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
        f.write(si + "." + b64(key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())) + "\n")
PY
echo "binary: $BIN ($(nproc) cores), $N distinct RS256 tokens"

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
now() { date +%s.%N; }
ossl1=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $7}')
ossl2=$(openssl speed -seconds 3 -multi 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $7}')
echo "openssl speed rsa2048 verify, 1 core: ${ossl1}/s"
echo "openssl speed rsa2048 verify, -multi 2: ${ossl2}/s"

t0=$(now); "$BIN" --quiet verify --jwks "$JWKS" --issuer "$ISS" <"$WORK/tokens.txt" >"$WORK/out.txt"; t1=$(now)
ok=$(grep -c '^✓' "$WORK/out.txt" || true)
[[ $ok -eq $N ]] || { echo "tokdiag: $ok of $N valid" >&2; exit 1; }
td=$(rate "$N" "$(echo "$t1 - $t0" | bc -l)")
read -r ok secs < <(node bench/node/verify.js "$WORK/tokens.txt" "$JWKS" "$ISS")
[[ $ok -eq $N ]] || { echo "aws-jwt-verify: $ok of $N valid" >&2; exit 1; }
ajv=$(rate "$N" "$secs")
read -r ok secs < <("$PY" bench/pyjwt_verify.py "$WORK/tokens.txt" "$JWKS" "$ISS")
[[ $ok -eq $N ]] || { echo "PyJWT: $ok of $N valid" >&2; exit 1; }
pyj=$(rate "$N" "$secs")
jwtcli=""
if [[ -x $JWT ]]; then
  head -n 200 "$WORK/tokens.txt" >"$WORK/200.txt"
  t0=$(now)
  while read -r t; do "$JWT" decode -S @testdata/keys/rsa-1.pub.pem -A RS256 "$t" >/dev/null; done <"$WORK/200.txt"
  t1=$(now)
  jwtcli=$(rate 200 "$(echo "$t1 - $t0" | bc -l)")
else
  echo "jwt-cli: $JWT missing (cargo install --locked jwt-cli --root target/peers)" >&2
fi

ratio() { awk -v a="$1" -v b="$ossl2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'rates (tokens/s) and ratio to openssl speed -multi 2 (%s/s):\n' "$ossl2"
printf '  %-40s %8s  %s\n' "openssl speed rsa2048 1 core" "$ossl1" "$(ratio "$ossl1")"
printf '  %-40s %8s  %s\n' "tokdiag verify batch (all cores)" "$td" "$(ratio "$td")"
printf '  %-40s %8s  %s\n' "aws-jwt-verify verifySync (1 thread)" "$ajv" "$(ratio "$ajv")"
printf '  %-40s %8s  %s\n' "PyJWT decode (1 thread)" "$pyj" "$(ratio "$pyj")"
[[ -n $jwtcli ]] && printf '  %-40s %8s  %s\n' "jwt-cli (one process per token)" "$jwtcli" "$(ratio "$jwtcli")"

# 10 distinct tokens x 10k: the signature memo.
head -n 10 "$WORK/tokens.txt" >"$WORK/10.txt"
for _ in $(seq 10000); do cat "$WORK/10.txt"; done >"$WORK/rep.txt" 2>/dev/null || true
t0=$(now); "$BIN" --quiet verify --jwks "$JWKS" --issuer "$ISS" <"$WORK/rep.txt" >/dev/null; t1=$(now)
printf 'tokdiag 10 distinct x 10k (memo): %s tokens/s\n' "$(rate 100000 "$(echo "$t1 - $t0" | bc -l)")"

# Peak RSS at 10k and 1M tokens (1M = the distinct tokens repeated).
rss() { /usr/bin/time -v "$BIN" --quiet verify --jwks "$JWKS" --issuer "$ISS" "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}'; }
head -n 10000 "$WORK/tokens.txt" >"$WORK/10k.txt"
BIG=${BATCH_BIG:-1000000}
reps=$(( (BIG + N - 1) / N ))
for _ in $(seq "$reps"); do cat "$WORK/tokens.txt"; done | head -n "$BIG" >"$WORK/big.txt"
echo "peak RSS tokdiag 10k tokens: $(rss <"$WORK/10k.txt") kB; $BIG tokens: $(rss <"$WORK/big.txt") kB; $BIG --json: $(rss --json <"$WORK/big.txt") kB"
# The rate at scale: the N distinct tokens in rotation miss the memo (it keeps 1024 per worker).
t0=$(now); "$BIN" --quiet verify --jwks "$JWKS" --issuer "$ISS" <"$WORK/big.txt" >/dev/null; t1=$(now)
big=$(rate "$BIG" "$(echo "$t1 - $t0" | bc -l)")
printf 'tokdiag %s tokens (%s distinct in rotation): %s tokens/s = %s x openssl speed -multi 2\n' "$BIG" "$N" "$big" "$(ratio "$big")"
