#!/usr/bin/env bash
# tokdiag's test command: `scripts/test.sh [cargo test args…]`
#
# 1. Creates .venv/ (python3 -m venv) and installs scripts/requirements-test.txt into it; a stamp
#    file holding the requirements' hash makes later runs skip pip entirely.
# 2. Checks that testdata/ matches testdata/gen.py (`gen.py --check`).
# 3. Starts, on free loopback ports, the moto Cognito emulator and tests/servers/mcp_server.py
#    (and, in their own blocks below, the other SDKs' MCP servers and cognito-local, a second
#    Cognito emulator: TOKDIAG_TEST_COGNITO_LOCAL_URL),
#    and waits until both answer (bounded; on failure prints their logs). The MCP-servers block
#    adds the Python SDK 2.x server (.venv-mcp2/, scripts/requirements-mcp2.txt) and the
#    TypeScript SDK server (tests/servers/ts/, `npm ci` from its package-lock.json).
# 4. Runs `cargo test --locked "$@" -- --include-ignored` (the tests that need the servers are
#    ignored by a plain `cargo test`) with
#      TOKDIAG_TEST_MOTO_URL=http://127.0.0.1:PORT
#      TOKDIAG_TEST_MCP_URL=http://127.0.0.1:PORT2/mcp
#      TOKDIAG_TEST_PYTHON=<repo>/.venv/bin/python   (to start more servers, e.g. --stateful)
#      TOKDIAG_TEST_MCP2_URL, TOKDIAG_TEST_MCP2_PYTHON  (Python SDK 2.x server, its venv's python)
#      TOKDIAG_TEST_MCP_TS_URL, TOKDIAG_TEST_NODE       (TypeScript SDK server, node)
# 5. As root (and with no arguments), runs scripts/dns-check.sh: host names resolved through DNS
#    by the static binary, in a network namespace of its own; its checks join the count.
# 6. Stops all servers (whole process groups) on exit, whatever happened.
#
# Server logs: target/test-servers/{moto,mcp}.log. Everything listens on 127.0.0.1 only.
# Knobs: TOKDIAG_TEST_SERVER_TIMEOUT (seconds to wait for each server, default 60).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
PY=$VENV/bin/python
REQ=$ROOT/scripts/requirements-test.txt
STAMP=$VENV/.tokdiag-requirements.sha256
LOG_DIR=$ROOT/target/test-servers
TIMEOUT=${TOKDIAG_TEST_SERVER_TIMEOUT:-60}

