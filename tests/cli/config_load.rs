//! Loading authorizers from every source (`tokdiag::authorizer::config::load`), with exact
//! 1-based key lines. Fixtures: testdata/configs/ and testdata/seed/.

use std::path::PathBuf;

use tokdiag::authorizer::config::{AuthorizerFlags, LoadOptions, load};
use tokdiag::authorizer::{Authorizer, RuleSet, SourceKind};
use tokdiag::error::Error;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// Loads `rel` as `--config`, with options adjusted by `f`.
fn load_with(rel: &str, f: impl FnOnce(&mut LoadOptions)) -> Result<Authorizer, Error> {
    let mut opts = LoadOptions {
        config: Some(fixture(rel)),
        region: Some("us-east-1".into()),
        ..LoadOptions::default()
    };
    f(&mut opts);
    load(&opts).map(|a| a.expect("a file source gives an authorizer"))
}

fn load_file(rel: &str) -> Authorizer {
    match load_with(rel, |_| {}) {
        Ok(a) => a,
        Err(e) => panic!("{rel}: {e} ({:?})", e.hint()),
    }
}

/// (key, line) of every ignored key, in order.
fn ignored(a: &Authorizer) -> Vec<(String, Option<usize>)> {
    a.ignored.iter().map(|i| (i.key.clone(), i.line)).collect()
}

fn keys(list: &[(&str, usize)]) -> Vec<(String, Option<usize>)> {
    list.iter()
        .map(|(k, l)| (k.to_string(), Some(*l)))
        .collect()
}

fn message_of<'a>(a: &'a Authorizer, key: &str) -> &'a str {
    &a.ignored
        .iter()
        .find(|i| i.key == key)
        .unwrap_or_else(|| panic!("{key} not ignored: {:?}", a.ignored))
        .message
}

// ---------------------------------------------------------------- starter toolkit YAML

#[test]
fn seed_incident_file_has_exact_lines() {
    let a = load_file("seed/.bedrock_agentcore.yaml");
    assert_eq!(a.source, SourceKind::AgentcoreYaml);
    assert_eq!(a.rules, RuleSet::Agentcore);
    assert_eq!(a.agent.as_deref(), Some("mcp_server"));
    assert_eq!(a.authorizer_line, Some(57));
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.line, Some(58));
    let d = jwt.discovery_url.as_ref().unwrap();
    assert_eq!(
        d.value,
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration"
    );
    assert_eq!(d.line, Some(59));
    let c = jwt.allowed_clients.as_ref().unwrap();
    assert_eq!(c.value, vec!["3ipsf00btbffko91d8irdu8up1"]);
    assert_eq!(c.line, Some(60));
    assert!(jwt.allowed_audience.is_none() && jwt.allowed_scopes.is_none());
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        a.agent_arn.as_deref(),
        Some("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/mcp_server-AbCdEf1234")
    );
    assert!(a.ignored.is_empty() && a.warnings.is_empty());
}

#[test]
fn toolkit_0_3_14_full_file() {
    let a = load_file("configs/toolkit/toolkit-0.3.14.yaml");
    assert_eq!(a.agent.as_deref(), Some("mcp_server"));
    assert_eq!(
        a.file
            .as_deref()
            .map(|f| f.ends_with("toolkit-0.3.14.yaml")),
        Some(true)
    );
    assert_eq!(a.authorizer_line, Some(57));
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(59));
    assert_eq!(a.allowed_clients(), ["1abc2defgh3ijklmnop4qrstu5"]);
    assert_eq!(jwt.allowed_clients.as_ref().unwrap().line, Some(60));
    assert_eq!(a.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        a.agent_arn.as_deref(),
        Some("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/mcp_server-AbCdEf1234")
    );
    assert!(a.ignored.is_empty(), "{:?}", a.ignored);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

