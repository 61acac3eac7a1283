//! The authorizer model: what a JWT authorizer is configured to accept ([`Authorizer`]), where that
//! came from (YAML, control-plane JSON, CloudFormation, flags, API Gateway), and the rules that
//! evaluate a token against it.
//!
//! - [`config`] loads an [`Authorizer`] from any source, keeping 1-based file lines.
//! - [`rules`] evaluates a token → `Vec<Check>` (pure: no clock, no network, no printing).
//! - [`diagnose`] reads checks + token + authorizer → `Vec<Diagnosis>` (never re-runs rules).
//! - [`idp`] holds the identity-provider knowledge (Entra, Okta, Auth0, Keycloak, Google, GitHub).

pub mod config;
pub mod diagnose;
pub mod explain;
pub mod idp;
pub mod rules;

use jsonwebtoken::jwk::JwkSet;
use serde::Serialize;

/// Which service's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum RuleSet {
    /// Amazon Bedrock AgentCore custom JWT authorizer.
    #[default]
    Agentcore,
    /// API Gateway HTTP API JWT authorizer.
    Apigateway,
}

/// Where the authorizer configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// `.bedrock_agentcore.yaml` (starter toolkit).
    AgentcoreYaml,
    /// `get-agent-runtime` output or a bare `{"customJWTAuthorizer": …}`.
    ControlPlaneJson,
    /// A CloudFormation template.
    Cloudformation,
    /// The new AgentCore CLI's `agentcore/agentcore.json` (npm `@aws/agentcore`), with its
    /// `.cli/deployed-state.json` and `aws-targets.json`.
    AgentcoreJson,
    /// Terraform `.tf` files (one file or a directory).
    Terraform,
    /// `aws apigatewayv2 get-authorizer` output.
    ApigatewayJson,
    /// Command-line flags only.
    Flags,
}

/// The syntax of the source file, for the snippets fixes show: a CloudFormation template is
/// YAML or JSON, the other sources have one syntax each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    /// YAML (the toolkit file, a YAML template).
    #[default]
    Yaml,
    /// JSON (agentcore.json, control-plane output, a JSON template).
    Json,
    /// HCL (Terraform).
    Hcl,
    /// Command-line flags.
    Flags,
}

impl Syntax {
    /// The syntax a source kind is written in (a CloudFormation template: YAML unless the loader
    /// says JSON).
    pub fn of(source: SourceKind) -> Syntax {
        match source {
            SourceKind::AgentcoreYaml | SourceKind::Cloudformation => Syntax::Yaml,
            SourceKind::ControlPlaneJson
            | SourceKind::AgentcoreJson
            | SourceKind::ApigatewayJson => Syntax::Json,
            SourceKind::Terraform => Syntax::Hcl,
            SourceKind::Flags => Syntax::Flags,
        }
    }

    /// One member as written in this syntax: `key: value` (YAML, a list in flow style),
    /// `"key": value` (JSON), `key = value` (HCL). Strings are JSON-quoted in JSON and HCL.
    pub fn pair(self, key: &str, value: &serde_json::Value) -> String {
        use serde_json::Value;
        match self {
            Syntax::Json => format!("\"{key}\": {value}"),
            Syntax::Hcl => format!("{key} = {value}"),
            Syntax::Yaml | Syntax::Flags => {
                let plain = |v: &Value| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let v = match value {
                    Value::Array(items) => format!(
                        "[{}]",
                        items.iter().map(plain).collect::<Vec<_>>().join(", ")
                    ),
                    v => plain(v),
                };
                format!("{key}: {v}")
            }
        }
    }

    /// How to put a member under `wrapper`: `indent it under a `customJWTAuthorizer:` key`,
    /// `move it into a `"CustomJWTAuthorizer": { … }` member`, `move it into a
    /// `custom_jwt_authorizer { … }` block`. `them` for several.
    pub fn nest(self, wrapper: &str, them: bool) -> String {
        let it = if them { "them" } else { "it" };
        match self {
            Syntax::Json => format!("move {it} into a `\"{wrapper}\": {{ … }}` member"),
            Syntax::Hcl => format!("move {it} into a `{wrapper} {{ … }}` block"),
            Syntax::Yaml | Syntax::Flags => format!("indent {it} under a `{wrapper}:` key"),
        }
    }
}

