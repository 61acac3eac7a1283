//! Identity providers beyond Cognito: Microsoft Entra ID (v1.0, v2.0), Okta, Auth0, Keycloak, Google
//! and GitHub Actions. Every provider has accepted and rejected scenarios; every diagnosis code of
//! SPEC.md "Other identity providers" has its JSON (code, severity, message, fixes, file/line) and
//! the lines a user reads under test. Tokens and configs: testdata/idps (gen.py). Offline with
//! `--jwks`, except Auth0 and the "discovery on another host" cases, which use a loopback issuer.

use crate::support::idps::*;
use serde_json::{Value, json};

/// Asserts that `out` contains `line` as a whole line.
#[track_caller]
fn has_line(out: &str, line: &str) {
    assert!(
        out.lines().any(|l| l == line),
        "missing line {line:?} in:\n{out}"
    );
}

/// Asserts that `out` contains `text` (several lines as printed).
#[track_caller]
fn has(out: &str, text: &str) {
    assert!(out.contains(text), "missing {text:?} in:\n{out}");
}

/// Prose lines stay within 80 columns (snippets, URLs and paths may run long).
#[track_caller]
fn wrapped(out: &str) {
    for l in out.lines() {
        if !l.contains('/') && !l.contains("://") {
            assert!(l.chars().count() <= 80, "line over 80 columns: {l}");
        }
    }
}

fn notes(v: &Value) -> Vec<String> {
    v["annotations"]["notes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What follows every `.bedrock_agentcore.yaml` snippet in a fix.
const REDEPLOY: &str = "\n  then redeploy (`agentcore deploy`)";

// -------------------------------------------------------------------------------------------------
// Microsoft Entra ID

const V2_URL_CLIENTS: &str = "entra/v2-url-allowed-clients.yaml";

/// The new Entra user: a v1.0 token, the v2.0 discovery URL from the docs, and allowedClients.
/// One run says what to change in the app registration and in the YAML.
#[test]
fn entra_v1_token_with_allowed_clients_json() {
    let (code, v) = explain_json(V2_URL_CLIENTS, "entra/v1-access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(v["token"]["kind"], "entra-v1");
    assert_eq!(
        codes(&v),
        vec![
            "issuer-mismatch",
            "entra-version-mismatch",
            "client-id-in-other-claim"
        ]
    );
    let file = idp(V2_URL_CLIENTS);
    let disc_line = line_of(V2_URL_CLIENTS, "discoveryUrl:");
    let clients_line = line_of(V2_URL_CLIENTS, "allowedClients:");
    assert_eq!((disc_line, clients_line), (23, 24));

    let d = diag(&v, "entra-version-mismatch");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], file);
    assert_eq!(d["line"], disc_line);
    let m = d["message"].as_str().unwrap();
    assert!(
        m.starts_with(&format!(
            "this is an Entra ID v1.0 token (ver 1.0, iss https://sts.windows.net/{TENANT}/) but discoveryUrl is the v2.0 endpoint, which expects iss https://login.microsoftonline.com/{TENANT}/v2.0"
        )),
        "{m}"
    );
    assert!(m.contains("set by the API's app registration"), "{m}");
    let f0 = fix(d, 0);
    for needle in [
        "App registrations > the API app",
        API_APP,
        "Manifest: set \"requestedAccessTokenVersion\": 2 inside \"api\"",
        "\"accessTokenAcceptedVersion\": 2",
        "request a new token",
        "az rest --method PATCH",
        "v2.0 tokens carry aud",
    ] {
        assert!(f0.contains(needle), "{needle} not in {f0}");
    }
    assert_eq!(
        fix(d, 1),
        format!(
            "or keep v1.0 tokens and use the v1.0 endpoint: at {file}:{disc_line} write:\n  discoveryUrl: https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration{REDEPLOY}"
        )
    );

    let d = diag(&v, "client-id-in-other-claim");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], file);
    assert_eq!(d["line"], clients_line);
    assert_eq!(
        d["message"],
        format!(
            "the Microsoft Entra ID v1.0 token has no `client_id`; its client id {CLIENT_APP} is in `appid`, which AgentCore's allowedClients does not read (the value is one of allowedClients)"
        )
    );
    assert_eq!(d["fixes"].as_array().unwrap().len(), 1);
    assert_eq!(
        fix(d, 0),
        format!(
            "Entra ID never issues `client_id`: at {file}:{clients_line} replace allowedClients with allowedAudience (your API) and a custom claim on `appid` (the calling app; v2.0 tokens name the client in `azp` instead):\n  allowedAudience:\n  - api://{API_APP}\n  - {API_APP}\n  customClaims:\n  - inboundTokenClaimName: appid\n    inboundTokenClaimValueType: STRING\n    authorizingClaimMatchValue:\n      claimMatchOperator: EQUALS\n      claimMatchValue:\n        matchValueString: {CLIENT_APP}{REDEPLOY}"
        )
    );

    let d = diag(&v, "issuer-mismatch");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("this is an Entra ID v1.0 token but the authorizer expects the v2.0 issuer (see entra-version-mismatch)"),
        "{d}"
    );
    assert_eq!(
        d["fixes"],
        json!(["change the token version or the discovery URL as entra-version-mismatch says"])
    );
    assert_eq!(check(&v, "client_id")["status"], "fail");
    assert_eq!(
        check(&v, "client_id")["service_error"],
        "Claim 'client_id' value mismatch with configuration."
    );
}

