#!/usr/bin/env python3
"""(Re)generate tokdiag's identity-provider test data (testdata/idps/), deterministically.

    .venv/bin/python testdata/idps/gen.py            # write everything, then check it
    .venv/bin/python testdata/idps/gen.py --check    # write nothing; fail if a file is stale or a check fails

Tokens and `.bedrock_agentcore.yaml` configs for Microsoft Entra ID (v1.0 and v2.0), Okta, Auth0,
Keycloak, Google and GitHub Actions. Claims are copied in shape from each provider's documentation and
public samples (see ../../../shared/reference/idps.md); values are invented. Every token is signed
with the TEST-ONLY key testdata/keys/rsa-1.pem (RS256, PKCS#1 v1.5: deterministic), under a kid
shaped like the provider's own; `jwks.json` publishes that key under every provider's kid, the way
each provider publishes its keys (Entra: no `alg`, with `x5t` and `issuer`).

Times: iat/nbf/auth_time 1767225600 (2026-01-01T00:00:00Z), exp 4102444800 (2100-01-01), except the
5-minute Keycloak token (Keycloak's default access-token lifespan: exp = iat + 300).

Needs `cryptography` (signing) and `PyJWT` (the checks), as testdata/gen.py does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

HERE = Path(__file__).resolve().parent
KEY_FILE = HERE.parent / "keys" / "rsa-1.pem"

IAT = 1767225600  # 2026-01-01T00:00:00Z
EXP = 4102444800  # 2100-01-01T00:00:00Z

# --- Microsoft Entra ID ----------------------------------------------------------------------------
TENANT = "4b8e2c1d-7f3a-4e6b-9c5d-2a1f0e3b8d7c"
API_APP = "6e74172b-be56-4843-9ff4-e66a39bb12e3"  # the API (resource) app registration
CLIENT_APP = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"  # the client app that signs the user in
DAEMON_APP = "5d4c3b2a-1908-4f7e-9d6c-5b4a39281706"  # a daemon app (client credentials)
GRAPH_APP = "00000003-0000-0000-c000-000000000000"
ENTRA_V1_ISS = f"https://sts.windows.net/{TENANT}/"
ENTRA_V2_ISS = f"https://login.microsoftonline.com/{TENANT}/v2.0"
ENTRA_V1_DISCOVERY = f"https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration"
ENTRA_V2_DISCOVERY = f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration"
ENTRA_COMMON_DISCOVERY = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
USER_OID = "690222be-ff1a-4d56-abd1-7e4f7d38e474"
DAEMON_OID = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"
UPN = "alice@contoso.onmicrosoft.com"

# --- Okta ----------------------------------------------------------------------------------------
OKTA_DOMAIN = "dev-12345678.okta.com"
OKTA_CUSTOM_DOMAIN = "id.example.com"
OKTA_ISS = f"https://{OKTA_DOMAIN}/oauth2/default"
OKTA_ORG_ISS = f"https://{OKTA_DOMAIN}"
OKTA_DISCOVERY = f"{OKTA_ISS}/.well-known/openid-configuration"
OKTA_CID = "0oa8f3k2l9XyZ1abc5d7"
OKTA_UID = "00u8f3k2l9XyZ1abc5d7"

# --- Auth0 ---------------------------------------------------------------------------------------
AUTH0_DOMAIN = "tokdiag-demo.us.auth0.com"
AUTH0_ISS = f"https://{AUTH0_DOMAIN}/"
AUTH0_DISCOVERY = f"https://{AUTH0_DOMAIN}/.well-known/openid-configuration"
AUTH0_API = "https://mcp.example.com/api"
AUTH0_M2M_CLIENT = "Xk2f9QeR7bT1mN4pL8sV0wY3zA6cD5gH"
AUTH0_SPA_CLIENT = "Pq7rS3tU9vW1xY5zA2bC8dE4fG6hJ0kL"

# --- Keycloak ------------------------------------------------------------------------------------
KC_BASE = "https://sso.example.com"
KC_REALM = "mcp"
KC_ISS = f"{KC_BASE}/realms/{KC_REALM}"
KC_LOCAL_ISS = f"http://localhost:8080/realms/{KC_REALM}"
KC_DISCOVERY = f"{KC_ISS}/.well-known/openid-configuration"
KC_CLIENT = "mcp-client"
KC_API = "mcp-api"
KC_USER_SUB = "f1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
KC_SA_SUB = "9e8d7c6b-5a49-4382-a716-253443526170"

# --- Google --------------------------------------------------------------------------------------
GOOGLE_CLIENT = "123456789012-k2f9qer7bt1mn4pl8sv0wy3za6cd5gh0.apps.googleusercontent.com"
GOOGLE_ISS = "https://accounts.google.com"
GOOGLE_DISCOVERY = f"{GOOGLE_ISS}/.well-known/openid-configuration"

# --- GitHub Actions ------------------------------------------------------------------------------
GH_ISS = "https://token.actions.githubusercontent.com"
GH_DISCOVERY = f"{GH_ISS}/.well-known/openid-configuration"
GH_OWNER = "octo-org"
GH_REPO = f"{GH_OWNER}/mcp-tools"


# --- helpers -------------------------------------------------------------------------------------
def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_int(n: int) -> str:
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def compact_json(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pretty_json(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def shake(label: str, n: int) -> bytes:
    return hashlib.shake_256(f"tokdiag-idps:{label}".encode()).digest(n)


def uuid_like(label: str) -> str:
    h = shake(label, 16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def load_key():
    if not KEY_FILE.exists():
        raise SystemExit(f"missing {KEY_FILE}: run `.venv/bin/python testdata/gen.py` first")
    return serialization.load_pem_private_key(KEY_FILE.read_bytes(), password=None)


def sign_rs256(key, signing_input: bytes) -> bytes:
    return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def jws(header: dict, claims: dict, key, signed_header: dict | None = None) -> str:
    """RS256 compact JWS. `signed_header`, when given, is what the signature covers instead of
    `header` (Microsoft Graph signs over a header whose nonce is replaced by its SHA-256)."""
    h = b64u(compact_json(header))
    p = b64u(compact_json(claims))
    covered = f"{b64u(compact_json(signed_header or header))}.{p}".encode("ascii")
    return f"{h}.{p}.{b64u(sign_rs256(key, covered))}"


def kids(key) -> dict[str, str]:
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        # Entra: kid = x5t = base64url(SHA-1 of the certificate); here of the public key.
        "entra": b64u(hashlib.sha1(spki).digest()),
        "okta": b64u(shake("okta-kid", 32)),
        "okta-org": b64u(shake("okta-org-kid", 32)),  # NOT in jwks.json: the org server's keys
        "auth0": b64u(shake("auth0-kid", 18)),
        "keycloak": b64u(shake("keycloak-kid", 32)),
        "google": shake("google-kid", 20).hex(),
        "github": uuid_like("github-kid").upper().replace("-", "")[:32],
    }


def jwks(key, k: dict[str, str]) -> dict:
    nums = key.public_key().public_numbers()
    n, e = b64u_int(nums.n), b64u_int(nums.e)
    return {
        "keys": [
            # Entra publishes no `alg`; each key names its issuer template.
            {"kty": "RSA", "use": "sig", "kid": k["entra"], "x5t": k["entra"], "n": n, "e": e,
             "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"},
            {"kty": "RSA", "alg": "RS256", "kid": k["okta"], "use": "sig", "e": e, "n": n},
            {"kty": "RSA", "use": "sig", "n": n, "e": e, "kid": k["auth0"], "alg": "RS256"},
            {"kid": k["keycloak"], "kty": "RSA", "alg": "RS256", "use": "sig", "n": n, "e": e},
            {"e": e, "kid": k["google"], "use": "sig", "n": n, "kty": "RSA", "alg": "RS256"},
            {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": k["github"], "n": n, "e": e},
        ]
    }


# --- claims ---------------------------------------------------------------------------------------
def entra_v1_access(k: dict) -> tuple[dict, dict]:
    header = {"typ": "JWT", "alg": "RS256", "x5t": k["entra"], "kid": k["entra"]}
    claims = {
        "aud": f"api://{API_APP}",
        "iss": ENTRA_V1_ISS,
        "iat": IAT,
        "nbf": IAT,
        "exp": EXP,
        "acr": "1",
        "aio": b64u(shake("entra-v1-aio", 96)),
        "amr": ["pwd", "mfa"],
        "appid": CLIENT_APP,
        "appidacr": "0",
        "family_name": "Doe",
        "given_name": "Alice",
        "ipaddr": "203.0.113.7",
        "name": "Alice Doe",
        "oid": USER_OID,
        "rh": "1.AXkA" + b64u(shake("entra-v1-rh", 36)),
        "scp": "mcp.invoke",
        "sub": b64u(shake("entra-v1-sub", 32)),
        "tid": TENANT,
        "unique_name": UPN,
        "upn": UPN,
        "uti": b64u(shake("entra-v1-uti", 16)),
        "ver": "1.0",
    }
    return header, claims


def entra_v2_access(k: dict) -> tuple[dict, dict]:
    header = {"typ": "JWT", "alg": "RS256", "kid": k["entra"]}
    claims = {
        "aud": API_APP,
        "iss": ENTRA_V2_ISS,
        "iat": IAT,
        "nbf": IAT,
        "exp": EXP,
        "aio": b64u(shake("entra-v2-aio", 96)),
        "azp": CLIENT_APP,
        "azpacr": "0",
        "name": "Alice Doe",
        "oid": USER_OID,
        "preferred_username": UPN,
        "rh": "1.AXkA" + b64u(shake("entra-v2-rh", 36)),
        "scp": "mcp.invoke",
        "sub": b64u(shake("entra-v2-sub", 32)),
        "tid": TENANT,
        "uti": b64u(shake("entra-v2-uti", 16)),
        "ver": "2.0",
    }
    return header, claims


def entra_v2_app(k: dict) -> tuple[dict, dict]:
    header = {"typ": "JWT", "alg": "RS256", "kid": k["entra"]}
    claims = {
        "aud": API_APP,
        "iss": ENTRA_V2_ISS,
        "iat": IAT,
        "nbf": IAT,
        "exp": EXP,
        "aio": b64u(shake("entra-app-aio", 64)),
        "azp": DAEMON_APP,
        "azpacr": "1",
        "oid": DAEMON_OID,
        "rh": "1.AXkA" + b64u(shake("entra-app-rh", 36)),
        "roles": ["Mcp.Invoke.All"],
        "sub": DAEMON_OID,
        "tid": TENANT,
        "uti": b64u(shake("entra-app-uti", 16)),
        "ver": "2.0",
    }
    return header, claims


def entra_graph(k: dict) -> tuple[dict, dict, dict]:
    nonce = b64u(shake("graph-nonce", 32))
    header = {"typ": "JWT", "nonce": nonce, "alg": "RS256", "x5t": k["entra"], "kid": k["entra"]}
    signed = dict(header, nonce=hashlib.sha256(nonce.encode("ascii")).hexdigest())
    claims = {
        "aud": GRAPH_APP,
        "iss": ENTRA_V1_ISS,
        "iat": IAT,
        "nbf": IAT,
        "exp": EXP,
        "acct": 0,
        "acr": "1",
        "aio": b64u(shake("graph-aio", 96)),
        "amr": ["pwd", "mfa"],
        "app_displayname": "mcp-client",
        "appid": CLIENT_APP,
        "appidacr": "0",
        "idtyp": "user",
        "ipaddr": "203.0.113.7",
        "name": "Alice Doe",
        "oid": USER_OID,
        "platf": "3",
        "rh": "1.AXkA" + b64u(shake("graph-rh", 36)),
        "scp": "openid profile User.Read email",
        "sub": b64u(shake("graph-sub", 32)),
        "tenant_region_scope": "EU",
        "tid": TENANT,
        "unique_name": UPN,
        "upn": UPN,
        "uti": b64u(shake("graph-uti", 16)),
        "ver": "1.0",
        "wids": ["b79fbf4d-3ef9-4689-8143-76b194e85509"],
        "xms_tcdt": 1700000000,
    }
    return header, claims, signed


def okta_access(k: dict, iss: str = OKTA_ISS, aud: str = "api://default", kid: str | None = None,
                scp: list[str] | None = None, client_id: bool = False, label: str = "okta") -> tuple[dict, dict]:
    header = {"kid": kid or k["okta"], "alg": "RS256"}
    claims = {
        "ver": 1,
        "jti": "AT." + b64u(shake(f"{label}-jti", 33)),
        "iss": iss,
        "aud": aud,
        "iat": IAT,
        "exp": EXP,
        "cid": OKTA_CID,
        "uid": OKTA_UID,
        "scp": scp or ["mcp.invoke"],
        "auth_time": IAT,
        "sub": "alice@example.com",
    }
    if client_id:
        # The claim AgentCore's Okta guide adds on the custom authorization server: app.clientId.
        claims["client_id"] = OKTA_CID
    return header, claims


def auth0_m2m(k: dict, rfc9068: bool = False) -> tuple[dict, dict]:
    if rfc9068:
        header = {"alg": "RS256", "typ": "at+jwt", "kid": k["auth0"]}
        claims = {
            "iss": AUTH0_ISS,
            "sub": f"{AUTH0_M2M_CLIENT}@clients",
            "aud": AUTH0_API,
            "iat": IAT,
            "exp": EXP,
            "scope": "mcp:invoke",
            "jti": b64u(shake("auth0-rfc9068-jti", 16)),
            "client_id": AUTH0_M2M_CLIENT,
        }
        return header, claims
    header = {"alg": "RS256", "typ": "JWT", "kid": k["auth0"]}
    claims = {
        "iss": AUTH0_ISS,
        "sub": f"{AUTH0_M2M_CLIENT}@clients",
        "aud": AUTH0_API,
        "iat": IAT,
        "exp": EXP,
        "scope": "mcp:invoke",
        "gty": "client-credentials",
        "azp": AUTH0_M2M_CLIENT,
    }
    return header, claims


def auth0_user(k: dict) -> tuple[dict, dict]:
    header = {"alg": "RS256", "typ": "JWT", "kid": k["auth0"]}
    claims = {
        "iss": AUTH0_ISS,
        "sub": "auth0|65a1f0c2e4b0d1a2b3c4d5e6",
        "aud": [AUTH0_API, f"https://{AUTH0_DOMAIN}/userinfo"],
        "iat": IAT,
        "exp": EXP,
        "scope": "openid profile email mcp:invoke",
        "azp": AUTH0_SPA_CLIENT,
    }
    return header, claims


def keycloak_access(k: dict, iss: str = KC_ISS, aud: object = "account", exp: int = EXP,
                    label: str = "kc") -> tuple[dict, dict]:
    header = {"alg": "RS256", "typ": "JWT", "kid": k["keycloak"]}
    claims = {
        "exp": exp,
        "iat": IAT,
        "auth_time": IAT,
        "jti": "onrtac:" + uuid_like(f"{label}-jti"),
        "iss": iss,
        "aud": aud,
        "sub": KC_USER_SUB,
        "typ": "Bearer",
        "azp": KC_CLIENT,
        "sid": uuid_like(f"{label}-sid"),
        "acr": "1",
        "allowed-origins": ["https://app.example.com"],
        "realm_access": {"roles": ["default-roles-mcp", "offline_access", "uma_authorization"]},
        "resource_access": {"account": {"roles": ["manage-account", "manage-account-links", "view-profile"]}},
        "scope": "openid profile email",
        "email_verified": True,
        "name": "Alice Doe",
        "preferred_username": "alice",
        "given_name": "Alice",
        "family_name": "Doe",
        "email": "alice@example.com",
    }
    return header, claims


def keycloak_service_account(k: dict) -> tuple[dict, dict]:
    header = {"alg": "RS256", "typ": "JWT", "kid": k["keycloak"]}
    claims = {
        "exp": EXP,
        "iat": IAT,
        "jti": "trrtcc:" + uuid_like("kc-sa-jti"),
        "iss": KC_ISS,
        "aud": "account",
        "sub": KC_SA_SUB,
        "typ": "Bearer",
        "azp": KC_CLIENT,
        "acr": "1",
        "allowed-origins": ["/*"],
        "realm_access": {"roles": ["default-roles-mcp", "offline_access", "uma_authorization"]},
        "resource_access": {"account": {"roles": ["manage-account", "manage-account-links", "view-profile"]}},
        "scope": "profile email",
        "email_verified": False,
        "clientHost": "10.0.0.12",
        "preferred_username": f"service-account-{KC_CLIENT}",
        "clientAddress": "10.0.0.12",
        "client_id": KC_CLIENT,
    }
    return header, claims


def google_id(k: dict, iss: str = GOOGLE_ISS) -> tuple[dict, dict]:
    header = {"alg": "RS256", "kid": k["google"], "typ": "JWT"}
    claims = {
        "iss": iss,
        "azp": GOOGLE_CLIENT,
        "aud": GOOGLE_CLIENT,
        "sub": "110248495921238986420",
        "email": "alice@example.com",
        "email_verified": True,
        "at_hash": b64u(shake("google-at-hash", 16)),
        "name": "Alice Doe",
        "given_name": "Alice",
        "family_name": "Doe",
        "iat": IAT,
        "exp": EXP,
    }
    return header, claims


def github_actions(k: dict) -> tuple[dict, dict]:
    header = {"alg": "RS256", "kid": k["github"], "typ": "JWT", "x5t": b64u(shake("github-x5t", 20))}
    sha = shake("github-sha", 20).hex()
    claims = {
        "actor": "alice",
        "actor_id": "1234567",
        "aud": f"https://github.com/{GH_OWNER}",
        "base_ref": "",
        "event_name": "push",
        "exp": EXP,
        "head_ref": "",
        "iat": IAT,
        "iss": GH_ISS,
        "job_workflow_ref": f"{GH_REPO}/.github/workflows/deploy.yml@refs/heads/main",
        "job_workflow_sha": sha,
        "jti": uuid_like("github-jti"),
        "nbf": IAT - 300,
        "ref": "refs/heads/main",
        "ref_protected": "true",
        "ref_type": "branch",
        "repository": GH_REPO,
        "repository_id": "765432109",
        "repository_owner": GH_OWNER,
        "repository_owner_id": "98765432",
        "repository_visibility": "private",
        "run_attempt": "1",
        "run_id": "9876543210",
        "run_number": "42",
        "runner_environment": "github-hosted",
        "sha": sha,
        "sub": f"repo:{GH_REPO}:ref:refs/heads/main",
        "workflow": "deploy",
        "workflow_ref": f"{GH_REPO}/.github/workflows/deploy.yml@refs/heads/main",
        "workflow_sha": sha,
    }
    return header, claims


# --- configs ---------------------------------------------------------------------------------------
def toolkit_yaml(agent: str, authorizer: str) -> str:
    """A `.bedrock_agentcore.yaml` as the starter toolkit writes it (trimmed to what matters)."""
    return f"""default_agent: {agent}
