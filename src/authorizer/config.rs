//! Loading an [`Authorizer`] from `.bedrock_agentcore.yaml`, control-plane JSON, CloudFormation
//! templates, API Gateway `get-authorizer` JSON, or flags.
//!
//! Files are recognised by their content, not their name, whether they come from `--config` or
//! `--authorizer-json`. Every value read from a file keeps the 1-based line of its key, and every
//! key the toolkit or the service would drop is reported as an [`IgnoredKey`](super::IgnoredKey)
//! with its own line.

mod agentcore_json;
mod api;
mod cfn;
mod gateway_api;
mod jwt;
mod members;
pub(crate) mod select;
mod terraform;
mod toolkit;
mod tree;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::authorizer::{Authorizer, JwtConfig, Located, RuleSet};
use crate::error::{Error, Result};
use crate::fsx;

/// Authorizer flags (the fourth of the spec's "Authorizer sources"), also used to override file values.
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

impl AuthorizerFlags {
    /// True when no flag was given.
    pub fn is_empty(&self) -> bool {
        self.discovery_url.as_deref().is_none_or(str::is_empty)
            && self.issuer.as_deref().is_none_or(str::is_empty)
            && self.allowed_clients.is_empty()
            && self.allowed_audience.is_empty()
            && self.allowed_scopes.is_empty()
    }

    /// Replaces the fields of `jwt` that a flag sets (their lines become `None`).
    pub fn apply(&self, jwt: &mut JwtConfig) {
        if let Some(d) = self.discovery_url.as_deref().filter(|s| !s.is_empty()) {
            jwt.discovery_url = Some(Located::new(d.to_string()));
        }
        if let Some(i) = self.issuer.as_deref().filter(|s| !s.is_empty()) {
            jwt.issuer = Some(Located::new(i.to_string()));
        }
        if !self.allowed_clients.is_empty() {
            jwt.allowed_clients = Some(Located::new(self.allowed_clients.clone()));
        }
        if !self.allowed_audience.is_empty() {
            jwt.allowed_audience = Some(Located::new(self.allowed_audience.clone()));
        }
        if !self.allowed_scopes.is_empty() {
            jwt.allowed_scopes = Some(Located::new(self.allowed_scopes.clone()));
        }
    }
}

/// Everything that selects and shapes the authorizer.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--config` (or the implicit `./.bedrock_agentcore.yaml`).
    pub config: Option<PathBuf>,
    /// `--authorizer-json PATH|-`.
    pub authorizer_json: Option<String>,
    /// `--agent` (a runtime: toolkit agent, new-CLI runtime).
    pub agent: Option<String>,
    /// `--gateway` (a gateway).
    pub gateway: Option<String>,
    /// `--resource` (CloudFormation logical id, Terraform `TYPE.NAME` or `NAME`, API Gateway
    /// authorizer name).
    pub resource: Option<String>,
    /// `--param Name=Value` (CloudFormation).
    pub params: Vec<(String, String)>,
    /// `--rules` when given explicitly.
    pub rules: Option<RuleSet>,
    /// Flags.
    pub flags: AuthorizerFlags,
    /// `--region` (resolves `AWS::Region`).
    pub region: Option<String>,
    /// A remark about how the config was found (both `.bedrock_agentcore.yaml` and
    /// `agentcore/agentcore.json` exist), added to the authorizer's warnings.
    pub config_note: Option<String>,
}