#[test]
fn legacy_single_agent_layout() {
    let a = load_file("configs/toolkit/legacy-single-agent.yaml");
    assert_eq!(a.agent.as_deref(), Some("weather_agent"));
    assert_eq!(a.region.as_deref(), Some("eu-central-1"));
    assert_eq!(a.authorizer_line, Some(21));
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(23));
    assert_eq!(a.allowed_audience(), ["4kq8m2v7s1c9d3e5f6g0h2j4k6"]);
    assert_eq!(jwt.allowed_audience.as_ref().unwrap().line, Some(24));
    assert_eq!(a.allowed_scopes(), ["weather/read"]);
    assert_eq!(jwt.allowed_scopes.as_ref().unwrap().line, Some(26));
    assert!(a.allowed_clients().is_empty());
    // --agent with the legacy name works; another name is unknown.
    assert!(
        load_with("configs/toolkit/legacy-single-agent.yaml", |o| {
            o.agent = Some("weather_agent".into())
        })
        .is_ok()
    );
    match load_with("configs/toolkit/legacy-single-agent.yaml", |o| {
        o.agent = Some("other".into())
    }) {
        Err(Error::UnknownAgent { known, .. }) => assert_eq!(known, vec!["weather_agent"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn multi_agent_uses_default_agent() {
    let a = load_file("configs/toolkit/multi-agent-default.yaml");
    assert_eq!(a.agent.as_deref(), Some("support_mcp"));
    assert_eq!(
        a.allowed_clients(),
        ["3ipsf00btbffko91d8irdu8up1", "7d8rtc0q3e7a1n4ci6bm2ju5s0"]
    );
    assert_eq!(
        a.jwt
            .as_ref()
            .unwrap()
            .allowed_clients
            .as_ref()
            .unwrap()
            .line,
        Some(35)
    );
    assert_eq!(
        a.agent_arn.as_deref(),
        Some("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_mcp-Tu7Vw8Xy9Z")
    );
    assert!(a.other_jwt_agents.is_empty() && a.warnings.is_empty());
}

#[test]
fn agent_flag_picks_another_agent_with_custom_claims() {
    let a = load_with("configs/toolkit/multi-agent-default.yaml", |o| {
        o.agent = Some("billing_mcp".into())
    })
    .unwrap();
    assert_eq!(a.agent.as_deref(), Some("billing_mcp"));
    assert_eq!(a.allowed_scopes(), ["billing/read"]);
    let claims = &a.jwt.as_ref().unwrap().custom_claims;
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0].line, Some(61));
    assert_eq!(claims[0].value.name, "cognito:groups");
    assert_eq!(claims[0].value.value_type, "STRING_ARRAY");
    assert_eq!(claims[0].value.operator, "CONTAINS_ANY");
    assert_eq!(
        claims[0].value.match_values,
        vec!["billing-admins", "finance"]
    );
    assert_eq!(claims[1].line, Some(69));
    assert_eq!(claims[1].value.name, "tenant");
    assert_eq!(claims[1].value.operator, "EQUALS");
    assert_eq!(claims[1].value.match_value.as_deref(), Some("acme"));
    assert!(a.ignored.is_empty(), "{:?}", a.ignored);

    let iam = load_with("configs/toolkit/multi-agent-default.yaml", |o| {
        o.agent = Some("support_agent".into())
    })
    .unwrap();
    assert!(iam.jwt.is_none());
    assert_eq!(iam.authorizer_line, Some(17));
    assert_eq!(iam.other_jwt_agents, vec!["support_mcp", "billing_mcp"]);
    assert_eq!(
        iam.warnings,
        vec!["the JWT authorizer is on runtimes support_mcp, billing_mcp: use --agent support_mcp"]
    );
}

#[test]
fn unknown_agent_lists_the_agents() {
    let err = load_with("configs/toolkit/multi-agent-default.yaml", |o| {
        o.agent = Some("support".into())
    })
    .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    match &err {
        Error::UnknownAgent { name, known, .. } => {
            assert_eq!(name, "support");
            assert_eq!(known, &["support_agent", "support_mcp", "billing_mcp"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.hint().unwrap(),
        "use --agent with one of: support_agent, support_mcp, billing_mcp"
    );
}

#[test]
fn several_agents_without_default_is_a_usage_error() {
    let err = load_with("configs/toolkit/several-agents-no-default.yaml", |_| {}).unwrap_err();
    assert!(matches!(err, Error::Usage { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string().ends_with(
            "several-agents-no-default.yaml defines 2 agents and none has a JWT authorizer: research_agent (IAM), writer_agent (IAM)"
        ),
        "{err}"
    );
    assert_eq!(
        err.hint().unwrap(),
        "use --agent with one of: research_agent, writer_agent"
    );
}

#[test]
fn jwt_authorizer_on_a_non_default_agent() {
    let a = load_file("configs/toolkit/jwt-on-other-agent.yaml");
    assert_eq!(a.agent.as_deref(), Some("strands_agent"));
    assert!(a.jwt.is_none());
    assert_eq!(a.authorizer_line, Some(17));
    assert_eq!(a.other_jwt_agents, vec!["docs_mcp"]);
    assert_eq!(
        a.warnings,
        vec!["the JWT authorizer is on runtime docs_mcp: use --agent docs_mcp"]
    );
    let b = load_with("configs/toolkit/jwt-on-other-agent.yaml", |o| {
        o.agent = Some("docs_mcp".into())
    })
    .unwrap();
    assert_eq!(b.allowed_clients(), ["1abc2defgh3ijklmnop4qrstu5"]);
    assert!(b.warnings.is_empty());
}

#[test]
fn authorizer_configuration_null_is_iam() {
    let a = load_file("configs/toolkit/iam-null.yaml");
    assert!(a.jwt.is_none());
    assert_eq!(a.authorizer_line, Some(29));
    assert!(a.other_jwt_agents.is_empty());
    assert!(a.ignored.is_empty() && a.warnings.is_empty());
}

#[test]
fn unquoted_account_read_as_integer_warns() {
    let a = load_file("configs/toolkit/unquoted-account.yaml");
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert_eq!(
        a.config_warnings,
        vec![tokdiag::authorizer::ConfigWarning {
            code: "config-account-unquoted",
            message: "aws.account (line 10) is written unquoted as 123456789012, which YAML reads as an integer: the starter toolkit refuses it (pydantic: \"Input should be a valid string\")".into(),
            fix: "quote it: account: '123456789012'".into(),
            line: Some(10),
        }]
    );
    assert_eq!(a.allowed_clients(), ["5m6n7o8p9q0r1s2t3u4v5w6x7y"]);
    assert_eq!(a.region.as_deref(), Some("ap-southeast-2"));
}

#[test]
fn leading_zero_account_keeps_twelve_digits() {
    let a = load_file("configs/toolkit/entra-leading-zero-account.yaml");
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert!(a.config_warnings.is_empty(), "{:?}", a.config_warnings);
    assert_eq!(
        a.agent_arn.as_deref(),
        Some(
            "arn:aws:bedrock-agentcore:us-west-2:061051234909:runtime/strands_wo_memory_entra_inbound-jmwPTxG0aK"
        )
    );
    assert_eq!(
        a.allowed_audience(),
        ["58e9be75-255b-4f00-9311-4cf03506dec8"]
    );
    assert_eq!(
        a.discovery_url().as_deref(),
        Some(
            "https://login.microsoftonline.com/31386ae4-e5c5-4956-80b9-3868597721b3/v2.0/.well-known/openid-configuration"
        )
    );
}

#[test]
fn octal_looking_account_warns() {
    let a = load_file("configs/toolkit/octal-account.yaml");
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert_eq!(a.config_warnings.len(), 1);
    assert_eq!(a.config_warnings[0].code, "config-account-unquoted");
    assert_eq!(
        a.config_warnings[0].fix,
        "quote it: account: '012345670123'"
    );
}

#[test]
fn crlf_line_endings() {
    let raw = std::fs::read(fixture("configs/toolkit/crlf-windows.yaml")).unwrap();
    assert!(
        raw.windows(2).any(|w| w == b"\r\n"),
        "fixture must use CRLF"
    );
    let a = load_file("configs/toolkit/crlf-windows.yaml");
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(19));
    assert!(!jwt.discovery_url.as_ref().unwrap().value.ends_with('\r'));
    assert_eq!(ignored(&a), keys(&[("allowedAudiences", 22)]));
    assert!(
        message_of(&a, "allowedAudiences").contains("did you mean `allowedAudience`?"),
        "{}",
        message_of(&a, "allowedAudiences")
    );
    assert!(a.allowed_audience().is_empty());
}

#[test]
fn comments_are_ignored() {
    let a = load_file("configs/toolkit/commented.yaml");
    assert_eq!(a.agent.as_deref(), Some("mcp_server"));
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(a.authorizer_line, Some(21));
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(24));
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
    assert_eq!(jwt.allowed_clients.as_ref().unwrap().line, Some(25));
    assert_eq!(a.allowed_scopes(), ["mcp/invoke"]);
    assert_eq!(jwt.allowed_scopes.as_ref().unwrap().line, Some(28));
    assert!(a.ignored.is_empty() && a.warnings.is_empty());
}

// ---------------------------------------------------------------- keys the toolkit drops

#[test]
fn camelcase_authorizer_configuration_means_iam() {
    let a = load_file("configs/toolkit/camelcase-authorizer.yaml");
    assert!(a.jwt.is_none(), "the toolkit ignores the camelCase key");
    assert_eq!(
        ignored(&a),
        keys(&[("authorizerConfiguration", 17), ("allowedAudiences", 20)])
    );
    assert_eq!(
        message_of(&a, "authorizerConfiguration"),
        "the toolkit drops `authorizerConfiguration` (camelCase) without a word and deploys the runtime with IAM (SigV4) authorization, which refuses every bearer token: rename it to `authorizer_configuration`"
    );
    assert!(message_of(&a, "allowedAudiences").contains("did you mean `allowedAudience`?"));
    // No authorizer_configuration key: the line is the agent's own key.
    assert_eq!(a.authorizer_line, Some(3));
}

#[test]
fn misspelt_fields_each_with_its_line() {
    let a = load_file("configs/toolkit/misspelt-fields.yaml");
    assert_eq!(
        ignored(&a),
        keys(&[
            ("allowedClient", 15),
            ("allowedAudiences", 17),
            ("allowedScope", 19),
            ("audience", 20),
        ])
    );
    assert_eq!(
        message_of(&a, "allowedClient"),
        "`allowedClient` is not a `customJWTAuthorizer` field and is never checked: did you mean `allowedClients`?"
    );
    assert!(message_of(&a, "allowedScope").contains("did you mean `allowedScopes`?"));
    assert!(message_of(&a, "audience").contains("did you mean `allowedAudience`?"));
    // Dropped keys are not evaluated; the correct ones are.
    assert!(a.allowed_clients().is_empty() && a.allowed_audience().is_empty());
    assert_eq!(a.allowed_scopes(), ["mcp/invoke"]);
    assert_eq!(
        a.jwt
            .as_ref()
            .unwrap()
            .allowed_scopes
            .as_ref()
            .unwrap()
            .line,
        Some(21)
    );
}

#[test]
fn issuer_and_jwks_instead_of_discovery_url() {
    let a = load_file("configs/toolkit/issuer-instead-of-discovery.yaml");
    assert_eq!(ignored(&a), keys(&[("issuerUrl", 11), ("jwksUri", 12)]));
    let expected = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration";
    assert_eq!(
        message_of(&a, "issuerUrl"),
        format!(
            "`issuerUrl` is not a `customJWTAuthorizer` field and is never checked: AgentCore takes the discovery document's URL, write `discoveryUrl: {expected}`"
        )
    );
    assert!(message_of(&a, "jwksUri").contains(expected));
    let invalid = &a.jwt.as_ref().unwrap().invalid;
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert_eq!(
        invalid[0].message,
        "`customJWTAuthorizer` (line 10) has no `discoveryUrl`, which the service requires (a URL ending in /.well-known/openid-configuration): it refuses this configuration at deploy time"
    );
    assert_eq!(invalid[0].line, Some(10));
    assert_eq!(invalid[0].fix, format!("add `discoveryUrl: {expected}`"));
    assert!(a.jwt.as_ref().unwrap().discovery_url.is_none());
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
}

#[test]
fn snake_case_wrapper_is_reported_and_read() {
    let a = load_file("configs/toolkit/snake-case-wrapper.yaml");
    assert_eq!(ignored(&a), keys(&[("custom_jwt_authorizer", 10)]));
    assert!(message_of(&a, "custom_jwt_authorizer").contains("rename it to `customJWTAuthorizer`"));
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
    assert_eq!(a.jwt.as_ref().unwrap().line, Some(10));
}

#[test]
fn node_cli_wrapper_spelling_is_reported() {
    let a = load_file("configs/toolkit/node-cli-wrapper.yaml");
    assert_eq!(ignored(&a), keys(&[("customJwtAuthorizer", 10)]));
    assert_eq!(
        message_of(&a, "customJwtAuthorizer"),
        "`customJwtAuthorizer` (the spelling of the Node CLI's agentcore.json) is not a member of `authorizer_configuration`, so no JWT authorizer is set: rename it to `customJWTAuthorizer` (tokdiag reads the fields under it as if you had)"
    );
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
}

#[test]
fn jwt_fields_without_the_wrapper() {
    let a = load_file("configs/toolkit/no-wrapper.yaml");
    assert_eq!(
        ignored(&a),
        keys(&[("discoveryUrl", 10), ("allowedClients", 11)])
    );
    assert!(
        message_of(&a, "discoveryUrl").contains("indent it under a `customJWTAuthorizer:` key")
    );
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(10));
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
}

#[test]
fn missing_discovery_url_points_at_the_mapping() {
    let a = load_file("configs/toolkit/missing-discovery-url.yaml");
    assert_eq!(ignored(&a), keys(&[]));
    let invalid = &a.jwt.as_ref().unwrap().invalid;
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert_eq!(invalid[0].line, Some(10));
    assert_eq!(
        invalid[0].fix,
        "add `discoveryUrl: https://<issuer>/.well-known/openid-configuration`"
    );
    assert_eq!(a.discovery_url(), None);
}

#[test]
fn valid_non_check_members_are_not_ignored() {
    let a = load_file("configs/toolkit/valid-extra-members.yaml");
    assert!(a.ignored.is_empty(), "{:?}", a.ignored);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert_eq!(a.allowed_audience(), ["private-mcp"]);
}

#[test]
fn misplaced_authorizer_blocks() {
    let a = load_file("configs/toolkit/misplaced-keys.yaml");
    assert!(a.jwt.is_none());
    assert_eq!(
        ignored(&a),
        keys(&[
            ("authorizer_configuration", 3),
            ("authorizer_configuration", 13),
            ("authorizer_config", 16),
        ])
    );
    assert!(a.ignored[0].message.contains("at the top level"));
    assert!(a.ignored[1].message.contains("under `aws:`"));
    assert!(
        a.ignored[2]
            .message
            .contains("rename it to `authorizer_configuration`")
    );
}

#[test]
fn not_a_toolkit_config() {
    let err = load_with("configs/toolkit/not-a-toolkit-config.yaml", |_| {}).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let msg = err.to_string();
    assert!(msg.contains("not a starter-toolkit config"), "{msg}");
    assert!(msg.contains("runtime_name, container, server"), "{msg}");
    assert!(err.hint().unwrap().contains("agentcore configure"));
}

#[test]
fn invalid_yaml_is_a_config_error_with_line() {
    let err = load_with("configs/toolkit/invalid-syntax.yaml", |_| {}).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 2);
    let msg = err.to_string();
    assert!(msg.contains("invalid-syntax.yaml"), "{msg}");
    assert!(msg.contains("syntax error at line 10 column"), "{msg}");
    assert!(err.hint().is_some());
}

// ---------------------------------------------------------------- control-plane JSON

#[test]
fn control_plane_get_agent_runtime() {
    let a = load_with("configs/control-plane/get-agent-runtime.json", |o| {
        o.authorizer_json = o.config.take().map(|p| p.to_string_lossy().into_owned())
    })
    .unwrap();
    assert_eq!(a.source, SourceKind::ControlPlaneJson);
    assert_eq!(a.agent.as_deref(), Some("mcp_server"));
    assert_eq!(
        a.agent_arn.as_deref(),
        Some("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/mcp_server-AbCdEf1234")
    );
    assert_eq!(a.region.as_deref(), Some("us-west-2"));
    assert_eq!(a.authorizer_line, Some(20));
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.line, Some(21));
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(22));
    assert_eq!(a.allowed_clients(), ["1abc2defgh3ijklmnop4qrstu5"]);
    assert_eq!(jwt.allowed_clients.as_ref().unwrap().line, Some(23));
    assert_eq!(a.allowed_scopes(), ["mcp/invoke"]);
    assert!(a.ignored.is_empty() && a.warnings.is_empty());
}