#[test]
fn entra_v1_token_with_allowed_clients_human() {
    let (code, out) = explain_human(V2_URL_CLIENTS, "entra/v1-access-token.jwt", &[]);
    assert_eq!(code, 1);
    let file = idp(V2_URL_CLIENTS);
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("✗ REJECTED — AgentCore refuses this Microsoft Entra ID v1.0 token")
    );
    has_line(&out, &format!("  authorizer: agent mcp_entra, {file}"));
    has_line(&out, &format!("  ✗ entra-version-mismatch  [{file}:23]"));
    has_line(&out, "    this is an Entra ID v1.0 token (ver 1.0, iss");
    has(
        &out,
        "    fix: get v2.0 tokens: Azure portal > App registrations > the API app\n         (6e74172b-be56-4843-9ff4-e66a39bb12e3, the token's aud) > Manifest:\n         set \"requestedAccessTokenVersion\": 2 inside \"api\" (older AAD Graph\n         manifest: \"accessTokenAcceptedVersion\": 2), save, then request a new\n         token",
    );
    has(
        &out,
        &format!(
            "    fix: or keep v1.0 tokens and use the v1.0 endpoint: at\n         {file}:23 write:\n           discoveryUrl: https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration\n"
        ),
    );
    has_line(&out, &format!("  ✗ client-id-in-other-claim  [{file}:24]"));
    has(
        &out,
        &format!(
            "           allowedAudience:\n           - api://{API_APP}\n           - {API_APP}\n           customClaims:\n           - inboundTokenClaimName: appid\n"
        ),
    );
    has_line(
        &out,
        &format!("                 matchValueString: {CLIENT_APP}"),
    );
    wrapped(&out);
}

#[test]
fn entra_accepted_v1_v2_and_app_only() {
    for (config, token, kind) in [
        (
            "entra/v1-working.yaml",
            "entra/v1-access-token.jwt",
            "entra-v1",
        ),
        (
            "entra/v2-working.yaml",
            "entra/v2-access-token.jwt",
            "entra-v2",
        ),
        (
            "entra/app-only-roles.yaml",
            "entra/v2-app-token.jwt",
            "entra-v2",
        ),
    ] {
        let (code, v) = explain_json(config, token, &[]);
        assert_eq!(code, 0, "{config} {token}: {v:#}");
        assert_eq!(v["verdict"], "accepted");
        assert_eq!(v["token"]["kind"], kind);
        assert_eq!(v["diagnoses"], json!([]), "{config}");
    }
    // scp is a space-separated string in Entra tokens; allowedScopes reads its names.
    let (_, v) = explain_json("entra/v2-working.yaml", "entra/v2-access-token.jwt", &[]);
    assert_eq!(check(&v, "scope")["message"], "scope mcp.invoke is allowed");
    assert_eq!(check(&v, "claim:azp")["status"], "pass");
    let (code, out) = explain_human("entra/v1-working.yaml", "entra/v1-access-token.jwt", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().next().unwrap_or_default(),
        format!("✓ ACCEPTED — AgentCore would accept this Microsoft Entra ID v1.0 token")
    );
    has(
        &out,
        &format!("  ✓ issuer       iss is\n                 https://sts.windows.net/{TENANT}/\n"),
    );
}

#[test]
fn entra_v2_token_with_v1_url() {
    let cfg = "entra/v1-url-guid-audience.yaml";
    let (code, v) = explain_json(cfg, "entra/v2-access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["issuer-mismatch", "entra-version-mismatch"]);
    let d = diag(&v, "entra-version-mismatch");
    assert_eq!(d["line"], 23);
    assert_eq!(
        d["message"],
        format!(
            "this is an Entra ID v2.0 token (ver 2.0, iss https://login.microsoftonline.com/{TENANT}/v2.0) but discoveryUrl is the v1.0 endpoint, which expects iss https://sts.windows.net/{TENANT}/"
        )
    );
    assert_eq!(
        d["fixes"],
        json!([format!(
            "use the v2.0 endpoint: at {}:23 write:\n  discoveryUrl: https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration{REDEPLOY}",
            idp(cfg)
        )])
    );
    // The aud (a bare GUID, v2.0) passes the same config.
    assert_eq!(check(&v, "aud")["status"], "pass");
}

#[test]
fn entra_common_discovery_url() {
    let cfg = "entra/common-url.yaml";
    let (code, v) = explain_json(cfg, "entra/v2-access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["issuer-mismatch", "entra-version-mismatch"]);
    let d = diag(&v, "entra-version-mismatch");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 23);
    assert_eq!(
        d["message"],
        "discoveryUrl uses /common: its discovery document publishes the issuer template https://login.microsoftonline.com/{tenantid}/v2.0, which never equals a token's iss (the comparison is exact)"
    );
    assert_eq!(
        fix(d, 0),
        format!(
            "use your tenant id (v2.0 endpoint): at {}:23 write:\n  discoveryUrl: https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration{REDEPLOY}",
            idp(cfg)
        )
    );
    let (_, out) = explain_human(cfg, "entra/v2-access-token.jwt", &[]);
    has_line(
        &out,
        &format!("  ✗ entra-version-mismatch  [{}:23]", idp(cfg)),
    );
    has_line(
        &out,
        "    discoveryUrl uses /common: its discovery document publishes the issuer",
    );
    wrapped(&out);
}

#[test]
fn entra_audience_form_both_ways() {
    let cfg = "entra/v1-url-guid-audience.yaml";
    let (code, v) = explain_json(cfg, "entra/v1-access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["entra-audience-form"]);
    assert_eq!(
        check(&v, "aud")["service_error"],
        "Claim 'aud' value mismatch with configuration."
    );
    let d = diag(&v, "entra-audience-form");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], idp(cfg));
    assert_eq!(d["line"], line_of(cfg, "allowedAudience:"));
    assert_eq!(
        d["message"],
        format!(
            "the token's aud is api://{API_APP} but allowedAudience has {API_APP}: the same API written in the other form, and AgentCore compares aud exactly"
        )
    );
    assert_eq!(
        fix(d, 0),
        format!(
            "accept both forms at {}:24:\n  allowedAudience:\n  - api://{API_APP}\n  - {API_APP}{REDEPLOY}",
            idp(cfg)
        )
    );
    assert!(
        fix(d, 1).contains("\"requestedAccessTokenVersion\": 2"),
        "{d}"
    );
    let (_, out) = explain_human(cfg, "entra/v1-access-token.jwt", &[]);
    has_line(
        &out,
        "  the service answers 401: Claim 'aud' value mismatch with configuration.",
    );
    has_line(&out, &format!("  ✗ entra-audience-form  [{}:24]", idp(cfg)));
    has(
        &out,
        &format!(
            "    fix: accept both forms at\n         {}:24:\n           allowedAudience:\n           - api://{API_APP}\n           - {API_APP}\n",
            idp(cfg)
        ),
    );
    wrapped(&out);

    // The reverse: aud is the GUID (v2.0), only api://<guid> is allowed (flags: no file line).
    let (code, v) = explain_json(
        "entra/v2-working.yaml",
        "entra/v2-access-token.jwt",
        &["--allowed-audience", &format!("api://{API_APP}")],
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["entra-audience-form"]);
    assert!(
        diag(&v, "entra-audience-form")["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "the token's aud is {API_APP} but allowedAudience has api://{API_APP}"
            ))
    );
}