/// What kind of AgentCore resource the selected authorizer guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    /// An AgentCore Runtime (toolkit agent, new-CLI runtime, `AWS::BedrockAgentCore::Runtime`,
    /// `aws_bedrockagentcore_agent_runtime`, `get-agent-runtime`).
    #[default]
    Runtime,
    /// An AgentCore Gateway (new-CLI `agentCoreGateways[]`, `AWS::BedrockAgentCore::Gateway`,
    /// `aws_bedrockagentcore_gateway`, `get-gateway`).
    Gateway,
}

impl ResourceKind {
    /// `runtime` or `gateway`, as in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Runtime => "runtime",
            ResourceKind::Gateway => "gateway",
        }
    }

    /// The flag that selects a resource of this kind by name: `--agent` or `--gateway`.
    pub fn flag(self) -> &'static str {
        match self {
            ResourceKind::Runtime => "--agent",
            ResourceKind::Gateway => "--gateway",
        }
    }

    /// The HTTP status this resource answers a token with that fails a claim check (client id,
    /// audience, scope, custom claim): a runtime says 401, a gateway 403.
    pub fn claim_failure_status(self) -> u16 {
        match self {
            ResourceKind::Runtime => 401,
            ResourceKind::Gateway => 403,
        }
    }

    /// The status for a failed check whose runtime status is `runtime_status`: a gateway refuses
    /// every failing JWT with 403; a runtime keeps its own status.
    pub fn service_status(self, runtime_status: u16) -> u16 {
        match self {
            ResourceKind::Runtime => runtime_status,
            ResourceKind::Gateway if runtime_status == 401 => 403,
            ResourceKind::Gateway => runtime_status,
        }
    }
}

/// The inbound authorizer type of a resource (`authorizerType` / `AuthorizerType` /
/// `authorizer_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizerType {
    /// `CUSTOM_JWT`: bearer tokens checked by the JWT authorizer.
    CustomJwt,
    /// `AWS_IAM`: SigV4 only (the default of runtimes).
    #[default]
    AwsIam,
    /// `NONE`: no inbound authorization (gateways only).
    None,
}

impl AuthorizerType {
    /// The service's spelling: `CUSTOM_JWT`, `AWS_IAM`, `NONE`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizerType::CustomJwt => "CUSTOM_JWT",
            AuthorizerType::AwsIam => "AWS_IAM",
            AuthorizerType::None => "NONE",
        }
    }

    /// Short label for listings: `JWT`, `IAM`, `NONE`.
    pub fn label(self) -> &'static str {
        match self {
            AuthorizerType::CustomJwt => "JWT",
            AuthorizerType::AwsIam => "IAM",
            AuthorizerType::None => "NONE",
        }
    }

    /// Reads the service's spelling (exact, as the APIs and schemas require).
    pub fn parse(s: &str) -> Option<AuthorizerType> {
        match s {
            "CUSTOM_JWT" => Some(AuthorizerType::CustomJwt),
            "AWS_IAM" => Some(AuthorizerType::AwsIam),
            "NONE" => Some(AuthorizerType::None),
            _ => None,
        }
    }
}

/// One AgentCore resource of a multi-resource source, as listed when none is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceSummary {
    /// Runtime or gateway.
    pub kind: ResourceKind,
    /// Its name: what `--agent`/`--gateway` take (toolkit agent, new-CLI name, Terraform label).
    pub name: String,
    /// What `--resource` takes, when it differs from `name` (CloudFormation logical id,
    /// Terraform `TYPE.NAME`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name the service knows it by, when the source also names it otherwise (Terraform's
    /// `agent_runtime_name` / gateway `name`): `--agent`/`--gateway` take it too.
    #[serde(skip)]
    pub service_name: Option<String>,
    /// Its inbound authorizer type.
    pub authorizer_type: AuthorizerType,
    /// Whether it has a usable JWT authorizer configuration.
    pub has_jwt: bool,
}

