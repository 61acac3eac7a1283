#!/usr/bin/env bash
# Proves that the tokdiag binary resolves host names through DNS — the statically linked Linux build
# (.cargo/config.toml) relies on glibc's built-in `files` and `dns` sources, with no NSS module to
# load — for both of its HTTP stacks: reqwest (discovery/JWKS, `keys`) and the AWS SDK (`login`).
#
#   scripts/dns-check.sh [TOKDIAG]     default: the debug build that `cargo build` makes
#
# In a network namespace of its own (needs root and iproute2), with its own /etc/resolv.conf,
# /etc/hosts and /etc/nsswitch.conf (ip netns exec lays /etc/netns/NAME/* over /etc), it runs a
# DNS server for the zone tokdiag.test on 127.0.0.1:53 (tests/servers/dns_server.py), a discovery
# + JWKS server as idp.tokdiag.test and moto as cognito.tokdiag.test, then checks, for three
# nsswitch.conf `hosts:` lines (Debian's, Ubuntu's with mDNS, Fedora's with systemd-resolved —
# the NSS modules they name are not installed, as on a minimal system), that
#   tokdiag keys  --discovery-url http://idp.tokdiag.test:PORT/...   lists the JWKS's keys, and
#   tokdiag login --endpoint-url  http://cognito.tokdiag.test:PORT   prints an access token,
# and that the DNS server saw each name asked for. Nothing leaves the namespace's loopback.
# Prints `N passed, N failed` last; exits 1 if any check failed, 2 if it cannot run here.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
BIN=${1:-}
if [[ -z $BIN ]]; then
    BIN=$(cargo build --locked --quiet --message-format=json-render-diagnostics |
        grep -o '"executable":"[^"]*/tokdiag"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')
fi
BIN=$(realpath "$BIN")
log() { printf 'dns-check: %s\n' "$*" >&2; }
[[ $(id -u) == 0 ]] || { log "needs root (for a network namespace)"; exit 2; }
command -v ip >/dev/null || { log "needs iproute2 (ip)"; exit 2; }
[[ -x $PY ]] || { log "$PY not found: run scripts/test.sh once (it creates .venv), or set PYTHON"; exit 2; }
[[ -x $BIN ]] || { log "$BIN is not an executable"; exit 2; }

NS=tokdiag-dns-$$
ETC=/etc/netns/$NS
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$ETC" "$WORK"
}
trap cleanup EXIT
ip netns add "$NS" || { log "cannot create a network namespace"; exit 2; }
mkdir -p "$ETC"
in_ns() { ip netns exec "$NS" "$@"; }
# Servers are started with `ip netns exec` itself (it execs the program, so $! is the server's
# pid), not through in_ns: a backgrounded function is a subshell whose child a kill would miss.
in_ns ip link set lo up
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >"$ETC/resolv.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ETC/hosts"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ETC/nsswitch.conf"

IDP_PORT=8765
MOTO_PORT=8766
ip netns exec "$NS" "$PY" tests/servers/dns_server.py --host 127.0.0.1 --port 53 --zone tokdiag.test >"$WORK/dns.log" 2>&1 &
PIDS+=($!)
mkdir -p "$WORK/idp/.well-known"
cp testdata/seed/jwks.json "$WORK/idp/jwks.json"
printf '{"issuer": "http://idp.tokdiag.test:%s", "jwks_uri": "http://idp.tokdiag.test:%s/jwks.json"}\n' \
    "$IDP_PORT" "$IDP_PORT" >"$WORK/idp/.well-known/openid-configuration"
ip netns exec "$NS" "$PY" -m http.server --bind 127.0.0.1 --directory "$WORK/idp" "$IDP_PORT" >"$WORK/idp.log" 2>&1 &
PIDS+=($!)
ip netns exec "$NS" "$ROOT/.venv/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
PIDS+=($!)

# Wait for the three servers (inside the namespace), then make a pool, an app client and a user.
if ! in_ns "$PY" - "$IDP_PORT" "$MOTO_PORT" >"$WORK/setup.out" 2>"$WORK/setup.err" <<'PY'; then
import json, socket, sys, time, urllib.request
idp, moto = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 60
def ready(url, data=None):
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=2) as r:
                return r.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
ready(f"http://127.0.0.1:{idp}/jwks.json")
ready(f"http://127.0.0.1:{moto}/moto-api/reset", b"")
def call(op, body):
    req = urllib.request.Request(f"http://127.0.0.1:{moto}/", data=json.dumps(body).encode(), headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{op}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())
pool = call("CreateUserPool", {"PoolName": "dns-check"})["UserPool"]["Id"]
client = call("CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "dns-check",
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})["UserPoolClient"]["ClientId"]
call("AdminCreateUser", {"UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS",
    "TemporaryPassword": "Temp-Passw0rd!"})
call("AdminSetUserPassword", {"UserPoolId": pool, "Username": "alice", "Password": "Corr3ct-Horse!", "Permanent": True})
print(pool, client)
PY
    log "the servers in the namespace did not start:"
    cat "$WORK/setup.err" "$WORK"/*.log >&2 || true
    exit 2
fi
read -r POOL CLIENT <"$WORK/setup.out"

passed=0
failed=0
check() { # check NAME EXPECTED-REGEX CMD...: the command exits 0 and prints EXPECTED on stdout
    local name=$1 want=$2 out rc=0
    shift 2
    out=$("$@" 2>"$WORK/stderr") || rc=$?
    if [[ $rc == 0 ]] && grep -Eq "$want" <<<"$out"; then
        passed=$((passed + 1))
        log "ok    $name"
    else
        failed=$((failed + 1))
        log "FAIL  $name (exit $rc): $(head -c 600 "$WORK/stderr")"
    fi
}

HOSTS_LINES=(
    "files dns"
    "files mdns4_minimal [NOTFOUND=return] dns"
    "files myhostname resolve [!UNAVAIL=return] dns"
)
for hosts in "${HOSTS_LINES[@]}"; do
    printf 'passwd: files\ngroup: files\nhosts: %s\n' "$hosts" >"$ETC/nsswitch.conf"
    cache=$(mktemp -d -p "$WORK")
    check "keys via DNS (hosts: $hosts)" 'rsa-1' \
        in_ns env -u AWS_ENDPOINT_URL NO_COLOR=1 "$BIN" --cache-dir "$cache" keys --allow-http \
        --discovery-url "http://idp.tokdiag.test:$IDP_PORT/.well-known/openid-configuration"
    check "login via DNS (hosts: $hosts)" '^eyJ' \
        in_ns env -i PATH=/usr/bin:/bin HOME="$cache" TOKDIAG_PASSWORD='Corr3ct-Horse!' \
        AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "$BIN" --cache-dir "$cache" login --no-cache \
        --user-pool-id "$POOL" --client-id "$CLIENT" --username alice --region us-east-1 \
        --endpoint-url "http://cognito.tokdiag.test:$MOTO_PORT"
done
for name in idp.tokdiag.test cognito.tokdiag.test; do
    if grep -q "^$name A" "$WORK/dns.log"; then
        passed=$((passed + 1))
        log "ok    the DNS server answered $name"
    else
        failed=$((failed + 1))
        log "FAIL  the DNS server was never asked for $name"
    fi
done
printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