#[test]
fn control_plane_runtime_without_authorizer_is_iam() {
    let a = load_file("configs/control-plane/get-agent-runtime-iam.json");
    assert_eq!(a.source, SourceKind::ControlPlaneJson);
    assert!(a.jwt.is_none());
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
}

#[test]
fn control_plane_bare_authorizer() {
    let a = load_file("configs/control-plane/bare-authorizer.json");
    assert_eq!(a.source, SourceKind::ControlPlaneJson);
    assert_eq!(a.agent, None);
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
    assert_eq!(
        a.jwt.as_ref().unwrap().discovery_url.as_ref().unwrap().line,
        Some(1)
    );
}

#[test]
fn control_plane_custom_claims_and_typo() {
    let a = load_file("configs/control-plane/bare-authorizer-custom-claims.json");
    assert_eq!(a.allowed_audience(), ["https://mcp.example.com"]);
    let claims = &a.jwt.as_ref().unwrap().custom_claims;
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].value.name, "org_id");
    assert_eq!(claims[0].value.match_value.as_deref(), Some("org_4f2a9c"));
    assert_eq!(ignored(&a), keys(&[("allowedAudiences", 15)]));
}

#[test]
fn authorizer_json_recognises_yaml_by_content() {
    let a = load_with("configs/toolkit/toolkit-0.3.14.yaml", |o| {
        o.authorizer_json = o.config.take().map(|p| p.to_string_lossy().into_owned())
    })
    .unwrap();
    assert_eq!(a.source, SourceKind::AgentcoreYaml);
}

