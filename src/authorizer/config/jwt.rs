//! Reading an `authorizerConfiguration` / `customJWTAuthorizer` mapping (camelCase for the
//! toolkit and the control plane, PascalCase for CloudFormation) into a [`JwtConfig`], reporting
//! every key the service would never check.

use super::members;
use super::tree::{Entry, Kind, Node};
use crate::authorizer::{CustomClaim, IgnoredKey, InvalidConfig, JwtConfig, Located};
use crate::error::{Error, Result};

/// Key naming of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// API / toolkit: `customJWTAuthorizer`, `discoveryUrl`.
    Camel,
    /// CloudFormation: `CustomJWTAuthorizer`, `DiscoveryUrl`.
    Pascal,
    /// Terraform: `custom_jwt_authorizer`, `discovery_url`, repeatable `custom_claim` blocks.
    Snake,
}

impl Style {
    /// The name of a camelCase API member in this style.
    pub(crate) fn name(self, camel: &str) -> String {
        match self {
            Style::Camel => camel.to_string(),
            Style::Pascal => members::pascal(camel),
            Style::Snake => members::snake(camel),
        }
    }

    fn names(self, camel: &[&str]) -> Vec<String> {
        camel.iter().map(|k| self.name(k)).collect()
    }
}

/// Collects what reading a source finds besides the configuration itself.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Keys that are dropped or never checked.
    pub ignored: Vec<IgnoredKey>,
    /// Other remarks, one line each.
    pub warnings: Vec<String>,
    /// The syntax of the source, for the snippets in fixes.
    pub syntax: crate::authorizer::Syntax,
}

impl Findings {
    /// Findings for a source written in `syntax`.
    pub(crate) fn new(syntax: crate::authorizer::Syntax) -> Findings {
        Findings {
            syntax,
            ..Findings::default()
        }
    }

    /// `key: value` / `"key": value` / `key = value` in the source's syntax.
    fn pair(&self, key: &str, value: serde_json::Value) -> String {
        self.syntax.pair(key, &value)
    }
}

impl Findings {
    /// Records an ignored key.
    pub(crate) fn ignore(&mut self, key: &str, line: Option<usize>, message: String) {
        self.ignored.push(IgnoredKey {
            key: key.to_string(),
            line,
            message,
        });
    }

    /// Records a warning.
    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }
}

