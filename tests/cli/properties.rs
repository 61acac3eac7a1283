//! Property tests: arbitrary and mutated input never panics and always gets a clear answer.
//!
//! - the token input path: `token::clean` (idempotent, never slices inside a character),
//!   `token::recognise` (JSON bundle detection), `Jwt::parse` on arbitrary text, on mutated real
//!   tokens and on tokens built from arbitrary JSON;
//! - the signature check on arbitrary headers and signature bytes (`signature::check_signature`);
//! - the JWKS reader (`oidc::jwks_from_value`) on arbitrary JSON;
//! - the config loader (`authorizer::config::parse_source`, and `load` through a file) on arbitrary
//!   text and on mutated real configs from testdata/configs and testdata/seed.
//!
//! Each property runs CASES (256) cases with a fresh random seed per run; a failure prints the
//! minimal input, and proptest keeps it in tests/properties.proptest-regressions (commit it: those
//! cases replay first on every later run).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};
use tokdiag::authorizer::config::{LoadOptions, load, parse_source};
use tokdiag::token::{Input, Jwt, MAX_TOKEN_BYTES, clean, recognise};

/// Cases per property (CI time stays small: the whole file runs in a few seconds).
const CASES: u32 = 256;

/// CASES, or PROPTEST_CASES from the environment for a longer local run.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    Config {
        cases,
        ..Config::default()
    }
}

/// A clear error: non-empty, one line, bounded (hostile input is never echoed whole).
fn clear(msg: &str, limit: usize) -> Result<(), TestCaseError> {
    prop_assert!(!msg.trim().is_empty(), "empty message");
    prop_assert!(!msg.contains('\n'), "multi-line message: {msg}");
    prop_assert!(msg.chars().count() <= limit, "message too long: {msg}");
    Ok(())
}

fn testdata_text(rel: &str) -> String {
    std::fs::read_to_string(crate::support::tokens::testdata(rel)).expect("testdata")
}

fn real_tokens() -> Vec<String> {
    [
        "tokens/cognito-access.jwt",
        "tokens/cognito-id.jwt",
        "tokens/es256.jwt",
        "tokens/eddsa.jwt",
        "attacks/crit-b64.jwt",
        "attacks/duplicate-key-payload.jwt",
    ]
    .iter()
    .map(|r| testdata_text(r))
    .collect()
}

fn real_configs() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if let Ok(t) = std::fs::read_to_string(&p) {
                out.push((p.display().to_string(), t));
            }
        }
    }
    let mut v = Vec::new();
    walk(
        &crate::support::tokens::root().join("testdata/configs"),
        &mut v,
    );
    for rel in [
        "seed/.bedrock_agentcore.yaml",
        "seed/cloudformation-gateway.yaml",
        "seed/get-gateway.json",
        "seed/terraform/main.tf",
        "seed/terraform/variables.tf",
    ] {
        let path = crate::support::tokens::testdata(rel);
        v.push((path.clone(), std::fs::read_to_string(&path).expect("seed")));
    }
    v.sort();
    v
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the char at (position % len) with this one.
    Replace(usize, char),
    /// Insert this text at (position % (len + 1)).
    Insert(usize, String),
    /// Delete up to n chars from (position % len).
    Delete(usize, usize),
    /// Cut the text at (position % (len + 1)).
    Truncate(usize),
    /// Duplicate line (i % lines).
    DupLine(usize),
    /// Delete line (i % lines).
    DropLine(usize),
    /// Indent line (i % lines) by n spaces (or a tab when n is 0).
    Indent(usize, usize),
}

