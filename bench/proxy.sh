#!/usr/bin/env bash
# bench/proxy.sh — what does `tokdiag proxy` add in front of a fast MCP server? (issue 17 item 4)
#
# Upstream: examples/fast_upstream.rs (hyper, answers every POST with a small JSON-RPC result; far
# above 20k req/s here), so the figures are the proxy's own cost. Load: wrk (installed with apt-get
# when missing), keep-alive POST /mcp tools/list with a real RS256 token (the seed config, keys in
# memory via --jwks). Everything on 127.0.0.1.
#
# For concurrency 1 and 50: direct and through-proxy throughput, their ratio, p50/p99 latency and
# what the proxy adds; plus the proxy's CPU per request (utime+stime from /proc/<pid>/stat before
# and after the run, divided by the requests wrk made).
#   repeated token  — one token in every request (the evaluation memo answers after the first)
#   distinct tokens — every request carries another token (MEMO_CAP+ in rotation: a full evaluation,
#                     signature included, each time)
# The floor: nginx (apt-get when missing) in front of the same upstream, doing no auth at all —
# proxy_pass with an upstream keepalive pool, access_log off, worker_processes 1 and 2 — measured
# exactly like tokdiag (same direct run; CPU summed over its worker processes). It says what any
# proxy costs on this machine, so whether a ratio is reachable at all.
# Knobs: DURATION (wrk -d, default 5s), TOKDIAG (default: bench/release-bin.sh), UPSTREAM_BIN,
# NGINX=0 (no floor rows).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-5s}
command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -q wrk >/dev/null; }
NGINX=${NGINX:-1}
NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
if [[ $NGINX == 1 && ! -x $NGINX_BIN ]]; then
    echo "bench: installing nginx (the floor)" >&2
    apt-get install -y -q nginx >/dev/null
fi
[[ -n ${TOKDIAG:-} ]] || TOKDIAG=$(bench/release-bin.sh)
if [[ -z ${UPSTREAM_BIN:-} ]]; then
    UPSTREAM_BIN=$(cargo build --release --locked --quiet --example fast_upstream --message-format=json-render-diagnostics |
        grep -o '"executable":"[^"]*/fast_upstream"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')
fi
[[ -x $UPSTREAM_BIN ]] || { echo "bench: no fast_upstream binary" >&2; exit 2; }
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

read -r UP_PORT PROXY_PORT NGX1_PORT NGX2_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
for x in s: x.close()')

# 5000 distinct tokens (more than the memo's 4096), signed with the test key like the seed's.
python3 - "$WORK/tokens.txt" <<'PY'
import base64, json, subprocess, sys
out = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"kid": "rsa-1", "alg": "RS256"}, separators=(",", ":")).encode())
iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx"
try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    key = serialization.load_pem_private_key(open("testdata/keys/rsa-1.pem", "rb").read(), password=None)
    sign = lambda si: key.sign(si, padding.PKCS1v15(), hashes.SHA256())
except ImportError:
    sign = lambda si: subprocess.run(["openssl", "dgst", "-sha256", "-sign", "testdata/keys/rsa-1.pem"],
                                     input=si, capture_output=True, check=True).stdout
with open(out, "w") as f:
    for i in range(5000):
        claims = {"sub": f"user-{i}", "iss": iss, "client_id": "3ipsf00btbffko91d8irdu8up1",
                  "token_use": "access", "scope": "aws.cognito.signin.user.admin",
                  "auth_time": 1767225600, "exp": 4102444800, "iat": 1767225600,
                  "jti": f"bench-{i:08d}", "username": f"user{i}"}
        si = header + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
        f.write(si + "." + b64(sign(si.encode())) + "\n")
PY