log() { printf 'test.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- 1. venv -----------------------------------------------------------------------------------
ensure_venv() {
    local want
    want=$(sha256sum "$REQ" | cut -d' ' -f1)
    if [[ -x $PY ]] && "$PY" -c 'pass' 2>/dev/null && [[ -f $STAMP && $(<"$STAMP") == "$want" ]]; then
        return 0
    fi
    if ! { [[ -x $PY ]] && "$PY" -c 'pass' 2>/dev/null; }; then
        command -v python3 >/dev/null || die "python3 not found (needed for the test servers)"
        log "creating $VENV"
        python3 -m venv --clear "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    fi
    log "installing $(basename "$REQ") into .venv (once per change of that file)"
    rm -f "$STAMP"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$PY" -m pip install --quiet -r "$REQ" || die "pip install -r $REQ failed"
    printf '%s\n' "$want" >"$STAMP"
}

ensure_venv

# --- 2. test data ------------------------------------------------------------------------------
"$PY" testdata/gen.py --check ||
    die "testdata/ is not what testdata/gen.py generates: run '.venv/bin/python testdata/gen.py' and commit the result"
"$PY" testdata/idps/gen.py --check ||
    die "testdata/idps/ is not what testdata/idps/gen.py generates: run '.venv/bin/python testdata/idps/gen.py' and commit the result"
"$PY" testdata/attacks/gen.py --check ||
    die "testdata/attacks/ is not what testdata/attacks/gen.py generates: run '.venv/bin/python testdata/attacks/gen.py' and commit the result"

# --- 3. servers --------------------------------------------------------------------------------
mkdir -p "$LOG_DIR"
MOTO_LOG=$LOG_DIR/moto.log
MCP_LOG=$LOG_DIR/mcp.log
PIDS=()

stop_servers() {
    local pid i alive
    ((${#PIDS[@]})) || return 0
    for pid in "${PIDS[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for ((i = 0; i < 50; i++)); do # up to 5 s for a clean exit
        alive=0
        for pid in "${PIDS[@]}"; do
            kill -0 -- "-$pid" 2>/dev/null && alive=1
        done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each server runs in its own session (setsid), so its PID is its process-group id and the whole
# group (workers, reloaders, children) can be signalled at once.
start() { # start LOGFILE CMD…
    local logfile=$1
    shift
    setsid "$@" >"$logfile" 2>&1 </dev/null &
    PIDS+=("$!")
    LAST_PID=$!
}

# Two distinct free loopback ports (both sockets are held until both numbers are known).
read -r MOTO_PORT MCP_PORT < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
')

start "$MOTO_LOG" "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT"
MOTO_PID=$LAST_PID
start "$MCP_LOG" "$PY" tests/servers/mcp_server.py --host 127.0.0.1 --port "$MCP_PORT"
MCP_PID=$LAST_PID

export TOKDIAG_TEST_MOTO_URL=http://127.0.0.1:$MOTO_PORT
export TOKDIAG_TEST_MCP_URL=http://127.0.0.1:$MCP_PORT/mcp
export TOKDIAG_TEST_PYTHON=$PY
# Property tests run with a fixed seed, so a CI run can be replayed exactly; override to explore.
export PROPTEST_RNG_SEED=${PROPTEST_RNG_SEED:-20261124}

# wait_ready NAME PID LOG KIND URL: poll until the server answers, it dies, or TIMEOUT passes.
wait_ready() {
    local name=$1 pid=$2 logfile=$3 kind=$4 url=$5
    if ! "$PY" - "$pid" "$kind" "$url" "$TIMEOUT" <<'PYEOF'; then
import json, os, sys, time, urllib.request, urllib.error
pid, kind, url, timeout = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
if kind == "moto":  # POST /moto-api/reset -> 200 (and a clean state)
    req = lambda: urllib.request.Request(url + "/moto-api/reset", data=b"", method="POST")
else:  # MCP initialize with the Accept header the transport requires -> 200
    body = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "tokdiag-test.sh", "version": "0"}}}).encode()
    req = lambda: urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
deadline = time.monotonic() + timeout
last = "no answer"
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"process {pid} exited ({last})")
    try:
        with urllib.request.urlopen(req(), timeout=2) as r:
            r.read()
            if r.status == 200:
                sys.exit(0)
            last = f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        last = f"HTTP {e.code}"
    except OSError as e:
        last = str(e)
    time.sleep(0.05)
sys.exit(f"not ready after {timeout:g} s ({last})")
PYEOF
        log "error: $name did not start on $url; its log ($logfile):"
        sed 's/^/    /' "$logfile" >&2 || true
        exit 1
    fi
}

wait_ready "moto_server" "$MOTO_PID" "$MOTO_LOG" moto "$TOKDIAG_TEST_MOTO_URL"
wait_ready "MCP test server" "$MCP_PID" "$MCP_LOG" mcp "$TOKDIAG_TEST_MCP_URL"
log "moto_server     $TOKDIAG_TEST_MOTO_URL  (log: ${MOTO_LOG#"$ROOT"/})"
log "MCP test server $TOKDIAG_TEST_MCP_URL  (log: ${MCP_LOG#"$ROOT"/})"

