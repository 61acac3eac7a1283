//! Known member names of the config formats, and "did you mean" suggestions for members the
//! toolkit or the API drops.

/// Members of `customJWTAuthorizer` that AgentCore checks tokens against (camelCase API names).
pub(crate) const JWT_CHECK_KEYS: &[&str] = &[
    "discoveryUrl",
    "allowedClients",
    "allowedAudience",
    "allowedScopes",
    "customClaims",
];

/// Valid `customJWTAuthorizer` members that are not token checks (reaching a private IdP,
/// metadata, gateway-only invocation): accepted silently.
pub(crate) const JWT_OTHER_KEYS: &[&str] = &[
    "advertisedScopeMapping",
    "privateEndpoint",
    "privateEndpointOverrides",
    "certificateConfigurations",
    "allowedWorkloadConfiguration",
];

/// Agent-level keys of the starter toolkit's `BedrockAgentCoreAgentSchema` (0.3.x).
pub(crate) const AGENT_KEYS: &[&str] = &[
    "name",
    "language",
    "node_version",
    "entrypoint",
    "deployment_type",
    "runtime_type",
    "platform",
    "container_runtime",
    "source_path",
    "aws",
    "bedrock_agentcore",
    "codebuild",
    "memory",
    "identity",
    "aws_jwt",
    "authorizer_configuration",
    "request_header_configuration",
    "oauth_configuration",
    "api_key_env_var_name",
    "api_key_credential_provider_name",
    "is_generated_by_agentcore_create",
];

/// Keys people write for the issuer or key set where AgentCore wants `discoveryUrl`.
const ISSUER_LIKE: &[&str] = &[
    "issuer",
    "issuerurl",
    "issuer_url",
    "iss",
    "issuerUri",
    "jwksuri",
    "jwks_uri",
    "jwksurl",
    "jwks_url",
    "jwks",
    "openidconfigurationurl",
    "wellknownurl",
    "oidcurl",
    "oidc_url",
    "discovery",
    "discoveryuri",
    "discovery_uri",
    "discoveryendpoint",
    "metadataurl",
];

/// Converts `snake_case` / `kebab-case` / any case into a comparable form (lowercase, no `_`/`-`).
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, v) in d[0].iter_mut().enumerate() {
        *v = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// The known key closest to `key` (ignoring case, `_` and `-`), when it is close enough to be a
/// likely typo.
pub(crate) fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let k = fold(key);
    let mut best: Option<(usize, &str)> = None;
    for cand in known {
        let c = fold(cand);
        let d = distance(&k, &c);
        // A prefix/suffix relation (allowedClient → allowedClients) is a typo too.
        let d = if c.starts_with(&k) || k.starts_with(&c) {
            d.min(2)
        } else {
            d
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    let (d, cand) = best?;
    let limit = (k.chars().count().max(4) / 3).max(2);
    (d <= limit).then_some(cand)
}

/// What `key`, found inside a JWT authorizer mapping, should have been, in the naming style of
/// `known` (camelCase for the API/toolkit, PascalCase for CloudFormation).
pub(crate) fn jwt_suggestion<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let f = fold(key);
    let pick = |camel: &str| -> Option<&'a str> {
        known
            .iter()
            // Terraform names the repeatable block in the singular: `custom_claim`.
            .find(|k| fold(k) == fold(camel) || format!("{}s", fold(k)) == fold(camel))
            .copied()
    };
    if ISSUER_LIKE.iter().any(|s| fold(s) == f) {
        return pick("discoveryUrl");
    }
    match f.as_str() {
        "audience" | "audiences" | "aud" | "allowedaudiences" | "allowedaud" => {
            return pick("allowedAudience");
        }
        "client" | "clients" | "clientid" | "clientids" | "allowedclient" | "allowedclientids"
        | "appclientid" | "appclientids" => return pick("allowedClients"),
        "scope" | "scopes" | "allowedscope" => return pick("allowedScopes"),
        "claims" | "customclaim" | "claim" => return pick("customClaims"),
        _ => {}
    }
    closest(key, known)
}