// ---------------------------------------------------------------- CloudFormation

#[test]
fn cloudformation_resolves_sub_and_ref_from_parameter_defaults() {
    let a = load_file("configs/cloudformation/mcp-runtime.yaml");
    assert_eq!(a.source, SourceKind::Cloudformation);
    assert_eq!(a.agent.as_deref(), Some("McpRuntime"));
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
    assert_eq!(a.authorizer_line, Some(37));
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.line, Some(38));
    let d = jwt.discovery_url.as_ref().unwrap();
    assert_eq!(
        d.value,
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration"
    );
    assert_eq!(d.line, Some(39));
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
    assert_eq!(jwt.allowed_clients.as_ref().unwrap().line, Some(40));
    assert_eq!(a.allowed_scopes(), ["${AWS::StackName}/invoke"]);
    let c = &jwt.custom_claims[0];
    assert_eq!(c.line, Some(45));
    assert_eq!(c.value.name, "cognito:groups");
    assert_eq!(c.value.operator, "CONTAINS");
    assert_eq!(c.value.match_value.as_deref(), Some("mcp-users"));
    // Only the authorizer is resolved: RoleArn/ImageUri elsewhere produce no warnings.
    assert_eq!(
        a.warnings,
        vec!["unresolved: AWS::StackName — supply it with --param AWS::StackName=my-stack"]
    );
    assert!(a.ignored.is_empty(), "{:?}", a.ignored);
}