/// `" (line N)"` or nothing.
pub(crate) fn at(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

/// Reads an `authorizerConfiguration` mapping (the union holding `customJWTAuthorizer`).
///
/// `owner` is the key it sits under (`authorizer_configuration`, `authorizerConfiguration`,
/// `AuthorizerConfiguration`) and `owner_line` that key's line. Returns `None` when the mapping is
/// null or holds no JWT authorizer (an IAM runtime).
pub(crate) fn authorizer_configuration(
    path: &str,
    node: &Node,
    owner: &str,
    owner_line: Option<usize>,
    style: Style,
    out: &mut Findings,
) -> Result<Option<JwtConfig>> {
    if node.is_null() {
        return Ok(None);
    }
    let Some(entries) = node.as_map() else {
        return Err(Error::config(
            path,
            format!(
                "`{owner}`{} is {}, not a mapping",
                at(owner_line),
                node.type_name()
            ),
            Some(format!(
                "write `{owner}:` with `{}:` under it, or `{owner}: null` for IAM authorization",
                style.name("customJWTAuthorizer")
            )),
        ));
    };
    let wrapper = style.name("customJWTAuthorizer");
    let check_keys = style.names(members::JWT_CHECK_KEYS);
    let other_keys = style.names(members::JWT_OTHER_KEYS);
    let mut all_keys: Vec<&str> = check_keys.iter().map(String::as_str).collect();
    all_keys.extend(other_keys.iter().map(String::as_str));

    let mut exact: Option<&Entry> = None;
    let mut variant: Option<&Entry> = None;
    let mut loose: Vec<Entry> = Vec::new();
    for e in entries {
        if e.key == wrapper {
            exact = Some(e);
        } else if members::is_wrapper_variant(&e.key) {
            let hint = if e.key == "customJwtAuthorizer" && style == Style::Camel {
                " (the spelling of the Node CLI's agentcore.json)".to_string()
            } else {
                String::new()
            };
            out.ignore(
                &e.key,
                e.line,
                format!(
                    "`{}`{hint} is not a member of `{owner}`, so no JWT authorizer is set: rename it to `{wrapper}` (tokdiag reads the fields under it as if you had)",
                    e.key
                ),
            );
            variant.get_or_insert(e);
        } else if all_keys.contains(&e.key.as_str()) {
            out.ignore(
                &e.key,
                e.line,
                format!(
                    "`{}` sits directly under `{owner}`, where it is not a member: {} ({owner} → {wrapper} → {})",
                    e.key,
                    out.syntax.nest(&wrapper, false),
                    e.key
                ),
            );
            loose.push(e.clone());
        } else if members::jwt_suggestion(&e.key, &all_keys).is_some() {
            // A misspelt JWT field outside the wrapper: reported by `jwt_authorizer` below when
            // the fields are read as if wrapped, or here when a wrapper exists.
            loose.push(e.clone());
        } else {
            let suggestion = members::closest(&e.key, &[wrapper.as_str()])
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("the only member tokdiag knows is `{wrapper}`"));
            out.ignore(
                &e.key,
                e.line,
                format!(
                    "`{}` is not a member of `{owner}` and is never checked: {suggestion}",
                    e.key
                ),
            );
        }
    }

    if let Some(e) = exact {
        // Misspelt fields next to a correct wrapper are not part of it.
        for l in &loose {
            if !out
                .ignored
                .iter()
                .any(|i| i.key == l.key && i.line == l.line)
            {
                let s = members::jwt_suggestion(&l.key, &all_keys).unwrap_or(&wrapper);
                out.ignore(
                    &l.key,
                    l.line,
                    format!(
                        "`{}` is not a member of `{owner}` and is never checked: did you mean `{s}` under `{wrapper}:`?",
                        l.key
                    ),
                );
            }
        }
        return wrapped(path, e, &wrapper, style, out);
    }
    if let Some(e) = variant {
        return wrapped(path, e, &e.key, style, out);
    }
    if !loose.is_empty() {
        let mut jwt = jwt_authorizer(&loose, owner, owner_line, style, out);
        jwt.invalid.insert(
            0,
            InvalidConfig {
                message: format!(
                    "the JWT fields sit directly under `{owner}`{}, without the `{wrapper}` wrapper: the service refuses this configuration at deploy time",
                    at(owner_line)
                ),
                line: owner_line,
                fix: format!(
                    "{} ({owner} → {wrapper} → {})",
                    out.syntax.nest(&wrapper, true),
                    loose.first().map(|e| e.key.as_str()).unwrap_or("discoveryUrl")
                ),
            },
        );
        return Ok(Some(jwt));
    }
    Ok(None)
}

/// Reads the value of a (possibly misspelt) wrapper key.
fn wrapped(
    path: &str,
    e: &Entry,
    name: &str,
    style: Style,
    out: &mut Findings,
) -> Result<Option<JwtConfig>> {
    if e.value.is_null() {
        out.warn(format!(
            "`{name}`{} is null: no JWT authorizer is configured",
            at(e.line)
        ));
        return Ok(None);
    }
    match e.value.as_map() {
        Some(entries) => Ok(Some(jwt_authorizer(entries, name, e.line, style, out))),
        None => Err(Error::config(
            path,
            format!(
                "`{name}`{} is {}, not a mapping",
                at(e.line),
                e.value.type_name()
            ),
            Some(format!(
                "write `{}: https://…/.well-known/openid-configuration` and the allowed lists under `{name}:`",
                style.name("discoveryUrl")
            )),
        )),
    }
}

