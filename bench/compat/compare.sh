#!/usr/bin/env bash
# Byte-identity of what users read, between two tokdiag binaries: a hand-made mixed corpus
# (mixed.py: valid, expired, float/string exp, aud forms, look-alike issuers, repeated and escaped
# keys, non-UTF-8, garbage lines, …) and random hostile payloads (fuzz.py), through verify (batch
# text and --json, with and without --audience/--client-id/--token-use), and per token through
# verify, decode and explain in text and --json. Stdout, stderr and exit codes are compared.
#
#   bench/compat/compare.sh OLD_BIN NEW_BIN     exit 0 when every output is the same, 1 otherwise
#
# For changes meant to keep behaviour (performance work): run it before merging. Needs .venv
# (scripts/test.sh creates it) for `cryptography`. Everything is local; nothing leaves the machine.
set -u
cd "$(dirname "$0")/../.."
OLD=$1 NEW=$2
PY=.venv/bin/python
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$PY" bench/compat/mixed.py >"$W/mixed.txt"
"$PY" bench/compat/fuzz.py 1 3000 >"$W/fuzz.txt"
"$PY" bench/compat/fuzz.py 2 3000 --with-exp >>"$W/fuzz.txt"
ISS="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx"
J=testdata/jwks-rsa-only.json
CID=3ipsf00btbffko91d8irdu8up1
run_all() {
    local B=$1 O=$2
    mkdir -p "$O" "$O.cache"
    local G=(--color never --now 1767225600 --cache-dir "$O.cache")
    run() { local name=$1; shift; "$@" >"$O/$name.out" 2>"$O/$name.err"; echo $? >"$O/$name.rc"; }
    for c in mixed fuzz; do
        run "$c-b1" "$B" "${G[@]}" verify --jwks $J --issuer "$ISS" <"$W/$c.txt"
        run "$c-b2" "$B" "${G[@]}" verify --jwks $J --issuer "$ISS" --audience c1 --client-id $CID --token-use access <"$W/$c.txt"
        run "$c-b3" "$B" "${G[@]}" --json verify --jwks $J --issuer "$ISS" <"$W/$c.txt"
        run "$c-b4" "$B" "${G[@]}" --json verify --jwks $J --issuer "$ISS" --audience c1 --client-id $CID --token-use id --leeway 5 <"$W/$c.txt"
        run "$c-b5" "$B" --color always --now 1767225600 --cache-dir "$O.cache" verify --jwks $J --issuer "$ISS" --audience x <"$W/$c.txt"
    done
    local i=0
    while IFS= read -r line; do
        i=$((i + 1))
        [[ ${#line} -gt 5000 ]] && continue
        run "s$i-v" "$B" "${G[@]}" verify --jwks $J --issuer "$ISS" --audience c1 --client-id $CID -- "$line"
        run "s$i-vj" "$B" "${G[@]}" --json verify --jwks $J --issuer "$ISS" --client-id $CID --token-use access -- "$line"
        run "s$i-d" "$B" "${G[@]}" decode -- "$line"
        run "s$i-dj" "$B" "${G[@]}" --json decode -- "$line"
        run "s$i-e" "$B" "${G[@]}" explain --jwks $J --issuer "$ISS" --allowed-client $CID --allowed-scope a --token "$line"
        run "s$i-ej" "$B" "${G[@]}" --json explain --jwks $J --issuer "$ISS" --allowed-audience c1 --token "$line"
    done <"$W/mixed.txt"
}
# Both under the same file name: clap's usage lines name the binary.
mkdir -p "$W/a" "$W/b"
cp "$OLD" "$W/a/tokdiag" && cp "$NEW" "$W/b/tokdiag"
run_all "$W/a/tokdiag" "$W/old"
run_all "$W/b/tokdiag" "$W/new"
n=$(ls "$W/old" | wc -l)
# The cache paths differ between the two runs: compare with each run's own path replaced.
diffs=0
for f in "$W/old"/*; do
    b=$(basename "$f")
    if ! cmp -s <(sed "s#$W/old.cache#CACHE#g" "$f") <(sed "s#$W/new.cache#CACHE#g" "$W/new/$b"); then
        diffs=$((diffs + 1))
        [[ $diffs -le 10 ]] && echo "differs: $b"
    fi
done
echo "compat: $n outputs compared ($(wc -l <"$W/mixed.txt") mixed lines, $(wc -l <"$W/fuzz.txt") fuzzed tokens), $diffs differ"
[[ $diffs -eq 0 ]]