/// Where a selected resource is deployed and how it is called — what `invoke`, `proxy`,
/// `doctor` and `login` read. Every field is `None`/empty when the source does not say
/// (a runtime that has not been deployed yet has no ARN).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// Gateway id (`gatewayId`, deployed state or `get-gateway`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// Gateway ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_arn: Option<String>,
    /// Gateway MCP endpoint (`gatewayUrl`), e.g.
    /// `https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_url: Option<String>,
    /// Runtime id (`runtimeId` / `agentRuntimeId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_id: Option<String>,
    /// The 12-digit AWS account (`aws-targets.json`, the ARN, `aws.account`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The deployment target's name (`agentcore.json`: a key of `deployed-state.json`'s `targets`
    /// and a `name` of `aws-targets.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A value with the 1-based line of its key in the config file (when it came from a file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// 1-based line of the key.
    #[serde(skip)]
    pub line: Option<usize>,
}

impl<T> Located<T> {
    /// A value without a line.
    pub fn new(value: T) -> Self {
        Located { value, line: None }
    }

    /// A value at a line.
    pub fn at(value: T, line: Option<usize>) -> Self {
        Located { value, line }
    }
}

/// One `customClaims` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomClaim {
    /// `inboundTokenClaimName` (may contain `:`, e.g. `cognito:groups`).
    pub name: String,
    /// `inboundTokenClaimValueType`: `STRING` or `STRING_ARRAY`.
    pub value_type: String,
    /// `claimMatchOperator`: `EQUALS`, `CONTAINS`, `CONTAINS_ANY`.
    pub operator: String,
    /// `matchValueString`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_value: Option<String>,
    /// `matchValueStringList`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_values: Vec<String>,
}

/// The JWT part of an authorizer: AgentCore's `customJWTAuthorizer`, or API Gateway's `JwtConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwtConfig {
    /// `discoveryUrl` (AgentCore).
    pub discovery_url: Option<Located<String>>,
    /// `Issuer` (API Gateway) or `--issuer`.
    pub issuer: Option<Located<String>>,
    /// `allowedClients`.
    pub allowed_clients: Option<Located<Vec<String>>>,
    /// `allowedAudience` (API Gateway: `Audience`).
    pub allowed_audience: Option<Located<Vec<String>>>,
    /// `allowedScopes` (API Gateway: the route's authorization scopes).
    pub allowed_scopes: Option<Located<Vec<String>>>,
    /// `customClaims`.
    pub custom_claims: Vec<Located<CustomClaim>>,
    /// Line of the `customJWTAuthorizer` key (where new keys are written).
    pub line: Option<usize>,
    /// Members that are valid but not token checks (`allowedWorkloadConfiguration`,
    /// `advertisedScopeMapping`, `privateEndpoint`, `privateEndpointOverrides`,
    /// `certificateConfigurations`), as written (name as the source spells it, value as JSON).
    pub other_fields: Vec<Located<(String, serde_json::Value)>>,
    /// Why the service (or the tool that deploys it) refuses this configuration at deploy time:
    /// no `discoveryUrl`, none of the four allowed lists, JWT fields outside their wrapper, keys a
    /// strict schema refuses (`config-invalid`; the verdict is then `rejected`).
    pub invalid: Vec<InvalidConfig>,
}

/// A configuration that could never be deployed, with the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig {
    /// What is wrong, quoting what the service or the CLI requires.
    pub message: String,
    /// 1-based line (for something missing: the mapping that lacks it).
    pub line: Option<usize>,
    /// What to write, in the source's own language, and how to redeploy.
    pub fix: String,
}

/// A key the toolkit (or service) silently drops, found in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredKey {
    /// The key as written.
    pub key: String,
    /// 1-based line of the key (for a missing key: the mapping that lacks it).
    pub line: Option<usize>,
    /// Why it is ignored and what to write instead.
    pub message: String,
}

/// A key written twice in one mapping of the config file. The later value is the one used (as
/// PyYAML, the toolkit's reader, and `JSON.parse`, the new CLI's, both do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key as written.
    pub key: String,
    /// 1-based line of the first occurrence (ignored).
    pub first_line: Option<usize>,
    /// 1-based line of the later occurrence (used).
    pub line: Option<usize>,
}

/// A remark about the config file that has a stable code (a `warning` diagnosis): an unquoted
/// account YAML reads as an integer (`config-account-unquoted`), an account that lost digits
/// (`config-account-digits`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The diagnosis code.
    pub code: &'static str,
    /// One line: what is wrong (values already escaped).
    pub message: String,
    /// What to write instead.
    pub fix: String,
    /// 1-based line of the key.
    pub line: Option<usize>,
}

