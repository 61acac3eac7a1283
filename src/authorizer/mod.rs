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
    /// Terraform `.tf` files (one file or a directory).
    Terraform,
    /// `aws apigatewayv2 get-authorizer` output.
    ApigatewayJson,
    /// Command-line flags only.
    Flags,
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

/// A loaded authorizer configuration.
#[derive(Debug, Clone)]
pub struct Authorizer {
    /// Where it came from.
    pub source: SourceKind,
    /// The file it came from.
    pub file: Option<String>,
    /// The agent (YAML) or resource (CloudFormation) it belongs to.
    pub agent: Option<String>,
    /// Whether `agent` is the one the file picks without `--agent` (`default_agent`, or the only
    /// one): then the commands tokdiag suggests leave `--agent` out.
    pub agent_is_default: bool,
    /// Which rules apply.
    pub rules: RuleSet,
    /// The JWT configuration; `None` when `authorizer_configuration: null` (IAM SigV4 runtime).
    pub jwt: Option<JwtConfig>,
    /// Line of `authorizer_configuration` (or its CloudFormation equivalent).
    pub authorizer_line: Option<usize>,
    /// Keys the toolkit drops.
    pub ignored: Vec<IgnoredKey>,
    /// Other warnings about the file (unquoted account, unresolved CloudFormation values, the JWT
    /// authorizer being on another agent, …), one line each.
    pub warnings: Vec<String>,
    /// Other agents of the file that have a JWT authorizer (when this one has none).
    pub other_jwt_agents: Vec<String>,
    /// `bedrock_agentcore.agent_arn`, for `invoke`.
    pub agent_arn: Option<String>,
    /// `aws.region`.
    pub region: Option<String>,
    /// `bedrock_agentcore.agent_session_id`.
    pub session_id: Option<String>,
    /// Keys written twice in one mapping of the file (`config-duplicate-key`).
    pub duplicate_keys: Vec<DuplicateKey>,
}

impl Authorizer {
    /// An authorizer of `source` with nothing configured (no JWT authorizer, no file, no
    /// findings): the base that loaders fill in with `Authorizer { …, ..Authorizer::empty(…) }`.
    pub fn empty(source: SourceKind, rules: RuleSet) -> Self {
        Authorizer {
            source,
            file: None,
            agent: None,
            agent_is_default: false,
            rules,
            jwt: None,
            authorizer_line: None,
            ignored: Vec::new(),
            warnings: Vec::new(),
            other_jwt_agents: Vec::new(),
            agent_arn: None,
            region: None,
            session_id: None,
            duplicate_keys: Vec::new(),
        }
    }

    /// An authorizer from flags only.
    pub fn from_flags(rules: RuleSet, jwt: JwtConfig) -> Self {
        Authorizer {
            jwt: Some(jwt),
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
        j.issuer.as_ref().map(|i| {
            format!(
                "{}/.well-known/openid-configuration",
                i.value.trim_end_matches('/')
            )
        })
    }
}

/// The keys and issuer the signature and issuer checks use.
#[derive(Debug, Clone)]
pub enum Keys {
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
