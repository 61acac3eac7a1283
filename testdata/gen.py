#!/usr/bin/env python3
"""(Re)generate tokdiag's test data, deterministically, from the checked-in keys.

    .venv/bin/python testdata/gen.py            # write everything, then check it
    .venv/bin/python testdata/gen.py --check    # write nothing; fail if a file is stale or a check fails

Keys under testdata/keys/ are created only when missing (TEST-ONLY keys: never trust them).
Everything else is a pure function of the keys: RS* and EdDSA signatures are deterministic by
nature, ES* use RFC 6979 deterministic ECDSA, PS* use a salt derived from the signing input
(see sign_pss), and the opaque "encrypted" strings come from SHAKE-256 of fixed labels.

Tokens are written without a trailing newline (they are the exact compact serialisation);
JSON and YAML files end with a newline. Needs `cryptography` and `PyJWT`
(scripts/requirements-test.txt); PyJWT is used only to check the results.
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
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = Path(__file__).resolve().parent
KEYS = HERE / "keys"
TOKENS = HERE / "tokens"
SEED = HERE / "seed"

# --- the cast ----------------------------------------------------------------------------------
REGION = "us-east-1"
POOL_ID = "us-east-1_h0Vo2Whhx"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
DISCOVERY_URL = f"{ISSUER}/.well-known/openid-configuration"
JWKS_URI = f"{ISSUER}/.well-known/jwks.json"
DOMAIN = f"https://tokdiag-demo.auth.{REGION}.amazoncognito.com"
CLIENT_ID = "3ipsf00btbffko91d8irdu8up1"  # public app client (USER_PASSWORD_AUTH)
M2M_CLIENT_ID = "7d8rtc0q3e7a1n4ci6bm2ju5s0"  # confidential app client (client_credentials)
USERNAME = "alice"
SUB = "c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90"
EMAIL = "alice@example.com"
ACCOUNT = "123456789012"
AGENT = "mcp_server"
AGENT_ARN = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/mcp_server-AbCdEf1234"

IAT = 1767225600  # 2026-01-01T00:00:00Z
EXP = 4102444800  # 2100-01-01T00:00:00Z
EXPIRED_EXP = 1767229200  # 2026-01-01T01:00:00Z
NBF_FUTURE = 4070908800  # 2099-01-01T00:00:00Z

ORIGIN_JTI = "5f0c7a2e-8b1d-4c3e-9a6f-0d2e4b8c1a73"
EVENT_ID = "b1e2d3c4-a5f6-4789-8abc-def012345678"
ACCESS_JTI = "2d7f3b8a-1c4e-4f5a-8d9b-6e0a1c2b3d4e"
ID_JTI = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
M2M_JTI = "0e1d2c3b-4a59-4687-9f0e-1d2c3b4a5968"
POOL_ID_JTI = "7c6b5a49-3827-4160-bf9e-8d7c6b5a4938"

ALGS = {  # JWS alg -> (kind, hash)
    "RS256": ("rsa", hashes.SHA256),
    "RS384": ("rsa", hashes.SHA384),
    "RS512": ("rsa", hashes.SHA512),
    "PS256": ("pss", hashes.SHA256),
    "ES256": ("ec", hashes.SHA256),
    "ES384": ("ec", hashes.SHA384),
    "EdDSA": ("ed", None),
    "HS256": ("hmac", hashes.SHA256),
}

# kid in the JWKS -> (key file stem, alg the JWK pins)
JWKS_ENTRIES = [
    ("rsa-1", "rsa-1", "RS256"),
    ("rsa-1-ps", "rsa-1", "PS256"),
    ("rsa-1-rs384", "rsa-1", "RS384"),
    ("rsa-1-rs512", "rsa-1", "RS512"),
    ("ec256-1", "ec256-1", "ES256"),
    ("ec384-1", "ec384-1", "ES384"),
    ("ed25519-1", "ed25519-1", "EdDSA"),
]


# --- encoding helpers ----------------------------------------------------------------------------
def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_int(n: int, length: int | None = None) -> str:
    length = length or max(1, (n.bit_length() + 7) // 8)
    return b64u(n.to_bytes(length, "big"))


def compact_json(obj: object) -> bytes:
    # Cognito serialises headers and payloads without spaces.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pretty_json(obj: object, indent: int = 2) -> str:
    return json.dumps(obj, indent=indent, ensure_ascii=False) + "\n"


def shake(label: str, n: int) -> bytes:
    return hashlib.shake_256(f"tokdiag-testdata:{label}".encode()).digest(n)


# --- keys --------------------------------------------------------------------------------------
def make_key(stem: str):
    if stem.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if stem.startswith("ec256-"):
        return ec.generate_private_key(ec.SECP256R1())
    if stem.startswith("ec384-"):
        return ec.generate_private_key(ec.SECP384R1())
    if stem.startswith("ed25519-"):
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(stem)


def load_keys(write: bool, notes: list[str]) -> dict:
    """Load keys/<stem>.pem, creating the key (and its .pub.pem) only when missing."""
    keys = {}
    for stem in ("rsa-1", "rsa-2", "ec256-1", "ec384-1", "ed25519-1"):
        priv_path = KEYS / f"{stem}.pem"
        if priv_path.exists():
            key = serialization.load_pem_private_key(priv_path.read_bytes(), password=None)
        else:
            if not write:
                raise SystemExit(f"missing key {priv_path} (run without --check to create it)")
            key = make_key(stem)
            KEYS.mkdir(parents=True, exist_ok=True)
            priv_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            notes.append(f"created new key {priv_path.relative_to(HERE)}")
        keys[stem] = key
    return keys


def public_pem(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_jwk(kid: str, key, alg: str) -> dict:
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        # Key order as Cognito publishes it.
        return {"alg": alg, "e": b64u_int(nums.e), "kid": kid, "kty": "RSA", "n": b64u_int(nums.n), "use": "sig"}
    if isinstance(pub, ec.EllipticCurvePublicKey):
        nums = pub.public_numbers()
        crv, size = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48)}[pub.curve.name]
        return {
            "alg": alg,
            "crv": crv,
            "kid": kid,
            "kty": "EC",
            "use": "sig",
            "x": b64u_int(nums.x, size),
            "y": b64u_int(nums.y, size),
        }
    if isinstance(pub, ed25519.Ed25519PublicKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"alg": alg, "crv": "Ed25519", "kid": kid, "kty": "OKP", "use": "sig", "x": b64u(raw)}
    raise TypeError(type(pub))


# --- signing (deterministic) -------------------------------------------------------------------
def mgf1(seed: bytes, length: int, hash_cls) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        h = hashes.Hash(hash_cls())
        h.update(seed + counter.to_bytes(4, "big"))
        out += h.finalize()
        counter += 1
    return out[:length]


def digest(data: bytes, hash_cls) -> bytes:
    h = hashes.Hash(hash_cls())
    h.update(data)
    return h.finalize()


def sign_pss(key: rsa.RSAPrivateKey, data: bytes, hash_cls) -> bytes:
    """RSASSA-PSS (RFC 8017 §8.1) with salt length = hash length, as RFC 7518 §3.5 requires.

    cryptography always draws a random salt; here the salt is HMAC(hash)(key=b"pss-salt", data), so
    the signature is reproducible and still a valid PSS signature for any verifier.
    """
    h_len = hash_cls.digest_size
    mod_bits = key.key_size
    em_bits = mod_bits - 1
    em_len = (em_bits + 7) // 8
    m_hash = digest(data, hash_cls)
    salt = hmac.new(b"tokdiag-testdata:pss-salt", data, hash_cls.name).digest()[:h_len]
    h = digest(b"\x00" * 8 + m_hash + salt, hash_cls)
    db = b"\x00" * (em_len - h_len - h_len - 2) + b"\x01" + salt
    masked = bytes(a ^ b for a, b in zip(db, mgf1(h, em_len - h_len - 1, hash_cls)))
    masked = bytes([masked[0] & (0xFF >> (8 * em_len - em_bits))]) + masked[1:]
    em = masked + h + b"\xbc"
    nums = key.private_numbers()
    sig = pow(int.from_bytes(em, "big"), nums.d, nums.public_numbers.n)
    k = (mod_bits + 7) // 8
    out = sig.to_bytes(k, "big")
    # Self-check with the library's PSS verifier.
    key.public_key().verify(out, data, padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=h_len), hash_cls())
    return out


def sign(alg: str, key, data: bytes) -> bytes:
    kind, hash_cls = ALGS[alg]
    if kind == "rsa":
        return key.sign(data, padding.PKCS1v15(), hash_cls())
    if kind == "pss":
        return sign_pss(key, data, hash_cls)
    if kind == "ec":
        der = key.sign(data, ec.ECDSA(hash_cls(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if kind == "ed":
        return key.sign(data)
    if kind == "hmac":
        return hmac.new(key, data, hash_cls.name).digest()
    raise ValueError(alg)


def jws(header: dict, claims: dict, key) -> str:
    signing_input = f"{b64u(compact_json(header))}.{b64u(compact_json(claims))}"
    alg = header["alg"]
    sig = b"" if alg == "none" else sign(alg, key, signing_input.encode("ascii"))
    return f"{signing_input}.{b64u(sig)}"


def cognito_header(kid: str, alg: str = "RS256") -> dict:
    return {"kid": kid, "alg": alg}  # Cognito: kid first, no typ


# --- claims (key order as real Cognito tokens) -------------------------------------------------
def access_claims(**over) -> dict:
    claims = {
        "sub": SUB,
        "cognito:groups": ["admins"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": ORIGIN_JTI,
        "event_id": EVENT_ID,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": IAT,
        "exp": EXP,
        "iat": IAT,
        "jti": ACCESS_JTI,
        "username": USERNAME,
    }
    claims.update(over)
    return claims


def at_hash(access_token: str) -> str:
    # OIDC Core §3.1.3.6: left half of SHA-256 of the ASCII access token, base64url.
    return b64u(hashlib.sha256(access_token.encode("ascii")).digest()[:16])


def id_claims(access_token: str, **over) -> dict:
    claims = {
        "at_hash": at_hash(access_token),
        "sub": SUB,
        "cognito:groups": ["admins"],
        "email_verified": True,
        "iss": ISSUER,
        "cognito:username": USERNAME,
        "origin_jti": ORIGIN_JTI,
        "aud": CLIENT_ID,
        "event_id": EVENT_ID,
        "token_use": "id",
        "auth_time": IAT,
        "exp": EXP,
        "iat": IAT,
        "jti": ID_JTI,
        "email": EMAIL,
    }
    claims.update(over)
    return claims


def client_credentials_claims() -> dict:
    return {
        "sub": M2M_CLIENT_ID,
        "token_use": "access",
        "scope": "tokdiag-api/invoke tokdiag-api/read",
        "auth_time": IAT,
        "iss": ISSUER,
        "exp": EXP,
        "iat": IAT,
        "version": 2,
        "jti": M2M_JTI,
        "client_id": M2M_CLIENT_ID,
    }


def jwe_like(label: str, header: dict, key_len: int, ct_len: int) -> str:
    """Five base64url segments shaped like a compact JWE (random-looking, not decryptable)."""
    return ".".join(
        [
            b64u(compact_json(header)),
            b64u(shake(label + ":cek", key_len)),
            b64u(shake(label + ":iv", 12)),
            b64u(shake(label + ":ct", ct_len)),
            b64u(shake(label + ":tag", 16)),
        ]
    )


# --- file contents -----------------------------------------------------------------------------
def build(keys: dict) -> dict[Path, bytes]:
    files: dict[Path, bytes] = {}

    def put(path: Path, content: str | bytes) -> None:
        files[path] = content.encode("utf-8") if isinstance(content, str) else content

    rsa1, rsa2 = keys["rsa-1"], keys["rsa-2"]

    # keys/*.pub.pem
    for stem, key in keys.items():
        put(KEYS / f"{stem}.pub.pem", public_pem(key))

    # JWKS
    jwks = {"keys": [public_jwk(kid, keys[stem], alg) for kid, stem, alg in JWKS_ENTRIES]}
    jwks_rsa_only = {"keys": [public_jwk("rsa-1", rsa1, "RS256")]}
    put(HERE / "jwks.json", pretty_json(jwks))
    put(HERE / "jwks-rsa-only.json", pretty_json(jwks_rsa_only))

    # OIDC discovery document, shaped like Cognito's (keys sorted as Cognito serves them).
    discovery = {
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "end_session_endpoint": f"{DOMAIN}/logout",
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": ISSUER,
        "jwks_uri": JWKS_URI,
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": f"{DOMAIN}/oauth2/revoke",
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": f"{DOMAIN}/oauth2/token",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
    }
    put(HERE / "discovery.json", pretty_json(discovery))

    # Good tokens
    access = jws(cognito_header("rsa-1"), access_claims(), rsa1)
    id_token = jws(cognito_header("rsa-1"), id_claims(access), rsa1)
    m2m = jws(cognito_header("rsa-1"), client_credentials_claims(), rsa1)
    refresh = jwe_like(
        "refresh-token", {"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}, 256, 1200
    )
    tokens = {
        "cognito-access.jwt": access,
        "cognito-id.jwt": id_token,
        "cognito-client-credentials.jwt": m2m,
        "es256.jwt": jws(cognito_header("ec256-1", "ES256"), access_claims(), keys["ec256-1"]),
        "es384.jwt": jws(cognito_header("ec384-1", "ES384"), access_claims(), keys["ec384-1"]),
        "eddsa.jwt": jws(cognito_header("ed25519-1", "EdDSA"), access_claims(), keys["ed25519-1"]),
        "ps256.jwt": jws(cognito_header("rsa-1-ps", "PS256"), access_claims(), rsa1),
        "rs384.jwt": jws(cognito_header("rsa-1-rs384", "RS384"), access_claims(), rsa1),
        "rs512.jwt": jws(cognito_header("rsa-1-rs512", "RS512"), access_claims(), rsa1),
    }

    # Negative samples: each fails for one reason only.
    rsa1_pub_pem = public_pem(rsa1)
    tampered_payload = b64u(compact_json(access_claims(username="mallory")))
    h, _, s = access.split(".")
    tokens.update(
        {
            "expired.jwt": jws(cognito_header("rsa-1"), access_claims(exp=EXPIRED_EXP), rsa1),
            "alg-none.jwt": jws({"kid": "rsa-1", "alg": "none"}, access_claims(), None),
            "hs256-with-rsa-pub.jwt": jws(cognito_header("rsa-1", "HS256"), access_claims(), rsa1_pub_pem),
            "unknown-kid.jwt": jws(cognito_header("rsa-2"), access_claims(), rsa2),
            "wrong-key.jwt": jws(cognito_header("rsa-1"), access_claims(), rsa2),
            "tampered.jwt": f"{h}.{tampered_payload}.{s}",
            "wrong-issuer.jwt": jws(
                cognito_header("rsa-1"),
                access_claims(iss="https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AAAAAAAAA"),
                rsa1,
            ),
            "trailing-slash-issuer.jwt": jws(cognito_header("rsa-1"), access_claims(iss=ISSUER + "/"), rsa1),
            "not-yet-valid.jwt": jws(cognito_header("rsa-1"), access_claims(nbf=NBF_FUTURE), rsa1),
            "garbage.txt": "not a token",
            "jwe.txt": jwe_like("jwe", {"alg": "RSA-OAEP-256", "enc": "A128GCM", "kid": "rsa-1"}, 256, 400),
        }
    )
    for name, tok in tokens.items():
        put(TOKENS / name, tok)

    # Token bundles as the tools print them.
    initiate_auth = {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": access,
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
            "RefreshToken": refresh,
            "IdToken": id_token,
        },
    }
    put(TOKENS / "initiate-auth.json", pretty_json(initiate_auth, indent=4))  # aws cli: indent 4
    oauth = {
        "id_token": id_token,
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": 3600,
        "token_type": "Bearer",
    }
    put(TOKENS / "oauth-token-response.json", json.dumps(oauth, separators=(",", ":")) + "\n")

    # The incident, reproduced.
    pool_id_client = jws(
        cognito_header("rsa-1"),
        id_claims(access, jti=POOL_ID_JTI, client_id=POOL_ID),
        rsa1,
    )
    put(SEED / ".bedrock_agentcore.yaml", AGENTCORE_YAML)
    put(SEED / "id-token.jwt", id_token)
    put(SEED / "access-token.jwt", access)
    put(SEED / "pool-id-client-token.jwt", pool_id_client)
    put(SEED / "jwks.json", pretty_json(jwks_rsa_only))
    put(SEED / "README.md", SEED_README)
    for rel, content in SEED_GATEWAY_AND_TERRAFORM.items():
        put(SEED / rel, content)
    return files


# Exactly what bedrock-agentcore-starter-toolkit 0.3.14 writes after `agentcore configure
# --protocol MCP --authorizer-config '{...}'` and `agentcore launch` (CodeBuild): the toolkit's
# pydantic model dumped with its own options (yaml.dump, default_flow_style=False, sort_keys=False).
AGENTCORE_YAML = f"""\
default_agent: {AGENT}
agents:
  {AGENT}:
    name: {AGENT}
    language: python
    node_version: null
    entrypoint: mcp_server.py
    deployment_type: container
    runtime_type: null
    platform: linux/arm64
    container_runtime: docker
    source_path: null
    aws:
      execution_role: arn:aws:iam::{ACCOUNT}:role/AmazonBedrockAgentCoreSDKRuntime-{REGION}-0f5e6d7c8b
      execution_role_auto_create: true
      account: '{ACCOUNT}'
      region: {REGION}
      ecr_repository: {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/bedrock-agentcore-{AGENT}
      ecr_auto_create: false
      s3_path: null
      s3_auto_create: false
      network_configuration:
        network_mode: PUBLIC
        network_mode_config: null
      protocol_configuration:
        server_protocol: MCP
      observability:
        enabled: true
      lifecycle_configuration:
        idle_runtime_session_timeout: null
        max_lifetime: null
    bedrock_agentcore:
      agent_id: mcp_server-AbCdEf1234
      agent_arn: {AGENT_ARN}
      agent_session_id: null
    codebuild:
      project_name: bedrock-agentcore-{AGENT}-builder
      execution_role: arn:aws:iam::{ACCOUNT}:role/AmazonBedrockAgentCoreSDKCodeBuild-{REGION}-0f5e6d7c8b
      source_bucket: bedrock-agentcore-codebuild-sources-{ACCOUNT}-{REGION}
    memory:
      mode: NO_MEMORY
      memory_id: null
      memory_arn: null
      memory_name: null
      event_expiry_days: 30
      first_invoke_memory_check_done: false
      was_created_by_toolkit: false
    identity:
      credential_providers: []
      workload: null
    aws_jwt:
      enabled: false
      audiences: []
      signing_algorithm: ES384
      issuer_url: null
      duration_seconds: 300
    authorizer_configuration:
      customJWTAuthorizer:
        discoveryUrl: {DISCOVERY_URL}
        allowedClients:
        - {CLIENT_ID}
    request_header_configuration: null
    oauth_configuration: null
    api_key_env_var_name: null
    api_key_credential_provider_name: null
    is_generated_by_agentcore_create: false
"""

SEED_README = f"""\
# The incident, reproduced (generated by `testdata/gen.py`; test-only keys)

1. An MCP server runs on AgentCore Runtime (`{AGENT}`, {REGION}) behind a custom JWT authorizer:
   `.bedrock_agentcore.yaml` says `discoveryUrl` = pool `{POOL_ID}`, `allowedClients: [{CLIENT_ID}]`.
2. The team logged in with Cognito and sent the **ID token** (`id-token.jwt`).
3. The runtime answered 401 `Claim 'client_id' value mismatch with configuration.`
4. Why: `allowedClients` is matched against the `client_id` claim only. ID tokens carry the app client id in
   `aud` and have no `client_id`; only access tokens (`access-token.jwt`) carry `client_id`.
5. Planned fix: a pre-token-generation Lambda setting `client_id` = the user pool id
   (`pool-id-client-token.jwt`). It fails too: `{POOL_ID}` is not an app client id.
6. Real fixes: send the access token, or configure `allowedAudience: [{CLIENT_ID}]` for ID tokens.
7. Separately, plain curl/boto3 calls got 406: MCP streamable HTTP needs
   `Accept: application/json, text/event-stream` (curl sends `*/*`).
8. `jwks.json` holds the public key that signed these tokens (the real pool's keys are not needed offline).
9. Tokens have iat 2026-01-01 and exp 2100-01-01, so they do not expire under test.
10. Try (from the repository root):

```sh
tokdiag explain --config testdata/seed/.bedrock_agentcore.yaml --jwks testdata/seed/jwks.json testdata/seed/id-token.jwt
tokdiag explain --config testdata/seed/.bedrock_agentcore.yaml --jwks testdata/seed/jwks.json testdata/seed/access-token.jwt
tokdiag explain --config testdata/seed/.bedrock_agentcore.yaml --jwks testdata/seed/jwks.json testdata/seed/pool-id-client-token.jwt
tokdiag decode @testdata/seed/id-token.jwt
```
Expected: `rejected` + `id-token-for-allowed-clients`; `accepted`; `rejected` + `client-id-is-pool-id`.
"""


# The same Cognito app client trusted by an AgentCore Gateway (CloudFormation, `get-gateway`) and by a
# runtime and a gateway declared with Terraform (hashicorp/aws provider: aws_bedrockagentcore_agent_runtime,
# aws_bedrockagentcore_gateway, argument names as documented in website/docs/r/bedrockagentcore_*.html.markdown).
GATEWAY_ID = "tools-gateway-k2m4n6p8q0"
GATEWAY_ARN = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/{GATEWAY_ID}"
GATEWAY_URL = f"https://{GATEWAY_ID}.gateway.bedrock-agentcore.{REGION}.amazonaws.com/mcp"

SEED_GATEWAY_AND_TERRAFORM = {
    "cloudformation-gateway.yaml": f"""\
AWSTemplateFormatVersion: '2010-09-09'
Description: An MCP gateway that trusts the Cognito app client of the seed (generated by testdata/gen.py)

Parameters:
  UserPoolId:
    Type: String
    Default: {POOL_ID}
  AppClientId:
    Type: String
    Default: {CLIENT_ID}

Resources:
  ToolsGateway:
    Type: AWS::BedrockAgentCore::Gateway
    Properties:
      Name: tools-gateway
      RoleArn: arn:aws:iam::{ACCOUNT}:role/ToolsGatewayRole
      ProtocolType: MCP
      AuthorizerType: CUSTOM_JWT
      AuthorizerConfiguration:
        CustomJWTAuthorizer:
          DiscoveryUrl: !Sub https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{UserPoolId}}/.well-known/openid-configuration
          AllowedClients:
            - !Ref AppClientId

Outputs:
  GatewayUrl:
    Value: !GetAtt ToolsGateway.GatewayUrl
""",
    # `aws bedrock-agentcore-control get-gateway --gateway-identifier …` (AWS CLI v2: indent 4).
    "get-gateway.json": pretty_json(
        {
            "gatewayArn": GATEWAY_ARN,
            "gatewayId": GATEWAY_ID,
            "gatewayUrl": GATEWAY_URL,
            "createdAt": "2026-01-12T09:41:27.532841+00:00",
            "updatedAt": "2026-02-03T16:05:10.118204+00:00",
            "status": "READY",
            "name": "tools-gateway",
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/ToolsGatewayRole",
            "protocolType": "MCP",
            "protocolConfiguration": {"mcp": {"supportedVersions": ["2025-06-18"], "searchType": "SEMANTIC"}},
            "authorizerType": "CUSTOM_JWT",
            "authorizerConfiguration": {
                "customJWTAuthorizer": {"discoveryUrl": DISCOVERY_URL, "allowedClients": [CLIENT_ID]}
            },
            "workloadIdentityDetails": {
                "workloadIdentityArn": f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:workload-identity-directory/default/workload-identity/{GATEWAY_ID}"
            },
        },
        indent=4,
    ),
    "terraform/main.tf": f"""\
# An MCP runtime and an MCP gateway behind the seed's Cognito app client (generated by testdata/gen.py).
terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = ">= 6.21"
    }}
  }}
}}

