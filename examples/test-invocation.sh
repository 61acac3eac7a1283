#!/usr/bin/env bash
# test-invocation.sh — check an AgentCore MCP runtime (or a local stack) end to end with tokdiag:
#
#   1. login     sign in to Cognito; prints the token the authorizer needs (cached, refreshed)
#   2. explain   would the authorizer accept it? (verdict, failed checks, named fixes)
#   3. list      initialize + tools/list over MCP streamable HTTP (the right Accept header)
#   4. call      tools/call validate_content with test data; the result must be {"valid": true}
#
# Any failure stops the script with tokdiag's exit code: 1 refused (token, call), 2 usage/config,
# 3 network/undecided. The token travels on stdin, never on a command line.
#
# Usage:
#   examples/test-invocation.sh                       # ./.bedrock_agentcore.yaml, the deployed runtime
#   MCP_URL=http://127.0.0.1:8080/mcp examples/test-invocation.sh   # a local `tokdiag proxy`
#
# Environment:
#   CONFIG            agent config (default .bedrock_agentcore.yaml)
#   MCP_URL           MCP endpoint to call instead of the config's agent ARN
#   TOKDIAG           tokdiag binary (default: tokdiag on PATH)
#   TOKDIAG_ARGS      extra global flags, e.g. "--endpoint-url http://127.0.0.1:5000" for an emulator
#   TOKDIAG_USERNAME  the user to sign in as; TOKDIAG_PASSWORD its password (else a prompt)
#   TEST_CONTENT      the text sent to validate_content
set -euo pipefail

TOKDIAG=${TOKDIAG:-tokdiag}
CONFIG=${CONFIG:-.bedrock_agentcore.yaml}
TEST_CONTENT=${TEST_CONTENT:-"Hello from test-invocation.sh: a short, valid piece of content."}
read -r -a EXTRA <<<"${TOKDIAG_ARGS:-}"

td() { "$TOKDIAG" --config "$CONFIG" "${EXTRA[@]}" "$@"; }
step() { printf '\n== %s\n' "$*" >&2; }
fail() {
    local code=$1
    shift
    printf 'test-invocation: FAILED at %s (exit %s)\n' "$*" "$code" >&2
    exit "$code"
}

target=()
if [[ -n ${MCP_URL:-} ]]; then
    target=(--url "$MCP_URL")
fi

step "1/4 login"
TOKEN=$(td login) || fail $? "login"

step "2/4 explain"
td explain - <<<"$TOKEN" || fail $? "explain (the authorizer would refuse this token)"

step "3/4 tools/list"
td invoke "${target[@]}" --token - <<<"$TOKEN" || fail $? "tools/list"

step "4/4 tools/call validate_content"
args=$(printf '{"content": "%s"}' "${TEST_CONTENT//\"/\\\"}")
result=$(td --json invoke "${target[@]}" --tool validate_content --args "$args" --token - <<<"$TOKEN") ||
    fail $? "tools/call validate_content"
printf '%s\n' "$result"
grep -q '"valid": true' <<<"$result" || fail 1 "validate_content: the content was not valid"

printf '\ntest-invocation: OK\n' >&2