/// Loads the authorizer; `Ok(None)` when no source was given at all.
///
/// The file is `--authorizer-json` when given (it is always explicit), else `--config`. Non-empty
/// flags override the file's value for their field; flags alone make a [`SourceKind::Flags`](crate::authorizer::SourceKind::Flags)
/// authorizer. An API Gateway source selects [`RuleSet::Apigateway`]; `--rules agentcore` with
/// one is a usage error.
pub fn load(opts: &LoadOptions) -> Result<Option<Authorizer>> {
    // A directory of .tf files is a Terraform module (a file is recognised by its content below).
    // A new-CLI project directory (or its agentcore/) means its agentcore.json.
    let project = opts
        .config
        .as_ref()
        .filter(|p| opts.authorizer_json.is_none() && p.is_dir())
        .and_then(|p| agentcore_json::project_file(p));
    let project_opts;
    let opts = match project {
        Some(file) => {
            project_opts = LoadOptions {
                config: Some(file),
                ..opts.clone()
            };
            &project_opts
        }
        None => opts,
    };
    let tf_dir = opts
        .config
        .as_ref()
        .filter(|p| opts.authorizer_json.is_none() && p.is_dir() && terraform::dir_has_tf(p));
    let mut auth = if let Some(dir) = tf_dir {
        Some(terraform::load_dir(dir, &tf_options(opts))?)
    } else {
        let source = if let Some(j) = &opts.authorizer_json {
            Some(read_source(j)?)
        } else if let Some(p) = &opts.config {
            Some(read_source(&p.to_string_lossy())?)
        } else {
            None
        };
        match source {
            Some((path, text)) => Some(parse_source(&path, &text, opts)?),
            None => None,
        }
    };
    let flags = &opts.flags;
    if let (Some(a), Some(note)) = (&mut auth, &opts.config_note) {
        a.warnings.insert(0, note.clone());
    }

    if let Some(a) = &mut auth {
        if a.rules == RuleSet::Apigateway && opts.rules == Some(RuleSet::Agentcore) {
            return Err(Error::usage(
                format!(
                    "{} is an API Gateway JWT authorizer, which --rules agentcore cannot evaluate",
                    a.file.as_deref().unwrap_or("the source")
                ),
                Some(
                    "drop --rules agentcore: an API Gateway source implies --rules apigateway"
                        .to_string(),
                ),
            ));
        }
        if a.rules == RuleSet::Agentcore && opts.rules == Some(RuleSet::Apigateway) {
            if flags.issuer.as_deref().is_some_and(|s| !s.is_empty()) {
                // The flags describe an API Gateway authorizer; the AgentCore file does not apply.
                auth = None;
            } else {
                a.rules = RuleSet::Apigateway;
                a.warnings.push(format!(
                    "evaluating the AgentCore authorizer of {} with API Gateway rules",
                    a.file.as_deref().unwrap_or("the file")
                ));
            }
        }
    }

    match &mut auth {
        Some(a) if !flags.is_empty() => {
            a.discovery_url_from_flag = flags
                .discovery_url
                .as_deref()
                .is_some_and(|d| !d.is_empty());
            let jwt = a.jwt.get_or_insert_with(JwtConfig::default);
            flags.apply(jwt);
        }
        Some(_) => {}
        None if !flags.is_empty() => {
            let mut jwt = JwtConfig::default();
            flags.apply(&mut jwt);
            let mut a = Authorizer::from_flags(opts.rules.unwrap_or_default(), jwt);
            a.discovery_url_from_flag = flags
                .discovery_url
                .as_deref()
                .is_some_and(|d| !d.is_empty());
            auth = Some(a);
        }
        None => {}
    }
    Ok(auth)
}

/// The config used when `--config` is not given, looked for in `dir`: `.bedrock_agentcore.yaml`
/// (the starter toolkit), else `agentcore/agentcore.json` (the new CLI), else `agentcore.json`
/// (run inside `agentcore/`). The paths are relative to `dir` as written. When both the toolkit
/// file and the new CLI's exist, the note says which is used and how to pick the other.
pub fn discover(dir: &Path) -> (Option<PathBuf>, Option<String>) {
    let toolkit = ".bedrock_agentcore.yaml";
    let project = ["agentcore/agentcore.json", "agentcore.json"]
        .into_iter()
        .find(|p| dir.join(p).is_file());
    match (dir.join(toolkit).is_file(), project) {
        (true, Some(p)) => (
            Some(PathBuf::from(toolkit)),
            Some(format!(
                "using ./{toolkit}; ./{p} exists too: pass --config {p} to use it instead"
            )),
        ),
        (true, None) => (Some(PathBuf::from(toolkit)), None),
        (false, Some(p)) => (Some(PathBuf::from(p)), None),
        (false, None) => (None, None),
    }
}