/// Reads the members of a `customJWTAuthorizer` mapping. `owner`/`owner_line` name the mapping
/// (for the missing-`discoveryUrl` report).
pub(crate) fn jwt_authorizer(
    entries: &[Entry],
    owner: &str,
    owner_line: Option<usize>,
    style: Style,
    out: &mut Findings,
) -> JwtConfig {
    let check_keys = style.names(members::JWT_CHECK_KEYS);
    let other_keys = style.names(members::JWT_OTHER_KEYS);
    let known: Vec<&str> = check_keys.iter().map(String::as_str).collect();
    let n = |camel: &str| style.name(camel);
    let mut jwt = JwtConfig {
        line: owner_line,
        ..JwtConfig::default()
    };
    let mut issuer_hint: Option<String> = None;

    for e in entries {
        let k = e.key.as_str();
        if k == n("discoveryUrl") {
            match e.value.as_str() {
                Some(v) => jwt.discovery_url = Some(Located::at(v.trim().to_string(), e.line)),
                None => out.warn(format!(
                    "`{k}`{} is {}, not a URL: it is ignored",
                    at(e.line),
                    e.value.type_name()
                )),
            }
        } else if k == n("allowedClients") {
            jwt.allowed_clients = string_list(e, out);
        } else if k == n("allowedAudience") {
            jwt.allowed_audience = string_list(e, out);
        } else if k == n("allowedScopes") {
            jwt.allowed_scopes = string_list(e, out);
        } else if k == n("customClaims") {
            jwt.custom_claims = custom_claims(e, style, out);
        } else if other_keys.iter().any(|o| o == k) {
            // Valid members that are not token checks: kept and shown, never checked.
            jwt.other_fields
                .push(Located::at((k.to_string(), to_json(&e.value)), e.line));
        } else if members::is_issuer_like(k) {
            let value = e.value.as_str().map(str::trim).unwrap_or("");
            let url = discovery_from(value);
            if issuer_hint.is_none() && !value.is_empty() {
                issuer_hint = Some(url.clone());
            }
            let target = if value.is_empty() {
                "https://<issuer>/.well-known/openid-configuration".to_string()
            } else {
                url
            };
            out.ignore(
                k,
                e.line,
                format!(
                    "`{k}` is not a `{owner}` field and is never checked: AgentCore takes the discovery document's URL, write `{}`",
                    out.pair(&n("discoveryUrl"), target.into())
                ),
            );
        } else {
            let advice = match members::jwt_suggestion(k, &known) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the fields are {}", known.join(", ")),
            };
            out.ignore(
                k,
                e.line,
                format!("`{k}` is not a `{owner}` field and is never checked: {advice}"),
            );
        }
    }

    if jwt.discovery_url.is_none() {
        let example = issuer_hint
            .unwrap_or_else(|| "https://<issuer>/.well-known/openid-configuration".to_string());
        jwt.invalid.push(InvalidConfig {
            message: format!(
                "`{owner}`{} has no `{}`, which the service requires (a URL ending in /.well-known/openid-configuration): it refuses this configuration at deploy time",
                at(owner_line),
                n("discoveryUrl")
            ),
            line: owner_line,
            fix: format!("add `{}`", out.pair(&n("discoveryUrl"), example.into())),
        });
    }
    if jwt.allowed_clients.is_none()
        && jwt.allowed_audience.is_none()
        && jwt.allowed_scopes.is_none()
        && jwt.custom_claims.is_empty()
    {
        jwt.invalid.push(InvalidConfig {
            message: format!(
                "`{owner}`{} sets none of {}, {}, {}, {}: the service requires at least one and refuses this configuration at deploy time",
                at(owner_line),
                n("allowedAudience"),
                n("allowedClients"),
                n("allowedScopes"),
                n("customClaims")
            ),
            line: owner_line,
            fix: format!(
                "add `{}` (Cognito access tokens carry `client_id`)",
                out.pair(&n("allowedClients"), serde_json::json!(["<app client id>"]))
            ),
        });
    }
    jwt
}

/// A node as JSON (scalars as strings, except plain `true`/`false`/numbers).
fn to_json(n: &Node) -> serde_json::Value {
    use serde_json::Value;
    match &n.kind {
        Kind::Scalar { text, plain } => {
            if n.is_null() {
                Value::Null
            } else if *plain && (text == "true" || text == "false") {
                Value::Bool(text == "true")
            } else if *plain && let Ok(i) = text.parse::<i64>() {
                Value::from(i)
            } else {
                Value::String(text.clone())
            }
        }
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_json(&e.value)))
                .collect(),
        ),
    }
}

/// The discovery URL for an issuer (or a JWKS URL) someone wrote instead.
fn discovery_from(value: &str) -> String {
    if value.contains("/.well-known/openid-configuration") {
        return value.to_string();
    }
    if let Some(i) = value.find("/.well-known/") {
        return format!("{}/.well-known/openid-configuration", &value[..i]);
    }
    format!(
        "{}/.well-known/openid-configuration",
        value.trim_end_matches('/')
    )
}