/// A loaded authorizer configuration.
#[derive(Debug, Clone)]
pub struct Authorizer {
    /// Where it came from.
    pub source: SourceKind,
    /// The syntax of that source (a CloudFormation template is YAML or JSON): fixes show
    /// snippets in it.
    pub syntax: Syntax,
    /// The file it came from.
    pub file: Option<String>,
    /// The name of the selected resource: toolkit agent, new-CLI runtime or gateway name,
    /// CloudFormation logical id, Terraform address. (Named `agent` for history.)
    pub agent: Option<String>,
    /// Runtime or gateway: decides the status of refusals (401 / 403, [`ResourceKind`]) and the
    /// flag that selects it.
    pub kind: ResourceKind,
    /// The resource's inbound authorizer type. `CustomJwt` with `jwt: None` is a configuration
    /// that says JWT but configures none (reported as such).
    pub authorizer_type: AuthorizerType,
    /// True when the source writes the type itself (`authorizerType`, `AuthorizerType`,
    /// `authorizer_type`) rather than tokdiag deriving it from the authorizer configuration.
    pub authorizer_type_declared: bool,
    /// The unresolved value (`${NAME}` without the braces: a template parameter, a Terraform
    /// reference) the declared type is written with: the type, so the verdict, is then undecided
    /// until `--param NAME=…` supplies it.
    pub authorizer_type_unresolved: Option<String>,
    /// Whether `agent` is the one the file picks without `--agent` (`default_agent`, or the only
    /// one): then the commands tokdiag suggests leave `--agent` out.
    pub agent_is_default: bool,
    /// Which rules apply.
    pub rules: RuleSet,
    /// The JWT configuration; `None` when `authorizer_configuration: null` (IAM SigV4 runtime).
    pub jwt: Option<JwtConfig>,
    /// Line of `authorizer_configuration` (or its CloudFormation equivalent).
    pub authorizer_line: Option<usize>,
    /// True when the source has no authorizer key at all (absent, as opposed to written `null`).
    pub authorizer_absent: bool,
    /// Keys the toolkit drops.
    pub ignored: Vec<IgnoredKey>,
    /// Other warnings about the file (unquoted account, unresolved CloudFormation values, the JWT
    /// authorizer being on another agent, …), one line each.
    pub warnings: Vec<String>,
    /// Other agents of the file that have a JWT authorizer (when this one has none).
    pub other_jwt_agents: Vec<String>,
    /// The resource's ARN, for `invoke`: a runtime's (`bedrock_agentcore.agent_arn`, deployed
    /// state's `runtimeArn`, `agentRuntimeArn`, `--param X.AgentRuntimeArn`), or a gateway's (also
    /// in [`Deployment::gateway_arn`]). `None` when not deployed yet.
    pub agent_arn: Option<String>,
    /// The region (`aws.region`, `aws-targets.json`, the ARN, `--region` for templates).
    pub region: Option<String>,
    /// `requestHeaderAllowlist` (runtimes): the headers the service passes to the container;
    /// `None` when the source does not set one.
    pub request_header_allowlist: Option<Vec<String>>,
    /// The server protocol (`HTTP`, `MCP`, `A2A`, `AGUI`) when the source names it.
    pub protocol: Option<String>,
    /// Where it is deployed (gateway id/URL, account, target).
    pub deployment: Deployment,
    /// Every AgentCore resource of the source (the selected one included), for listings; empty
    /// for single-resource sources.
    pub resources: Vec<ResourceSummary>,
    /// Keys written twice in one mapping of the file (`config-duplicate-key`).
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Coded remarks about the file, reported as `warning` diagnoses beside the duplicate keys.
    pub config_warnings: Vec<ConfigWarning>,
    /// True when the discovery URL came from `--discovery-url` (over the file's, or with no
    /// file): fixes about it then name the flag, not the file.
    pub discovery_url_from_flag: bool,
}