#[test]
fn graph_token_is_reported_alone() {
    let cfg = "entra/v2-working.yaml";
    let (code, v) = explain_json(cfg, "entra/graph-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["token"]["kind"], "entra-v1");
    assert!(v["token"]["header"]["nonce"].is_string());
    // Signed the way Graph signs (over a hashed nonce): the signature does not verify.
    assert_eq!(check(&v, "signature")["status"], "fail");
    assert_eq!(check(&v, "aud")["status"], "fail");
    assert_eq!(codes(&v), vec!["graph-token"]);
    let d = diag(&v, "graph-token");
    assert_eq!(d["severity"], "error");
    assert!(d.get("line").is_none());
    assert_eq!(
        d["message"],
        "this is an access token for Microsoft Graph (`nonce` in the header, aud 00000003-0000-0000-c000-000000000000): Graph tokens use a proprietary format that only Graph can validate, so AgentCore (or anyone else) can never accept it — its signature does not verify by design"
    );
    assert_eq!(
        fix(d, 0),
        format!(
            "request a token for your own API, not for Graph: delegated sign-in asks for scope api://{API_APP}/mcp.invoke, client credentials for {API_APP}/.default; scopes such as User.Read, `openid profile email` or https://graph.microsoft.com/.default give Graph tokens (this one has scp \"openid profile User.Read email\")"
        )
    );
    assert!(fix(d, 1).contains("Expose an API"), "{d}");
    let (_, out) = explain_human(cfg, "entra/graph-token.jwt", &[]);
    has_line(&out, "  ✗ graph-token");
    has_line(
        &out,
        "    this is an access token for Microsoft Graph (`nonce` in the header, aud",
    );
    has_line(
        &out,
        "    fix: request a token for your own API, not for Graph: delegated sign-in",
    );
    wrapped(&out);
}

#[test]
fn roles_not_scopes_for_an_app_only_token() {
    let cfg = "entra/app-only-scopes.yaml";
    let (code, v) = explain_json(cfg, "entra/v2-app-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        check(&v, "scope")["message"],
        "no scope or scp claim. Expected one of: mcp.invoke"
    );
    assert_eq!(codes(&v), vec!["roles-not-scopes"]);
    let d = diag(&v, "roles-not-scopes");
    let line = line_of(cfg, "allowedScopes:");
    assert_eq!(
        (d["file"].clone(), d["line"].clone()),
        (json!(idp(cfg)), json!(line))
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("the token has no `scope` or `scp` but app roles in `roles` (Mcp.Invoke.All): app-only (client credentials) tokens carry roles instead of scopes"),
        "{d}"
    );
    assert_eq!(
        fix(d, 0),
        format!(
            "check the role with a custom claim instead of allowedScopes at {}:{line}:\n  customClaims:\n  - inboundTokenClaimName: roles\n    inboundTokenClaimValueType: STRING_ARRAY\n    authorizingClaimMatchValue:\n      claimMatchOperator: CONTAINS\n      claimMatchValue:\n        matchValueString: Mcp.Invoke.All{REDEPLOY}",
            idp(cfg)
        )
    );
    assert!(fix(d, 1).starts_with("or remove allowedScopes"));
    let (_, out) = explain_human(cfg, "entra/v2-app-token.jwt", &[]);
    has_line(
        &out,
        &format!("  ✗ roles-not-scopes  [{}:{line}]", idp(cfg)),
    );
    has_line(&out, "           - inboundTokenClaimName: roles");
    wrapped(&out);
}

#[test]
fn scope_form_entra_and_cognito() {
    let cfg = "entra/scope-uri.yaml";
    let (code, v) = explain_json(cfg, "entra/v2-access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["scope-form"]);
    let d = diag(&v, "scope-form");
    let line = line_of(cfg, "allowedScopes:");
    assert_eq!(d["line"], line);
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["message"],
        format!(
            "allowedScopes has api://{API_APP}/mcp.invoke but the token carries mcp.invoke: Entra puts only the scope's name in scp; api://…/<name> is how a client requests it, and scopes are compared as written"
        )
    );
    assert_eq!(
        d["fixes"],
        json!([format!(
            "write the scope as tokens carry it at {}:{line}:\n  allowedScopes:\n  - mcp.invoke{REDEPLOY}",
            idp(cfg)
        )])
    );
    let (_, out) = explain_human(cfg, "entra/v2-access-token.jwt", &[]);
    has_line(&out, &format!("  ✗ scope-form  [{}:{line}]", idp(cfg)));
    has(&out, "           allowedScopes:\n           - mcp.invoke\n");

    // The reverse, with Cognito: a resource-server scope written without its identifier.
    let dir = tempfile::tempdir().unwrap();
    let mut c = crate::support::tokens::tokdiag(dir.path());
    c.args([
        "explain",
        "--jwks",
        &crate::support::tokens::testdata("jwks.json"),
        "--discovery-url",
        crate::support::tokens::DISCOVERY,
        "--allowed-scope",
        "invoke",
    ])
    .arg(crate::support::tokens::testdata(
        "tokens/cognito-client-credentials.jwt",
    ));
    let (code, v) = crate::support::tokens::run_json(c);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["scope-form"]);
    let d = diag(&v, "scope-form");
    assert_eq!(
        d["message"],
        "allowedScopes has invoke but the token carries tokdiag-api/invoke: Cognito resource-server scopes appear in tokens as <identifier>/<name>, and scopes are compared as written"
    );
    assert!(
        // From flags, the fix is the flag to give (before: YAML for every source).
        fix(d, 0).ends_with(":\n  --allowed-scope tokdiag-api/invoke"),
        "{d}"
    );
}

