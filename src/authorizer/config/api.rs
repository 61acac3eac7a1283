//! Service API outputs: `aws bedrock-agentcore-control get-agent-runtime` (or a bare
//! `{"customJWTAuthorizer": …}`), and `aws apigatewayv2 get-authorizer` / `get-authorizers`.

use super::jwt::{self, Findings, Style, at};
use super::members;
use super::tree::Node;
use crate::authorizer::{
    Authorizer, AuthorizerType, Deployment, JwtConfig, Located, RuleSet, SourceKind,
};
use crate::error::{Error, Result};

/// True for control-plane JSON: a runtime description or a bare authorizer configuration.
pub(crate) fn detect_control_plane(root: &Node) -> bool {
    let Some(entries) = root.as_map() else {
        return false;
    };
    entries.iter().any(|e| {
        e.key == "authorizerConfiguration"
            || e.key == "customJWTAuthorizer"
            || members::is_wrapper_variant(&e.key)
            || e.key.starts_with("agentRuntime")
    })
}

/// Loads a control-plane description.
pub(crate) fn load_control_plane(path: &str, root: &Node) -> Result<Authorizer> {
    let mut out = Findings::new(crate::authorizer::Syntax::Json);
    let full = root.as_map().is_some_and(|m| {
        m.iter()
            .any(|e| e.key == "authorizerConfiguration" || e.key.starts_with("agentRuntime"))
    });
    let (jwt, authorizer_line) = if full {
        match root.entry("authorizerConfiguration") {
            Some(e) => (
                jwt::authorizer_configuration(
                    path,
                    &e.value,
                    "authorizerConfiguration",
                    e.line,
                    Style::Camel,
                    &mut out,
                )?,
                e.line,
            ),
            None => (None, None),
        }
    } else {
        (
            jwt::authorizer_configuration(
                path,
                root,
                "authorizerConfiguration",
                root.line,
                Style::Camel,
                &mut out,
            )?,
            root.line,
        )
    };
    let agent_arn = root.get_str("agentRuntimeArn").map(str::to_string);
    let region = agent_arn.as_deref().and_then(arn_region);
    let account = agent_arn.as_deref().and_then(arn_account);
    let has_jwt_now = jwt.is_some();
    let mut ignored = out.ignored;
    ignored.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    Ok(Authorizer {
        source: SourceKind::ControlPlaneJson,
        file: Some(path.to_string()),
        agent: root.get_str("agentRuntimeName").map(str::to_string),
        agent_is_default: false,
        rules: RuleSet::Agentcore,
        jwt,
        authorizer_line,
        ignored,
        warnings: out.warnings,
        other_jwt_agents: Vec::new(),
        agent_arn,
        region,
        authorizer_type: if has_jwt_now {
            AuthorizerType::CustomJwt
        } else {
            AuthorizerType::AwsIam
        },
        request_header_allowlist: root
            .get_some("requestHeaderConfiguration")
            .and_then(|h| h.get_some("requestHeaderAllowlist"))
            .and_then(Node::str_items),
        protocol: root
            .get_some("protocolConfiguration")
            .and_then(|p| p.get_str("serverProtocol"))
            .map(str::to_string),
        deployment: Deployment {
            runtime_id: root.get_str("agentRuntimeId").map(str::to_string),
            account,
            ..Deployment::default()
        },
        ..Authorizer::empty(SourceKind::ControlPlaneJson, RuleSet::Agentcore)
    })
}

/// The region field of an ARN (`arn:aws:bedrock-agentcore:us-west-2:…`).
pub(crate) fn arn_region(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    (parts.next()? == "arn").then_some(())?;
    let region = parts.nth(2)?;
    (!region.is_empty()).then(|| region.to_string())
}