cat >"$WORK/post.lua" <<'LUA'
-- POST tools/list; TOKENS=file: a different token per request (per thread, in rotation).
local body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
local tokens, i = {}, 0
local file = os.getenv("TOKENS")
local single = os.getenv("TOKEN")
if file and file ~= "" then for l in io.lines(file) do tokens[#tokens + 1] = l end end
request = function()
  local t = single
  if #tokens > 0 then i = i % #tokens + 1; t = tokens[i] end
  return wrk.format("POST", "/mcp", {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["Authorization"] = "Bearer " .. t,
  }, body)
end
LUA

wait_port() {
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "bench: nothing listens on $1" >&2; exit 2
}

"$UPSTREAM_BIN" "127.0.0.1:$UP_PORT" &
PIDS+=($!)
"$TOKDIAG" proxy --config testdata/seed/.bedrock_agentcore.yaml --jwks testdata/seed/jwks.json \
    --upstream "http://127.0.0.1:$UP_PORT/mcp" --listen "127.0.0.1:$PROXY_PORT" 2>"$WORK/proxy.log" &
PROXY_PID=$!
PIDS+=($PROXY_PID)
wait_port "$UP_PORT"; wait_port "$PROXY_PORT"

# nginx with W workers on PORT, as a plain reverse proxy to the upstream (no auth).
NGX_PIDS=()
start_nginx() {
    local w=$1 port=$2 dir=$WORK/nginx-$1
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<NGX
worker_processes $w;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    upstream fast { server 127.0.0.1:$UP_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://fast;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
NGX
    "$NGINX_BIN" -c "$dir/nginx.conf" -e "$dir/error.log" 2>>"$dir/error.log" &
    PIDS+=($!)
    NGX_PIDS[$w]=$!
    wait_port "$port"
}
if [[ $NGINX == 1 ]]; then
    start_nginx 1 "$NGX1_PORT"
    start_nginx 2 "$NGX2_PORT"
fi

TOKEN=$(tr -d '\n' <testdata/seed/access-token.jwt)
export TOKEN
# A token the proxy accepts, or the figures mean nothing.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Accept: application/json, text/event-stream' -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' "http://127.0.0.1:$PROXY_PORT/mcp")
[[ $code == 200 ]] || { echo "bench: the proxy answered $code, not 200" >&2; cat "$WORK/proxy.log" >&2; exit 2; }

# CPU ticks (utime+stime) of a process and its children that are running (nginx's workers).
ticks() {
    local p sum=0
    for p in "$1" $(pgrep -P "$1" || true); do
        sum=$(( sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) ))
    done
    echo "$sum"
}
HZ=$(getconf CLK_TCK)
# run PORT CONC [TOKENS-FILE] -> "req/s p50_ms p99_ms requests"
run() {
    local threads=$(( $2 < 2 ? 1 : 2 ))
    TOKENS=${3:-} wrk -t"$threads" -c"$2" -d"$DURATION" --latency -s "$WORK/post.lua" "http://127.0.0.1:$1/mcp" >"$WORK/wrk.txt"
    if grep -q 'Non-2xx' "$WORK/wrk.txt"; then echo "bench: non-2xx answers:" >&2; cat "$WORK/wrk.txt" >&2; exit 2; fi
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
        / requests in / { n = $1 } /^Requests\/sec:/ { rps = $2 }
        END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, n }' "$WORK/wrk.txt"
}

echo "tokdiag: $TOKDIAG; upstream: $UPSTREAM_BIN; $(nproc) cores; wrk $DURATION per run; load: $(uptime | sed 's/.*load average: //')"
[[ $NGINX == 1 ]] && echo "floor: $("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //'), no auth, upstream keepalive pool, access_log off"
printf '%-16s %5s %11s %11s %6s %9s %9s %9s %9s %10s\n' case conc "direct/s" "proxy/s" ratio "p50 dir" "p50 +" "p99 dir" "p99 +" "CPU µs/req"
# row NAME CONC PORT PID TOKENS-FILE DIRECT-RPS DIRECT-P50 DIRECT-P99
row() {
    local t0 t1 p_rps p_p50 p_p99 p_n
    t0=$(ticks "$4")
    read -r p_rps p_p50 p_p99 p_n < <(run "$3" "$2" "$5")
    t1=$(ticks "$4")
    awk -v c="$1" -v k="$2" -v dr="$6" -v pr="$p_rps" -v d50="$7" -v p50="$p_p50" \
        -v d99="$8" -v p99="$p_p99" -v t="$((t1 - t0))" -v hz="$HZ" -v n="$p_n" 'BEGIN {
        printf "%-16s %5d %11d %11d %5.2fx %7.3fms %+7.3fms %7.3fms %+7.3fms %10.1f\n",
            c, k, dr, pr, pr / dr, d50, p50 - d50, d99, p99 - d99, t * 1e6 / hz / n }'
}
for case in repeated distinct; do
    tokens=""; [[ $case == distinct ]] && tokens=$WORK/tokens.txt
    for conc in 1 50; do
        read -r d_rps d_p50 d_p99 _ < <(run "$UP_PORT" "$conc" "$tokens")
        row "$case token" "$conc" "$PROXY_PORT" "$PROXY_PID" "$tokens" "$d_rps" "$d_p50" "$d_p99"
        # The floor, beside the repeated-token rows (nginx reads no token).
        if [[ $NGINX == 1 && $case == repeated ]]; then
            row "nginx w=1" "$conc" "$NGX1_PORT" "${NGX_PIDS[1]}" "" "$d_rps" "$d_p50" "$d_p99"
            row "nginx w=2" "$conc" "$NGX2_PORT" "${NGX_PIDS[2]}" "" "$d_rps" "$d_p50" "$d_p99"
        fi
    done
done
echo "targets (issue 17): ratio >= 0.5x at 50, CPU <= 60 µs/req, p50 + < 1 ms at 1"