#[test]
fn cloudformation_params_override_defaults() {
    let a = load_with("configs/cloudformation/mcp-runtime.yaml", |o| {
        o.params = vec![
            ("UserPoolId".into(), "eu-west-1_Zz9Yy8Xx7".into()),
            ("AWS::Region".into(), "eu-west-1".into()),
            ("AWS::StackName".into(), "tools".into()),
        ]
    })
    .unwrap();
    assert_eq!(
        a.discovery_url().as_deref(),
        Some(
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Zz9Yy8Xx7/.well-known/openid-configuration"
        )
    );
    assert_eq!(a.region.as_deref(), Some("eu-west-1"));
    assert_eq!(a.allowed_scopes(), ["tools/invoke"]);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

#[test]
fn cloudformation_unresolved_values_are_reported() {
    let a = load_file("configs/cloudformation/mcp-runtime-with-pool.yaml");
    assert_eq!(
        a.discovery_url().as_deref(),
        Some(
            "https://cognito-idp.us-east-1.amazonaws.com/${UserPool}/.well-known/openid-configuration"
        )
    );
    assert_eq!(a.allowed_clients(), ["${UserPoolClient.ClientId}"]);
    assert_eq!(
        a.warnings,
        vec![
            "unresolved: UserPool — supply it with --param UserPool=us-east-1_XXXX",
            "unresolved: UserPoolClient.ClientId — supply it with --param UserPoolClient.ClientId=CLIENT_ID",
        ]
    );

    let b = load_with("configs/cloudformation/mcp-runtime-with-pool.yaml", |o| {
        o.params = vec![
            ("UserPool".into(), "us-east-1_h0Vo2Whhx".into()),
            (
                "UserPoolClient.ClientId".into(),
                "3ipsf00btbffko91d8irdu8up1".into(),
            ),
        ]
    })
    .unwrap();
    assert_eq!(
        b.discovery_url().as_deref(),
        Some(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration"
        )
    );
    assert_eq!(b.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
}

#[test]
fn cloudformation_two_runtimes_pick_the_jwt_one_or_resource() {
    // Nothing chosen: the one runtime with a JWT authorizer (SPEC "Selection").
    let picked = load_with("configs/cloudformation/two-runtimes.yaml", |_| {}).unwrap();
    assert_eq!(picked.agent.as_deref(), Some("ToolsRuntime"));
    assert!(picked.agent_is_default);
    let err = load_with("configs/cloudformation/two-runtimes.yaml", |o| {
        o.resource = Some("Nope".into())
    })
    .unwrap_err();
    assert!(matches!(err, Error::Usage { .. }), "{err:?}");
    assert_eq!(
        err.hint().unwrap(),
        "use --resource with one of: AgentRuntime, ToolsRuntime"
    );

    let tools = load_with("configs/cloudformation/two-runtimes.yaml", |o| {
        o.resource = Some("ToolsRuntime".into());
        o.region = Some("us-west-2".into());
    })
    .unwrap();
    assert_eq!(tools.agent.as_deref(), Some("ToolsRuntime"));
    assert_eq!(
        tools.discovery_url().as_deref(),
        Some(
            "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AbCdEfGhI/.well-known/openid-configuration"
        )
    );
    assert_eq!(
        tools.allowed_clients(),
        ["1abc2defgh3ijklmnop4qrstu5", "7d8rtc0q3e7a1n4ci6bm2ju5s0"]
    );
    assert_eq!(tools.allowed_audience(), ["1abc2defgh3ijklmnop4qrstu5"]);
    assert_eq!(
        tools
            .jwt
            .as_ref()
            .unwrap()
            .discovery_url
            .as_ref()
            .unwrap()
            .line,
        Some(27)
    );

    let agent = load_with("configs/cloudformation/two-runtimes.yaml", |o| {
        o.resource = Some("AgentRuntime".into())
    })
    .unwrap();
    assert!(agent.jwt.is_none());
    assert_eq!(agent.authorizer_line, Some(10));
    assert_eq!(agent.other_jwt_agents, vec!["ToolsRuntime"]);
    assert_eq!(
        agent.warnings,
        vec!["the JWT authorizer is on runtime ToolsRuntime: use --resource ToolsRuntime"]
    );

    let err = load_with("configs/cloudformation/two-runtimes.yaml", |o| {
        o.resource = Some("Nope".into())
    })
    .unwrap_err();
    assert!(matches!(err, Error::Usage { .. }));
}

#[test]
fn cloudformation_json_template() {
    let a = load_file("configs/cloudformation/runtime.json");
    assert_eq!(a.source, SourceKind::Cloudformation);
    assert_eq!(a.agent.as_deref(), Some("McpServerRuntime3F2A1B9C"));
    assert_eq!(
        a.discovery_url().as_deref(),
        Some("https://dev-8k2m4n6p.us.auth0.com/.well-known/openid-configuration")
    );
    assert_eq!(a.allowed_audience(), ["https://mcp.amazonaws.com"]);
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(19));
    assert_eq!(jwt.allowed_audience.as_ref().unwrap().line, Some(25));
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

#[test]
fn cloudformation_keeps_a_bare_issuer_and_reports_typos() {
    let a = load_file("configs/cloudformation/bare-issuer-discovery-url.yaml");
    assert_eq!(
        a.discovery_url().as_deref(),
        Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx")
    );
    assert_eq!(ignored(&a), keys(&[("AllowedAudiences", 13)]));
    assert!(message_of(&a, "AllowedAudiences").contains("did you mean `AllowedAudience`?"));
}

#[test]
fn cloudformation_without_runtime_is_a_config_error() {
    let err = load_with("configs/cloudformation/no-runtime.yaml", |_| {}).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("AWS::BedrockAgentCore::Runtime"));
    assert!(err.hint().is_some());
}

// ---------------------------------------------------------------- API Gateway

#[test]
fn apigateway_get_authorizer() {
    let a = load_file("configs/apigateway/get-authorizer.json");
    assert_eq!(a.source, SourceKind::ApigatewayJson);
    assert_eq!(a.rules, RuleSet::Apigateway);
    assert_eq!(a.agent.as_deref(), Some("cognito-jwt"));
    let jwt = a.jwt.as_ref().unwrap();
    let issuer = jwt.issuer.as_ref().unwrap();
    assert_eq!(
        issuer.value,
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx"
    );
    assert_eq!(issuer.line, Some(11));
    assert_eq!(a.allowed_audience(), ["3ipsf00btbffko91d8irdu8up1"]);
    assert_eq!(jwt.allowed_audience.as_ref().unwrap().line, Some(8));
    assert_eq!(
        a.discovery_url().as_deref(),
        Some(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration"
        )
    );
    assert!(a.ignored.is_empty() && a.warnings.is_empty());
}

#[test]
fn apigateway_issuer_written_as_discovery_url_is_kept() {
    let a = load_file("configs/apigateway/get-authorizer-discovery-issuer.json");
    assert!(
        a.jwt
            .as_ref()
            .unwrap()
            .issuer
            .as_ref()
            .unwrap()
            .value
            .ends_with("/.well-known/openid-configuration")
    );
}

#[test]
fn apigateway_with_rules_agentcore_is_a_usage_error() {
    let err = load_with("configs/apigateway/get-authorizer.json", |o| {
        o.rules = Some(RuleSet::Agentcore)
    })
    .unwrap_err();
    assert!(matches!(err, Error::Usage { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn apigateway_listing_with_resource() {
    let err = load_with("configs/apigateway/get-authorizers.json", |_| {}).unwrap_err();
    assert_eq!(
        err.hint().unwrap(),
        "use --resource with one of: cognito-jwt, auth0-jwt"
    );
    let a = load_with("configs/apigateway/get-authorizers.json", |o| {
        o.resource = Some("auth0-jwt".into())
    })
    .unwrap();
    assert_eq!(a.allowed_audience(), ["https://api.example.com"]);
    assert_eq!(
        a.warnings,
        vec![
            "the authorizer reads the token from $request.header.X-Api-Token, not the Authorization header"
        ]
    );
}

#[test]
fn apigateway_rules_from_flags() {
    let a = load(&LoadOptions {
        rules: Some(RuleSet::Apigateway),
        flags: AuthorizerFlags {
            issuer: Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx".into()),
            allowed_audience: vec!["3ipsf00btbffko91d8irdu8up1".into()],
            allowed_scopes: vec!["orders/read".into()],
            ..AuthorizerFlags::default()
        },
        ..LoadOptions::default()
    })
    .unwrap()
    .unwrap();
    assert_eq!(a.source, SourceKind::Flags);
    assert_eq!(a.rules, RuleSet::Apigateway);
    assert_eq!(a.allowed_scopes(), ["orders/read"]);

    // With an AgentCore file around (the implicit config), --issuer flags stand alone.
    let b = load_with("configs/toolkit/toolkit-0.3.14.yaml", |o| {
        o.rules = Some(RuleSet::Apigateway);
        o.flags.issuer = Some("https://issuer.example.com".into());
    })
    .unwrap();
    assert_eq!(b.source, SourceKind::Flags);
    assert!(b.allowed_clients().is_empty());
}

// ---------------------------------------------------------------- flags

#[test]
fn flags_override_file_values() {
    let a = load_with("configs/toolkit/toolkit-0.3.14.yaml", |o| {
        o.flags.allowed_clients = vec!["9zz9zz9zz9zz9zz9zz9zz9zz9z".into()];
        o.flags.allowed_audience = vec!["api://mcp".into()];
    })
    .unwrap();
    assert_eq!(a.source, SourceKind::AgentcoreYaml);
    assert_eq!(a.allowed_clients(), ["9zz9zz9zz9zz9zz9zz9zz9zz9z"]);
    assert_eq!(a.allowed_audience(), ["api://mcp"]);
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.allowed_clients.as_ref().unwrap().line, None);
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(59));
}

#[test]
fn flags_alone_and_no_source() {
    let a = load(&LoadOptions {
        flags: AuthorizerFlags {
            discovery_url: Some(
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration"
                    .into(),
            ),
            allowed_clients: vec!["3ipsf00btbffko91d8irdu8up1".into()],
            ..AuthorizerFlags::default()
        },
        ..LoadOptions::default()
    })
    .unwrap()
    .unwrap();
    assert_eq!(a.source, SourceKind::Flags);
    assert_eq!(a.rules, RuleSet::Agentcore);
    assert_eq!(a.file, None);
    assert!(load(&LoadOptions::default()).unwrap().is_none());
}

#[test]
fn missing_file_is_a_read_error() {
    let err = load_with("configs/does-not-exist.yaml", |_| {}).unwrap_err();
    assert!(matches!(err, Error::Read { .. }), "{err:?}");
}

// ---------------------------------------------------------------- agentcore/agentcore.json

#[test]
fn agentcore_json_runtime_with_deployed_state_and_targets() {
    let a = load_with("configs/agentcore-cli", |o| {
        o.agent = Some("support_agent".into());
        o.region = None;
    })
    .unwrap();
    assert_eq!(a.source, SourceKind::AgentcoreJson);
    assert_eq!(a.kind, tokdiag::authorizer::ResourceKind::Runtime);
    assert_eq!(a.agent.as_deref(), Some("support_agent"));
    assert_eq!(
        a.authorizer_type,
        tokdiag::authorizer::AuthorizerType::CustomJwt
    );
    assert!(
        a.file
            .as_deref()
            .unwrap()
            .ends_with("agentcore/agentcore.json")
    );
    let jwt = a.jwt.as_ref().unwrap();
    assert_eq!(jwt.line, Some(21));
    assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(22));
    assert_eq!(jwt.allowed_clients.as_ref().unwrap().line, Some(23));
    assert_eq!(a.authorizer_line, Some(20));
    assert_eq!(
        a.agent_arn.as_deref(),
        Some("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-Xy12Ab34Cd")
    );
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
    assert_eq!(a.deployment.account.as_deref(), Some("123456789012"));
    assert_eq!(a.deployment.target.as_deref(), Some("default"));
    assert_eq!(
        a.deployment.runtime_id.as_deref(),
        Some("support_agent-Xy12Ab34Cd")
    );
    assert_eq!(a.protocol.as_deref(), Some("MCP"));
    assert_eq!(
        a.request_header_allowlist,
        Some(vec![
            "X-Amzn-Bedrock-AgentCore-Runtime-Custom-User-Id".to_string(),
            "Authorization".to_string()
        ])
    );
    assert_eq!(a.resources.len(), 3);
    assert!(
        a.ignored.is_empty() && a.warnings.is_empty(),
        "{:?} {:?}",
        a.ignored,
        a.warnings
    );
    assert!(!a.agent_is_default);
}

#[test]
fn agentcore_json_gateway_has_its_url() {
    let a = load_with("configs/agentcore-cli/agentcore/agentcore.json", |o| {
        o.gateway = Some("tools".into());
    })
    .unwrap();
    assert_eq!(a.kind, tokdiag::authorizer::ResourceKind::Gateway);
    assert_eq!(a.claim_failure_status(), 403);
    assert_eq!(a.deployment.gateway_id.as_deref(), Some("tools-q9w8e7r6t5"));
    assert_eq!(
        a.deployment.gateway_url.as_deref(),
        Some("https://tools-q9w8e7r6t5.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp")
    );
    assert_eq!(
        a.deployment.gateway_arn.as_deref(),
        Some("arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/tools-q9w8e7r6t5")
    );
    assert_eq!(a.allowed_clients(), ["3ipsf00btbffko91d8irdu8up1"]);
}

#[test]
fn both_toolkit_yaml_and_agentcore_json_say_which_is_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".bedrock_agentcore.yaml"), "x: 1\n").unwrap();
    std::fs::create_dir(dir.path().join("agentcore")).unwrap();
    std::fs::write(dir.path().join("agentcore/agentcore.json"), "{}\n").unwrap();
    let (found, note) = tokdiag::authorizer::config::discover(dir.path());
    assert_eq!(found, Some(PathBuf::from(".bedrock_agentcore.yaml")));
    assert_eq!(
        note.as_deref(),
        Some(
            "using ./.bedrock_agentcore.yaml; ./agentcore/agentcore.json exists too: pass --config agentcore/agentcore.json to use it instead"
        )
    );
    std::fs::remove_file(dir.path().join(".bedrock_agentcore.yaml")).unwrap();
    let (found, note) = tokdiag::authorizer::config::discover(dir.path());
    assert_eq!(found, Some(PathBuf::from("agentcore/agentcore.json")));
    assert_eq!(note, None);
    let (found, _) = tokdiag::authorizer::config::discover(&dir.path().join("agentcore"));
    assert_eq!(found, Some(PathBuf::from("agentcore.json")));
}