# --- MCP servers of the other SDKs (helper invoke) ------------------------------------------------
# Python SDK 2.x (its own venv: one venv cannot hold mcp 1.x and 2.x) and the TypeScript SDK
# (`npm ci` from tests/servers/ts/package-lock.json). Both stateless, SSE answers, loopback only.
# A stamp holding the pinned file's hash skips the install on later runs.
VENV2=$ROOT/.venv-mcp2
PY2=$VENV2/bin/python
REQ2=$ROOT/scripts/requirements-mcp2.txt
STAMP2=$VENV2/.tokdiag-requirements.sha256
TS_DIR=$ROOT/tests/servers/ts
TS_STAMP=$TS_DIR/node_modules/.tokdiag-package-lock.sha256
ensure_mcp2_venv() {
    local want
    want=$(sha256sum "$REQ2" | cut -d' ' -f1)
    if [[ -x $PY2 ]] && "$PY2" -c 'pass' 2>/dev/null && [[ -f $STAMP2 && $(<"$STAMP2") == "$want" ]]; then
        return 0
    fi
    if ! { [[ -x $PY2 ]] && "$PY2" -c 'pass' 2>/dev/null; }; then
        log "creating $VENV2"
        python3 -m venv --clear "$VENV2" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    fi
    log "installing $(basename "$REQ2") into .venv-mcp2 (once per change of that file)"
    rm -f "$STAMP2"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$PY2" -m pip install --quiet -r "$REQ2" || die "pip install -r $REQ2 failed"
    printf '%s\n' "$want" >"$STAMP2"
}
ensure_ts_modules() {
    local want
    command -v node >/dev/null || die "node not found (needed for the TypeScript MCP test server; Node.js 18+)"
    command -v npm >/dev/null || die "npm not found (needed for the TypeScript MCP test server)"
    want=$(sha256sum "$TS_DIR/package-lock.json" | cut -d' ' -f1)
    if [[ -f $TS_STAMP && $(<"$TS_STAMP") == "$want" ]]; then
        return 0
    fi
    log "npm ci in tests/servers/ts (once per change of its package-lock.json)"
    (cd "$TS_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
        die "npm ci in $TS_DIR failed"
    printf '%s\n' "$want" >"$TS_STAMP"
}
ensure_mcp2_venv
ensure_ts_modules
MCP2_LOG=$LOG_DIR/mcp2.log
MCP_TS_LOG=$LOG_DIR/mcp-ts.log
read -r MCP2_PORT MCP_TS_PORT < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
')
start "$MCP2_LOG" "$PY2" tests/servers/mcp2_server.py --host 127.0.0.1 --port "$MCP2_PORT"
MCP2_PID=$LAST_PID
start "$MCP_TS_LOG" node tests/servers/ts/server.mjs --host 127.0.0.1 --port "$MCP_TS_PORT"
MCP_TS_PID=$LAST_PID
export TOKDIAG_TEST_MCP2_URL=http://127.0.0.1:$MCP2_PORT/mcp
export TOKDIAG_TEST_MCP2_PYTHON=$PY2
export TOKDIAG_TEST_MCP_TS_URL=http://127.0.0.1:$MCP_TS_PORT/mcp
TOKDIAG_TEST_NODE=$(command -v node)
export TOKDIAG_TEST_NODE
wait_ready "MCP test server (Python SDK 2.x)" "$MCP2_PID" "$MCP2_LOG" mcp "$TOKDIAG_TEST_MCP2_URL"
wait_ready "MCP test server (TypeScript SDK)" "$MCP_TS_PID" "$MCP_TS_LOG" mcp "$TOKDIAG_TEST_MCP_TS_URL"
log "MCP server (py2) $TOKDIAG_TEST_MCP2_URL  (log: ${MCP2_LOG#"$ROOT"/})"
log "MCP server (ts)  $TOKDIAG_TEST_MCP_TS_URL  (log: ${MCP_TS_LOG#"$ROOT"/})"
# --- end of the MCP servers block ------------------------------------------------------------------

# --- cognito-local: a second Cognito emulator for the login tests (helper escape-diag) -------------
# npm `cognito-local`, pinned by tests/servers/cognito-local/package-lock.json (`npm ci`, stamped
# like the TypeScript server). It keeps its pools under ./.cognito of its working directory: a fresh
# one per run in target/test-servers/cognito-local/. Loopback only (HOST=127.0.0.1, a free PORT).
CL_DIR=$ROOT/tests/servers/cognito-local
CL_STAMP=$CL_DIR/node_modules/.tokdiag-package-lock.sha256
CL_LOG=$LOG_DIR/cognito-local.log
CL_DATA=$LOG_DIR/cognito-local
ensure_cognito_local() {
    local want
    command -v node >/dev/null || die "node not found (needed for the cognito-local test server; Node.js 18+)"
    command -v npm >/dev/null || die "npm not found (needed for the cognito-local test server)"
    want=$(sha256sum "$CL_DIR/package-lock.json" | cut -d' ' -f1)
    if [[ -f $CL_STAMP && $(<"$CL_STAMP") == "$want" && -x $CL_DIR/node_modules/.bin/cognito-local ]]; then
        return 0
    fi
    log "npm ci in tests/servers/cognito-local (once per change of its package-lock.json)"
    (cd "$CL_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
        die "npm ci in $CL_DIR failed"
    printf '%s\n' "$want" >"$CL_STAMP"
}
ensure_cognito_local
rm -rf "$CL_DATA"
mkdir -p "$CL_DATA"
CL_PORT=$("$PY" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
')
start "$CL_LOG" env -C "$CL_DATA" HOST=127.0.0.1 PORT="$CL_PORT" "$CL_DIR/node_modules/.bin/cognito-local"
CL_PID=$LAST_PID
export TOKDIAG_TEST_COGNITO_LOCAL_URL=http://127.0.0.1:$CL_PORT
# Ready when ListUserPools answers 200 (bounded by TIMEOUT; the log is printed on failure).
if ! "$PY" - "$TOKDIAG_TEST_COGNITO_LOCAL_URL" "$TIMEOUT" <<'PYEOF'; then
import sys, time, urllib.request, urllib.error
url, timeout = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + timeout
last = "no answer"
while time.monotonic() < deadline:
    req = urllib.request.Request(url + "/", data=b'{"MaxResults": 1}', method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools"})
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            r.read()
            if r.status == 200:
                sys.exit(0)
            last = f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        last = f"HTTP {e.code}"
    except OSError as e:
        last = str(e)
    time.sleep(0.1)
sys.exit(f"not ready after {timeout:g} s ({last})")
PYEOF
    log "error: cognito-local did not start on $TOKDIAG_TEST_COGNITO_LOCAL_URL; its log ($CL_LOG):"
    sed 's/^/    /' "$CL_LOG" >&2 || true
    exit 1
fi
log "cognito-local   $TOKDIAG_TEST_COGNITO_LOCAL_URL  (log: ${CL_LOG#"$ROOT"/}, pid ${CL_PID})"
# --- end of the cognito-local block ---------------------------------------------------------------

# --- 4. tests ----------------------------------------------------------------------------------
status=0
OUT=$LOG_DIR/cargo-test.out
# The tests that need these servers are #[ignore]d for a plain `cargo test` (which lists them as
# ignored, with the reason); here the servers run, so every test runs: --include-ignored goes to the
# test harness, after the caller's own `--` if there is one.
ARGS=("$@")
has_dashdash=0
for a in "${ARGS[@]}"; do [[ $a == -- ]] && has_dashdash=1; done
if ((has_dashdash)); then ARGS+=(--include-ignored); else ARGS+=(-- --include-ignored); fi
cargo test --locked "${ARGS[@]}" 2>&1 | tee "$OUT" || status=$?
if ((status != 0)); then
    log "cargo test exited $status; server logs: ${MOTO_LOG#"$ROOT"/}, ${MCP_LOG#"$ROOT"/}, ${MCP2_LOG#"$ROOT"/}, ${MCP_TS_LOG#"$ROOT"/}"
fi
# --- 5. DNS through the static binary (root only: it needs a network namespace) -----------------
DNS_OUT=$LOG_DIR/dns-check.out
: >"$DNS_OUT"
if (($# == 0)); then
    if [[ $(id -u) == 0 ]] && command -v ip >/dev/null; then
        dns_status=0
        scripts/dns-check.sh 2>&1 | tee "$DNS_OUT" || dns_status=$?
        if ((dns_status == 1)); then
            status=1
        elif ((dns_status != 0)); then
            log "dns-check could not run here (exit $dns_status; see above): not counted"
        fi
    else
        log "dns-check not run: it needs root and iproute2 for a network namespace (scripts/dns-check.sh)"
    fi
fi
# One closing line for the whole run (cargo's last line is the doc-test binary's, often "0 passed").
awk -v dns="$DNS_OUT" '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     FILENAME == dns && /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
     END { printf "%d passed, %d failed\n", p, f }' "$OUT" "$DNS_OUT"
exit "$status"
