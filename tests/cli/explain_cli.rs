//! `tokdiag explain`: one test per check id and per diagnosis code, the seed incident, and the
//! API Gateway rule set. All offline (`--jwks`), except the unreachable-issuer case (loopback).

use crate::support::tokens::*;
use serde_json::{Value, json};

/// `explain` with the seed config and JWKS on a token argument, as JSON.
fn seed_json(token_arg: &str, extra: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("seed/jwks.json"),
    ])
    .args(extra)
    .arg(token_arg);
    run_json(c)
}

/// `explain` with flags only (no config file).
fn flags_json(token: &str, flags: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--jwks", &testdata("jwks.json")])
        .args(flags)
        .arg(token);
    run_json(c)
}

#[test]
fn seed_id_token_is_rejected_with_id_token_for_allowed_clients() {
    let (code, v) = seed_json(&format!("@{}", testdata("seed/id-token.jwt")), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(v["token"]["kind"], "cognito-id");
    assert_eq!(v["authorizer"]["source"], "agentcore-yaml");
    assert_eq!(v["authorizer"]["agent"], "mcp_server");
    assert_eq!(v["authorizer"]["discovery_url"], DISCOVERY);
    assert_eq!(v["authorizer"]["issuer"], ISSUER);
    assert_eq!(v["authorizer"]["allowed_clients"], json!([CLIENT]));
    assert_eq!(v["authorizer"]["allowed_audience"], json!([]));
    let c = check(&v, "client_id");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["expected"], json!([CLIENT]));
    assert_eq!(c["actual"], Value::Null);
    assert_eq!(
        c["message"],
        format!("Missing client_id. Expected one of: {CLIENT}")
    );
    assert_eq!(
        c["service_error"],
        "Claim 'client_id' value mismatch with configuration."
    );
    for id in ["format", "signature", "issuer", "expiry", "not_before"] {
        assert_eq!(check(&v, id)["status"], "pass", "{id}");
    }
    assert_eq!(check(&v, "aud")["status"], "skip");
    assert_eq!(check(&v, "scope")["status"], "skip");
    assert_eq!(codes(&v), vec!["id-token-for-allowed-clients"]);
    let d = diag(&v, "id-token-for-allowed-clients");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], seed_cfg());
    assert_eq!(
        d["line"], 60,
        "allowedClients is on line 60 of the seed config"
    );
    let fixes = d["fixes"].as_array().unwrap();
    assert!(
        fixes[0]
            .as_str()
            .unwrap()
            .contains("tokdiag login --config"),
        "{fixes:?}"
    );
    assert!(
        fixes[0].as_str().unwrap().contains("--username alice"),
        "{fixes:?}"
    );
    assert!(
        fixes[1]
            .as_str()
            .unwrap()
            .contains(&format!("allowedAudience:\n  - {CLIENT}")),
        "{fixes:?}"
    );
}

#[test]
fn seed_id_token_human_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("seed/jwks.json"),
    ])
    .arg(testdata("seed/id-token.jwt"));
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "✗ REJECTED — AgentCore refuses this Cognito ID token"
    );
    assert_eq!(
        lines[1],
        format!("  authorizer: agent mcp_server, {}", seed_cfg())
    );
    assert_eq!(
        lines[2],
        "  the service answers 401: Claim 'client_id' value mismatch with configuration."
    );
    assert!(
        out.contains(&format!(
            "  ✗ client_id   Missing client_id. Expected one of: {CLIENT}\n"
        )),
        "{out}"
    );
    assert!(
        out.contains("  ✓ signature   RS256 signature valid with key rsa-1 (keys from"),
        "{out}"
    );
    assert!(
        out.contains("  – aud         allowedAudience not configured\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  ✗ id-token-for-allowed-clients  [{}:60]\n",
            seed_cfg()
        )),
        "{out}"
    );
    assert!(
        out.contains("    fix: send the access token instead:\n         `tokdiag login --config "),
        "{out}"
    );
    for l in &lines {
        // Snippet lines and file paths may run long; prose is wrapped at 78 columns.
        if !l.contains('/') {
            assert!(l.chars().count() <= 80, "line over 80 columns: {l}");
        }
    }
}

#[test]
fn seed_access_token_is_accepted() {
    let (code, v) = seed_json(&testdata("seed/access-token.jwt"), &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(v["token"]["kind"], "cognito-access");
    assert_eq!(check(&v, "client_id")["status"], "pass");
    assert_eq!(v["diagnoses"], json!([]));
}

#[test]
fn seed_pool_id_token_is_client_id_is_pool_id() {
    let (code, v) = seed_json(&testdata("seed/pool-id-client-token.jwt"), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(check(&v, "client_id")["actual"], POOL);
    assert_eq!(codes(&v), vec!["client-id-is-pool-id"]);
    let d = diag(&v, "client-id-is-pool-id");
    assert!(d["message"].as_str().unwrap().contains(POOL));
    let all = d["fixes"].to_string();
    assert!(
        all.contains("V1_0 trigger changes only the ID token"),
        "{all}"
    );
    assert_eq!(d["line"], 60);
}

#[test]
fn bundle_input_picks_the_access_token_for_allowed_clients() {
    let (code, v) = seed_json(&format!("@{}", testdata("tokens/initiate-auth.json")), &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["token"]["kind"], "cognito-access");
    let (code, v) = seed_json(
        &format!("@{}", testdata("tokens/initiate-auth.json")),
        &["--use", "id"],
    );
    assert_eq!(code, 1);
    assert_eq!(v["token"]["kind"], "cognito-id");
}

#[test]
fn format_check_and_not_a_jwt() {
    for f in ["tokens/garbage.txt", "tokens/jwe.txt"] {
        let (code, v) = seed_json(&format!("@{}", testdata(f)), &[]);
        assert_eq!(code, 1, "{f}");
        assert_eq!(v["verdict"], "rejected");
        assert_eq!(v["token"], Value::Null);
        let c = check(&v, "format");
        assert_eq!(c["status"], "fail");
        assert_eq!(
            c["service_error"],
            "OAuth authorization failed: Failed to parse token"
        );
        assert_eq!(codes(&v), vec!["not-a-jwt"]);
        assert_eq!(check(&v, "signature")["status"], "skip");
    }
    let (_, v) = seed_json(&format!("@{}", testdata("tokens/jwe.txt")), &[]);
    assert!(
        check(&v, "format")["message"]
            .as_str()
            .unwrap()
            .contains("JWE")
    );
}

#[test]
fn signature_failures_are_named() {
    for (file, code_name) in [
        ("tokens/wrong-key.jwt", "signature-invalid"),
        ("tokens/tampered.jwt", "signature-invalid"),
        ("tokens/unknown-kid.jwt", "unknown-kid"),
        ("tokens/alg-none.jwt", "alg-not-allowed"),
        ("tokens/hs256-with-rsa-pub.jwt", "alg-not-allowed"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = tokdiag(dir.path());
        c.args([
            "explain",
            "--config",
            &seed_cfg(),
            "--jwks",
            &testdata("jwks.json"),
        ])
        .arg(testdata(file));
        let (code, v) = run_json(c);
        assert_eq!(code, 1, "{file}");
        assert_eq!(check(&v, "signature")["status"], "fail", "{file}");
        assert!(
            codes(&v).contains(&code_name.to_string()),
            "{file}: {:?}",
            codes(&v)
        );
    }
}

#[test]
fn issuer_mismatch_names_region_and_trailing_slash() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("jwks.json"),
    ])
    .arg(testdata("tokens/wrong-issuer.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1);
    let c = check(&v, "issuer");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["expected"], json!([ISSUER]));
    let d = diag(&v, "issuer-mismatch");
    assert!(
        d["message"].as_str().unwrap().contains("region us-west-2"),
        "{d}"
    );
    assert_eq!(d["line"], 59);

    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("jwks.json"),
    ])
    .arg(testdata("tokens/trailing-slash-issuer.jwt"));
    let (_, v) = run_json(c);
    assert!(
        diag(&v, "issuer-mismatch")["message"]
            .as_str()
            .unwrap()
            .contains("trailing slash")
    );
    assert!(!codes(&v).contains(&"issuer-host-mismatch".to_string()));
}