/// True when `key` names the issuer or JWKS rather than the discovery document.
pub(crate) fn is_issuer_like(key: &str) -> bool {
    let f = fold(key);
    ISSUER_LIKE.iter().any(|s| fold(s) == f)
}

/// True when `key` is a spelling of the `customJWTAuthorizer` wrapper other than the exact one.
pub(crate) fn is_wrapper_variant(key: &str) -> bool {
    fold(key) == "customjwtauthorizer"
        || fold(key) == "customjwtauthorizerconfiguration"
        || fold(key) == "jwtauthorizer"
}

/// Converts a camelCase API name into CloudFormation's PascalCase.
pub(crate) fn pascal(camel: &str) -> String {
    let mut c = camel.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Converts a camelCase API name into the Terraform provider's snake_case argument name
/// (`customJWTAuthorizer` → `custom_jwt_authorizer`). `customClaims` is the repeatable block
/// `custom_claim`.
pub(crate) fn snake(camel: &str) -> String {
    if camel == "customClaims" {
        return "custom_claim".to_string();
    }
    let chars: Vec<char> = camel.chars().collect();
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower = i > 0 && !chars[i - 1].is_ascii_uppercase();
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn suggestions_for_common_mistakes() {
        let k = JWT_CHECK_KEYS;
        assert_eq!(
            jwt_suggestion("allowedAudiences", k),
            Some("allowedAudience")
        );
        assert_eq!(jwt_suggestion("allowedClient", k), Some("allowedClients"));
        assert_eq!(jwt_suggestion("allowedScope", k), Some("allowedScopes"));
        assert_eq!(jwt_suggestion("allowed_clients", k), Some("allowedClients"));
        assert_eq!(jwt_suggestion("discovery_url", k), Some("discoveryUrl"));
        assert_eq!(jwt_suggestion("discoveryURL", k), Some("discoveryUrl"));
        assert_eq!(jwt_suggestion("issuerUrl", k), Some("discoveryUrl"));
        assert_eq!(jwt_suggestion("issuer", k), Some("discoveryUrl"));
        assert_eq!(jwt_suggestion("jwksUri", k), Some("discoveryUrl"));
        assert_eq!(jwt_suggestion("audience", k), Some("allowedAudience"));
        assert_eq!(jwt_suggestion("customClaim", k), Some("customClaims"));
        assert_eq!(jwt_suggestion("zzzzzzzz", k), None);
    }

    #[test]
    fn pascal_case_suggestions() {
        let known: Vec<String> = JWT_CHECK_KEYS.iter().map(|k| pascal(k)).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        assert_eq!(
            jwt_suggestion("AllowedAudiences", &known),
            Some("AllowedAudience")
        );
        assert_eq!(jwt_suggestion("Issuer", &known), Some("DiscoveryUrl"));
    }

    #[test]
    fn closest_agent_key() {
        assert_eq!(
            closest("authorizer_config", AGENT_KEYS),
            Some("authorizer_configuration")
        );
        assert_eq!(
            closest("authorizerConfiguration", AGENT_KEYS),
            Some("authorizer_configuration")
        );
        assert_eq!(closest("xyz_totally_else", AGENT_KEYS), None);
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake("customJWTAuthorizer"), "custom_jwt_authorizer");
        assert_eq!(snake("discoveryUrl"), "discovery_url");
        assert_eq!(snake("allowedAudience"), "allowed_audience");
        assert_eq!(snake("customClaims"), "custom_claim");
        assert_eq!(snake("matchValueStringList"), "match_value_string_list");
        let known: Vec<String> = JWT_CHECK_KEYS.iter().map(|k| snake(k)).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        assert_eq!(
            jwt_suggestion("allowed_client", &known),
            Some("allowed_clients")
        );
        assert_eq!(
            jwt_suggestion("custom_claims", &known),
            Some("custom_claim")
        );
        assert_eq!(jwt_suggestion("issuer", &known), Some("discovery_url"));
    }

    #[test]
    fn wrapper_variants() {
        assert!(is_wrapper_variant("customJwtAuthorizer"));
        assert!(is_wrapper_variant("custom_jwt_authorizer"));
        assert!(is_wrapper_variant("CustomJWTAuthorizer"));
        assert!(!is_wrapper_variant("customClaims"));
    }
}