/// The account of an ARN (`arn:aws:service:region:ACCOUNT:…`), when it has 12 digits.
pub(crate) fn arn_account(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    (parts.next()? == "arn").then_some(())?;
    let account = parts.nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

/// True for `get-authorizer` (one authorizer) or `get-authorizers` (`Items`) output.
pub(crate) fn detect_apigateway(root: &Node) -> bool {
    root.get("AuthorizerType").is_some()
        || root.get("JwtConfiguration").is_some()
        || root
            .get("Items")
            .and_then(Node::as_seq)
            .is_some_and(|items| {
                items.iter().any(|i| {
                    i.get("AuthorizerType").is_some() || i.get("JwtConfiguration").is_some()
                })
            })
}

/// Loads an API Gateway JWT authorizer; `resource` picks one of `get-authorizers` by name or id.
pub(crate) fn load_apigateway(
    path: &str,
    root: &Node,
    resource: Option<&str>,
) -> Result<Authorizer> {
    let node = match root.get("Items").and_then(Node::as_seq) {
        Some(items) => pick_authorizer(path, items, resource)?,
        None => root,
    };
    let name = node
        .get_str("Name")
        .or_else(|| node.get_str("AuthorizerId"))
        .map(str::to_string);
    if let Some(t) = node.get_str("AuthorizerType")
        && t != "JWT"
    {
        return Err(Error::config(
            path,
            format!(
                "API Gateway authorizer {} is of type {t}, not JWT",
                name.as_deref().unwrap_or("")
            ),
            Some(
                "tokdiag evaluates JWT authorizers only; a REQUEST (Lambda) authorizer decides in your code"
                    .to_string(),
            ),
        ));
    }
    let Some(cfg_entry) = node
        .entry("JwtConfiguration")
        .filter(|e| !e.value.is_null())
    else {
        return Err(Error::config(
            path,
            "the API Gateway authorizer has no JwtConfiguration",
            Some(
                "pass the output of `aws apigatewayv2 get-authorizer --api-id … --authorizer-id …`"
                    .to_string(),
            ),
        ));
    };
    let cfg = &cfg_entry.value;
    let mut out = Findings::new(crate::authorizer::Syntax::Json);
    let mut jwt = JwtConfig {
        line: cfg_entry.line,
        ..JwtConfig::default()
    };
    if let Some(e) = cfg.entry("Issuer") {
        match e.value.as_str() {
            Some(s) => jwt.issuer = Some(Located::at(s.trim().to_string(), e.line)),
            None => out.warn(format!("`Issuer`{} is not a string", at(e.line))),
        }
    } else {
        out.ignore(
            "Issuer",
            cfg_entry.line,
            format!(
                "`JwtConfiguration`{} has no `Issuer`, which API Gateway requires: add the issuer (e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>)",
                at(cfg_entry.line)
            ),
        );
    }
    if let Some(e) = cfg.entry("Audience") {
        let values: Vec<String> = match e.value.str_items() {
            Some(items) => items,
            None => e
                .value
                .as_str()
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
        };
        if !values.is_empty() {
            jwt.allowed_audience = Some(Located::at(values, e.line));
        }
    }
    for e in cfg.as_map().unwrap_or(&[]) {
        if e.key != "Issuer" && e.key != "Audience" {
            let advice = members::closest(&e.key, &["Issuer", "Audience"])
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "the fields are Issuer and Audience".to_string());
            out.ignore(
                &e.key,
                e.line,
                format!(
                    "`{}` is not a JwtConfiguration field and is never checked: {advice}",
                    e.key
                ),
            );
        }
    }
    if let Some(sources) = node.get("IdentitySource").and_then(Node::as_seq) {
        let srcs: Vec<&str> = sources.iter().filter_map(Node::as_str).collect();
        if !srcs.is_empty()
            && !srcs
                .iter()
                .any(|s| s.eq_ignore_ascii_case("$request.header.Authorization"))
        {
            out.warn(format!(
                "the authorizer reads the token from {}, not the Authorization header",
                srcs.join(", ")
            ));
        }
    }
    let mut ignored = out.ignored;
    ignored.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    Ok(Authorizer {
        source: SourceKind::ApigatewayJson,
        file: Some(path.to_string()),
        agent: name,
        agent_is_default: false,
        rules: RuleSet::Apigateway,
        jwt: Some(jwt),
        authorizer_line: cfg_entry.line,
        ignored,
        warnings: out.warnings,
        other_jwt_agents: Vec::new(),
        agent_arn: None,
        region: None,
        authorizer_type: AuthorizerType::CustomJwt,
        ..Authorizer::empty(SourceKind::ApigatewayJson, RuleSet::Apigateway)
    })
}

