#!/usr/bin/env bash
# Lines of Rust per layer at a commit (default HEAD), for the architecture figures in issue notes.
# usage: scripts/layers.sh [COMMIT]   (run from the repository root)
set -euo pipefail
c=${1:-HEAD}
count() {
    git ls-tree -r --name-only "$c" -- "$@" 2>/dev/null | grep '\.rs$' | while read -r f; do
        git show "$c:$f" | wc -l
    done | awk '{s += $1} END {print s + 0}'
}
echo "cli+main+lib $(count src/cli.rs src/main.rs src/lib.rs)"
echo "commands $(count src/commands)"
echo "authorizer $(count src/authorizer)"
echo "engine $(count src/claims.rs src/token.rs src/token src/verify.rs src/signature.rs src/keyring.rs src/report.rs src/host.rs)"
echo "network $(count src/net.rs src/oidc.rs src/cognito src/mcp.rs src/mcp_sigv4.rs src/proxy.rs src/proxy_iam.rs)"
echo "output+util $(count src/render.rs src/output src/escape.rs src/error.rs src/fsx.rs src/timefmt.rs src/notes.rs)"
echo "src $(count src)"
echo "tests $(git ls-tree -r --name-only "$c" -- tests | grep -v '^tests/servers' | grep '\.rs$' | while read -r f; do git show "$c:$f" | wc -l; done | awk '{s += $1} END {print s + 0}')"