#[test]
fn issuer_host_mismatch_for_a_token_minted_through_localhost() {
    let mut claims = access_claims();
    claims["iss"] = json!("http://localhost:8080/realms/demo");
    let t = mint(&claims);
    let (code, v) = flags_json(
        &t,
        &[
            "--discovery-url",
            "https://sso.example.com/realms/demo/.well-known/openid-configuration",
            "--allowed-client",
            CLIENT,
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["issuer-mismatch", "issuer-host-mismatch"]);
}

#[test]
fn expiry_expired_and_within_the_margin() {
    let (code, v) = seed_json(&testdata("tokens/expired.jwt"), &[]);
    assert_eq!(code, 1);
    let c = check(&v, "expiry");
    assert_eq!(c["status"], "fail");
    assert_eq!(
        c["service_error"],
        "OAuth authorization failed: Ineffectual token, will expire within the next minute"
    );
    assert_eq!(codes(&v), vec!["expired"]);

    // exp = 2100-01-01T00:00:00Z; 30 s before it is inside AgentCore's 60 s margin.
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("seed/jwks.json"),
        "--now",
        "4102444770",
    ])
    .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1);
    assert_eq!(
        check(&v, "expiry")["message"],
        "expires at 2100-01-01T00:00:00Z (in 30 s, inside the 60 s margin)"
    );
    assert_eq!(codes(&v), vec!["expires-within-a-minute"]);
    // 61 s before: passes.
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("seed/jwks.json"),
        "--now",
        "4102444739",
    ])
    .arg(testdata("seed/access-token.jwt"));
    assert_eq!(run_json(c).0, 0);
}

#[test]
fn not_before_in_the_future() {
    let (code, v) = seed_json(&testdata("tokens/not-yet-valid.jwt"), &[]);
    assert_eq!(code, 1);
    assert_eq!(check(&v, "not_before")["status"], "fail");
    assert!(codes(&v).contains(&"not-yet-valid".to_string()));
}

#[test]
fn access_token_for_allowed_audience() {
    let (code, v) = flags_json(
        &testdata("tokens/cognito-access.jwt"),
        &["--discovery-url", DISCOVERY, "--allowed-audience", CLIENT],
    );
    assert_eq!(code, 1);
    let c = check(&v, "aud");
    assert_eq!(c["status"], "fail");
    assert_eq!(
        c["service_error"],
        "Claim 'aud' value mismatch with configuration."
    );
    assert_eq!(codes(&v), vec!["access-token-for-allowed-audience"]);
    // The ID token passes the same configuration.
    let (code, _) = flags_json(
        &testdata("tokens/cognito-id.jwt"),
        &["--discovery-url", DISCOVERY, "--allowed-audience", CLIENT],
    );
    assert_eq!(code, 0);
}

#[test]
fn wrong_client_names_both_values() {
    let (code, v) = flags_json(
        &testdata("tokens/cognito-access.jwt"),
        &[
            "--discovery-url",
            DISCOVERY,
            "--allowed-client",
            "5otherclient0000000000000",
        ],
    );
    assert_eq!(code, 1);
    let d = diag(&v, "wrong-client");
    let m = d["message"].as_str().unwrap();
    assert!(
        m.contains(CLIENT) && m.contains("5otherclient0000000000000"),
        "{m}"
    );
}

#[test]
fn clients_and_audience_unsatisfiable_with_cognito() {
    let (code, v) = flags_json(
        &testdata("tokens/cognito-access.jwt"),
        &[
            "--discovery-url",
            DISCOVERY,
            "--allowed-client",
            CLIENT,
            "--allowed-audience",
            CLIENT,
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(check(&v, "client_id")["status"], "pass");
    assert_eq!(check(&v, "aud")["status"], "fail");
    assert_eq!(codes(&v)[0], "clients-and-audience-unsatisfiable");
}

#[test]
fn scope_any_of_and_scope_missing() {
    let (code, v) = flags_json(
        &testdata("tokens/cognito-client-credentials.jwt"),
        &[
            "--discovery-url",
            DISCOVERY,
            "--allowed-scope",
            "other/x",
            "--allowed-scope",
            "tokdiag-api/read",
        ],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        check(&v, "scope")["message"],
        "scope tokdiag-api/read is allowed"
    );
    let (code, v) = flags_json(
        &testdata("tokens/cognito-access.jwt"),
        &[
            "--discovery-url",
            DISCOVERY,
            "--allowed-scope",
            "tokdiag-api/invoke",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        check(&v, "scope")["actual"],
        "aws.cognito.signin.user.admin"
    );
    assert_eq!(codes(&v), vec!["scope-missing"]);
}

fn write_cfg(dir: &std::path::Path, auth: &str) -> String {
    let p = dir.join(".bedrock_agentcore.yaml");
    std::fs::write(
        &p,
        format!(
            "default_agent: mcp_server\nagents:\n  mcp_server:\n    name: mcp_server\n    entrypoint: mcp_server.py\n    aws:\n      account: '123456789012'\n      region: us-east-1\n{auth}"
        ),
    )
    .unwrap();
    p.display().to_string()
}

#[test]
fn custom_claims_contains_and_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |value: &str| {
        format!(
            "    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        customClaims:\n        - inboundTokenClaimName: cognito:groups\n          inboundTokenClaimValueType: STRING_ARRAY\n          authorizingClaimMatchValue:\n            claimMatchOperator: CONTAINS\n            claimMatchValue:\n              matchValueString: {value}\n"
        )
    };
    let cfg = write_cfg(dir.path(), &rule("admins"));
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &cfg,
        "--jwks",
        &testdata("jwks.json"),
    ])
    .arg(testdata("tokens/cognito-access.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(check(&v, "claim:cognito:groups")["status"], "pass");

    let cfg = write_cfg(dir.path(), &rule("ops"));
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &cfg,
        "--jwks",
        &testdata("jwks.json"),
    ])
    .arg(testdata("tokens/cognito-access.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1);
    let ch = check(&v, "claim:cognito:groups");
    assert_eq!(ch["status"], "fail");
    assert_eq!(ch["expected"], json!(["ops"]));
    assert_eq!(ch["actual"], json!(["admins"]));
    let d = diag(&v, "custom-claim-mismatch");
    assert_eq!(d["line"], 13);
}

#[test]
fn authorizer_not_configured_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(dir.path(), "    authorizer_configuration: null\n");
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("tokens/cognito-access.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(v["authorizer"]["configured"], false);
    let d = diag(&v, "authorizer-not-configured");
    assert_eq!(d["line"], 9);
    assert!(d["fixes"].to_string().contains("customJWTAuthorizer"));
}

#[test]
fn config_key_ignored_with_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        dir.path(),
        &format!(
            "    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedAudiences:\n        - {CLIENT}\n"
        ),
    );
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--config",
        &cfg,
        "--jwks",
        &testdata("jwks.json"),
    ])
    .arg(testdata("tokens/cognito-id.jwt"));
    let (_, v) = run_json(c);
    let d = diag(&v, "config-key-ignored");
    assert_eq!(d["line"], 12);
    assert_eq!(d["file"], cfg);
    assert!(d["message"].as_str().unwrap().contains("allowedAudiences"));
    assert!(d["fixes"].to_string().contains("allowedAudience"));
}