impl Authorizer {
    /// An authorizer of `source` with nothing configured (no JWT authorizer, no file, no
    /// findings): the base that loaders fill in with `Authorizer { …, ..Authorizer::empty(…) }`.
    pub fn empty(source: SourceKind, rules: RuleSet) -> Self {
        Authorizer {
            source,
            syntax: Syntax::of(source),
            file: None,
            agent: None,
            agent_is_default: false,
            rules,
            jwt: None,
            authorizer_line: None,
            authorizer_absent: false,
            ignored: Vec::new(),
            warnings: Vec::new(),
            other_jwt_agents: Vec::new(),
            agent_arn: None,
            region: None,
            duplicate_keys: Vec::new(),
            config_warnings: Vec::new(),
            discovery_url_from_flag: false,
            kind: ResourceKind::Runtime,
            authorizer_type: AuthorizerType::AwsIam,
            authorizer_type_declared: false,
            authorizer_type_unresolved: None,
            request_header_allowlist: None,
            protocol: None,
            deployment: Deployment::default(),
            resources: Vec::new(),
        }
    }

    /// The HTTP status the resource answers a failing JWT claim with (401 runtime, 403 gateway).
    pub fn claim_failure_status(&self) -> u16 {
        self.kind.claim_failure_status()
    }

    /// An authorizer from flags only.
    pub fn from_flags(rules: RuleSet, jwt: JwtConfig) -> Self {
        Authorizer {
            jwt: Some(jwt),
            authorizer_type: AuthorizerType::CustomJwt,
            ..Authorizer::empty(SourceKind::Flags, rules)
        }
    }

    /// Allowed clients, empty when not configured.
    pub fn allowed_clients(&self) -> &[String] {
        self.jwt
            .as_ref()
            .and_then(|j| j.allowed_clients.as_ref())
            .map(|l| l.value.as_slice())
            .unwrap_or(&[])
    }

    /// Allowed audiences, empty when not configured.
    pub fn allowed_audience(&self) -> &[String] {
        self.jwt
            .as_ref()
            .and_then(|j| j.allowed_audience.as_ref())
            .map(|l| l.value.as_slice())
            .unwrap_or(&[])
    }

    /// Allowed scopes, empty when not configured.
    pub fn allowed_scopes(&self) -> &[String] {
        self.jwt
            .as_ref()
            .and_then(|j| j.allowed_scopes.as_ref())
            .map(|l| l.value.as_slice())
            .unwrap_or(&[])
    }

    /// The discovery URL: configured, or (API Gateway) `<issuer>/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> Option<String> {
        let j = self.jwt.as_ref()?;
        if let Some(d) = &j.discovery_url {
            return Some(d.value.clone());
        }
        j.issuer
            .as_ref()
            .map(|i| crate::oidc::discovery_url_for_issuer_or_suffixed(&i.value))
    }
}

/// The signing keys and issuer the signature and issuer checks use (or why there are none).
#[derive(Debug, Clone)]
pub enum SigningKeys {
    /// A JWKS and the issuer it belongs to.
    Jwks {
        /// The expected issuer (discovery document's `issuer`, or derived offline).
        issuer: Option<String>,
        /// The key set.
        jwks: JwkSet,
        /// Where the keys came from (URL or file), for messages.
        origin: String,
    },
    /// Keys could not be obtained (issuer unreachable, no `--jwks`): signature and issuer are `skip`
    /// and the verdict is `unknown`.
    Unavailable {
        /// Why.
        reason: String,
    },
    /// `--no-signature`: signature skipped by choice; the issuer is derived from the discovery URL.
    NotChecked {
        /// The expected issuer, derived.
        issuer: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateways_refuse_failing_jwts_with_403() {
        assert_eq!(ResourceKind::Runtime.service_status(401), 401);
        assert_eq!(ResourceKind::Gateway.service_status(401), 403);
        assert_eq!(ResourceKind::Gateway.service_status(403), 403);
        assert_eq!(ResourceKind::Gateway.claim_failure_status(), 403);
        assert_eq!(
            serde_json::to_value(ResourceKind::Gateway).unwrap(),
            "gateway"
        );
        assert_eq!(
            serde_json::to_value(AuthorizerType::CustomJwt).unwrap(),
            "CUSTOM_JWT"
        );
        assert_eq!(
            AuthorizerType::parse("AWS_IAM"),
            Some(AuthorizerType::AwsIam)
        );
        assert_eq!(AuthorizerType::parse("aws_iam"), None);
    }
}