/// Reads a source argument: a path, or `-` for stdin. Returns the name to show and the text.
fn read_source(arg: &str) -> Result<(String, String)> {
    if arg != "-" {
        let path = PathBuf::from(arg);
        return Ok((arg.to_string(), fsx::read_to_string(&path)?));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(fsx::MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: PathBuf::from("-"),
            source,
        })?;
    if bytes.len() as u64 > fsx::MAX_INPUT_BYTES {
        return Err(Error::input(
            format!(
                "stdin holds more than {} MiB",
                fsx::MAX_INPUT_BYTES / 1024 / 1024
            ),
            Some("pass the authorizer JSON itself".to_string()),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::input(
            "stdin is not UTF-8 text",
            Some("pass the JSON printed by the AWS CLI".to_string()),
        )
    })?;
    Ok(("<stdin>".to_string(), text))
}

/// Recognises `text` by its content and loads the authorizer it describes. `path` names the
/// source in messages and in [`Authorizer::file`]. Flags and `--rules` are not applied here.
pub fn parse_source(path: &str, text: &str, opts: &LoadOptions) -> Result<Authorizer> {
    if terraform::is_tf_path(path) {
        return terraform::load_text(path, text, &tf_options(opts));
    }
    let (root, dups) = match tree::parse_doc(text, path) {
        Ok(parsed) => parsed,
        // HCL is not YAML: a .tf file under another name is recognised by its content.
        Err(_) if terraform::detect(text) => {
            return terraform::load_text(path, text, &tf_options(opts));
        }
        Err(e) => return Err(e),
    };
    if root.as_map().is_none() && terraform::detect(text) {
        return terraform::load_text(path, text, &tf_options(opts));
    }
    let mut auth = parse_tree(path, text, &root, opts)?;
    auth.duplicate_keys = dups.found;
    if dups.more > 0 {
        auth.warnings.push(format!(
            "{} more keys are written twice in one mapping (the later one is used)",
            dups.more
        ));
    }
    Ok(auth)
}

/// Recognises a parsed document and loads the authorizer it describes.
fn parse_tree(path: &str, text: &str, root: &tree::Node, opts: &LoadOptions) -> Result<Authorizer> {
    if root.is_null() {
        return Err(Error::config(
            path,
            "the file is empty",
            Some(source_hint()),
        ));
    }
    if root.as_map().is_none() {
        return Err(Error::config(
            path,
            format!(
                "not an authorizer configuration: the document is {}, not a mapping",
                root.type_name()
            ),
            Some(source_hint()),
        ));
    }
    if cfn::detect(root) {
        let region = opts
            .region
            .clone()
            .or_else(|| env_nonempty("AWS_REGION"))
            .or_else(|| env_nonempty("AWS_DEFAULT_REGION"));
        return cfn::load(
            path,
            root,
            &cfn::CfnOptions {
                resource: opts.resource.as_deref(),
                agent: opts.agent.as_deref(),
                gateway: opts.gateway.as_deref(),
                params: &opts.params,
                region,
                json: text.trim_start().starts_with('{'),
            },
        );
    }
    if api::detect_apigateway(root) {
        return api::load_apigateway(path, root, opts.resource.as_deref());
    }
    if agentcore_json::detect(root) {
        return agentcore_json::load(
            path,
            root,
            &agentcore_json::ProjectOptions {
                want: select::Want {
                    agent: opts.agent.as_deref(),
                    gateway: opts.gateway.as_deref(),
                    resource: opts.resource.as_deref(),
                },
                region: opts.region.clone(),
            },
        );
    }
    if toolkit::detect(root) {
        return toolkit::load(path, root, opts.agent.as_deref());
    }
    if gateway_api::detect(root) {
        return gateway_api::load(path, root);
    }
    if api::detect_control_plane(root) {
        return api::load_control_plane(path, root);
    }
    let mut top: Vec<&str> = root
        .as_map()
        .unwrap_or(&[])
        .iter()
        .map(|e| e.key.as_str())
        .take(6)
        .collect();
    if root.as_map().is_some_and(|m| m.len() > 6) {
        top.push("…");
    }
    let what = if text.trim_start().starts_with('{') {
        "not a recognised authorizer source"
    } else {
        "not a starter-toolkit config"
    };
    Err(Error::config(
        path,
        format!(
            "{what}: no `agents`, no `name`+`entrypoint`, no `customJWTAuthorizer`, no CloudFormation `Resources` (top-level keys: {})",
            top.join(", ")
        ),
        Some(source_hint()),
    ))
}

/// The Terraform loader's options.
fn tf_options(opts: &LoadOptions) -> terraform::TfOptions<'_> {
    terraform::TfOptions {
        resource: opts.resource.as_deref(),
        agent: opts.agent.as_deref(),
        gateway: opts.gateway.as_deref(),
        params: &opts.params,
        region: opts.region.clone(),
        env_region: env_nonempty("AWS_REGION").or_else(|| env_nonempty("AWS_DEFAULT_REGION")),
    }
}