#[test]
fn discovery_url_form_for_a_bare_issuer() {
    let (code, v) = flags_json(
        &testdata("tokens/cognito-access.jwt"),
        &[
            "--discovery-url",
            ISSUER,
            "--allowed-client",
            CLIENT,
            "--no-signature",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&v), vec!["discovery-url-form"]);
    let d = diag(&v, "discovery-url-form");
    assert!(d["fixes"][0].as_str().unwrap().contains(DISCOVERY), "{d}");
}

#[test]
fn no_signature_covers_the_claims_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &seed_cfg(), "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("✓ ACCEPTED (claims only: signature not checked)"),
        "{out}"
    );
    assert!(
        out.contains("  – signature   not checked (--no-signature)"),
        "{out}"
    );
}

#[test]
fn unreachable_issuer_gives_unknown_and_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::jwks_server::closed_port();
    let url = format!("http://127.0.0.1:{port}/{POOL}/.well-known/openid-configuration");
    let mut c = tokdiag(dir.path());
    c.args([
        "explain",
        "--discovery-url",
        &url,
        "--allowed-client",
        CLIENT,
    ])
    .arg(testdata("tokens/cognito-access.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 3);
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(check(&v, "signature")["status"], "skip");
    assert_eq!(check(&v, "issuer")["status"], "skip");
    assert_eq!(check(&v, "client_id")["status"], "pass");
}

#[test]
fn short_lifetime_warning() {
    let mut claims = access_claims();
    claims["iat"] = json!(NOW - 100);
    claims["exp"] = json!(NOW + 200);
    let (code, v) = flags_json(
        &mint(&claims),
        &["--discovery-url", DISCOVERY, "--allowed-client", CLIENT],
    );
    assert_eq!(code, 0);
    let d = diag(&v, "short-lifetime");
    assert_eq!(d["severity"], "warning");
}

#[test]
fn apigateway_rules() {
    let gw = |token: &str, extra: &[&str]| {
        let mut f = vec![
            "--rules",
            "apigateway",
            "--issuer",
            ISSUER,
            "--allowed-audience",
            CLIENT,
        ];
        f.extend_from_slice(extra);
        flags_json(token, &f)
    };
    // Access token: no aud, so client_id counts.
    let (code, v) = gw(&testdata("tokens/cognito-access.jwt"), &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["authorizer"]["rules"], "apigateway");
    assert_eq!(
        check(&v, "aud")["message"],
        "no aud; client_id is an allowed audience"
    );
    // ID token: aud counts.
    assert_eq!(gw(&testdata("tokens/cognito-id.jwt"), &[]).0, 0);
    // aud present and not allowed, client_id allowed: aud takes precedence.
    let mut claims = access_claims();
    claims["aud"] = json!("https://api.example.com");
    let (code, v) = gw(&mint(&claims), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        check(&v, "aud")["service_error"],
        "the token does not have a valid audience"
    );
    assert_eq!(codes(&v), vec!["aud-takes-precedence"]);
    // RSA only.
    let (code, v) = gw(&testdata("tokens/es256.jwt"), &[]);
    assert_eq!(code, 1);
    assert!(codes(&v).contains(&"alg-not-allowed".to_string()));
    // No 60 s margin: 30 s before exp passes.
    let (code, _) = gw(
        &testdata("tokens/cognito-access.jwt"),
        &["--now", "4102444770"],
    );
    assert_eq!(code, 0);
}

#[test]
fn apigateway_issuer_is_discovery_url() {
    let (code, v) = flags_json(
        &testdata("tokens/cognito-access.jwt"),
        &[
            "--rules",
            "apigateway",
            "--issuer",
            DISCOVERY,
            "--allowed-audience",
            CLIENT,
        ],
    );
    assert_eq!(code, 1);
    assert!(codes(&v).contains(&"issuer-is-discovery-url".to_string()));
    assert!(codes(&v).contains(&"issuer-mismatch".to_string()));
}

#[test]
fn client_id_in_other_claim_for_okta() {
    let claims = json!({
        "ver": 1, "jti": "AT.x", "iss": "https://dev-123.okta.com/oauth2/default",
        "aud": "api://default", "iat": NOW - 60, "exp": NOW + 3600,
        "cid": "0oa1b2c3d4e5f6g7h8i9", "uid": "00u1", "scp": ["openid"], "sub": "alice@example.com"
    });
    let (code, v) = flags_json(
        &mint(&claims),
        &[
            "--discovery-url",
            "https://dev-123.okta.com/oauth2/default/.well-known/openid-configuration",
            "--allowed-client",
            "0oa1b2c3d4e5f6g7h8i9",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(v["token"]["kind"], "okta");
    let d = diag(&v, "client-id-in-other-claim");
    assert!(d["message"].as_str().unwrap().contains("`cid`"));
    assert!(d["fixes"][0].as_str().unwrap().contains("app.clientId"));
}

#[test]
fn no_authorizer_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.current_dir(dir.path())
        .args(["explain"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 2);
    assert_eq!(v["error"]["message"], "no authorizer configuration");
}

/// The suggested `tokdiag login` names `--agent` only when the file would not pick that agent by
/// itself: not for the seed (its default_agent), but for a non-default agent chosen with --agent.
#[test]
fn login_fix_names_the_agent_only_when_it_is_not_the_default() {
    let fix = |cfg: &str, agent: &[&str]| -> String {
        let dir = tempfile::tempdir().unwrap();
        let mut c = tokdiag(dir.path());
        c.args(["explain", "--no-signature", "--config", cfg])
            .args(agent)
            .arg(testdata("seed/id-token.jwt"));
        let (code, v) = run_json(c);
        assert_eq!(code, 1, "{v:#}");
        diag(&v, "id-token-for-allowed-clients")["fixes"][0]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let seed = fix(&seed_cfg(), &[]);
    assert!(
        seed.contains(&format!(
            "`tokdiag login --config {} --username alice`",
            seed_cfg()
        )),
        "{seed}"
    );
    let named_default = fix(&seed_cfg(), &["--agent", "mcp_server"]);
    assert!(!named_default.contains("--agent"), "{named_default}");
    let other = testdata("configs/toolkit/jwt-on-other-agent.yaml");
    let docs = fix(&other, &["--agent", "docs_mcp"]);
    assert!(
        docs.contains(&format!(
            "`tokdiag login --config {other} --agent docs_mcp --username alice`"
        )),
        "{docs}"
    );
}

/// The `tokdiag login` in a fix is a command to paste: a config path holding a space, a quote or
/// `$(…)` is single-quoted, and pasting it passes the path as one word and runs nothing.
#[test]
fn login_fix_quotes_the_config_path_for_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("my cfg's $(touch pwned)");
    std::fs::create_dir_all(&odd).unwrap();
    let cfg = odd.join(".bedrock_agentcore.yaml");
    std::fs::copy(seed_cfg(), &cfg).unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--no-signature", "--config"])
        .arg(&cfg)
        .arg(testdata("seed/id-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1, "{v:#}");
    let fix = diag(&v, "id-token-for-allowed-clients")["fixes"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let quoted = format!("'{}'", cfg.display().to_string().replace('\'', "'\\''"));
    let cmd = format!("tokdiag login --config {quoted} --username alice");
    assert!(fix.contains(&format!("`{cmd}`")), "{fix}");
    // Pasted into sh (with printf for tokdiag): the path is one word, and nothing ran.
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd.replacen("tokdiag", "printf '%s\\n'", 1))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("login\n--config\n{}\n--username\nalice\n", cfg.display())
    );
    assert!(!dir.path().join("pwned").exists());
    // A plain path stays unquoted.
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let cfg = plain.join(".bedrock_agentcore.yaml");
    std::fs::copy(seed_cfg(), &cfg).unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--no-signature", "--config"])
        .arg(&cfg)
        .arg(testdata("seed/id-token.jwt"));
    let (_, v) = run_json(c);
    let fix = diag(&v, "id-token-for-allowed-clients")["fixes"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        fix.contains(&format!(
            "`tokdiag login --config {} --username alice`",
            cfg.display()
        )),
        "{fix}"
    );
}

// ---------------------------------------------------------------- bounded work (issue 12, items 2 and 8)

/// Longest a hostile config may keep `explain` busy in these tests (debug build, shared CPU); the
/// release build answers each in well under a second.
const HOSTILE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// `explain --no-signature` of the seed access token against `cfg`, killed after
/// [`HOSTILE_TIMEOUT`]: (exit code or -1 when killed, stdout, stderr, seconds taken).
fn explain_hostile(cfg: &std::path::Path, json: bool) -> (i32, String, String, f64) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config"])
        .arg(cfg)
        .args(["--no-signature"])
        .arg(testdata("seed/access-token.jwt"))
        .timeout(HOSTILE_TIMEOUT);
    if json {
        c.arg("--json");
    }
    let t = std::time::Instant::now();
    let (code, out, err) = run(c);
    (code, out, err, t.elapsed().as_secs_f64())
}

const CFN_RUNTIME: &str = "Resources:\n  Rt:\n    Type: AWS::BedrockAgentCore::Runtime\n    Properties:\n      AuthorizerConfiguration:\n        CustomJWTAuthorizer:\n";

const CFN_HINT: &str = "  hint: CloudFormation allows no intrinsic functions inside Mappings and no condition that needs itself: simplify the template, or give the authorizer with --discovery-url and --allowed-client\n";

#[test]
fn cfn_mapping_that_refers_to_itself_is_refused_at_once() {
    // 3^64 expansions before: the depth cap bounded depth, not work.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("self.yaml");
    std::fs::write(
        &p,
        format!(
            "Mappings:\n  M:\n    a:\n      b: !Join ['', [!FindInMap [M, a, b], !FindInMap [M, a, b], !FindInMap [M, a, b]]]\n{CFN_RUNTIME}          DiscoveryUrl: !FindInMap [M, a, b]\n          AllowedClients: [x]\n"
        ),
    )
    .unwrap();
    let (code, out, err, secs) = explain_hostile(&p, false);
    assert_eq!(code, 2, "{secs:.1}s\n{out}{err}");
    assert_eq!(
        err,
        format!(
            "tokdiag: error: invalid config {}: the template's intrinsic functions refer to themselves (Fn::FindInMap M.a.b at line 4) while resolving resource Rt (AuthorizerConfiguration)\n{CFN_HINT}",
            p.display()
        )
    );
}

#[test]
fn cfn_join_fan_out_hits_the_value_size_cap() {
    // Each mapping value joins three copies of the next: 3^30 bytes at the top, computed once
    // per value (memoised) and refused when one value passes 1 MiB.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("chain.yaml");
    let mut doc = String::from("Mappings:\n  M:\n    a:\n");
    for i in 0..30 {
        let n = i + 1;
        doc.push_str(&format!(
            "      l{i}: !Join ['', [!FindInMap [M, a, l{n}], !FindInMap [M, a, l{n}], !FindInMap [M, a, l{n}]]]\n"
        ));
    }
    doc.push_str(&format!(
        "      l30: xyz\n{CFN_RUNTIME}          DiscoveryUrl: !FindInMap [M, a, l0]\n          AllowedClients: [x]\n"
    ));
    std::fs::write(&p, doc).unwrap();
    let (code, out, err, secs) = explain_hostile(&p, false);
    assert_eq!(code, 2, "{secs:.1}s\n{out}{err}");
    // l18 (line 22) is the first value over 1 MiB: 3^13 bytes.
    assert_eq!(
        err,
        format!(
            "tokdiag: error: invalid config {}: the template's intrinsic functions produce a value longer than 1 MiB (Fn::Join at line 22) while resolving resource Rt (AuthorizerConfiguration)\n{CFN_HINT}",
            p.display()
        )
    );
}

#[test]
fn cfn_split_of_a_huge_list_hits_the_step_cap() {
    // 450,000 items (561 MB for a 7 MB string before): refused after 100,000 steps.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("split.yaml");
    let list = vec!["a"; 450_000].join(",");
    std::fs::write(
        &p,
        format!(
            "{CFN_RUNTIME}          DiscoveryUrl: {DISCOVERY}\n          AllowedClients: !Split [',', '{list}']\n"
        ),
    )
    .unwrap();
    let (code, out, err, secs) = explain_hostile(&p, false);
    assert_eq!(code, 2, "{secs:.1}s\n{out}{err}");
    assert_eq!(
        err,
        format!(
            "tokdiag: error: invalid config {}: the template's intrinsic functions expand beyond 100000 steps while resolving resource Rt (AuthorizerConfiguration)\n{CFN_HINT}",
            p.display()
        )
    );
}

#[test]
fn cfn_condition_fan_out_is_evaluated_once_per_condition() {
    // C25 = And[C24, C24, C24], … : 3^25 evaluations before; one per condition now, and the
    // answer is the right one (C0 is true, so the JWT authorizer applies).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cond.yaml");
    let mut doc = String::from(
        "Parameters:\n  Env: {Type: String, Default: prod}\nConditions:\n  C0: !Equals [!Ref Env, prod]\n",
    );
    for i in 1..=25 {
        let p = i - 1;
        doc.push_str(&format!(
            "  C{i}: !And [{{Condition: C{p}}}, {{Condition: C{p}}}, {{Condition: C{p}}}]\n"
        ));
    }
    doc.push_str(&format!(
        "Resources:\n  Rt:\n    Type: AWS::BedrockAgentCore::Runtime\n    Properties:\n      AuthorizerConfiguration: !If\n        - C25\n        - CustomJWTAuthorizer: {{DiscoveryUrl: '{DISCOVERY}', AllowedClients: [{CLIENT}]}}\n        - !Ref AWS::NoValue\n"
    ));
    std::fs::write(&p, doc).unwrap();
    let (code, out, err, secs) = explain_hostile(&p, true);
    assert_eq!(code, 0, "{secs:.1}s\n{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(v["authorizer"]["allowed_clients"], json!([CLIENT]));
}

#[test]
fn yaml_merge_keys_are_linear() {
    // 45,000 keys merged with `<<: *base` (5.8 MB): 46 s of CPU before (debug build), quadratic.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".bedrock_agentcore.yaml");
    let mut doc = String::from("base: &b\n");
    let pad_k = "p".repeat(50);
    let pad_v = "q".repeat(50);
    for i in 0..45_000 {
        doc.push_str(&format!("  key_{i:06}_{pad_k}: value_{i:06}_{pad_v}\n"));
    }
    doc.push_str(&format!(
        "default_agent: mcp_server\nagents:\n  mcp_server:\n    name: mcp_server\n    entrypoint: m.py\n    tags:\n      <<: *b\n      key_000001_{pad_k}: own\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedClients: [{CLIENT}]\n"
    ));
    std::fs::write(&p, doc).unwrap();
    let (code, out, err, secs) = explain_hostile(&p, true);
    assert_eq!(code, 0, "{secs:.1}s\n{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "accepted");
    // A key of the mapping itself overrides a merged one: that is not a duplicate.
    assert_eq!(codes(&v), Vec::<String>::new());
}

#[test]
fn duplicate_keys_are_reported_with_both_lines_and_the_later_wins() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        dir.path(),
        &format!(
            "    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedClients: [{CLIENT}]\n        allowedClients: [someone-else]\n"
        ),
    );
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["authorizer"]["allowed_clients"], json!(["someone-else"]));
    assert_eq!(codes(&v), vec!["config-duplicate-key", "wrong-client"]);
    let d = diag(&v, "config-duplicate-key");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["message"],
        "`allowedClients` is written twice in the same mapping, at line 12 and at line 13: the later one (line 13) is used and the first is ignored"
    );
    assert_eq!(
        d["fixes"],
        json!([format!(
            "at {cfg}:12 remove the first `allowedClients` (or merge the two into one)"
        )])
    );
    assert_eq!(d["file"], cfg);
    assert_eq!(d["line"], 13);

    // The same file in JSON (agentcore.json and control-plane JSON are read by the same parser).
    let p = dir.path().join("runtime.json");
    std::fs::write(
        &p,
        format!(
            "{{\n  \"authorizerConfiguration\": {{\n    \"customJWTAuthorizer\": {{\n      \"discoveryUrl\": \"{DISCOVERY}\",\n      \"allowedClients\": [\"x\"],\n      \"allowedClients\": [\"{CLIENT}\"]\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--authorizer-json"])
        .arg(&p)
        .arg("--no-signature")
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(codes(&v), vec!["config-duplicate-key"]);
    assert_eq!(diag(&v, "config-duplicate-key")["line"], 6);
}

// ---------------------------------------------------------------- agentcore/agentcore.json (issue 13)

/// The new-CLI project of testdata (two runtimes, one gateway, deployed state, targets).
fn project() -> String {
    testdata("configs/agentcore-cli")
}

fn project_file() -> String {
    testdata("configs/agentcore-cli/agentcore/agentcore.json")
}

/// `explain` of a seed token in `dir` (the working directory) with `args`; human or JSON.
fn explain_in(
    dir: &std::path::Path,
    args: &[&str],
    token: &str,
    json: bool,
) -> (i32, String, String) {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.current_dir(dir)
        .arg("explain")
        .args(args)
        .args(["--jwks", &testdata("seed/jwks.json")])
        .arg(testdata(&format!("seed/{token}")));
    if json {
        c.arg("--json");
    }
    run(c)
}

#[test]
fn agentcore_json_runtime_id_token_is_rejected() {
    let root = std::path::PathBuf::from(project());
    let (code, out, err) = explain_in(&root, &["--agent", "support_agent"], "id-token.jwt", false);
    assert_eq!(code, 1, "{out}{err}");
    let file = "agentcore/agentcore.json";
    assert_eq!(
        out,
        format!(
            "✗ REJECTED — AgentCore refuses this Cognito ID token
  authorizer: runtime support_agent, {file}
  the service answers 401: Claim 'client_id' value mismatch with configuration.
  issuer: {ISSUER} (assumed offline: discoveryUrl without /.well-known/…; online the discovery document's issuer decides)

checks
  ✓ format      compact JWS (RS256, kid rsa-1)
  ✓ signature   RS256 signature valid with key rsa-1 (keys from
                {jwks})
  ✓ issuer      iss is
                {ISSUER}
  ✓ expiry      expires at 2100-01-01T00:00:00Z (in 73 y)
  ✓ not_before  no nbf claim (optional)
  ✗ client_id   Missing client_id. Expected one of: {CLIENT}
  – aud         allowedAudience not configured
  – scope       allowedScopes not configured

diagnosis
  ✗ id-token-for-allowed-clients  [{file}:23]
    this is a Cognito ID token: it carries the app client id in `aud`
    ({CLIENT}) and has no `client_id`, but allowedClients
    matches only `client_id` — AgentCore answers 401 \"Claim 'client_id' value
    mismatch with configuration.\"
    fix: send the access token instead:
         `tokdiag login --config {file} --agent support_agent --username alice`
         prints it (or take AuthenticationResult.AccessToken from
         `aws cognito-idp initiate-auth`)
    fix: or accept ID tokens: at {file}:23 replace
         allowedClients with
           \"allowedAudience\": [\"{CLIENT}\"]
           then redeploy (`agentcore deploy`)
",
            jwks = testdata("seed/jwks.json")
        )
    );
    assert_eq!(err, "");
}

#[test]
fn agentcore_json_runtime_access_token_is_accepted_and_json_names_kind() {
    let (code, out, err) = explain_in(
        std::path::Path::new(&project()),
        &["--agent", "support_agent"],
        "access-token.jwt",
        true,
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "accepted");
    let a = &v["authorizer"];
    assert_eq!(a["source"], "agentcore-json");
    assert_eq!(a["kind"], "runtime");
    assert_eq!(a["name"], "support_agent");
    assert_eq!(a["authorizer_type"], "CUSTOM_JWT");
    assert_eq!(a["allowed_clients"], json!([CLIENT]));
    assert_eq!(codes(&v), Vec::<String>::new());
}

#[test]
fn agentcore_json_gateway_refuses_with_403() {
    // --config names the project directory; the gateway is chosen with --gateway.
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = explain_in(
        dir.path(),
        &["--config", &project(), "--gateway", "tools"],
        "id-token.jwt",
        true,
    );
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["authorizer"]["kind"], "gateway");
    assert_eq!(v["authorizer"]["name"], "tools");
    assert_eq!(codes(&v), vec!["id-token-for-allowed-clients"]);
    assert!(
        diag(&v, "id-token-for-allowed-clients")["message"]
            .as_str()
            .unwrap()
            .contains("AgentCore answers 403 \"Claim 'client_id' value mismatch")
    );
    let (code, out, _) = explain_in(
        dir.path(),
        &["--config", &project(), "--gateway", "tools"],
        "id-token.jwt",
        false,
    );
    assert_eq!(code, 1);
    let head: Vec<&str> = out.lines().take(3).collect();
    assert_eq!(
        head,
        vec![
            "✗ REJECTED — AgentCore refuses this Cognito ID token".to_string(),
            format!("  authorizer: gateway tools, {}", project_file()),
            "  the service answers 403: Claim 'client_id' value mismatch with configuration."
                .to_string(),
        ]
    );
    let (code, out, err) = explain_in(
        dir.path(),
        &["--config", &project(), "--gateway", "tools"],
        "access-token.jwt",
        false,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with(&format!(
        "✓ ACCEPTED — AgentCore would accept this Cognito access token\n  authorizer: gateway tools, {}\n",
        project_file()
    )));
}

#[test]
fn agentcore_json_is_found_by_itself_and_asks_for_a_choice() {
    // Run in the project: no --config. Two JWT resources, so the choice is the user's.
    let (code, out, err) = explain_in(
        std::path::Path::new(&project()),
        &[],
        "access-token.jwt",
        false,
    );
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(
        err,
        "tokdiag: error: agentcore/agentcore.json defines 3 resources and several have a JWT authorizer: runtime support_agent (JWT), runtime billing_agent (IAM), gateway tools (JWT)\n  hint: use --agent with one of: support_agent, billing_agent, or --gateway with one of: tools\n"
    );
    // Inside agentcore/ too.
    let inside = std::path::Path::new(&project()).join("agentcore");
    let (code, _, err) = explain_in(
        &inside,
        &["--agent", "support_agent"],
        "access-token.jwt",
        false,
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn agentcore_json_iam_runtime_is_rejected_and_names_the_jwt_resources() {
    let (code, out, err) = explain_in(
        std::path::Path::new(&project()),
        &["--agent", "billing_agent"],
        "access-token.jwt",
        true,
    );
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["authorizer"]["authorizer_type"], "AWS_IAM");
    assert_eq!(codes(&v), vec!["authorizer-not-configured"]);
    let d = diag(&v, "authorizer-not-configured");
    assert_eq!(
        d["message"],
        "runtime billing_agent has authorizerType AWS_IAM: the runtime uses IAM SigV4 and refuses bearer tokens with 403 (AccessDenied)"
    );
    assert_eq!(
        d["fixes"][0],
        "the JWT authorizer is on another resource of this file: run with --agent support_agent or --gateway tools"
    );
    assert!(
        d["fixes"][1]
            .as_str()
            .unwrap()
            .contains("\"authorizerConfiguration\": {\n    \"customJwtAuthorizer\": {"),
        "{d}"
    );
    assert_eq!(
        v["warnings"][0],
        format!(
            "runtime billing_agent has not been deployed yet (no entry in {}): explained offline; `tokdiag invoke` needs its ARN, which `agentcore deploy` writes",
            std::path::Path::new("agentcore/.cli/deployed-state.json").display()
        )
    );
}

/// Writes `agentcore/agentcore.json` with one runtime whose authorizer part is `auth`.
fn one_runtime(dir: &std::path::Path, auth: &str) -> String {
    std::fs::create_dir_all(dir.join("agentcore")).unwrap();
    let p = dir.join("agentcore/agentcore.json");
    std::fs::write(
        &p,
        format!(
            "{{\n  \"$schema\": \"https://schema.agentcore.aws.dev/v1/agentcore.json\",\n  \"name\": \"P\",\n  \"version\": 1,\n  \"managedBy\": \"CDK\",\n  \"runtimes\": [\n    {{\n      \"name\": \"a\",\n      \"build\": \"CodeZip\",\n      \"entrypoint\": \"main.py\",\n      \"codeLocation\": \"app/a/\",\n{auth}\n    }}\n  ]\n}}\n"
        ),
    )
    .unwrap();
    p.display().to_string()
}

#[test]
fn agentcore_json_misspellings_the_cli_drops_or_refuses() {
    let dir = tempfile::tempdir().unwrap();
    // customJWTAuthorizer (the CloudFormation casing) inside a runtime: dropped by the CLI, which
    // then refuses CUSTOM_JWT without customJwtAuthorizer.
    one_runtime(
        dir.path(),
        &format!(
            "      \"authorizerType\": \"CUSTOM_JWT\",\n      \"authorizerConfiguration\": {{\n        \"customJWTAuthorizer\": {{\n          \"discoveryUrl\": \"{DISCOVERY}\",\n          \"allowedClients\": [\"{CLIENT}\"]\n        }}\n      }}"
        ),
    );
    let (code, out, err) = explain_in(dir.path(), &[], "access-token.jwt", true);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "rejected");
    let d = diag(&v, "config-key-ignored");
    assert_eq!(d["line"], 14);
    assert!(d["message"].as_str().unwrap().starts_with("`customJWTAuthorizer` is not a key of agentcore.json's authorizerConfiguration, which spells it `customJwtAuthorizer`"), "{d}");
    assert_eq!(
        d["fixes"][0],
        "at agentcore/agentcore.json:14 rename `customJWTAuthorizer` to `customJwtAuthorizer`"
    );

    // allowedClient inside customJwtAuthorizer: the CLI's strict schema refuses the file.
    one_runtime(
        dir.path(),
        &format!(
            "      \"authorizerType\": \"CUSTOM_JWT\",\n      \"authorizerConfiguration\": {{\n        \"customJwtAuthorizer\": {{\n          \"discoveryUrl\": \"{DISCOVERY}\",\n          \"allowedClient\": [\"{CLIENT}\"]\n        }}\n      }}"
        ),
    );
    let (code, out, _) = explain_in(dir.path(), &[], "access-token.jwt", true);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "rejected");
    let invalid: Vec<&Value> = v["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "config-invalid")
        .collect();
    assert_eq!(invalid.len(), 2, "{v:#}");
    assert!(
        invalid[0]["message"]
            .as_str()
            .unwrap()
            .contains("sets none of allowedAudience, allowedClients, allowedScopes, customClaims")
    );
    assert_eq!(
        invalid[1]["message"],
        "Unrecognized key: \"allowedClient\" (line 16) in customJwtAuthorizer: the CLI refuses the file (its schema is strict there)"
    );
    assert_eq!(invalid[1]["line"], 16);
    assert_eq!(
        invalid[1]["fixes"],
        json!([
            "at agentcore/agentcore.json:16: rename `allowedClient` to `allowedClients`, then `agentcore deploy`",
            "then redeploy (`agentcore deploy`)"
        ])
    );
}

#[test]
fn undeployable_configs_are_never_accepted() {
    // A JWT authorizer without discoveryUrl (issuerUrl and audienceClientIds instead).
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        dir.path(),
        "    authorizer_configuration:\n      customJWTAuthorizer:\n        issuerUrl: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx\n        audienceClientIds:\n        - 3ipsf00btbffko91d8irdu8up1\n",
    );
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "rejected");
    let d = diag(&v, "config-invalid");
    assert_eq!(
        d["message"],
        "`customJWTAuthorizer` (line 10) has no `discoveryUrl`, which the service requires (a URL ending in /.well-known/openid-configuration): it refuses this configuration at deploy time"
    );
    assert_eq!(d["line"], 10);
    assert_eq!(
        d["fixes"][0],
        format!("at {cfg}:10: add `discoveryUrl: {DISCOVERY}`")
    );

    // JWT fields directly under authorizer_configuration.
    let cfg = write_cfg(
        dir.path(),
        &format!(
            "    authorizer_configuration:\n      discoveryUrl: {DISCOVERY}\n      allowedClients:\n      - {CLIENT}\n"
        ),
    );
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(
        diag(&v, "config-invalid")["message"],
        "the JWT fields sit directly under `authorizer_configuration` (line 9), without the `customJWTAuthorizer` wrapper: the service refuses this configuration at deploy time"
    );

    // A missing authorizer_configuration is absent, not null.
    let cfg = write_cfg(dir.path(), "");
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 1);
    assert_eq!(
        diag(&v, "authorizer-not-configured")["message"],
        "authorizer_configuration is absent: the runtime uses IAM SigV4 and refuses bearer tokens with 403 (AccessDenied)"
    );
}

