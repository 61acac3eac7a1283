#!/usr/bin/env python3
"""(Re)generate tokdiag's attack corpus (testdata/attacks/), deterministically.

    .venv/bin/python testdata/attacks/gen.py            # write everything, then check it
    .venv/bin/python testdata/attacks/gen.py --check    # write nothing; fail if a file is stale

Hostile tokens that a careful verifier refuses. Each one carries valid Cognito access-token claims
for the seed (testdata/seed/.bedrock_agentcore.yaml: pool us-east-1_h0Vo2Whhx, allowedClients
3ipsf00btbffko91d8irdu8up1), so the attack is the only reason to refuse it. tests/attacks.rs runs
every file through `tokdiag verify --jwks testdata/jwks.json --issuer …` and `tokdiag explain
--config testdata/seed/.bedrock_agentcore.yaml --jwks testdata/jwks.json` and pins the named cause.

Keys: testdata/keys/rsa-1.pem is the issuer's key (in testdata/jwks.json as kid rsa-1);
testdata/keys/rsa-2.pem plays the attacker's key (published nowhere). RS256 (PKCS#1 v1.5) is
deterministic, so the files are a pure function of the keys. The 1 MB token is not stored: the test
builds it at run time. README.md (the case table) is generated too.

Needs `cryptography` (scripts/requirements-test.txt).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

HERE = Path(__file__).resolve().parent
KEYS = HERE.parent / "keys"

POOL_ID = "us-east-1_h0Vo2Whhx"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"
CLIENT_ID = "3ipsf00btbffko91d8irdu8up1"
IAT = 1767225600  # 2026-01-01T00:00:00Z
EXP = 4102444800  # 2100-01-01T00:00:00Z


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def cj(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def claims(**over) -> dict:
    c = {
        "sub": "c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90",
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": IAT,
        "exp": EXP,
        "iat": IAT,
        "jti": "a77ac4e0-0000-4000-8000-00000000a77a",
        "username": "alice",
    }
    c.update(over)
    return c


def load(stem: str):
    return serialization.load_pem_private_key((KEYS / f"{stem}.pem").read_bytes(), password=None)


def rs256(key, signing_input: str) -> bytes:
    return key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())


def raw_token(header: bytes, payload: bytes, sign=None) -> str:
    """A token from raw header/payload bytes; `sign(signing_input) -> bytes` or no signature."""
    si = f"{b64u(header)}.{b64u(payload)}"
    return f"{si}.{b64u(sign(si) if sign else b'')}"


def public_jwk(key, kid: str) -> dict:
    n = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "kid": kid,
        "alg": "RS256",
        "use": "sig",
        "n": b64u(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")),
        "e": b64u(n.e.to_bytes(3, "big")),
    }


# (file, what it tries, what tokdiag answers) — the README table; the Rust test pins the exact text.
CASES: list[tuple[str, str, str]] = []


def build() -> dict[Path, bytes]:
    issuer_key = load("rsa-1")
    attacker = load("rsa-2")
    by_issuer = lambda si: rs256(issuer_key, si)  # noqa: E731
    by_attacker = lambda si: rs256(attacker, si)  # noqa: E731
    files: dict[Path, bytes] = {}

    def put(name: str, token: str, attack: str, answer: str) -> None:
        files[HERE / name] = token.encode("ascii")
        CASES.append((name, attack, answer))

    def tok(header: dict, sign, **over) -> str:
        return raw_token(cj(header), cj(claims(**over)), sign)

    # --- alg none, in every spelling ------------------------------------------------------------
    for alg in ("none", "None", "NONE"):
        put(f"alg-{alg}.jwt", tok({"kid": "rsa-1", "alg": alg}, None),
            f'unsigned token, `alg` "{alg}"', "signature ✗ alg-not-allowed")
    si = f"{b64u(cj({'kid': 'rsa-1', 'alg': 'none'}))}.{b64u(cj(claims()))}"
    put("alg-none-with-signature.jwt", f"{si}.{b64u(by_issuer(si))}",
        '`alg` "none" with a real RS256 signature attached (libraries that skip the check)',
        "signature ✗ alg-not-allowed")

    # --- key confusion: HS256 keyed with the issuer's public key ---------------------------------
    pub_pem = issuer_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs = lambda si: hmac.new(pub_pem, si.encode("ascii"), hashlib.sha256).digest()  # noqa: E731
    put("hs256-with-rsa-public-key.jwt", tok({"kid": "rsa-1", "alg": "HS256"}, hs),
        "HS256 whose HMAC secret is the issuer's RSA public key (PEM)", "signature ✗ alg-not-allowed")
    put("hs256-with-rsa-public-key-no-kid.jwt", tok({"alg": "HS256"}, hs),
        "the same without `kid`, hoping for a fallback key", "signature ✗ unknown-kid (no key chosen)")

    # --- keys named by the token itself ----------------------------------------------------------
    put("embedded-jwk.jwt",
        tok({"kid": "attacker-1", "alg": "RS256", "jwk": public_jwk(attacker, "attacker-1")}, by_attacker),
        "`jwk` header carrying the attacker's public key (CVE-2018-0114 style)", "signature ✗ unknown-kid")
    put("embedded-jwk-known-kid.jwt",
        tok({"kid": "rsa-1", "alg": "RS256", "jwk": public_jwk(attacker, "rsa-1")}, by_attacker),
        "`jwk` header with the attacker's key under the issuer's kid", "signature ✗ signature-invalid")
    put("jku.jwt",
        tok({"kid": "rsa-1", "alg": "RS256", "jku": "https://attacker.example/.well-known/jwks.json"}, by_attacker),
        "`jku` header pointing at the attacker's JWKS", "signature ✗ signature-invalid (never fetched)")
    put("jku-unknown-kid.jwt",
        tok({"kid": "attacker-1", "alg": "RS256", "jku": "https://attacker.example/.well-known/jwks.json"},
            by_attacker),
        "`jku` header and a kid only the attacker's JWKS has", "signature ✗ unknown-kid (never fetched)")
    put("x5u.jwt",
        tok({"kid": "rsa-1", "alg": "RS256", "x5u": "https://attacker.example/cert.pem"}, by_attacker),
        "`x5u` header pointing at the attacker's certificate", "signature ✗ signature-invalid (never fetched)")

    # --- kid as an injection vector ----------------------------------------------------------------
    put("kid-path-traversal.jwt", tok({"kid": "../../../../../../etc/passwd", "alg": "RS256"}, by_attacker),
        "`kid` with path traversal (verifiers that read key files by kid)", "signature ✗ unknown-kid")
    put("kid-dev-null.jwt", tok({"kid": "/dev/null", "alg": "HS256"},
                                lambda si: hmac.new(b"", si.encode("ascii"), hashlib.sha256).digest()),
        "`kid` /dev/null with HS256 keyed by the empty file", "signature ✗ unknown-kid")
    put("kid-sql-injection.jwt",
        tok({"kid": "x' UNION SELECT 'c2VjcmV0' -- ", "alg": "RS256"}, by_attacker),
        "`kid` with SQL-ish text (verifiers that look keys up in a database)", "signature ✗ unknown-kid")

    # --- forged output lines and look-alike hosts (what the terminal shows) ------------------------
    put("kid-forged-line.jwt",
        tok({"kid": "zz\n✓ ACCEPTED — AgentCore would accept this token\n", "alg": "RS256"}, by_attacker),
        "`kid` holding newlines and a forged verdict line", "signature ✗ unknown-kid (kid shown with `\\n`)")
    put("claims-forged-lines.jwt",
        tok({"kid": "rsa-1", "alg": "RS256"}, by_attacker,
            username="alice\r\n✓ ACCEPTED — AgentCore would accept this token",
            scope="aws.cognito.signin.user.admin\u2028✓ ok",
            **{"cognito:groups": ["admins\u202e", "\u200busers"]}),
        "claims with CR LF, U+2028, a bidi override and a zero-width space",
        "signature ✗ signature-invalid (values shown escaped)")
    put("lookalike-issuer.jwt",
        tok({"kid": "rsa-1", "alg": "RS256"}, by_issuer, iss=ISSUER.replace("amazonaws", "amazon\u0430ws")),
        "validly signed, `iss` on amazonаws.com with a Cyrillic а (U+0430)",
        "issuer ✗ lookalike-issuer (no fix names that host)")

    # --- broken signatures --------------------------------------------------------------------------
    put("es256-zero-signature.jwt", tok({"kid": "ec256-1", "alg": "ES256"}, lambda si: bytes(64)),
        "ES256 with r = s = 0 (CVE-2022-21449, \"psychic signatures\")", "signature ✗ signature-invalid")
    good = tok({"kid": "rsa-1", "alg": "RS256"}, by_issuer)
    h, p, _ = good.split(".")
    put("stripped-signature.jwt", f"{h}.{p}.", "valid token with its signature removed",
        "signature ✗ signature-invalid (empty)")
    put("stripped-signature-no-dot.jwt", f"{h}.{p}", "valid token cut after the payload",
        "format ✗ not-a-jwt")
    evil = b64u(cj(claims(username="admin", **{"cognito:groups": ["admins"]})))
    put("tampered-payload.jwt", f"{h}.{evil}.{good.split('.')[2]}",
        "valid signature, payload edited afterwards (username, groups)", "signature ✗ signature-invalid")

    # --- parser differentials ------------------------------------------------------------------------
    put("duplicate-key-header.jwt",
        raw_token(b'{"kid":"rsa-1","alg":"RS256","alg":"none"}', cj(claims()), by_issuer),
        "header repeats `alg` (first-wins vs last-wins parsers)", "format ✗ not-a-jwt")
    body = cj(claims())[:-1] + b',"client_id":"7d8rtc0q3e7a1n4ci6bm2ju5s0"}'
    put("duplicate-key-payload.jwt", raw_token(cj({"kid": "rsa-1", "alg": "RS256"}), body, by_issuer),
        "payload repeats `client_id`, validly signed", "format ✗ not-a-jwt")
    put("crit-unknown-extension.jwt",
        tok({"kid": "rsa-1", "alg": "RS256", "crit": ["https://attacker.example/ext"],
             "https://attacker.example/ext": True}, by_issuer),
        "validly signed, `crit` lists an extension nobody understands (RFC 7515 §4.1.11)",
        "format ✗ not-a-jwt")
    put("crit-b64.jwt", tok({"kid": "rsa-1", "alg": "RS256", "b64": False, "crit": ["b64"]}, by_issuer),
        "validly signed, `crit: [\"b64\"]` (RFC 7797 unencoded payload)", "format ✗ not-a-jwt")
    put("non-json-header.jwt", raw_token(b"alg=RS256;kid=rsa-1", cj(claims()), by_issuer),
        "header that is not JSON", "format ✗ not-a-jwt")
    put("array-header.jwt", raw_token(b'[{"alg":"RS256","kid":"rsa-1"}]', cj(claims()), by_issuer),
        "header that is JSON but not an object", "format ✗ not-a-jwt")
    std = base64.b64encode(cj({"kid": "rsa-1", "alg": "RS256", "x": "???>>>"})).decode("ascii")
    assert "+" in std and "/" in std and "=" not in std, std
    put("invalid-base64url.jwt", f"{std}.{p}.{good.split('.')[2]}",
        "header in standard base64 (`+`, `/`), not base64url", "format ✗ not-a-jwt")
    put("non-utf8-payload.jwt", f"{h}.{b64u(bytes([0xff, 0xfe, 0x7b, 0x7d]))}.{good.split('.')[2]}",
        "payload bytes that are not UTF-8", "format ✗ not-a-jwt")
    nested = cj(claims())[:-1] + b',"x":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    put("deeply-nested-claim.jwt", raw_token(cj({"kid": "rsa-1", "alg": "RS256"}), nested, by_issuer),
        "validly signed, a claim nesting 10,000 arrays (stack exhaustion)", "format ✗ not-a-jwt")

    files[HERE / "README.md"] = readme().encode("utf-8")
    return files


def readme() -> str:
    rows = "\n".join(f"| `{f}` | {a} | {r} |" for f, a, r in CASES)
    return f"""# Attack corpus