fn source_hint() -> String {
    "pass .bedrock_agentcore.yaml as written by `agentcore configure`, `aws bedrock-agentcore-control get-agent-runtime` JSON, a CloudFormation template, Terraform .tf files or `aws apigatewayv2 get-authorizer` JSON; or give --discovery-url and --allowed-client"
        .to_string()
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorizer::SourceKind;

    fn flags() -> AuthorizerFlags {
        AuthorizerFlags {
            allowed_clients: vec!["x".into()],
            ..AuthorizerFlags::default()
        }
    }

    #[test]
    fn nothing_gives_none() {
        assert!(load(&LoadOptions::default()).unwrap().is_none());
    }

    #[test]
    fn flags_alone() {
        let opts = LoadOptions {
            flags: AuthorizerFlags {
                discovery_url: Some("https://i/.well-known/openid-configuration".into()),
                ..flags()
            },
            ..LoadOptions::default()
        };
        let a = load(&opts).unwrap().unwrap();
        assert_eq!(a.source, SourceKind::Flags);
        assert_eq!(a.rules, RuleSet::Agentcore);
        assert_eq!(a.allowed_clients(), ["x"]);
    }

    #[test]
    fn flags_override_lines() {
        let mut jwt = JwtConfig {
            allowed_clients: Some(Located::at(vec!["a".into()], Some(3))),
            ..JwtConfig::default()
        };
        flags().apply(&mut jwt);
        assert_eq!(
            jwt.allowed_clients,
            Some(Located::new(vec!["x".to_string()]))
        );
    }

    #[test]
    fn unrecognised_yaml() {
        let err = parse_source(
            ".bedrock_agentcore.yaml",
            "runtime_name: x\ncontainer:\n  image: y\nserver:\n  port: 8080\n",
            &LoadOptions::default(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("not a starter-toolkit config"), "{msg}");
        assert!(msg.contains("runtime_name, container, server"), "{msg}");
        assert!(err.hint().is_some());
    }
}

/// A resource's declared authorizer type (`AuthorizerType`, `authorizer_type`), once the
/// template or module values are substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeclaredType {
    /// `CUSTOM_JWT`, `AWS_IAM` or `NONE`.
    Known(crate::authorizer::AuthorizerType),
    /// Still `${NAME}` (a parameter without a default, a variable, a reference): the name.
    Unresolved(String),
    /// Anything else, as written (the service refuses it).
    Other(String),
}

impl DeclaredType {
    /// Classifies the substituted text of the declared type (`None`: not a string).
    pub(crate) fn of(text: Option<&str>) -> DeclaredType {
        let Some(t) = text.map(str::trim) else {
            return DeclaredType::Other(String::new());
        };
        if let Some(name) = crate::authorizer::explain::unresolved_param(t) {
            return DeclaredType::Unresolved(name.to_string());
        }
        match crate::authorizer::AuthorizerType::parse(t) {
            Some(k) => DeclaredType::Known(k),
            None => DeclaredType::Other(t.to_string()),
        }
    }

    /// The resource's type and JWT configuration: a declared `AWS_IAM`/`NONE` checks no JWT
    /// even when a JWT configuration is written (it is then dropped; the loaders warn); else a
    /// JWT configuration means `CUSTOM_JWT`, and without one `fallback` (the listing's type).
    pub(crate) fn apply(
        declared: Option<&DeclaredType>,
        jwt: Option<JwtConfig>,
        fallback: crate::authorizer::AuthorizerType,
    ) -> (crate::authorizer::AuthorizerType, Option<JwtConfig>) {
        use crate::authorizer::AuthorizerType;
        match declared {
            Some(DeclaredType::Known(t)) if *t != AuthorizerType::CustomJwt => (*t, None),
            Some(DeclaredType::Known(t)) => (*t, jwt),
            _ if jwt.is_some() => (AuthorizerType::CustomJwt, jwt),
            _ => (fallback, None),
        }
    }

    /// The unresolved name, when the declared type is one.
    pub(crate) fn unresolved(declared: Option<&DeclaredType>) -> Option<String> {
        match declared {
            Some(DeclaredType::Unresolved(n)) => Some(n.clone()),
            _ => None,
        }
    }
}