#[test]
fn unresolved_template_values_decide_nothing() {
    // ${AWS::Region} in the discovery URL and Fn::ImportValue in allowedClients: unknown, exit 3,
    // naming the --param; not rejected, and no "CloudFormation refuses it at deploy time".
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("template.yaml");
    std::fs::write(
        &p,
        format!(
            "{CFN_RUNTIME}          DiscoveryUrl: !Sub 'https://cognito-idp.${{AWS::Region}}.amazonaws.com/{POOL}/.well-known/openid-configuration'\n          AllowedClients:\n            - !ImportValue SharedClientId\n"
        ),
    )
    .unwrap();
    let mut c = tokdiag(dir.path());
    c.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["explain", "--config"])
        .arg(&p)
        .args(["--jwks", &testdata("seed/jwks.json")])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 3, "{v:#}");
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(check(&v, "issuer")["status"], "skip");
    assert_eq!(
        check(&v, "issuer")["message"],
        "cannot decide: the configured value ${AWS::Region} is unresolved; supply it with --param AWS::Region=VALUE"
    );
    assert_eq!(check(&v, "client_id")["status"], "skip");
    assert_eq!(
        check(&v, "client_id")["message"],
        "cannot decide: the configured value ${SharedClientId} is unresolved; supply it with --param SharedClientId=VALUE"
    );
    assert_eq!(codes(&v), Vec::<String>::new());
    assert_eq!(v["unresolved"], json!(["AWS::Region", "SharedClientId"]));
    // The headline names the real reason (before: "signature or issuer could not be checked").
    let mut c = tokdiag(dir.path());
    c.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["explain", "--config"])
        .arg(&p)
        .args(["--jwks", &testdata("seed/jwks.json")])
        .arg(testdata("seed/access-token.jwt"));
    let (code, out, _) = run(c);
    assert_eq!(code, 3, "{out}");
    assert_eq!(
        out.lines().next().unwrap(),
        "? UNKNOWN — the configuration leaves ${AWS::Region}, ${SharedClientId} unresolved: supply them with --param AWS::Region=VALUE --param SharedClientId=VALUE"
    );

    // Supplied, the same template decides.
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config"])
        .arg(&p)
        .args(["--param", "AWS::Region=us-east-1", "--param"])
        .arg(format!("SharedClientId={CLIENT}"))
        .args(["--jwks", &testdata("seed/jwks.json")])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "accepted");
}