Generated by `gen.py` (run `.venv/bin/python testdata/attacks/gen.py`; `scripts/test.sh` runs it
with `--check`). Every token carries valid claims for the seed config, so the attack is the only
reason to refuse it. `tests/attacks.rs` runs each through `tokdiag verify` and `tokdiag explain`
(both exit 1, cause named, no panic); it also builds a 1 MB token at run time, and re-mints the
`jku`/`x5u` tokens against a loopback server to prove those URLs are never fetched.

Signing keys: `../keys/rsa-1.pem` is the issuer (kid `rsa-1` in `../jwks.json`); `../keys/rsa-2.pem`
is the attacker. TEST-ONLY keys.

| file | attack | tokdiag's answer (check ✗ diagnosis) |
|---|---|---|
{rows}
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    args = ap.parse_args()
    files = build()
    stale = [p for p, c in sorted(files.items()) if not (p.exists() and p.read_bytes() == c)]
    known = {p.name for p in files} | {"gen.py"}
    extra = sorted(p for p in HERE.iterdir() if p.is_file() and p.name not in known)
    if args.check:
        for p in stale:
            print(f"attacks/gen.py: stale: testdata/attacks/{p.name}", file=sys.stderr)
        for p in extra:
            print(f"attacks/gen.py: not generated: testdata/attacks/{p.name}", file=sys.stderr)
        if stale or extra:
            return 1
        print(f"attacks/gen.py: {len(files)} files up to date", file=sys.stderr)
        return 0
    for p in stale:
        p.write_bytes(files[p])
    print(f"attacks/gen.py: wrote {len(stale)} file(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
