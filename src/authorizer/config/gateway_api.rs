//! The control-plane description of a gateway: `aws bedrock-agentcore-control get-gateway`
//! (`GetGatewayResponse` of the `bedrock-agentcore-control` 2023-06-05 model): `gatewayId`,
//! `gatewayArn`, `gatewayUrl`, `name`, `authorizerType` (`CUSTOM_JWT` | `AWS_IAM` | `NONE` |
//! `AUTHENTICATE_ONLY`) and `authorizerConfiguration.customJWTAuthorizer`, the same union a
//! runtime has.

use super::api::{arn_account, arn_region};
use super::jwt::{self, Findings, Style, at};
use super::tree::Node;
use crate::authorizer::{
    Authorizer, AuthorizerType, Deployment, ResourceKind, RuleSet, SourceKind,
};
use crate::error::Result;

/// True for `get-gateway` output (recognised by its gateway members, not by the file name).
pub(crate) fn detect(root: &Node) -> bool {
    root.get("gatewayId").is_some()
        || root.get("gatewayArn").is_some()
        || root.get("gatewayUrl").is_some()
}

/// Loads the authorizer of a `get-gateway` description.
pub(crate) fn load(path: &str, root: &Node) -> Result<Authorizer> {
    let mut out = Findings::new(crate::authorizer::Syntax::Json);
    let (jwt, authorizer_line) = match root.entry("authorizerConfiguration") {
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
    };
    let type_entry = root.entry("authorizerType");
    let type_line = type_entry.and_then(|e| e.line);
    match type_entry.and_then(|e| e.value.as_str()) {
        Some("CUSTOM_JWT") if jwt.is_none() => out.ignore(
            "authorizerConfiguration",
            type_line,
            format!(
                "`authorizerType` is CUSTOM_JWT{} but there is no `authorizerConfiguration.customJWTAuthorizer`, which the service requires",
                at(type_line)
            ),
        ),
        Some(t) if t != "CUSTOM_JWT" && jwt.is_some() => out.warn(format!(
            "`authorizerType` is {t}{}: the gateway does not check JWTs, whatever `authorizerConfiguration` says",
            at(type_line)
        )),
        _ => {}
    }
    let gateway_arn = root.get_str("gatewayArn").map(str::to_string);
    let region = gateway_arn
        .as_deref()
        .and_then(arn_region)
        .or_else(|| root.get_str("gatewayUrl").and_then(url_region));
    let name = root
        .get_str("name")
        .or_else(|| root.get_str("gatewayId"))
        .map(str::to_string);
    // A declared AWS_IAM/NONE checks no JWT (the warning above says so): as in templates.
    let declared_text = type_entry.and_then(|e| e.value.as_str());
    let declared = declared_text.map(|t| super::DeclaredType::of(Some(t)));
    let t = authorizer_type(declared_text, jwt.is_some());
    let (_, jwt) = super::DeclaredType::apply(declared.as_ref(), jwt, t);
    let mut ignored = out.ignored;
    ignored.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    Ok(Authorizer {
        source: SourceKind::ControlPlaneJson,
        file: Some(path.to_string()),
        agent: name,
        agent_is_default: true,
        rules: RuleSet::Agentcore,
        jwt,
        authorizer_line,
        ignored,
        warnings: out.warnings,
        other_jwt_agents: Vec::new(),
        agent_arn: gateway_arn.clone(),
        region,
        kind: ResourceKind::Gateway,
        authorizer_type: t,
        authorizer_type_declared: matches!(declared, Some(super::DeclaredType::Known(_))),
        deployment: Deployment {
            gateway_id: root.get_str("gatewayId").map(str::to_string),
            gateway_arn: gateway_arn.clone(),
            gateway_url: root.get_str("gatewayUrl").map(str::to_string),
            account: gateway_arn.as_deref().and_then(arn_account),
            ..Deployment::default()
        },
        protocol: root.get_str("protocolType").map(str::to_string),
        ..Authorizer::empty(SourceKind::ControlPlaneJson, RuleSet::Agentcore)
    })
}

/// The authorizer type: as declared (`AUTHENTICATE_ONLY` reads as JWT), else JWT when one is
/// configured, else `NONE` (the gateways' default).
fn authorizer_type(declared: Option<&str>, has_jwt: bool) -> AuthorizerType {
    match declared.and_then(AuthorizerType::parse) {
        Some(t) => t,
        None if has_jwt || declared == Some("AUTHENTICATE_ONLY") => AuthorizerType::CustomJwt,
        None => AuthorizerType::None,
    }
}

/// The region of a gateway URL (`https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp`).
fn url_region(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_string();
    let rest = host.split(".gateway.bedrock-agentcore.").nth(1)?;
    let region = rest.split('.').next()?;
    (!region.is_empty()).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    const GW: &str = r#"{
    "gatewayArn": "arn:aws:bedrock-agentcore:eu-west-1:123456789012:gateway/tools-a1b2c3d4e5",
    "gatewayId": "tools-a1b2c3d4e5",
    "name": "tools",
    "authorizerType": "CUSTOM_JWT",
    "authorizerConfiguration": {
        "customJWTAuthorizer": {
            "discoveryUrl": "https://x/.well-known/openid-configuration",
            "allowedClients": ["c"]
        }
    }
}"#;

    #[test]
    fn reads_a_gateway() {
        let root = parse(GW, "gw.json").unwrap();
        assert!(detect(&root));
        let a = load("gw.json", &root).unwrap();
        assert_eq!(a.agent.as_deref(), Some("tools"));
        assert_eq!(a.allowed_clients(), ["c"]);
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
        assert_eq!(a.authorizer_line, Some(6));
        assert!(a.ignored.is_empty() && a.warnings.is_empty());
    }

    #[test]
    fn jwt_type_without_configuration() {
        let root = parse(
            "{\n  \"gatewayId\": \"g\",\n  \"authorizerType\": \"CUSTOM_JWT\"\n}\n",
            "gw.json",
        )
        .unwrap();
        let a = load("gw.json", &root).unwrap();
        assert!(a.jwt.is_none());
        assert_eq!(a.ignored[0].line, Some(3));
    }

    #[test]
    fn iam_gateway_and_url_region() {
        let root = parse(
            r#"{"gatewayId": "g", "gatewayUrl": "https://g.gateway.bedrock-agentcore.ap-south-1.amazonaws.com/mcp", "authorizerType": "AWS_IAM"}"#,
            "gw.json",
        )
        .unwrap();
        let a = load("gw.json", &root).unwrap();
        assert!(a.jwt.is_none() && a.ignored.is_empty());
        assert_eq!(a.region.as_deref(), Some("ap-south-1"));
        assert_eq!(a.agent.as_deref(), Some("g"));
    }
}