#[test]
fn new_authorizer_fields_are_read_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        dir.path(),
        &format!(
            "    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedClients: [{CLIENT}]\n        advertisedScopeMapping:\n          read: tools/read\n        allowedWorkloadConfiguration:\n          workloadIdentities: [wl-1]\n"
        ),
    );
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(codes(&v), Vec::<String>::new());
    assert_eq!(
        v["authorizer"]["other_fields"],
        json!({"advertisedScopeMapping": {"read": "tools/read"}, "allowedWorkloadConfiguration": {"workloadIdentities": ["wl-1"]}})
    );
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (_, out, _) = run(c);
    let lines: Vec<&str> = out.lines().skip(2).take(2).collect();
    assert_eq!(
        lines,
        vec![
            "  also set (not a token check): advertisedScopeMapping = {\"read\":\"tools/read\"}",
            "  also set (not a token check): allowedWorkloadConfiguration = {\"workloadIdentities\":[\"wl-1\"]}",
        ]
    );
}

#[test]
fn both_project_files_note_is_given_by_explain_login_invoke_and_doctor() {
    // Before: only explain (and its JSON warnings) said which file was used.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::copy(
        testdata("seed/.bedrock_agentcore.yaml"),
        p.join(".bedrock_agentcore.yaml"),
    )
    .unwrap();
    std::fs::create_dir_all(p.join("agentcore")).unwrap();
    std::fs::copy(
        testdata("configs/agentcore-cli/agentcore/agentcore.json"),
        p.join("agentcore/agentcore.json"),
    )
    .unwrap();
    let note = "warning: using ./.bedrock_agentcore.yaml; ./agentcore/agentcore.json exists too: pass --config agentcore/agentcore.json to use it instead\n";
    let jwks = testdata("seed/jwks.json");
    let token = testdata("seed/access-token.jwt");
    let runs: [Vec<&str>; 4] = [
        vec!["explain", "--jwks", &jwks, &token],
        vec!["login", "--logout"],
        vec!["invoke", "--dry-run"],
        vec![
            "doctor",
            "--jwks",
            &jwks,
            "--token",
            &token,
            "--url",
            "http://127.0.0.1:9/mcp",
        ],
    ];
    for args in runs {
        let mut c = tokdiag(p);
        c.current_dir(p)
            .env_remove("TOKDIAG_USERNAME")
            .env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT")
            .args(&args);
        let (_, out, err) = run(c);
        assert_eq!(err.matches(note).count(), 1, "{args:?}:\n{out}\n{err}");
    }
    // --quiet silences it, as the other warnings.
    let mut c = tokdiag(p);
    c.current_dir(p).args(["--quiet", "login", "--logout"]);
    let (_, _, err) = run(c);
    assert!(!err.contains("exists too"), "{err}");
}