provider "aws" {{
  region = var.region
}}

locals {{
  discovery_url = "https://cognito-idp.${{var.region}}.amazonaws.com/${{var.user_pool_id}}/.well-known/openid-configuration"
}}

resource "aws_bedrockagentcore_agent_runtime" "mcp_server" {{
  agent_runtime_name = "{AGENT}"
  role_arn           = aws_iam_role.runtime.arn

  agent_runtime_artifact {{
    container_configuration {{
      container_uri = "{ACCOUNT}.dkr.ecr.${{var.region}}.amazonaws.com/bedrock-agentcore-{AGENT}:latest"
    }}
  }}

  network_configuration {{
    network_mode = "PUBLIC"
  }}

  protocol_configuration {{
    server_protocol = "MCP"
  }}

  authorizer_configuration {{
    custom_jwt_authorizer {{
      discovery_url   = local.discovery_url
      allowed_clients = [var.app_client_id]
    }}
  }}
}}

resource "aws_bedrockagentcore_gateway" "tools" {{
  name            = "tools-gateway"
  role_arn        = aws_iam_role.gateway.arn
  protocol_type   = "MCP"
  authorizer_type = "CUSTOM_JWT"

  authorizer_configuration {{
    custom_jwt_authorizer {{
      discovery_url   = local.discovery_url
      allowed_clients = [var.app_client_id]
    }}
  }}
}}
""",
    "terraform/variables.tf": f"""\