/// Characters that matter to YAML, JSON, base64url and the JWT shape.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            ':', '-', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '#', '%', '@', '`',
            ' ', '\t', '\n', '\r', '.', '=', '+', '/', '_', '\\', ',', '?', '~', '\u{feff}',
            '\u{0}', 'é', '\u{2028}', '𝕏',
        ]),
        1 => any::<char>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), nasty_char()).prop_map(|(p, c)| Edit::Replace(p, c)),
        3 => (any::<usize>(), prop::collection::vec(nasty_char(), 1..12))
            .prop_map(|(p, s)| Edit::Insert(p, s.into_iter().collect())),
        2 => (any::<usize>(), 1usize..40).prop_map(|(p, n)| Edit::Delete(p, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        2 => any::<usize>().prop_map(Edit::DupLine),
        2 => any::<usize>().prop_map(Edit::DropLine),
        2 => (any::<usize>(), 0usize..6).prop_map(|(p, n)| Edit::Indent(p, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        match e {
            Edit::Replace(p, c) if !chars.is_empty() => {
                let i = p % chars.len();
                chars[i] = *c;
            }
            Edit::Insert(p, s) => {
                let i = p % (chars.len() + 1);
                chars.splice(i..i, s.chars());
            }
            Edit::Delete(p, n) if !chars.is_empty() => {
                let i = p % chars.len();
                let j = (i + n).min(chars.len());
                chars.drain(i..j);
            }
            Edit::Truncate(p) => {
                let i = p % (chars.len() + 1);
                chars.truncate(i);
            }
            Edit::DupLine(i) | Edit::DropLine(i) | Edit::Indent(i, _) => {
                let s: String = chars.iter().collect();
                let mut lines: Vec<String> = s.split('\n').map(str::to_string).collect();
                let k = i % lines.len();
                match e {
                    Edit::DupLine(_) => {
                        let l = lines[k].clone();
                        lines.insert(k, l);
                    }
                    Edit::DropLine(_) => {
                        lines.remove(k);
                    }
                    Edit::Indent(_, 0) => lines[k].insert(0, '\t'),
                    Edit::Indent(_, n) => lines[k].insert_str(0, &" ".repeat(*n)),
                    _ => {}
                }
                chars = lines.join("\n").chars().collect();
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Arbitrary JSON, nested a few levels (deeper nesting has its own tests).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        // Halves and quarters print exactly, so they survive a JSON round trip.
        (any::<i32>(), 0u32..3).prop_map(|(n, k)| {
            serde_json::Number::from_f64(f64::from(n) / f64::from(1u32 << k))
                .map_or(Value::Null, Value::Number)
        }),
        ".{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "none", "RS256", "HS256", "ES256", "EdDSA", "rsa-1", "ec256-1"
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(vec![
                        "alg",
                        "kid",
                        "typ",
                        "crit",
                        "jku",
                        "jwk",
                        "x5u",
                        "iss",
                        "exp",
                        "aud",
                        "client_id",
                        "token_use",
                        "scope",
                        "b64",
                    ])
                    .prop_map(str::to_string),
                    ".{0,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

proptest! {
    #![proptest_config(config())]

    /// `clean` never panics, is idempotent, and returns a part of its input.
    #[test]
    fn clean_is_total_and_idempotent(s in prop_oneof![
        ".{0,200}",
        "(?i)(\"|'|`)?(authorization: ?)?(bearer +)?[a-zA-Z0-9._é𝕏-]{0,40}(\"|'|`)?",
    ]) {
        let once = clean(&s);
        prop_assert_eq!(clean(&once), once.clone());
        prop_assert!(s.contains(once.as_str()));
    }

    /// `recognise` never panics; a JSON object holding tokens is a bundle with exactly them.
    #[test]
    fn recognise_is_total(s in ".{0,300}") {
        let _ = recognise(&s);
    }

    #[test]
    fn recognise_finds_the_tokens_of_a_bundle(
        access in "[A-Za-z0-9._-]{1,40}",
        id in proptest::option::of("[A-Za-z0-9._-]{1,40}"),
        refresh in proptest::option::of("[A-Za-z0-9._-]{1,40}"),
        noise in prop::collection::btree_map("[a-z]{1,8}", json_value(), 0..4),
        initiate_auth in any::<bool>(),
        pad in "[ \t\r\n]{0,3}",
    ) {
        let mut tokens = Map::new();
        let (a, i, r) = if initiate_auth {
            ("AccessToken", "IdToken", "RefreshToken")
        } else {
            ("access_token", "id_token", "refresh_token")
        };
        tokens.insert(a.into(), Value::String(access.clone()));
        if let Some(id) = &id { tokens.insert(i.into(), Value::String(id.clone())); }
        if let Some(r2) = &refresh { tokens.insert(r.into(), Value::String(r2.clone())); }
        let mut doc: Map<String, Value> = noise
            .into_iter()
            .filter(|(k, _)| !k.contains("token") && !k.contains("Token") && k != "AuthenticationResult")
            .collect();
        if initiate_auth {
            doc.insert("AuthenticationResult".into(), Value::Object(tokens));
        } else {
            doc.extend(tokens);
        }
        let text = format!("{pad}{}{pad}", Value::Object(doc));
        match recognise(&text) {
            Input::Bundle(b) => {
                prop_assert_eq!(b.access, Some(access));
                prop_assert_eq!(b.id, id);
                prop_assert_eq!(b.refresh, refresh);
            }
            Input::Single(s) => prop_assert!(false, "not recognised as a bundle: {}", s),
        }
    }

    /// Arbitrary text: `Jwt::parse` never panics; refusals are one clear line.
    #[test]
    fn parse_arbitrary_text(s in prop_oneof![
        ".{0,400}",
        "[A-Za-z0-9_=-]{0,60}\\.[A-Za-z0-9_=-]{0,60}\\.[A-Za-z0-9_=-]{0,60}",
        "([A-Za-z0-9_-]{0,10}\\.){0,8}",
    ]) {
        if let Err(e) = Jwt::parse(&s) {
            clear(&e.message, 400)?;
        }
    }

    /// Mutated real tokens (signed, attacks included): never a panic; a parsed token is whole.
    #[test]
    fn parse_mutated_tokens(which in 0usize..6, edits in prop::collection::vec(edit(), 1..6)) {
        let tokens = real_tokens();
        let t = apply(&tokens[which % tokens.len()], &edits);
        match Jwt::parse(&t) {
            Ok(j) => {
                prop_assert_eq!(j.signing_input().len() + 1 + b64(&j.signature).len() <= t.len() + 2, true);
                prop_assert!(t.starts_with(j.signing_input()));
            }
            Err(e) => clear(&e.message, 400)?,
        }
    }

    /// Tokens built from arbitrary JSON: objects parse and keep their claims (a `crit` header is
    /// decoded too, and reported by `crit_error` for the signature check to refuse); anything else is
    /// refused with a clear line.
    #[test]
    fn parse_structured_tokens(header in json_value(), claims in json_value(), sig in prop::collection::vec(any::<u8>(), 0..80)) {
        let t = format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes()),
            b64(&sig)
        );
        let ok_shape = header.is_object() && claims.is_object();
        match Jwt::parse(&t) {
            Ok(j) => {
                prop_assert!(ok_shape, "accepted {}", t);
                prop_assert_eq!(j.crit_error().is_some(), header.get("crit").is_some(), "crit of {}", t);
                prop_assert_eq!(Value::Object(j.claims.map().clone()), claims);
                prop_assert_eq!(Value::Object((*j.header).clone()), header);
                prop_assert_eq!(j.signature, sig);
            }
            Err(e) => {
                prop_assert!(!ok_shape || t.len() > MAX_TOKEN_BYTES, "refused {}: {}", t, e.message);
                clear(&e.message, 400)?;
            }
        }
    }

    /// The signature check on arbitrary headers and signature bytes: a refusal, never a panic,
    /// never `Valid` (nothing here was signed by the test keys).
    #[test]
    fn signature_check_is_total(header in json_value(), alg in prop::sample::select(vec![
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
        "HS256", "none", "NONE", "", "rs256",
    ]), kid in prop::sample::select(vec![
        "rsa-1", "rsa-1-ps", "ec256-1", "ec384-1", "ed25519-1", "nope", "../../etc/passwd", "",
    ]), with_kid in any::<bool>(), sig in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut h = match header { Value::Object(m) => m, _ => Map::new() };
        h.remove("crit");
        h.insert("alg".into(), Value::String(alg.to_string()));
        if with_kid { h.insert("kid".into(), Value::String(kid.to_string())); } else { h.remove("kid"); }
        let t = format!("{}.{}.{}", b64(Value::Object(h).to_string().as_bytes()), b64(b"{\"sub\":\"x\"}"), b64(&sig));
        let jwt = Jwt::parse(&t).map_err(|e| TestCaseError::fail(e.message))?;
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&testdata_text("jwks.json")).expect("jwks");
        let out = tokdiag::signature::check_signature(&jwt, &set);
        prop_assert!(!out.is_valid(), "{:?}", out);
        clear(&out.message(), 600)?;
    }

    /// The JWKS reader on arbitrary JSON: a key set or a one-line reason.
    #[test]
    fn jwks_reader_is_total(v in json_value()) {
        if let Err(m) = tokdiag::oidc::jwks_from_value(&v) {
            clear(&m, 200)?;
        }
    }

    /// The config loader on arbitrary text: never a panic; an error names the source.
    #[test]
    fn config_arbitrary_text(s in prop_oneof![
        ".{0,300}",
        "([ a-zA-Z_:\\-\\[\\]{}&*!|>'\"#]{0,30}\n){0,12}",
    ]) {
        if let Err(e) = parse_source("fuzz.yaml", &s, &LoadOptions::default()) {
            let m = e.to_string();
            prop_assert!(m.contains("fuzz.yaml"), "{}", m);
            prop_assert!(!m.trim().is_empty());
            prop_assert!(m.len() < 2000, "{}", m);
        }
    }

    /// The Terraform loader on arbitrary HCL-ish text: never a panic; an error names the file.
    #[test]
    fn terraform_arbitrary_text(s in prop_oneof![
        ".{0,300}",
        "((resource|locals|variable) \"[a-z_]{0,40}\" \"[a-z]{0,4}\" [{}]\n){0,3}([ a-z_=\"${}.\\[\\](),<>-]{0,40}\n){0,12}\\}?",
        "resource \"aws_bedrockagentcore_gateway\" \"g\" \\{\n  authorizer_configuration \\{\n    custom_jwt_authorizer \\{\n([ a-z_=\"${}.\\[\\](),:/-]{0,60}\n){0,8}  \\}\n  \\}\n\\}\n",
    ]) {
        if let Err(e) = parse_source("fuzz.tf", &s, &LoadOptions::default()) {
            prop_assert!(e.exit_code() == 2, "{}", e);
            let m = e.to_string();
            prop_assert!(m.contains("fuzz.tf"), "{}", m);
            prop_assert!(m.len() < 2000, "{}", m);
        }
    }

    /// Mutated real configs (toolkit YAML, control-plane JSON, CloudFormation, API Gateway): never
    /// a panic; an error is a config error (exit 2) that names the file.
    #[test]
    fn config_mutated_real_files(which in any::<usize>(), edits in prop::collection::vec(edit(), 1..6)) {
        let configs = real_configs();
        let (path, text) = &configs[which % configs.len()];
        let mutated = apply(text, &edits);
        if let Err(e) = parse_source(path, &mutated, &LoadOptions::default()) {
            prop_assert!(e.exit_code() == 2, "{}", e);
            let m = e.to_string();
            prop_assert!(!m.trim().is_empty());
            prop_assert!(m.len() < 2000, "{}", m);
        }
    }

    /// The same through `load` and a file on disk (the path `--config` takes).
    #[test]
    fn config_load_from_file(which in any::<usize>(), edits in prop::collection::vec(edit(), 0..4), agent in proptest::option::of("[a-z_]{1,12}")) {
        let configs = real_configs();
        let (_, text) = &configs[which % configs.len()];
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, apply(text, &edits)).expect("write");
        let opts = LoadOptions { config: Some(path), agent, ..LoadOptions::default() };
        match load(&opts) {
            Ok(a) => prop_assert!(a.is_some()),
            Err(e) => {
                prop_assert!(e.exit_code() == 2, "{}", e);
                prop_assert!(e.hint().is_some_and(|h| !h.is_empty()), "no hint: {}", e);
            }
        }
    }

    /// `--now` parsing: a time or a usage error, never a panic.
    #[test]
    fn now_parsing_is_total(s in prop_oneof![".{0,40}", "[0-9T:.Z+-]{0,30}"]) {
        let _ = tokdiag::timefmt::parse_now(&s);
    }
}

/// YAML that nests too deep or expands too far is refused with a config error, not a crash.
#[test]
fn yaml_bombs_are_refused() {
    let deep_flow = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let mut deep_block = String::new();
    for i in 0..1000 {
        deep_block.push_str(&" ".repeat(i));
        deep_block.push_str(&format!("k{i}:\n"));
    }
    let mut laughs = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for i in 1..10u8 {
        let name = (b'a' + i) as char;
        laughs.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = name;
    }
    let deep_json = format!("{}{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    for (name, text, needle) in [
        ("deep flow", deep_flow, "recursion limit exceeded"),
        ("deep block", deep_block, "recursion limit exceeded"),
        (
            "billion laughs",
            laughs,
            "document expands to more than 200000 nodes",
        ),
        ("deep JSON", deep_json, "recursion limit exceeded"),
    ] {
        let e = parse_source("bomb.yaml", &text, &LoadOptions::default()).expect_err(name);
        assert_eq!(e.exit_code(), 2, "{name}");
        assert!(e.to_string().contains(needle), "{name}: {e}");
    }
}

// ------------------------------------------------ diagnoses over random configs × random tokens

/// Values shared by the configured lists and the token's claims, so that they overlap often.
const VALUES: &[&str] = &[
    "a",
    "b",
    "api://b",
    "res/read",
    "read",
    "3ipsf00btbffko91d8irdu8up1",
];

fn value() -> impl Strategy<Value = String> {
    prop::sample::select(VALUES).prop_map(str::to_string)
}

fn list() -> impl Strategy<Value = Option<Vec<String>>> {
    proptest::option::of(prop::collection::vec(value(), 1..3))
}

/// A claim that is absent, a string, an array of strings, or a number.
fn claim() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        value().prop_map(|v| Some(Value::String(v))),
        prop::collection::vec(value(), 0..3)
            .prop_map(|v| Some(Value::Array(v.into_iter().map(Value::String).collect()))),
        Just(Some(Value::from(7))),
    ]
}