/// A directory holding both the toolkit's file and the new CLI's project.
pub(crate) fn both_project_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::copy(
        testdata("seed/.bedrock_agentcore.yaml"),
        p.join(".bedrock_agentcore.yaml"),
    )
    .unwrap();
    std::fs::create_dir_all(p.join("agentcore")).unwrap();
    std::fs::copy(
        testdata("configs/agentcore-cli/agentcore/agentcore.json"),
        p.join("agentcore/agentcore.json"),
    )
    .unwrap();
    dir
}

/// The note as a JSON `warnings` entry.
pub(crate) const BOTH_FILES_NOTE: &str = "using ./.bedrock_agentcore.yaml; ./agentcore/agentcore.json exists too: pass --config agentcore/agentcore.json to use it instead";

#[test]
fn both_project_files_note_is_a_json_warning_of_explain_invoke_and_doctor() {
    // Before: `invoke --json` and `doctor --json` printed it on stderr only, so a script
    // reading stdout never learnt which file was used.
    let dir = both_project_files();
    let p = dir.path();
    let jwks = testdata("seed/jwks.json");
    let token = testdata("seed/access-token.jwt");
    let runs: [Vec<&str>; 3] = [
        vec!["--json", "explain", "--jwks", &jwks, &token],
        vec!["--json", "invoke", "--dry-run", "--token", &token],
        vec![
            "--json",
            "doctor",
            "--jwks",
            &jwks,
            "--token",
            &token,
            "--url",
            "http://127.0.0.1:9/mcp",
        ],
    ];
    for args in runs {
        let mut c = tokdiag(p);
        c.current_dir(p)
            .env_remove("TOKDIAG_USERNAME")
            .env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT")
            .args(&args);
        let (_, out, err) = run(c);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}\n{err}"));
        assert_eq!(v["warnings"][0], BOTH_FILES_NOTE, "{args:?}: {v:#}");
        assert_eq!(
            v["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| *w == BOTH_FILES_NOTE)
                .count(),
            1,
            "{args:?}: {v:#}"
        );
    }
    // With --config the choice is the user's: no note.
    let mut c = tokdiag(p);
    c.current_dir(p).args([
        "--json",
        "--config",
        ".bedrock_agentcore.yaml",
        "invoke",
        "--dry-run",
        "--token",
        &token,
    ]);
    let (_, out, _) = run(c);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.get("warnings").is_none(), "{v:#}");
}

