//! Property tests: arbitrary and mutated input never panics and always gets a clear answer.
//!
//! - the token input path: `token::clean` (idempotent, never slices inside a character),
//!   `token::recognise` (JSON bundle detection), `Jwt::parse` on arbitrary text, on mutated real
//!   tokens and on tokens built from arbitrary JSON;
//! - the signature check on arbitrary headers and signature bytes (`verify::check_signature`);
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
                prop_assert_eq!(Value::Object(j.claims.clone()), claims);
                prop_assert_eq!(Value::Object(j.header.clone()), header);
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
        let out = tokdiag::verify::check_signature(&jwt, &set);
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