agents:
  {agent}:
    name: {agent}
    language: python
    entrypoint: mcp_server.py
    deployment_type: container
    platform: linux/arm64
    container_runtime: docker
    aws:
      execution_role: arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-east-1-0f5e6d7c8b
      execution_role_auto_create: true
      account: '123456789012'
      region: us-east-1
      protocol_configuration:
        server_protocol: MCP
    bedrock_agentcore:
      agent_id: {agent}-AbCdEf1234
      agent_arn: arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/{agent}-AbCdEf1234
      agent_session_id: null
    authorizer_configuration:
      customJWTAuthorizer:
{authorizer}    request_header_configuration: null
    oauth_configuration: null
"""


def jwt_block(discovery: str, clients=None, audience=None, scopes=None, claims=None) -> str:
    ind = " " * 8
    out = f"{ind}discoveryUrl: {discovery}\n"
    for key, values in (("allowedClients", clients), ("allowedAudience", audience), ("allowedScopes", scopes)):
        if values:
            out += f"{ind}{key}:\n" + "".join(f"{ind}- {v}\n" for v in values)
    if claims:
        out += f"{ind}customClaims:\n"
        for name, vtype, op, value in claims:
            out += (
                f"{ind}- inboundTokenClaimName: {name}\n"
                f"{ind}  inboundTokenClaimValueType: {vtype}\n"
                f"{ind}  authorizingClaimMatchValue:\n"
                f"{ind}    claimMatchOperator: {op}\n"
                f"{ind}    claimMatchValue:\n"
                f"{ind}      matchValueString: {value}\n"
            )
    return out


CONFIGS = {
    # Entra ID
    "entra/v2-url-allowed-clients.yaml": ("mcp_entra", jwt_block(ENTRA_V2_DISCOVERY, clients=[CLIENT_APP])),
    "entra/v1-working.yaml": ("mcp_entra", jwt_block(
        ENTRA_V1_DISCOVERY, audience=[f"api://{API_APP}", API_APP], scopes=["mcp.invoke"],
        claims=[("appid", "STRING", "EQUALS", CLIENT_APP)])),
    "entra/v2-working.yaml": ("mcp_entra", jwt_block(
        ENTRA_V2_DISCOVERY, audience=[API_APP], scopes=["mcp.invoke"],
        claims=[("azp", "STRING", "EQUALS", CLIENT_APP)])),
    "entra/v1-url-guid-audience.yaml": ("mcp_entra", jwt_block(ENTRA_V1_DISCOVERY, audience=[API_APP])),
    "entra/common-url.yaml": ("mcp_entra", jwt_block(ENTRA_COMMON_DISCOVERY, audience=[API_APP])),
    "entra/scope-uri.yaml": ("mcp_entra", jwt_block(
        ENTRA_V2_DISCOVERY, audience=[API_APP], scopes=[f"api://{API_APP}/mcp.invoke"])),
    "entra/app-only-scopes.yaml": ("mcp_entra", jwt_block(ENTRA_V2_DISCOVERY, audience=[API_APP], scopes=["mcp.invoke"])),
    "entra/app-only-roles.yaml": ("mcp_entra", jwt_block(
        ENTRA_V2_DISCOVERY, audience=[API_APP], claims=[("roles", "STRING_ARRAY", "CONTAINS", "Mcp.Invoke.All")])),
    # Okta
    "okta/allowed-clients.yaml": ("mcp_okta", jwt_block(OKTA_DISCOVERY, clients=[OKTA_CID])),
    "okta/audience-scopes.yaml": ("mcp_okta", jwt_block(OKTA_DISCOVERY, audience=["api://default"], scopes=["mcp.invoke"])),
    # Auth0
    "auth0/allowed-clients.yaml": ("mcp_auth0", jwt_block(AUTH0_DISCOVERY, clients=[AUTH0_M2M_CLIENT])),
    "auth0/audience-scopes.yaml": ("mcp_auth0", jwt_block(AUTH0_DISCOVERY, audience=[AUTH0_API], scopes=["mcp:invoke"])),
    # Keycloak
    "keycloak/allowed-clients.yaml": ("mcp_keycloak", jwt_block(KC_DISCOVERY, clients=[KC_CLIENT])),
    "keycloak/audience.yaml": ("mcp_keycloak", jwt_block(KC_DISCOVERY, audience=[KC_API])),
    # Google
    "google/audience.yaml": ("mcp_google", jwt_block(GOOGLE_DISCOVERY, audience=[GOOGLE_CLIENT])),
    "google/allowed-clients.yaml": ("mcp_google", jwt_block(GOOGLE_DISCOVERY, clients=[GOOGLE_CLIENT])),
    # GitHub Actions
    "github/audience.yaml": ("mcp_github", jwt_block(
        GH_DISCOVERY, audience=[f"https://github.com/{GH_OWNER}"],
        claims=[("repository", "STRING", "EQUALS", GH_REPO)])),
    "github/allowed-clients.yaml": ("mcp_github", jwt_block(GH_DISCOVERY, clients=[f"https://github.com/{GH_OWNER}"])),
}


def build(key) -> dict[Path, bytes]:
    files: dict[Path, bytes] = {}
    k = kids(key)

    def put(rel: str, content: str) -> None:
        files[HERE / rel] = content.encode("utf-8")

    put("jwks.json", pretty_json(jwks(key, k)))
    tok = lambda hc: jws(hc[0], hc[1], key)  # noqa: E731

    put("entra/v1-access-token.jwt", tok(entra_v1_access(k)))
    put("entra/v2-access-token.jwt", tok(entra_v2_access(k)))
    put("entra/v2-app-token.jwt", tok(entra_v2_app(k)))
    gh, gc, gs = entra_graph(k)
    put("entra/graph-token.jwt", jws(gh, gc, key, signed_header=gs))

    put("okta/access-token.jwt", tok(okta_access(k)))
    put("okta/access-token-client-id.jwt", tok(okta_access(k, client_id=True, label="okta-cid")))
    put("okta/org-access-token.jwt", tok(okta_access(
        k, iss=OKTA_ORG_ISS, aud=OKTA_ORG_ISS, kid=k["okta-org"], scp=["openid", "profile"], label="okta-org")))
    put("okta/custom-domain-access-token.jwt", tok(okta_access(
        k, iss=f"https://{OKTA_CUSTOM_DOMAIN}/oauth2/default", label="okta-custom-domain")))

    put("auth0/m2m-token.jwt", tok(auth0_m2m(k)))
    put("auth0/m2m-rfc9068-token.jwt", tok(auth0_m2m(k, rfc9068=True)))
    put("auth0/user-token.jwt", tok(auth0_user(k)))

    put("keycloak/access-token.jwt", tok(keycloak_access(k)))
    put("keycloak/access-token-audience.jwt", tok(keycloak_access(k, aud=[KC_API, "account"], label="kc-aud")))
    put("keycloak/access-token-localhost.jwt", tok(keycloak_access(
        k, iss=KC_LOCAL_ISS, aud=[KC_API, "account"], label="kc-local")))
    put("keycloak/access-token-5min.jwt", tok(keycloak_access(
        k, aud=[KC_API, "account"], exp=IAT + 300, label="kc-5min")))
    put("keycloak/service-account-token.jwt", tok(keycloak_service_account(k)))

    put("google/id-token.jwt", tok(google_id(k)))
    put("google/id-token-bare-iss.jwt", tok(google_id(k, iss="accounts.google.com")))

    put("github/actions-token.jwt", tok(github_actions(k)))

    for rel, (agent, block) in CONFIGS.items():
        put(rel, toolkit_yaml(agent, block))
    return files


# --- checks ----------------------------------------------------------------------------------------
def run_checks(files: dict[Path, bytes]) -> list[str]:
    import jwt  # PyJWT

    failures: list[str] = []
    text = lambda rel: files[HERE / rel].decode("utf-8")  # noqa: E731
    keyset = jwt.PyJWKSet.from_dict(json.loads(text("jwks.json")))
    by_kid = {kk.key_id: kk for kk in keyset.keys}

    def verify(rel: str, issuer: str, audience: str | None, **opts):
        t = text(rel)
        key = by_kid[jwt.get_unverified_header(t)["kid"]]
        return jwt.decode(t, key=key.key, algorithms=["RS256"], issuer=issuer, audience=audience,
                          options={"require": ["exp", "iat", "iss"], **opts})

    def ok(rel: str, issuer: str, audience: str | None, **opts) -> dict:
        try:
            return verify(rel, issuer, audience, **opts)
        except Exception as e:  # noqa: BLE001
            failures.append(f"{rel}: expected to verify, got {type(e).__name__}: {e}")
            return {}

    def fails(rel: str, exc_name: str, fn) -> None:
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            if type(e).__name__ != exc_name and exc_name not in [c.__name__ for c in type(e).__mro__]:
                failures.append(f"{rel}: expected {exc_name}, got {type(e).__name__}: {e}")
            return
        failures.append(f"{rel}: expected {exc_name}, but it verified")

    def expect(cond: bool, what: str) -> None:
        if not cond:
            failures.append(what)

    c = ok("entra/v1-access-token.jwt", ENTRA_V1_ISS, f"api://{API_APP}")
    expect(c.get("ver") == "1.0" and "appid" in c and "client_id" not in c and isinstance(c.get("scp"), str),
           "entra v1 shape")
    c = ok("entra/v2-access-token.jwt", ENTRA_V2_ISS, API_APP)
    expect(c.get("ver") == "2.0" and "azp" in c and "appid" not in c, "entra v2 shape")
    c = ok("entra/v2-app-token.jwt", ENTRA_V2_ISS, API_APP)
    expect("scp" not in c and c.get("roles") == ["Mcp.Invoke.All"], "entra app-only shape")
    fails("entra/graph-token.jwt", "InvalidSignatureError",
          lambda: verify("entra/graph-token.jwt", ENTRA_V1_ISS, GRAPH_APP))
    expect("nonce" in jwt.get_unverified_header(text("entra/graph-token.jwt")), "graph header nonce")

    c = ok("okta/access-token.jwt", OKTA_ISS, "api://default")
    expect(c.get("cid") == OKTA_CID and "client_id" not in c and isinstance(c.get("scp"), list), "okta shape")
    c = ok("okta/access-token-client-id.jwt", OKTA_ISS, "api://default")
    expect(c.get("client_id") == OKTA_CID, "okta client_id claim")
    fails("okta/org-access-token.jwt", "KeyError",
          lambda: verify("okta/org-access-token.jwt", OKTA_ORG_ISS, OKTA_ORG_ISS))
    ok("okta/custom-domain-access-token.jwt", f"https://{OKTA_CUSTOM_DOMAIN}/oauth2/default", "api://default")

    c = ok("auth0/m2m-token.jwt", AUTH0_ISS, AUTH0_API)
    expect(c.get("gty") == "client-credentials" and "client_id" not in c, "auth0 m2m shape")
    c = ok("auth0/m2m-rfc9068-token.jwt", AUTH0_ISS, AUTH0_API)
    expect(c.get("client_id") == AUTH0_M2M_CLIENT and "azp" not in c, "auth0 rfc9068 shape")
    ok("auth0/user-token.jwt", AUTH0_ISS, AUTH0_API)

    c = ok("keycloak/access-token.jwt", KC_ISS, "account")
    expect(c.get("azp") == KC_CLIENT and "client_id" not in c, "keycloak user shape")
    ok("keycloak/access-token-audience.jwt", KC_ISS, KC_API)
    ok("keycloak/access-token-localhost.jwt", KC_LOCAL_ISS, KC_API)
    c = ok("keycloak/access-token-5min.jwt", KC_ISS, KC_API, verify_exp=False)
    expect(c.get("exp", 0) - c.get("iat", 0) == 300, "keycloak 5 min lifetime")
    c = ok("keycloak/service-account-token.jwt", KC_ISS, "account")
    expect(c.get("client_id") == KC_CLIENT, "keycloak service account client_id")

    ok("google/id-token.jwt", GOOGLE_ISS, GOOGLE_CLIENT)
    ok("google/id-token-bare-iss.jwt", "accounts.google.com", GOOGLE_CLIENT)
    ok("github/actions-token.jwt", GH_ISS, f"https://github.com/{GH_OWNER}")

    for rel in CONFIGS:
        expect(text(rel).count("customJWTAuthorizer:") == 1, f"{rel}: one authorizer")
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale or a check fails")
    args = ap.parse_args()
    files = build(load_key())
    stale = []
    for path, content in sorted(files.items()):
        if path.exists() and path.read_bytes() == content:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    rel = lambda p: p.relative_to(HERE.parent.parent)  # noqa: E731
    if args.check and stale:
        for p in stale:
            print(f"idps/gen.py: stale: {rel(p)}", file=sys.stderr)
    elif stale:
        print(f"idps/gen.py: wrote {len(stale)} file(s)", file=sys.stderr)
    else:
        print(f"idps/gen.py: {len(files)} files up to date", file=sys.stderr)
    failures = run_checks(files)
    for f in failures:
        print(f"idps/gen.py: CHECK FAILED: {f}", file=sys.stderr)
    if failures or (args.check and stale):
        return 1
    print("idps/gen.py: all checks passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
