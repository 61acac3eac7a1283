#!/usr/bin/env bash
# bench/proxy.sh — what does `tokdiag proxy` add in front of an MCP server?
#
#   1. latency: 1,000 sequential tools/list calls (keep-alive), direct vs through the proxy;
#      prints median / p90 / p99 and the median difference (target: < 1 ms).
#   2. load: 10,000 tools/list calls, 50 at a time, direct vs through the proxy; prints failures
#      and throughput, and the proxy/direct throughput ratio (target: no failure, >= 90 %).
#
# The proxy evaluates a real token (testdata/seed/access-token.jwt, RS256) against the seed config
# with keys in memory (--jwks); the MCP server is tests/servers/mcp_server.py (stateless, SSE).
# Everything runs on 127.0.0.1. Knobs: N_SEQ (1000), N_LOAD (10000), CONCURRENCY (50),
# PYTHON (default .venv/bin/python, as created by scripts/test.sh), TOKDIAG (default: release build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
N_SEQ=${N_SEQ:-1000}
N_LOAD=${N_LOAD:-10000}
CONCURRENCY=${CONCURRENCY:-50}
[[ -x $PYTHON ]] || { echo "bench: $PYTHON not found: run scripts/test.sh once (it creates .venv), or set PYTHON" >&2; exit 2; }

if [[ -z ${TOKDIAG:-} ]]; then
    TOKDIAG=$(bench/release-bin.sh)
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

read -r MCP_PORT PROXY_PORT < <("$PYTHON" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
for x in s: x.close()')

"$PYTHON" tests/servers/mcp_server.py --port "$MCP_PORT" --log-level WARNING >/dev/null 2>&1 &
PIDS+=($!)
"$TOKDIAG" proxy --config testdata/seed/.bedrock_agentcore.yaml --jwks testdata/seed/jwks.json \
    --upstream "http://127.0.0.1:$MCP_PORT/mcp" --listen "127.0.0.1:$PROXY_PORT" 2>/dev/null &
PIDS+=($!)

"$PYTHON" - "$MCP_PORT" "$PROXY_PORT" "$N_SEQ" "$N_LOAD" "$CONCURRENCY" "$ROOT/testdata/seed/access-token.jwt" <<'PYEOF'
import http.client, json, socket, statistics, sys, threading, time

mcp_port, proxy_port, n_seq, n_load, conc = map(int, sys.argv[1:6])
token = open(sys.argv[6]).read().strip()
BODY = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "Authorization": f"Bearer {token}"}

def wait(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"bench: nothing listens on {port}")

class Client:
    def __init__(self, port):
        self.port = port; self.conn = None
    def call(self):
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request("POST", "/mcp", BODY, HEADERS)
                r = self.conn.getresponse(); data = r.read()
                return r.status == 200 and b'"validate_content"' in data
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt: return False

def sequential(port, n):
    c = Client(port); lat = []; bad = 0
    for _ in range(50): c.call()  # warm up
    for _ in range(n):
        t = time.perf_counter(); ok = c.call(); lat.append((time.perf_counter() - t) * 1000)
        bad += not ok
    lat.sort()
    return lat, bad

def load(port, n, conc):
    lock = threading.Lock(); left = [n]; fails = [0]
    def worker():
        c = Client(port)
        while True:
            with lock:
                if left[0] == 0: return
                left[0] -= 1
            if not c.call():
                with lock: fails[0] += 1
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    t = time.perf_counter()
    for x in ts: x.start()
    for x in ts: x.join()
    return n / (time.perf_counter() - t), fails[0]

def pct(l, p): return l[min(len(l) - 1, int(len(l) * p))]

wait(mcp_port); wait(proxy_port)
print(f"tools/list, {n_seq} sequential requests (keep-alive), milliseconds")
res = {}
for name, port in (("direct", mcp_port), ("proxy", proxy_port)):
    lat, bad = sequential(port, n_seq); res[name] = lat
    print(f"  {name:7} median {statistics.median(lat):7.3f}  p90 {pct(lat, .9):7.3f}  p99 {pct(lat, .99):7.3f}  failed {bad}")
d = statistics.median(res["proxy"]) - statistics.median(res["direct"])
print(f"  proxy adds {d:.3f} ms to the median ({'within' if d < 1 else 'OVER'} the 1 ms budget)")

print(f"\ntools/list, {n_load} requests, {conc} concurrent")
tp = {}
for name, port in (("direct", mcp_port), ("proxy", proxy_port)):
    rps, fails = load(port, n_load, conc); tp[name] = (rps, fails)
    print(f"  {name:7} {rps:8.1f} req/s  failed {fails}")
ratio = tp["proxy"][0] / tp["direct"][0]
ok = ratio >= 0.9 and tp["proxy"][1] == 0
print(f"  proxy/direct throughput {ratio * 100:.1f} % ({'meets' if ok else 'BELOW'} the 90 % / no-failure target)")
PYEOF