#[test]
fn decode_explains_entra_claims() {
    let (code, out) = decode("entra/v1-access-token.jwt", true);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "entra-v1");
    assert_eq!(v["annotations"]["client_id_claim"], "appid");
    assert_eq!(v["annotations"]["client_id"], CLIENT_APP);
    assert_eq!(v["annotations"]["scopes"], json!(["mcp.invoke"]));
    let n = notes(&v);
    assert_eq!(
        n[0],
        format!(
            "`ver` 1.0: Entra ID v1.0 token, issuer https://sts.windows.net/{TENANT}/ — AgentCore discoveryUrl https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration"
        )
    );
    assert!(n[1].starts_with(&format!("`appid` {CLIENT_APP}: the client app that requested the token (v1.0; v2.0 uses azp); Entra never issues client_id")), "{n:?}");
    assert!(
        n.iter().any(|x| x.starts_with(&format!(
            "`aud` api://{API_APP}: the API's Application ID URI"
        ))),
        "{n:?}"
    );
    assert!(n.iter().any(|x| x == "`scp` \"mcp.invoke\": delegated scopes as one space-separated string; AgentCore's allowedScopes reads each name"), "{n:?}");

    let (_, out) = decode("entra/v2-app-token.jwt", true);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "entra-v2");
    assert_eq!(v["annotations"]["client_id_claim"], "azp");
    assert_eq!(v["annotations"]["roles"], json!(["Mcp.Invoke.All"]));
    assert!(notes(&v).iter().any(|x| x.starts_with("`roles` [Mcp.Invoke.All]: app roles — app-only (client credentials) tokens carry roles instead of scp")));

    let (_, out) = decode("entra/graph-token.jwt", false);
    has_line(&out, "Microsoft Entra ID v1.0 token");
    has_line(
        &out,
        "  note: Microsoft Graph token (nonce in the header or Graph's aud): only Graph can validate it; request a token for your own API",
    );
    let (_, out) = decode("entra/v1-access-token.jwt", false);
    has_line(
        &out,
        &format!("  app client  {CLIENT_APP}  (in claim `appid`)"),
    );
}

// -------------------------------------------------------------------------------------------------
// Okta

#[test]
fn okta_accepted_with_scp_array_and_with_a_client_id_claim() {
    let (code, v) = explain_json("okta/audience-scopes.yaml", "okta/access-token.jwt", &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["token"]["kind"], "okta");
    assert_eq!(check(&v, "scope")["message"], "scope mcp.invoke is allowed");
    assert_eq!(v["diagnoses"], json!([]));
    let (code, v) = explain_json(
        "okta/allowed-clients.yaml",
        "okta/access-token-client-id.jwt",
        &[],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(check(&v, "client_id")["status"], "pass");
}

#[test]
fn okta_client_id_in_cid() {
    let cfg = "okta/allowed-clients.yaml";
    let (code, v) = explain_json(cfg, "okta/access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["client-id-in-other-claim"]);
    let d = diag(&v, "client-id-in-other-claim");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["file"].clone(), d["line"].clone()),
        (json!(idp(cfg)), json!(24))
    );
    assert_eq!(
        d["message"],
        format!(
            "the Okta token has no `client_id`; its client id {OKTA_CID} is in `cid`, which AgentCore's allowedClients does not read (the value is one of allowedClients)"
        )
    );
    assert_eq!(
        fix(d, 0),
        "Okta: add the claim on the custom authorization server: Security > API > Authorization Servers > default > Claims > Add Claim: name client_id, include in token type Access Token, value type Expression, value app.clientId — then get a new token (the setup AgentCore's Okta guide describes)"
    );
    assert_eq!(
        fix(d, 1),
        format!(
            "or, without changing Okta, at {}:24 replace allowedClients with:\n  allowedAudience:\n  - api://default\n  customClaims:\n  - inboundTokenClaimName: cid\n    inboundTokenClaimValueType: STRING\n    authorizingClaimMatchValue:\n      claimMatchOperator: EQUALS\n      claimMatchValue:\n        matchValueString: {OKTA_CID}{REDEPLOY}",
            idp(cfg)
        )
    );
    let (_, out) = explain_human(cfg, "okta/access-token.jwt", &[]);
    has_line(
        &out,
        "  the service answers 401: Claim 'client_id' value mismatch with configuration.",
    );
    has_line(
        &out,
        &format!("  ✗ client-id-in-other-claim  [{}:24]", idp(cfg)),
    );
    has_line(
        &out,
        "    fix: Okta: add the claim on the custom authorization server: Security >",
    );
    has_line(&out, "           - inboundTokenClaimName: cid");
    wrapped(&out);
}