/// An unquoted account and a template's placeholder in the ARN: `warning` diagnoses with codes in
/// --json, and each said once (escaped) in the human output; the verdict stays the token's.
#[test]
fn unquoted_account_and_placeholder_arn_are_coded_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".bedrock_agentcore.yaml");
    std::fs::write(
        &p,
        format!(
            "default_agent: mcp_server\nagents:\n  mcp_server:\n    name: mcp_server\n    entrypoint: m.py\n    aws:\n      account: 123456789012\n      region: us-east-1\n    bedrock_agentcore:\n      agent_arn: arn:aws:bedrock-agentcore:us-east-1:<REPLACE-WITH-YOUR-AWS-ACCOUNT>\u{202e}x:runtime/m-abc\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedClients: [{CLIENT}]\n"
        ),
    )
    .unwrap();
    let cfg = p.display().to_string();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(
        codes(&v),
        vec!["config-account-unquoted", "config-placeholder"]
    );
    let d = diag(&v, "config-account-unquoted");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["message"],
        "aws.account (line 7) is written unquoted as 123456789012, which YAML reads as an integer: the starter toolkit refuses it (pydantic: \"Input should be a valid string\")"
    );
    assert_eq!(
        d["fixes"],
        json!([format!("at {cfg}:7: quote it: account: '123456789012'")])
    );
    assert_eq!(d["line"], 7);
    let d = diag(&v, "config-placeholder");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["message"],
        "the ARN's account is a placeholder (<REPLACE-WITH-YOUR-AWS-ACCOUNT>\\u{202e}x): arn:aws:bedrock-agentcore:us-east-1:<REPLACE-WITH-YOUR-AWS-ACCOUNT>\\u{202e}x:runtime/m-abc: `tokdiag invoke` cannot build its URL"
    );
    assert_eq!(
        d["fixes"],
        json!([format!(
            "put the real account in {cfg} (`agentcore status` or `aws bedrock-agentcore-control list-agent-runtimes` prints the ARN)"
        )])
    );
    // Human: each once, the escape sequence escaped; nothing repeated on stderr.
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !out.contains('\u{202e}') && !err.contains('\u{202e}'),
        "{out}{err}"
    );
    assert_eq!(
        out.matches("is written unquoted as 123456789012").count(),
        1,
        "{out}"
    );
    assert_eq!(
        out.matches("the ARN's account is a placeholder").count(),
        1,
        "{out}"
    );
    assert!(
        !err.contains("unquoted") && !err.contains("placeholder"),
        "{err}"
    );
    // A placeholder account without an ARN; a quoted account is not warned about.
    std::fs::write(
        &p,
        format!(
            "default_agent: mcp_server\nagents:\n  mcp_server:\n    name: mcp_server\n    entrypoint: m.py\n    aws:\n      account: '${{AccountId}}'\n      region: us-east-1\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedClients: [{CLIENT}]\n"
        ),
    )
    .unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["explain", "--config", &cfg, "--no-signature"])
        .arg(testdata("seed/access-token.jwt"));
    let (_, v) = run_json(c);
    assert_eq!(codes(&v), vec!["config-placeholder"]);
    assert_eq!(
        diag(&v, "config-placeholder")["message"],
        "the config's account is a placeholder: ${AccountId}: `tokdiag invoke` cannot build its URL"
    );
}