/// Picks one JWT authorizer of a `get-authorizers` listing.
fn pick_authorizer<'a>(path: &str, items: &'a [Node], resource: Option<&str>) -> Result<&'a Node> {
    let jwt: Vec<&Node> = items
        .iter()
        .filter(|i| i.get_str("AuthorizerType").is_none_or(|t| t == "JWT"))
        .collect();
    let label = |n: &Node| {
        n.get_str("Name")
            .or_else(|| n.get_str("AuthorizerId"))
            .unwrap_or("?")
            .to_string()
    };
    let labels: Vec<String> = jwt.iter().map(|n| label(n)).collect();
    if let Some(r) = resource {
        return jwt
            .iter()
            .find(|n| n.get_str("Name") == Some(r) || n.get_str("AuthorizerId") == Some(r))
            .copied()
            .ok_or_else(|| {
                Error::usage(
                    format!("{path} has no JWT authorizer named {r}"),
                    Some(format!(
                        "use --resource with one of: {}",
                        crate::fsx::sh_words(&labels)
                    )),
                )
            });
    }
    match jwt.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::config(
            path,
            "the listing holds no JWT authorizer",
            Some("API Gateway JWT authorizers have AuthorizerType JWT".to_string()),
        )),
        _ => Err(Error::usage(
            format!(
                "{path} holds {} JWT authorizers: {}",
                jwt.len(),
                labels.join(", ")
            ),
            Some(format!(
                "use --resource with one of: {}",
                crate::fsx::sh_words(&labels)
            )),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    #[test]
    fn arn_regions() {
        assert_eq!(
            arn_region("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/x").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(arn_region("nope"), None);
    }

    #[test]
    fn bare_authorizer() {
        let root = parse(
            r#"{"customJWTAuthorizer": {"discoveryUrl": "https://x/.well-known/openid-configuration", "allowedClients": ["a"]}}"#,
            "-",
        )
        .unwrap();
        assert!(detect_control_plane(&root));
        let a = load_control_plane("-", &root).unwrap();
        assert_eq!(a.allowed_clients(), ["a"]);
        assert!(a.ignored.is_empty());
    }

    #[test]
    fn runtime_without_authorizer_is_iam() {
        let root = parse(
            r#"{"agentRuntimeArn": "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/r-1", "agentRuntimeName": "r"}"#,
            "-",
        )
        .unwrap();
        let a = load_control_plane("-", &root).unwrap();
        assert!(a.jwt.is_none());
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn listing_needs_a_choice() {
        let root = parse(
            r#"{"Items": [{"AuthorizerType": "JWT", "Name": "a", "JwtConfiguration": {"Issuer": "https://i"}},
                          {"AuthorizerType": "JWT", "Name": "b", "JwtConfiguration": {"Issuer": "https://j"}},
                          {"AuthorizerType": "REQUEST", "Name": "c"}]}"#,
            "-",
        )
        .unwrap();
        assert!(detect_apigateway(&root));
        assert!(matches!(
            load_apigateway("-", &root, None),
            Err(Error::Usage { .. })
        ));
        let b = load_apigateway("-", &root, Some("b")).unwrap();
        assert_eq!(b.jwt.unwrap().issuer.unwrap().value, "https://j");
    }
}