/// Reads a list of strings; a single string is taken as a one-item list (with a warning), null
/// or an empty list as "not configured".
fn string_list(e: &Entry, out: &mut Findings) -> Option<Located<Vec<String>>> {
    let k = &e.key;
    if e.value.is_null() {
        out.warn(format!(
            "`{k}`{} is null, so it is not checked (the API refuses an empty value)",
            at(e.line)
        ));
        return None;
    }
    match &e.value.kind {
        Kind::Scalar { text, .. } => {
            out.warn(format!(
                "`{k}`{} is a single string; the API takes a list: write `{k}: [{text}]`",
                at(e.line)
            ));
            Some(Located::at(vec![text.clone()], e.line))
        }
        Kind::Seq(items) => {
            let mut values = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => values.push(s.to_string()),
                    None => out.warn(format!(
                        "an item of `{k}`{} is {}, not a string: it is ignored",
                        at(item.line.or(e.line)),
                        item.type_name()
                    )),
                }
            }
            if values.is_empty() {
                out.warn(format!(
                    "`{k}`{} is empty, so it is not checked (the API requires at least one item)",
                    at(e.line)
                ));
                return None;
            }
            Some(Located::at(values, e.line))
        }
        Kind::Map(_) => {
            out.warn(format!(
                "`{k}`{} is a mapping, not a list: it is ignored",
                at(e.line)
            ));
            None
        }
    }
}

/// Reads `customClaims`.
fn custom_claims(e: &Entry, style: Style, out: &mut Findings) -> Vec<Located<CustomClaim>> {
    let n = |camel: &str| style.name(camel);
    let Some(items) = e.value.as_seq() else {
        if !e.value.is_null() {
            out.warn(format!(
                "`{}`{} is {}, not a list: it is ignored",
                e.key,
                at(e.line),
                e.value.type_name()
            ));
        }
        return Vec::new();
    };
    let claim_keys = style.names(&[
        "inboundTokenClaimName",
        "inboundTokenClaimValueType",
        "authorizingClaimMatchValue",
    ]);
    let match_keys = style.names(&["claimMatchOperator", "claimMatchValue"]);
    let value_keys = style.names(&["matchValueString", "matchValueStringList"]);
    let mut claims = Vec::new();
    for item in items {
        let Some(entries) = item.as_map() else {
            out.warn(format!(
                "an item of `{}`{} is {}, not a mapping: it is ignored",
                e.key,
                at(item.line),
                item.type_name()
            ));
            continue;
        };
        unknown_keys(entries, &claim_keys, &n("customClaims"), out);
        let Some(name) = item.get_str(&n("inboundTokenClaimName")) else {
            out.warn(format!(
                "a `{}` entry{} has no `{}`: it is ignored",
                e.key,
                at(item.line),
                n("inboundTokenClaimName")
            ));
            continue;
        };
        let value_type = item
            .get_str(&n("inboundTokenClaimValueType"))
            .unwrap_or("")
            .to_string();
        let mut claim = CustomClaim {
            name: name.to_string(),
            value_type,
            operator: String::new(),
            match_value: None,
            match_values: Vec::new(),
        };
        if let Some(m) = item.get_some(&n("authorizingClaimMatchValue")) {
            if let Some(me) = m.as_map() {
                unknown_keys(me, &match_keys, &n("authorizingClaimMatchValue"), out);
            }
            claim.operator = m
                .get_str(&n("claimMatchOperator"))
                .unwrap_or("")
                .to_string();
            if let Some(v) = m.get_some(&n("claimMatchValue")) {
                if let Some(ve) = v.as_map() {
                    unknown_keys(ve, &value_keys, &n("claimMatchValue"), out);
                }
                claim.match_value = v.get_str(&n("matchValueString")).map(str::to_string);
                if let Some(list) = v.get(&n("matchValueStringList")).and_then(Node::str_items) {
                    claim.match_values = list;
                }
            }
        }
        if claim.operator.is_empty() || claim.value_type.is_empty() {
            out.warn(format!(
                "the `{}` rule for `{}`{} lacks `{}` or `{}`",
                e.key,
                claim.name,
                at(item.line),
                n("inboundTokenClaimValueType"),
                n("claimMatchOperator")
            ));
        }
        claims.push(Located::at(claim, item.line));
    }
    claims
}