#[test]
fn okta_org_server_token() {
    let cfg = "okta/audience-scopes.yaml";
    let (code, v) = explain_json(cfg, "okta/org-access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["token"]["kind"], "okta");
    // Signed by the org server's keys, which the custom server's JWKS does not have.
    assert_eq!(check(&v, "signature")["status"], "fail");
    assert_eq!(check(&v, "issuer")["status"], "fail");
    assert_eq!(codes(&v), vec!["okta-org-server"]);
    let d = diag(&v, "okta-org-server");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["file"].clone(), d["line"].clone()),
        (json!(idp(cfg)), json!(23))
    );
    assert_eq!(
        d["message"],
        "iss https://dev-12345678.okta.com is Okta's org authorization server (no /oauth2/<server> in the issuer): Okta says only Okta may consume or validate its access tokens (treat them as opaque), so AgentCore cannot rely on them"
    );
    assert!(fix(d, 0).contains("https://dev-12345678.okta.com/oauth2/default/v1/token instead of https://dev-12345678.okta.com/oauth2/v1/token"));
    assert_eq!(
        fix(d, 1),
        format!(
            "then point discoveryUrl at that server at {}:23:\n  discoveryUrl: https://dev-12345678.okta.com/oauth2/default/.well-known/openid-configuration{REDEPLOY}",
            idp(cfg)
        )
    );
    let (_, out) = explain_human(cfg, "okta/org-access-token.jwt", &[]);
    has_line(&out, &format!("  ✗ okta-org-server  [{}:23]", idp(cfg)));
    has_line(
        &out,
        "    iss https://dev-12345678.okta.com is Okta's org authorization server (no",
    );
    wrapped(&out);
    let (_, out) = decode("okta/org-access-token.jwt", false);
    has_line(
        &out,
        "  note: issued by Okta's org authorization server (https://dev-12345678.okta.com): only Okta may validate these access tokens; use a custom authorization server (/oauth2/<server>)",
    );
}

#[test]
fn okta_custom_domain_issuer_host_mismatch() {
    let cfg = "okta/audience-scopes.yaml";
    let (code, v) = explain_json(cfg, "okta/custom-domain-access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["issuer-mismatch", "issuer-host-mismatch"]);
    let d = diag(&v, "issuer-host-mismatch");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 23);
    assert_eq!(
        d["message"],
        "the token was minted through https://id.example.com but the authorizer trusts https://dev-12345678.okta.com (same issuer path): the authorization server's Issuer setting decides which domain goes into iss (with \"Dynamic\", the domain the token was requested through)"
    );
    assert_eq!(
        d["fixes"],
        json!([
            "in Okta: Security > API > Authorization Servers > default > Settings > Issuer: choose the URL discoveryUrl uses (https://dev-12345678.okta.com), not Dynamic, or request tokens through dev-12345678.okta.com"
        ])
    );
}

#[test]
fn decode_explains_okta_claims() {
    let (_, out) = decode("okta/access-token.jwt", true);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "okta");
    assert_eq!(v["annotations"]["client_id_claim"], "cid");
    assert_eq!(v["annotations"]["scopes"], json!(["mcp.invoke"]));
    assert_eq!(
        notes(&v),
        vec![
            format!("`cid` {OKTA_CID}: the Okta app (client) id; Okta issues no client_id unless the authorization server has a client_id claim (app.clientId)"),
            "`uid` 00u8f3k2l9XyZ1abc5d7: the Okta user id".to_string(),
            "`ver` 1: Okta's token format version (not Entra's ver)".to_string(),
            "`scp` [\"mcp.invoke\"]: scopes as a JSON array; AgentCore's allowedScopes reads each entry".to_string(),
        ]
    );
}

// -------------------------------------------------------------------------------------------------
// Auth0 (online against a loopback issuer: its discovery document publishes `https://…/` with
// Auth0's trailing slash, served from another host than its issuer, which is fine)

#[test]
fn auth0_rfc9068_token_accepted_from_a_discovery_document_on_another_host() {
    let srv = OidcServer::start(AUTH0_ISS);
    let url = srv.discovery_url();
    let (code, v) = explain_json(
        "auth0/allowed-clients.yaml",
        "auth0/m2m-rfc9068-token.jwt",
        &["--discovery-url", &url],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["token"]["kind"], "auth0");
    assert_eq!(v["authorizer"]["issuer"], AUTH0_ISS);
    assert_eq!(
        check(&v, "issuer")["message"],
        format!("iss is {AUTH0_ISS}")
    );
    // The loopback document claims the real issuer: accepted, with the warning that says so.
    assert_eq!(codes(&v), vec!["discovery-issuer-mismatch"]);
    let d = diag(&v, "discovery-issuer-mismatch");
    assert_eq!(d["severity"], "warning");
    let base = url.trim_end_matches("/.well-known/openid-configuration");
    assert_eq!(
        d["message"],
        format!(
            "the discovery document at {url} says its issuer is {AUTH0_ISS}, not {base} (its URL without /.well-known/openid-configuration), as OpenID Connect Discovery §4.3 requires; tokens are compared with {AUTH0_ISS}, the issuer the document claims"
        )
    );
    // The Auth0-profile user token (aud array with /userinfo) passes allowedAudience + allowedScopes.
    let (code, v) = explain_json(
        "auth0/audience-scopes.yaml",
        "auth0/user-token.jwt",
        &["--discovery-url", &url],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(check(&v, "scope")["message"], "scope mcp:invoke is allowed");
}

#[test]
fn auth0_client_id_in_azp() {
    let srv = OidcServer::start(AUTH0_ISS);
    let cfg = "auth0/allowed-clients.yaml";
    let (code, v) = explain_json(
        cfg,
        "auth0/m2m-token.jwt",
        &["--discovery-url", &srv.discovery_url()],
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&v),
        vec!["client-id-in-other-claim", "discovery-issuer-mismatch"]
    );
    let d = diag(&v, "client-id-in-other-claim");
    assert_eq!(
        (d["file"].clone(), d["line"].clone()),
        (json!(idp(cfg)), json!(24))
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains(&format!("its client id {AUTH0_M2M} is in `azp`"))
    );
    assert_eq!(
        fix(d, 0),
        format!(
            "Auth0: Dashboard > Applications > APIs > {AUTH0_API} > Settings > Access Token Settings > JSON Web Token (JWT) Profile: RFC 9068, save, then get a new token — RFC 9068 access tokens carry client_id"
        )
    );
    assert!(fix(d, 1).contains(&format!(
        "  allowedAudience:\n  - {AUTH0_API}\n  customClaims:\n  - inboundTokenClaimName: azp"
    )));
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag_at(dir.path(), NOW);
    c.args([
        "explain",
        "--config",
        &idp(cfg),
        "--discovery-url",
        &srv.discovery_url(),
    ])
    .arg(format!("@{}", idp("auth0/m2m-token.jwt")));
    let (_, out, _) = crate::support::tokens::run(c);
    has_line(
        &out,
        &format!("  ✗ client-id-in-other-claim  [{}:24]", idp(cfg)),
    );
    has_line(
        &out,
        "    fix: Auth0: Dashboard > Applications > APIs > https://mcp.example.com/api",
    );
    wrapped(&out);
    let (_, out) = decode("auth0/m2m-token.jwt", true);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        notes(&v).contains(
            &"`gty` client-credentials: machine-to-machine token; sub is <client id>@clients"
                .to_string()
        )
    );
}