/// Issuers of the providers idp.rs knows (their token kinds pick its provider fixes).
const ISSUERS: &[&str] = &[
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx",
    "https://login.microsoftonline.com/31386ae4-e5c5-4956-80b9-3868597721b3/v2.0",
    "https://dev-1.okta.com/oauth2/default",
    "https://kc.example.com/realms/r",
    "https://t.auth0.com/",
];

/// The values a fix proposes to add to `list` ("add X, Y to allowedAudience at …").
fn proposed_additions(fix: &str, list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let needle = format!(" to {list}");
    let mut rest = fix;
    while let Some(i) = rest.find(&needle) {
        if let Some(start) = rest[..i].rfind("add ") {
            out.extend(
                rest[start + 4..i]
                    .split(", ")
                    .map(|v| v.trim_matches(['`', '"', '\'']).to_string()),
            );
        }
        rest = &rest[i + needle.len()..];
    }
    out
}

proptest! {
    #![proptest_config(config())]

    /// A fix never proposes adding a value the list already holds, and an accepted token gets no
    /// error-severity diagnosis (`clients-and-audience-unsatisfiable` included).
    #[test]
    fn fixes_never_add_a_configured_value(
        clients in list(),
        audience in list(),
        scopes in list(),
        custom in proptest::option::of((prop::sample::select(vec!["cognito:groups", "roles", "tier"]), value())),
        iss in prop::sample::select(ISSUERS),
        client_id in claim(),
        aud in claim(),
        scope in proptest::option::of(prop::collection::vec(value(), 0..3)),
        roles in proptest::option::of(prop::collection::vec(value(), 1..3)),
        other in proptest::option::of((prop::sample::select(vec!["azp", "appid", "cid"]), value())),
        token_use in proptest::option::of(prop::sample::select(vec!["access", "id"])),
        groups in proptest::option::of(prop::collection::vec(value(), 0..3)),
    ) {
        use tokdiag::authorizer::{
            Authorizer, CustomClaim, JwtConfig, Located, RuleSet, SigningKeys, SourceKind,
        };
        if clients.is_none() && audience.is_none() && scopes.is_none() && custom.is_none() {
            return Ok(());
        }
        let jwt = JwtConfig {
            discovery_url: Some(Located::at(
                format!("{}/.well-known/openid-configuration", iss.trim_end_matches('/')),
                Some(5),
            )),
            allowed_clients: clients.clone().map(|v| Located::at(v, Some(6))),
            allowed_audience: audience.clone().map(|v| Located::at(v, Some(7))),
            allowed_scopes: scopes.clone().map(|v| Located::at(v, Some(8))),
            custom_claims: custom
                .iter()
                .map(|(name, v)| {
                    Located::at(
                        CustomClaim {
                            name: name.to_string(),
                            value_type: "STRING_ARRAY".into(),
                            operator: "CONTAINS".into(),
                            match_value: Some(v.clone()),
                            match_values: Vec::new(),
                        },
                        Some(9),
                    )
                })
                .collect(),
            line: Some(4),
            ..JwtConfig::default()
        };
        let mut auth = Authorizer::from_flags(RuleSet::Agentcore, jwt);
        auth.source = SourceKind::AgentcoreYaml;
        auth.file = Some(".bedrock_agentcore.yaml".into());
        auth.agent = Some("mcp_server".into());

        let now = 1_800_000_000i64;
        let mut c = Map::new();
        c.insert("iss".into(), Value::String(iss.to_string()));
        c.insert("sub".into(), Value::String("u".into()));
        c.insert("iat".into(), Value::from(now - 10));
        c.insert("exp".into(), Value::from(now + 3600));
        if let Some(v) = client_id { c.insert("client_id".into(), v); }
        if let Some(v) = aud { c.insert("aud".into(), v); }
        if let Some(s) = scope { c.insert("scope".into(), Value::String(s.join(" "))); }
        if let Some(r) = roles { c.insert("roles".into(), Value::from(r)); }
        if let Some((k, v)) = other { c.insert(k.into(), Value::String(v)); }
        if let Some(t) = token_use { c.insert("token_use".into(), Value::String(t.into())); }
        if let Some(g) = groups { c.insert("cognito:groups".into(), Value::from(g)); }
        let header = serde_json::json!({"alg": "RS256", "kid": "k"});
        let token = format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(Value::Object(c).to_string().as_bytes()),
            b64(b"sig")
        );
        let keys = SigningKeys::NotChecked { issuer: Some(iss.to_string()) };
        let r = tokdiag::authorizer::explain::explain(&auth, &token, &keys, now);
        let lists = [
            ("allowedClients", clients.unwrap_or_default()),
            ("allowedAudience", audience.unwrap_or_default()),
            ("allowedScopes", scopes.unwrap_or_default()),
        ];
        for d in &r.diagnoses {
            prop_assert!(!d.message.contains("  ") && !d.message.contains(" is  "), "{}: a value is missing: {}", d.code, d.message);
            for fix in &d.fixes {
                for (name, configured) in &lists {
                    for v in proposed_additions(fix, name) {
                        prop_assert!(!v.trim().is_empty(), "{}: fix proposes adding nothing: {fix}", d.code);
                        prop_assert!(
                            !configured.contains(&v),
                            "{}: fix proposes adding {v}, already in {name} {configured:?}: {fix}",
                            d.code
                        );
                    }
                }
            }
        }
        if r.verdict == tokdiag::report::Verdict::Accepted {
            let errors: Vec<&str> = r
                .diagnoses
                .iter()
                .filter(|d| d.severity == tokdiag::report::Severity::Error)
                .map(|d| d.code)
                .collect();
            prop_assert!(errors.is_empty(), "accepted, yet error diagnoses {errors:?}");
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Both lists configured and a Cognito token carrying a listed client_id and a listed aud:
    /// ACCEPTED, and `clients-and-audience-unsatisfiable` is a warning that says the token passes.
    #[test]
    fn both_lists_and_both_claims_is_an_accepted_warning(
        clients in prop::collection::vec(value(), 1..3),
        audience in prop::collection::vec(value(), 1..3),
        ci in any::<prop::sample::Index>(),
        ai in any::<prop::sample::Index>(),
        token_use in prop::sample::select(vec!["access", "id"]),
    ) {
        use tokdiag::authorizer::{Authorizer, JwtConfig, Located, RuleSet, SigningKeys, SourceKind};
        let iss = ISSUERS[0];
        let jwt = JwtConfig {
            discovery_url: Some(Located::new(format!("{iss}/.well-known/openid-configuration"))),
            allowed_clients: Some(Located::at(clients.clone(), Some(6))),
            allowed_audience: Some(Located::at(audience.clone(), Some(7))),
            ..JwtConfig::default()
        };
        let mut auth = Authorizer::from_flags(RuleSet::Agentcore, jwt);
        auth.source = SourceKind::AgentcoreYaml;
        auth.file = Some("c.yaml".into());
        let now = 1_800_000_000i64;
        let claims = serde_json::json!({
            "iss": iss, "sub": "u", "iat": now - 10, "exp": now + 3600, "token_use": token_use,
            "client_id": ci.get(&clients), "aud": ai.get(&audience),
        });
        let token = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"RS256","kid":"k"}"#),
            b64(claims.to_string().as_bytes()),
            b64(b"sig")
        );
        let keys = SigningKeys::NotChecked { issuer: Some(iss.to_string()) };
        let r = tokdiag::authorizer::explain::explain(&auth, &token, &keys, now);
        prop_assert_eq!(r.verdict, tokdiag::report::Verdict::Accepted);
        let d: Vec<_> = r.diagnoses.iter().collect();
        prop_assert_eq!(d.len(), 1, "{:?}", d);
        prop_assert_eq!(d[0].code, "clients-and-audience-unsatisfiable");
        prop_assert_eq!(d[0].severity, tokdiag::report::Severity::Warning);
        prop_assert_eq!(
            d[0].message.as_str(),
            "allowedClients and allowedAudience are both set, so a token needs both `client_id` and `aud`: this one has both and passes, but no stock Cognito token does (access tokens: client_id only; ID tokens: aud only)"
        );
        prop_assert_eq!(
            d[0].fixes.clone(),
            vec!["if other callers send stock Cognito tokens, keep one list: allowedClients for access tokens or allowedAudience for ID tokens (c.yaml:7)".to_string()]
        );
    }
}

#[test]
fn proposed_additions_reads_the_fix_wording() {
    assert_eq!(
        proposed_additions(
            "or add a, api://b to allowedAudience at f:7",
            "allowedAudience"
        ),
        ["a", "api://b"]
    );
    assert!(
        proposed_additions(
            "or add the scope the token carries to allowedScopes at f",
            "allowedClients"
        )
        .is_empty()
    );
}