/// Reports keys of a nested mapping that are not among `known`.
fn unknown_keys(entries: &[Entry], known: &[String], owner: &str, out: &mut Findings) {
    let known_refs: Vec<&str> = known.iter().map(String::as_str).collect();
    for e in entries {
        if known_refs.contains(&e.key.as_str()) {
            continue;
        }
        let advice = match members::closest(&e.key, &known_refs) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the fields are {}", known_refs.join(", ")),
        };
        out.ignore(
            &e.key,
            e.line,
            format!(
                "`{}` is not a field of `{owner}` and is never checked: {advice}",
                e.key
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    fn load(doc: &str) -> (Option<JwtConfig>, Findings) {
        let root = parse(doc, "t.yaml").unwrap();
        let entry = root.entry("authorizer_configuration").unwrap();
        let mut out = Findings::default();
        let jwt = authorizer_configuration(
            "t.yaml",
            &entry.value,
            "authorizer_configuration",
            entry.line,
            Style::Camel,
            &mut out,
        )
        .unwrap();
        (jwt, out)
    }

    #[test]
    fn reads_all_fields() {
        let (jwt, out) = load(
            "authorizer_configuration:\n  customJWTAuthorizer:\n    discoveryUrl: https://x/.well-known/openid-configuration\n    allowedClients: [a, b]\n    allowedAudience:\n    - c\n    allowedScopes: [s]\n    customClaims:\n    - inboundTokenClaimName: cognito:groups\n      inboundTokenClaimValueType: STRING_ARRAY\n      authorizingClaimMatchValue:\n        claimMatchOperator: CONTAINS_ANY\n        claimMatchValue:\n          matchValueStringList: [admin, ops]\n    advertisedScopeMapping: {a: b}\n",
        );
        assert!(out.ignored.is_empty(), "{:?}", out.ignored);
        let jwt = jwt.unwrap();
        assert_eq!(jwt.line, Some(2));
        assert_eq!(jwt.discovery_url.unwrap().line, Some(3));
        assert_eq!(jwt.allowed_clients.unwrap().value, vec!["a", "b"]);
        let aud = jwt.allowed_audience.unwrap();
        assert_eq!((aud.value, aud.line), (vec!["c".to_string()], Some(5)));
        assert_eq!(jwt.custom_claims.len(), 1);
        let c = &jwt.custom_claims[0];
        assert_eq!(c.line, Some(9));
        assert_eq!(c.value.name, "cognito:groups");
        assert_eq!(c.value.operator, "CONTAINS_ANY");
        assert_eq!(c.value.match_values, vec!["admin", "ops"]);
    }

    #[test]
    fn loose_fields_are_reported_and_recovered() {
        let (jwt, out) = load(
            "authorizer_configuration:\n  discoveryUrl: https://x/.well-known/openid-configuration\n  allowedClients: [a]\n",
        );
        let jwt = jwt.unwrap();
        assert_eq!(jwt.allowed_clients.unwrap().value, vec!["a"]);
        let keys: Vec<_> = out
            .ignored
            .iter()
            .map(|i| (i.key.as_str(), i.line))
            .collect();
        assert_eq!(
            keys,
            vec![("discoveryUrl", Some(2)), ("allowedClients", Some(3))]
        );
    }

    #[test]
    fn issuer_instead_of_discovery_url() {
        let (jwt, out) = load(
            "authorizer_configuration:\n  customJWTAuthorizer:\n    issuerUrl: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/\n    allowedClients: [a]\n",
        );
        let jwt = jwt.unwrap();
        assert!(jwt.discovery_url.is_none());
        assert_eq!(out.ignored.len(), 1);
        assert_eq!(out.ignored[0].key, "issuerUrl");
        assert_eq!(out.ignored[0].line, Some(3));
        // A missing discoveryUrl is a configuration the service refuses (config-invalid).
        assert_eq!(jwt.invalid.len(), 1);
        assert_eq!(jwt.invalid[0].line, Some(2));
        assert_eq!(
            jwt.invalid[0].fix,
            "add `discoveryUrl: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/.well-known/openid-configuration`"
        );
    }

    #[test]
    fn single_string_and_empty_lists() {
        let (jwt, out) = load(
            "authorizer_configuration:\n  customJWTAuthorizer:\n    discoveryUrl: https://x/.well-known/openid-configuration\n    allowedClients: abc\n    allowedScopes: []\n",
        );
        let jwt = jwt.unwrap();
        assert_eq!(jwt.allowed_clients.unwrap().value, vec!["abc"]);
        assert!(jwt.allowed_scopes.is_none());
        assert_eq!(out.warnings.len(), 2);
    }

    #[test]
    fn null_and_non_mapping() {
        let (jwt, out) = load("authorizer_configuration: null\n");
        assert!(jwt.is_none() && out.ignored.is_empty());
        let root = parse("authorizer_configuration: [x]\n", "t").unwrap();
        let mut out = Findings::default();
        let err = authorizer_configuration(
            "t",
            root.get("authorizer_configuration").unwrap(),
            "authorizer_configuration",
            Some(1),
            Style::Camel,
            &mut out,
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a mapping"));
    }
}