// -------------------------------------------------------------------------------------------------
// Keycloak

#[test]
fn keycloak_accepted_service_account_and_audience_mapper() {
    let (code, v) = explain_json(
        "keycloak/allowed-clients.yaml",
        "keycloak/service-account-token.jwt",
        &[],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["token"]["kind"], "keycloak");
    assert_eq!(
        check(&v, "client_id")["message"],
        "client_id mcp-client is allowed"
    );
    let (code, v) = explain_json(
        "keycloak/audience.yaml",
        "keycloak/access-token-audience.jwt",
        &[],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["diagnoses"], json!([]));
}

#[test]
fn keycloak_user_token_client_in_azp_and_default_audience() {
    let cfg = "keycloak/allowed-clients.yaml";
    let (code, v) = explain_json(cfg, "keycloak/access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["client-id-in-other-claim"]);
    let d = diag(&v, "client-id-in-other-claim");
    assert_eq!(d["line"], 24);
    assert!(fix(d, 0).starts_with("Keycloak: user tokens name the client in azp; only service-account (client credentials) tokens get client_id. To add it: Clients > mcp-client > Client scopes > mcp-client-dedicated > Add mapper > By configuration > Hardcoded claim: Token Claim Name client_id, Claim value mcp-client"), "{d}");
    assert!(fix(d, 1).contains("  - inboundTokenClaimName: azp"));

    // aud is Keycloak's default `account`: the Audience mapper fix.
    let (code, v) = explain_json("keycloak/audience.yaml", "keycloak/access-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["wrong-client"]);
    let d = diag(&v, "wrong-client");
    assert_eq!(
        d["message"],
        "the token's aud is account but the authorizer allows mcp-api"
    );
    assert_eq!(
        fix(d, 1),
        "Keycloak puts in aud only what mappers add (a new realm gives `account`): Clients > mcp-client > Client scopes > mcp-client-dedicated > Add mapper > By configuration > Audience: Included Custom Audience mcp-api, Add to access token ON"
    );
}

#[test]
fn keycloak_token_minted_through_localhost() {
    let cfg = "keycloak/audience.yaml";
    let (code, v) = explain_json(cfg, "keycloak/access-token-localhost.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["issuer-mismatch", "issuer-host-mismatch"]);
    let im = diag(&v, "issuer-mismatch");
    assert!(im["message"].as_str().unwrap().starts_with(
        "the token names the same issuer path on another scheme or host (see issuer-host-mismatch)"
    ));
    // Never suggest a localhost discovery URL: AgentCore cannot reach it.
    assert!(
        !im["fixes"]
            .to_string()
            .contains("discoveryUrl: http://localhost"),
        "{im}"
    );
    let d = diag(&v, "issuer-host-mismatch");
    assert_eq!(
        (d["file"].clone(), d["line"].clone()),
        (json!(idp(cfg)), json!(23))
    );
    assert_eq!(
        d["message"],
        format!(
            "the token was minted through http://localhost:8080 but the authorizer trusts https://sso.example.com (same issuer path): Keycloak writes the URL a token was requested through into iss unless its hostname is fixed"
        )
    );
    assert_eq!(
        d["fixes"],
        json!([format!(
            "fix Keycloak's public URL and request tokens through it: start it with --hostname=https://sso.example.com (environment KC_HOSTNAME; before Keycloak 25: KC_HOSTNAME_URL), and use {KC_ISS}/protocol/openid-connect/token, not http://localhost:8080"
        )])
    );
    let (_, out) = explain_human(cfg, "keycloak/access-token-localhost.jwt", &[]);
    has_line(
        &out,
        &format!("  ✗ issuer-host-mismatch  [{}:23]", idp(cfg)),
    );
    has_line(
        &out,
        "    the token was minted through http://localhost:8080 but the authorizer",
    );
    has_line(
        &out,
        "    fix: fix Keycloak's public URL and request tokens through it: start it",
    );
    wrapped(&out);
}

/// A discovery document served from another host than its issuer (a proxy, an emulator): accepted
/// when the token's iss is the published issuer, no issuer-host-mismatch, and the
/// discovery-issuer-mismatch warning (OpenID Connect Discovery §4.3).
#[test]
fn discovery_served_from_another_host_is_fine() {
    let srv = OidcServer::start(KC_ISS);
    let (code, v) = explain_json(
        "keycloak/audience.yaml",
        "keycloak/access-token-audience.jwt",
        &["--discovery-url", &srv.discovery_url()],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(codes(&v), vec!["discovery-issuer-mismatch"]);
    // And a real mismatch is still one: issuer-host-mismatch only alongside issuer-mismatch.
    let (code, v) = explain_json(
        "keycloak/audience.yaml",
        "keycloak/access-token-localhost.jwt",
        &["--discovery-url", &srv.discovery_url()],
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&v),
        vec![
            "issuer-mismatch",
            "issuer-host-mismatch",
            "discovery-issuer-mismatch"
        ]
    );
    // The host the token was minted through, and the one the discovery document claims.
    assert_eq!(
        diag(&v, "issuer-host-mismatch")["message"],
        format!(
            "the token was minted through http://localhost:8080 but the authorizer trusts https://sso.example.com, the host the discovery document at {} claims (same issuer path): Keycloak writes the URL a token was requested through into iss unless its hostname is fixed",
            srv.discovery_url()
        )
    );
}

#[test]
fn keycloak_five_minute_token_short_lifetime() {
    const IAT: i64 = 1_767_225_600;
    let cfg = "keycloak/audience.yaml";
    let tok = "keycloak/access-token-5min.jwt";
    // 100 s after issue: accepted, with the warning.
    let (code, v) = explain_json_at(cfg, tok, &[], IAT + 100);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(codes(&v), vec!["short-lifetime"]);
    let d = diag(&v, "short-lifetime");
    assert_eq!(d["severity"], "warning");
    assert!(d.get("line").is_none());
    assert_eq!(
        d["message"],
        "the token lives 300 s in total; AgentCore refuses it during its last 60 s, so only 240 s of it are usable"
    );
    assert_eq!(
        d["fixes"],
        json!([
            "get a fresh token right before each call, or raise the lifetime — Keycloak: Realm settings > Tokens > Access Token Lifespan (default 5 minutes), or per client: Clients > mcp-client > Advanced > Access Token Lifespan"
        ])
    );
    let (_, out) = explain_human_at(cfg, tok, &[], IAT + 100);
    has_line(&out, "  ! short-lifetime");
    has_line(
        &out,
        "    the token lives 300 s in total; AgentCore refuses it during its last 60 s,",
    );
    wrapped(&out);
    // 250 s after issue: inside the 60 s margin.
    let (code, v) = explain_json_at(cfg, tok, &[], IAT + 250);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["expires-within-a-minute", "short-lifetime"]);
}

#[test]
fn decode_explains_keycloak_claims() {
    let (_, out) = decode("keycloak/access-token.jwt", false);
    has_line(&out, "Keycloak token");
    has_line(&out, "  app client  mcp-client  (in claim `azp`)");
    has_line(
        &out,
        "  note: `azp` mcp-client: the client the token was issued to; user tokens have no client_id (service-account tokens do)",
    );
    has_line(
        &out,
        "  note: `aud` account: Keycloak's default (the account console client); add an Audience mapper to put your API in aud",
    );
}

// -------------------------------------------------------------------------------------------------
// Google

#[test]
fn google_id_token_accepted_with_allowed_audience() {
    let (code, v) = explain_json("google/audience.yaml", "google/id-token.jwt", &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["token"]["kind"], "google");
    assert_eq!(v["diagnoses"], json!([]));
}

#[test]
fn google_allowed_clients_and_bare_issuer() {
    let cfg = "google/allowed-clients.yaml";
    let (code, v) = explain_json(cfg, "google/id-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["client-id-in-other-claim"]);
    let d = diag(&v, "client-id-in-other-claim");
    assert_eq!(d["line"], 24);
    assert_eq!(
        d["fixes"],
        json!([format!(
            "Google ID tokens never carry client_id; their aud is your OAuth client id: at {}:24 replace allowedClients with:\n  allowedAudience:\n  - {GOOGLE_CLIENT}{REDEPLOY}",
            idp(cfg)
        )])
    );

    let (code, v) = explain_json("google/audience.yaml", "google/id-token-bare-iss.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["token"]["kind"], "google");
    assert_eq!(codes(&v), vec!["issuer-mismatch"]);
    let d = diag(&v, "issuer-mismatch");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("Google wrote iss without https:// (`accounts.google.com`")
    );
    assert!(fix(d, 1).contains("no setting that accepts both forms"));
}

// -------------------------------------------------------------------------------------------------
// GitHub Actions

#[test]
fn github_actions_token() {
    let (code, v) = explain_json("github/audience.yaml", "github/actions-token.jwt", &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["token"]["kind"], "github-actions");
    assert_eq!(check(&v, "claim:repository")["status"], "pass");

    let cfg = "github/allowed-clients.yaml";
    let (code, v) = explain_json(cfg, "github/actions-token.jwt", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["wrong-client"]);
    let d = diag(&v, "wrong-client");
    assert_eq!(d["line"], 24);
    assert_eq!(
        d["fixes"],
        json!([format!(
            "GitHub Actions OIDC tokens carry no client id: at {}:24 replace allowedClients with the audience the workflow requests and a rule on the repository:\n  allowedAudience:\n  - https://github.com/octo-org\n  customClaims:\n  - inboundTokenClaimName: repository\n    inboundTokenClaimValueType: STRING\n    authorizingClaimMatchValue:\n      claimMatchOperator: EQUALS\n      claimMatchValue:\n        matchValueString: octo-org/mcp-tools{REDEPLOY}",
            idp(cfg)
        )])
    );
    // Another audience requested by the workflow: GitHub's own fix.
    let (code, v) = explain_json(
        "github/audience.yaml",
        "github/actions-token.jwt",
        &["--allowed-audience", "sts.amazonaws.com"],
    );
    assert_eq!(code, 1);
    assert!(
        diag(&v, "wrong-client")["fixes"]
            .to_string()
            .contains("core.getIDToken('sts.amazonaws.com')")
    );
}

/// API Gateway rules name the Issuer setting instead of discoveryUrl.
#[test]
fn entra_version_mismatch_under_api_gateway_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag_at(dir.path(), NOW);
    c.args([
        "explain",
        "--rules",
        "apigateway",
        "--issuer",
        &format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
        "--allowed-audience",
        &format!("api://{API_APP}"),
        "--jwks",
        &idp("jwks.json"),
    ])
    .arg(format!("@{}", idp("entra/v1-access-token.jwt")));
    let (code, v) = crate::support::tokens::run_json(c);
    assert_eq!(code, 1);
    assert_eq!(v["authorizer"]["rules"], "apigateway");
    assert_eq!(codes(&v), vec!["issuer-mismatch", "entra-version-mismatch"]);
    let d = diag(&v, "entra-version-mismatch");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("but the authorizer's Issuer is the v2.0 endpoint"),
        "{d}"
    );
    assert_eq!(
        fix(d, 1),
        format!(
            "or keep v1.0 tokens and use the v1.0 endpoint: set the authorizer's Issuer to https://sts.windows.net/{TENANT}/"
        )
    );
}

/// The Entra case of `entra_v1_token_with_allowed_clients_json` declared in Terraform and in the
/// new CLI's agentcore.json: the fixes are written in each source's language (before: the
/// toolkit's YAML for every source).
#[test]
fn entra_fixes_speak_terraform_and_agentcore_json() {
    let cases = [
        (
            "entra/v2-url-allowed-clients.tf",
            format!(
                "  discovery_url = \"https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration\"\n  then apply it (`terraform apply`)"
            ),
            format!(
                "  allowed_audience = [\"api://{API_APP}\", \"{API_APP}\"]\n  custom_claim {{\n    inbound_token_claim_name       = \"appid\"\n    inbound_token_claim_value_type = \"STRING\"\n    authorizing_claim_match_value {{\n      claim_match_operator = \"EQUALS\"\n      claim_match_value {{\n        match_value_string = \"{CLIENT_APP}\"\n      }}\n    }}\n  }}\n  then apply it (`terraform apply`)"
            ),
            (6, 7),
        ),
        (
            "entra/v2-url-allowed-clients.agentcore.json",
            format!(
                "  \"discoveryUrl\": \"https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration\"\n  then redeploy (`agentcore deploy`)"
            ),
            format!(
                "  \"allowedAudience\": [\"api://{API_APP}\", \"{API_APP}\"],\n  \"customClaims\": [{{\"inboundTokenClaimName\": \"appid\", \"inboundTokenClaimValueType\": \"STRING\", \"authorizingClaimMatchValue\": {{\"claimMatchOperator\": \"EQUALS\", \"claimMatchValue\": {{\"matchValueString\": \"{CLIENT_APP}\"}}}}}}]\n  then redeploy (`agentcore deploy`)"
            ),
            (17, 18),
        ),
    ];
    for (config, disc, claim, (disc_line, clients_line)) in cases {
        let (code, v) = explain_json(config, "entra/v1-access-token.jwt", &[]);
        assert_eq!(code, 1, "{v:#}");
        let file = idp(config);
        assert_eq!(
            fix(diag(&v, "entra-version-mismatch"), 1),
            format!(
                "or keep v1.0 tokens and use the v1.0 endpoint: at {file}:{disc_line} write:\n{disc}"
            )
        );
        assert_eq!(
            fix(diag(&v, "client-id-in-other-claim"), 0),
            format!(
                "Entra ID never issues `client_id`: at {file}:{clients_line} replace allowedClients with allowedAudience (your API) and a custom claim on `appid` (the calling app; v2.0 tokens name the client in `azp` instead):\n{claim}"
            )
        );
    }
}

/// The snippets of scope-form and entra-audience-form replace the whole list: the list's other
/// values stay in them (before: only the rewritten value, dropping the rest).
#[test]
fn form_fixes_keep_the_lists_other_values() {
    let (code, v) = explain_json(
        "entra/v2-working.yaml",
        "entra/v2-access-token.jwt",
        &[
            "--allowed-audience",
            &format!("api://{API_APP}"),
            "--allowed-audience",
            "other-api",
        ],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(codes(&v), vec!["entra-audience-form"]);
    assert!(
        fix(diag(&v, "entra-audience-form"), 0).ends_with(&format!(
            ":\n  allowedAudience:\n  - api://{API_APP}\n  - {API_APP}\n  - other-api{REDEPLOY}"
        )),
        "{v:#}"
    );
    let (code, v) = explain_json(
        "entra/v2-working.yaml",
        "entra/v2-access-token.jwt",
        &[
            "--allowed-scope",
            "other.scope",
            "--allowed-scope",
            &format!("api://{API_APP}/mcp.invoke"),
        ],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(codes(&v), vec!["scope-form"]);
    assert!(
        fix(diag(&v, "scope-form"), 0).ends_with(&format!(
            ":\n  allowedScopes:\n  - other.scope\n  - mcp.invoke{REDEPLOY}"
        )),
        "{v:#}"
    );
}

/// `client-id-in-other-claim`'s "replace allowedClients with" snippet keeps what is configured: an
/// allowedAudience already there is written whole with the token's audience added (pasting it
/// drops nothing and adds no second key), and configured customClaims rules are kept.
#[test]
fn client_id_in_other_claim_keeps_configured_audience_and_claims() {
    let src = std::fs::read_to_string(idp("okta/allowed-clients.yaml")).unwrap();
    let yaml = src.replace(
        "        allowedClients:\n        - 0oa8f3k2l9XyZ1abc5d7\n",
        "        allowedClients:\n        - 0oa8f3k2l9XyZ1abc5d7\n        allowedAudience:\n        - other-api\n        customClaims:\n        - inboundTokenClaimName: groups\n          inboundTokenClaimValueType: STRING_ARRAY\n          authorizingClaimMatchValue:\n            claimMatchOperator: CONTAINS\n            claimMatchValue:\n              matchValueString: mcp\n",
    );
    assert_ne!(yaml, src, "the fixture changed: update this test");
    let dir = tempfile::Builder::new()
        .prefix("idps-")
        .tempdir_in(concat!(env!("CARGO_MANIFEST_DIR"), "/target"))
        .unwrap();
    std::fs::write(dir.path().join("cfg.yaml"), yaml).unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let rel = format!("../../target/{name}/cfg.yaml");
    let (_, v) = explain_json(&rel, "okta/access-token.jwt", &[]);
    let d = diag(&v, "client-id-in-other-claim");
    let f = fix(d, 1);
    assert!(
        f.contains(":24 replace allowedClients with:\n  allowedAudience:\n  - other-api\n  - api://default\n  # keep the 1 customClaims rule(s) already configured and add this one to them\n  customClaims:\n  - inboundTokenClaimName: cid\n"),
        "{f}"
    );
}