/// An `aud` with no string in it, and a token with neither `aud` nor `client_id`: the message
/// says what the token holds, and no fix proposes adding nothing to allowedAudience.
#[test]
fn aud_without_a_string_and_no_client_claim_are_worded_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        dir.path(),
        &format!(
            "    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedAudience: [{CLIENT}]\n"
        ),
    );
    let explain = |claims: Value| {
        let mut c = tokdiag(dir.path());
        c.args(["explain", "--config", &cfg, "--no-signature"])
            .arg(mint(&claims));
        run_json(c)
    };
    let mut claims = access_claims();
    claims["aud"] = json!([]);
    let (code, v) = explain(claims);
    assert_eq!(code, 1, "{v:#}");
    let d = diag(&v, "wrong-client");
    assert_eq!(
        d["message"],
        format!(
            "the token's aud is [], which holds no audience string, but the authorizer allows {CLIENT}"
        )
    );
    assert_eq!(
        d["fixes"],
        json!([format!("get a token issued for {CLIENT}")])
    );

    let mut claims = access_claims();
    claims.as_object_mut().unwrap().remove("client_id");
    let (code, v) = explain(claims);
    assert_eq!(code, 1, "{v:#}");
    let d = diag(&v, "wrong-client");
    assert_eq!(
        d["message"],
        format!(
            "the token has no `aud` claim (and no `client_id`), but the authorizer allows only aud {CLIENT}"
        )
    );
    assert_eq!(
        d["fixes"],
        json!([format!(
            "get a token issued for {CLIENT} (its aud names the audience)"
        )])
    );
}
