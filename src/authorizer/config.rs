//! Loading an [`Authorizer`] from `.bedrock_agentcore.yaml`, control-plane JSON, CloudFormation
//! templates, API Gateway `get-authorizer` JSON, or flags. (stub: being written)

use std::path::PathBuf;

use crate::authorizer::{Authorizer, RuleSet};
use crate::error::Result;

/// Authorizer flags (source 4 of SPEC.md), also used to override file values.
#[derive(Debug, Clone, Default)]
pub struct AuthorizerFlags {
    /// `--discovery-url`.
    pub discovery_url: Option<String>,
    /// `--issuer` (API Gateway rules; `verify`).
    pub issuer: Option<String>,
    /// `--allowed-client` (repeatable).
    pub allowed_clients: Vec<String>,
    /// `--allowed-audience` (repeatable).
    pub allowed_audience: Vec<String>,
    /// `--allowed-scope` (repeatable).
    pub allowed_scopes: Vec<String>,
}

/// Everything that selects and shapes the authorizer.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--config` (or the implicit `./.bedrock_agentcore.yaml`).
    pub config: Option<PathBuf>,
    /// `--authorizer-json PATH|-`.
    pub authorizer_json: Option<String>,
    /// `--agent`.
    pub agent: Option<String>,
    /// `--resource` (CloudFormation).
    pub resource: Option<String>,
    /// `--param Name=Value` (CloudFormation).
    pub params: Vec<(String, String)>,
    /// `--rules` when given explicitly.
    pub rules: Option<RuleSet>,
    /// Flags.
    pub flags: AuthorizerFlags,
    /// `--region` (resolves `AWS::Region`).
    pub region: Option<String>,
}

/// Loads the authorizer; `Ok(None)` when no source was given at all.
pub fn load(_opts: &LoadOptions) -> Result<Option<Authorizer>> {
    Ok(None)
}