variable "region" {{
  type    = string
  default = "{REGION}"
}}

variable "user_pool_id" {{
  type    = string
  default = "{POOL_ID}"
}}

# Set in terraform.tfvars.
variable "app_client_id" {{
  type = string
}}
""",
    "terraform/terraform.tfvars": f"""\
app_client_id = "{CLIENT_ID}"
""",
}


# --- checks with PyJWT -------------------------------------------------------------------------
def run_checks(files: dict[Path, bytes]) -> list[str]:
    import jwt  # PyJWT
    from jwt import exceptions as E

    failures: list[str] = []

    def text(path: Path) -> str:
        return files[path].decode("utf-8")

    jwks = jwt.PyJWKSet.from_dict(json.loads(text(HERE / "jwks.json")))
    by_kid = {k.key_id: k for k in jwks.keys}

    def verify(token: str, audience: str | None = None, options: dict | None = None, jwk=None, issuer=ISSUER):
        header = jwt.get_unverified_header(token)
        key = jwk or by_kid[header["kid"]]  # KeyError = unknown kid
        # Algorithm pinned by the key, never by the token.
        return jwt.decode(
            token,
            key=key.key,
            algorithms=[key.algorithm_name],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "iat", "iss"], **(options or {})},
        )

    def ok(name: str, fn) -> None:
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            failures.append(f"{name}: expected success, got {type(e).__name__}: {e}")

    def fails(name: str, exc, fn, relaxed=None) -> None:
        try:
            fn()
        except exc:
            pass
        except Exception as e:  # noqa: BLE001
            failures.append(f"{name}: expected {exc.__name__}, got {type(e).__name__}: {e}")
            return
        else:
            failures.append(f"{name}: expected {exc.__name__}, but it verified")
            return
        if relaxed is not None:
            ok(f"{name} (with only the intended check relaxed)", relaxed)

    tok = {p.name: text(p) for p in files if p.parent == TOKENS and p.suffix in (".jwt", ".txt")}
    seed = {p.name: text(p) for p in files if p.parent == SEED and p.suffix == ".jwt"}

    # Good tokens verify against jwks.json with their pinned algorithm.
    for name in ("cognito-access.jwt", "cognito-client-credentials.jwt", "es256.jwt", "es384.jwt",
                 "eddsa.jwt", "ps256.jwt", "rs384.jwt", "rs512.jwt"):
        ok(name, lambda t=tok[name]: verify(t))
    ok("cognito-id.jwt", lambda: verify(tok["cognito-id.jwt"], audience=CLIENT_ID))

    def shapes() -> None:
        a = verify(tok["cognito-access.jwt"])
        i = verify(tok["cognito-id.jwt"], audience=CLIENT_ID)
        m = verify(tok["cognito-client-credentials.jwt"])
        assert a["token_use"] == "access" and a["client_id"] == CLIENT_ID and "aud" not in a
        assert i["token_use"] == "id" and i["aud"] == CLIENT_ID and "client_id" not in i
        assert i["at_hash"] == at_hash(tok["cognito-access.jwt"])
        assert m["sub"] == m["client_id"] == M2M_CLIENT_ID and "username" not in m and "aud" not in m
        for name in ("cognito-access.jwt", "cognito-id.jwt", "cognito-client-credentials.jwt"):
            assert jwt.get_unverified_header(tok[name]) == {"kid": "rsa-1", "alg": "RS256"}, name
        assert jwt.get_unverified_header(tok["ps256.jwt"])["kid"] == "rsa-1-ps"

    ok("claim and header shapes", shapes)

    # Negative samples fail for the intended reason, and pass once only that check is relaxed.
    fails("expired.jwt", E.ExpiredSignatureError, lambda: verify(tok["expired.jwt"]),
          lambda: verify(tok["expired.jwt"], options={"verify_exp": False}))
    fails("alg-none.jwt", E.InvalidAlgorithmError, lambda: verify(tok["alg-none.jwt"]))
    ok("alg-none.jwt has an empty signature", lambda: _assert(tok["alg-none.jwt"].endswith(".")))
    fails("hs256-with-rsa-pub.jwt", E.InvalidAlgorithmError, lambda: verify(tok["hs256-with-rsa-pub.jwt"]))

    def hs_confusion() -> None:
        # The attack works on a verifier that trusts the token's alg and uses the PEM as an HMAC secret.
        t = tok["hs256-with-rsa-pub.jwt"]
        si, _, sig = t.rpartition(".")
        mac = hmac.new(files[KEYS / "rsa-1.pub.pem"], si.encode(), "sha256").digest()
        _assert(b64u(mac) == sig)

    ok("hs256-with-rsa-pub.jwt is an HMAC over the PEM bytes", hs_confusion)
    fails("unknown-kid.jwt", KeyError, lambda: verify(tok["unknown-kid.jwt"]),
          lambda: verify(tok["unknown-kid.jwt"], jwk=jwt.PyJWK(public_jwk("rsa-2", _rsa2(files), "RS256"))))
    fails("wrong-key.jwt", E.InvalidSignatureError, lambda: verify(tok["wrong-key.jwt"]),
          lambda: verify(tok["wrong-key.jwt"], jwk=jwt.PyJWK(public_jwk("rsa-2", _rsa2(files), "RS256"))))
    fails("tampered.jwt", E.InvalidSignatureError, lambda: verify(tok["tampered.jwt"]))
    ok("tampered.jwt says mallory",
       lambda: _assert(jwt.decode(tok["tampered.jwt"], options={"verify_signature": False})["username"] == "mallory"))
    fails("wrong-issuer.jwt", E.InvalidIssuerError, lambda: verify(tok["wrong-issuer.jwt"]),
          lambda: verify(tok["wrong-issuer.jwt"], issuer="https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AAAAAAAAA"))
    fails("trailing-slash-issuer.jwt", E.InvalidIssuerError, lambda: verify(tok["trailing-slash-issuer.jwt"]),
          lambda: verify(tok["trailing-slash-issuer.jwt"], issuer=ISSUER + "/"))
    fails("not-yet-valid.jwt", E.ImmatureSignatureError, lambda: verify(tok["not-yet-valid.jwt"]),
          lambda: verify(tok["not-yet-valid.jwt"], options={"verify_nbf": False}))
    fails("garbage.txt", E.DecodeError, lambda: jwt.decode(tok["garbage.txt"], options={"verify_signature": False}))
    fails("jwe.txt", E.DecodeError, lambda: jwt.decode(tok["jwe.txt"], options={"verify_signature": False}))
    ok("jwe.txt has 5 segments", lambda: _assert(tok["jwe.txt"].count(".") == 4))

    # Bundles hold the same tokens.
    def bundles() -> None:
        ia = json.loads(text(TOKENS / "initiate-auth.json"))["AuthenticationResult"]
        oa = json.loads(text(TOKENS / "oauth-token-response.json"))
        _assert(ia["AccessToken"] == oa["access_token"] == tok["cognito-access.jwt"])
        _assert(ia["IdToken"] == oa["id_token"] == tok["cognito-id.jwt"])
        _assert(ia["RefreshToken"] == oa["refresh_token"] and ia["RefreshToken"].count(".") == 4)

    ok("initiate-auth.json / oauth-token-response.json", bundles)

    # Seed: signed by the key in seed/jwks.json; the pool-id token carries the pool id as client_id.
    seed_key = jwt.PyJWKSet.from_dict(json.loads(text(SEED / "jwks.json")))["rsa-1"]
    ok("seed/access-token.jwt", lambda: verify(seed["access-token.jwt"], jwk=seed_key))
    ok("seed/id-token.jwt", lambda: verify(seed["id-token.jwt"], audience=CLIENT_ID, jwk=seed_key))

    def pool_id_token() -> None:
        c = verify(seed["pool-id-client-token.jwt"], audience=CLIENT_ID, jwk=seed_key)
        _assert(c["token_use"] == "id" and c["client_id"] == POOL_ID and c["aud"] == CLIENT_ID)

    ok("seed/pool-id-client-token.jwt", pool_id_token)
    return failures


def _assert(cond: bool) -> None:
    if not cond:
        raise AssertionError("assertion failed")


def _rsa2(files: dict[Path, bytes]):
    return serialization.load_pem_private_key((KEYS / "rsa-2.pem").read_bytes(), password=None)


# --- main --------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale or a check fails")
    args = ap.parse_args()

    notes: list[str] = []
    keys = load_keys(write=not args.check, notes=notes)
    files = build(keys)

    stale = []
    for path, content in sorted(files.items()):
        current = path.read_bytes() if path.exists() else None
        if current == content:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)

    for n in notes:
        print(f"gen.py: {n}", file=sys.stderr)
    rel = lambda p: p.relative_to(HERE.parent)  # noqa: E731
    if args.check and stale:
        for p in stale:
            print(f"gen.py: stale: {rel(p)}", file=sys.stderr)
    elif stale:
        print(f"gen.py: wrote {len(stale)} file(s): {', '.join(str(rel(p)) for p in stale)}", file=sys.stderr)
    else:
        print(f"gen.py: {len(files)} files up to date", file=sys.stderr)

    failures = run_checks(files)
    for f in failures:
        print(f"gen.py: CHECK FAILED: {f}", file=sys.stderr)
    if failures or (args.check and stale):
        return 1
    print("gen.py: all checks passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
