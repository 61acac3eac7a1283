//! Terraform configurations: one `.tf` file, or every `.tf` file of a directory (a module, as
//! Terraform reads it), holding `aws_bedrockagentcore_agent_runtime` and
//! `aws_bedrockagentcore_gateway` resources of the `hashicorp/aws` provider.
//!
//! HCL is parsed with `hcl-edit`, which keeps byte spans, so every attribute and block keeps the
//! line of its name. A resource's body becomes the same [`Node`] tree the YAML/JSON sources
//! produce, with the provider's snake_case names (`authorizer_configuration` →
//! `custom_jwt_authorizer` → `discovery_url`, `allowed_clients`, …, repeatable `custom_claim`
//! blocks), and is read by [`jwt::authorizer_configuration`] in [`Style::Snake`].
//!
//! Values: literals are used as written. `var.NAME` takes, in Terraform's order, the variable's
//! `default`, `terraform.tfvars`, `*.auto.tfvars` (lexical order), then `--param NAME=VALUE` (or
//! `--param var.NAME=VALUE`); `local.NAME` is evaluated when it is built from such values;
//! `data.aws_region.X.name|region|id` is the region. A few pure functions are evaluated
//! (`tolist`, `toset`, `concat`, `join`, `split`, `format`, `lower`, `upper`, `trimspace`,
//! `trimprefix`, `trimsuffix`, `coalesce`). Everything else — resource attributes such as
//! `aws_cognito_user_pool.main.id`, other functions, `for` expressions — stays unresolved, is
//! shown as `${…}` as written, and is listed in the warnings with the `--param` that supplies it
//! (the reference text as the name: `--param aws_cognito_user_pool.main.id=us-east-1_AbC`).

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::Span;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};

use super::api::arn_account;
use super::jwt::{self, Findings, Style, at};
use super::select;
use super::tree::{Entry, Kind, Node};
use crate::authorizer::{
    Authorizer, AuthorizerType, Deployment, ResourceKind, ResourceSummary, RuleSet, SourceKind,
};
use crate::error::{Error, Result};
use crate::fsx;

/// The provider's resource type of an AgentCore runtime.
pub(crate) const RUNTIME_TYPE: &str = "aws_bedrockagentcore_agent_runtime";
/// The provider's resource type of an AgentCore gateway.
pub(crate) const GATEWAY_TYPE: &str = "aws_bedrockagentcore_gateway";

/// Most `.tf`/`.tfvars` files read from one directory.
const MAX_FILES: usize = 256;
/// Most bytes read from one directory, all files together.
const MAX_TOTAL_BYTES: u64 = 4 * fsx::MAX_INPUT_BYTES;
/// Deepest chain of `local` references / nested expressions followed (against cycles).
const MAX_DEPTH: usize = 48;
/// Longest source snippet quoted for an expression tokdiag does not evaluate.
const MAX_SNIPPET: usize = 96;
/// Most items an evaluated list may grow to (`concat`, `split`).
const MAX_ITEMS: usize = 4096;
/// Longest evaluated string (templates, `join`, `format`); longer ones stay unevaluated.
const MAX_TEXT: usize = 64 * 1024;
/// Most text one evaluated value (a list of strings, say) may hold in all.
const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// Most expression evaluations for one load (against configurations built to explode).
const MAX_STEPS: usize = 200_000;

/// Top-level block types of the Terraform language (for detection by content).
const TOP_BLOCKS: &[&str] = &[
    "resource",
    "data",
    "variable",
    "locals",
    "provider",
    "terraform",
    "module",
    "output",
    "import",
    "moved",
    "removed",
    "check",
];

/// Block names the provider declares as repeatable (a list of blocks).
const REPEATABLE: &[&str] = &["custom_claim"];

/// Arguments whose value is a list of strings (an unresolved reference is then a one-item list).
const LIST_ARGS: &[&str] = &[
    "allowed_audience",
    "allowed_clients",
    "allowed_scopes",
    "match_value_string_list",
];

/// Everything needed to load a configuration.
pub(crate) struct TfOptions<'a> {
    /// `--resource` (`TYPE.NAME` or `NAME`).
    pub resource: Option<&'a str>,
    /// `--agent` (a runtime: its resource name or `agent_runtime_name`).
    pub agent: Option<&'a str>,
    /// `--gateway` (a gateway: its resource name or `name`).
    pub gateway: Option<&'a str>,
    /// `--param NAME=VALUE`.
    pub params: &'a [(String, String)],
    /// `--region`, when given.
    pub region: Option<String>,
    /// `AWS_REGION` / `AWS_DEFAULT_REGION` (used when the configuration names no region).
    pub env_region: Option<String>,
}

/// True when `path` names a Terraform file by its extension.
pub(crate) fn is_tf_path(path: &str) -> bool {
    path.ends_with(".tf")
}

/// True when `text` is HCL whose top level holds Terraform blocks (`resource`, `variable`, …).
pub(crate) fn detect(text: &str) -> bool {
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => body
            .blocks()
            .any(|b| TOP_BLOCKS.contains(&b.ident.as_str())),
        Err(_) => false,
    }
}

/// True when `dir` holds at least one `.tf` file.
pub(crate) fn dir_has_tf(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .take(10 * MAX_FILES)
            .any(|e| e.file_name().to_string_lossy().ends_with(".tf") && e.path().is_file())
    })
}

/// One parsed file.
struct SourceFile {
    /// The name shown in messages (`dir/main.tf`).
    name: String,
    /// The text.
    text: String,
    /// Byte offsets where lines start.
    line_starts: Vec<usize>,
    /// The parsed body.
    body: Body,
}

impl SourceFile {
    fn parse(name: String, text: String) -> Result<SourceFile> {
        let text = match text.strip_prefix('\u{feff}') {
            Some(t) => t.to_string(),
            None => text,
        };
        let body = hcl_edit::parser::parse_body(&text).map_err(|e| {
            let (l, c) = (e.location().line(), e.location().column());
            Error::config(
                &name,
                format!("HCL syntax error at line {l} column {c}: {}", e.message()),
                Some(format!(
                    "fix the HCL at {name}:{l}:{c} (`terraform validate` shows the same place)"
                )),
            )
        })?;
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Ok(SourceFile {
            name,
            text,
            line_starts,
            body,
        })
    }

    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|s| *s <= offset).max(1)
    }

    /// The 1-based line where a span starts.
    fn line_of(&self, span: Option<Range<usize>>) -> Option<usize> {
        span.map(|s| self.line(s.start))
    }

    /// The source text of a span, shortened, on one line.
    fn snippet(&self, span: Option<Range<usize>>) -> String {
        let Some(s) = span else {
            return "expression".to_string();
        };
        let raw = self.text.get(s).unwrap_or("expression");
        let one: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() > MAX_SNIPPET {
            let cut: String = one.chars().take(MAX_SNIPPET).collect();
            format!("{cut}…")
        } else {
            one
        }
    }
}

/// Loads the authorizer from one `.tf` file (`path` names it, `text` is its content).
pub(crate) fn load_text(path: &str, text: &str, opts: &TfOptions<'_>) -> Result<Authorizer> {
    let file = SourceFile::parse(path.to_string(), text.to_string())?;
    load_module(path, vec![file], Vec::new(), None, false, opts)
}

/// Loads the authorizer from every `.tf` file of `dir` (with its `terraform.tfvars` and
/// `*.auto.tfvars`), as Terraform reads a module. Subdirectories (child modules) are not read.
pub(crate) fn load_dir(dir: &Path, opts: &TfOptions<'_>) -> Result<Authorizer> {
    let shown = dir.to_string_lossy().to_string();
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut tf: Vec<PathBuf> = Vec::new();
    let mut tfvars: Vec<PathBuf> = Vec::new();
    for e in entries.flatten().take(10 * MAX_FILES) {
        let name = e.file_name().to_string_lossy().to_string();
        let p = e.path();
        if name.starts_with('.') || !p.is_file() {
            continue;
        }
        if name.ends_with(".tf") {
            tf.push(p);
        } else if name == "terraform.tfvars" || name.ends_with(".auto.tfvars") {
            tfvars.push(p);
        }
    }
    if tf.len() + tfvars.len() > MAX_FILES {
        return Err(Error::config(
            &shown,
            format!("the directory holds more than {MAX_FILES} Terraform files"),
            Some("pass the .tf file that declares the AgentCore resource".to_string()),
        ));
    }
    tf.sort();
    // terraform.tfvars first, then *.auto.tfvars in lexical order: later files win.
    tfvars.sort_by_key(|p| {
        let n = p.file_name().map(|n| n.to_string_lossy().to_string());
        (n.as_deref() != Some("terraform.tfvars"), n)
    });
    let mut total = 0u64;
    let mut read = |p: &Path| -> Result<SourceFile> {
        let text = fsx::read_to_string(p)?;
        total += text.len() as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(Error::config(
                &shown,
                format!(
                    "the Terraform files hold more than {} MiB",
                    MAX_TOTAL_BYTES / 1024 / 1024
                ),
                Some("pass the .tf file that declares the AgentCore resource".to_string()),
            ));
        }
        SourceFile::parse(p.to_string_lossy().to_string(), text)
    };
    let files = tf.iter().map(|p| read(p)).collect::<Result<Vec<_>>>()?;
    let vars = tfvars.iter().map(|p| read(p)).collect::<Result<Vec<_>>>()?;
    if files.is_empty() {
        return Err(Error::config(
            &shown,
            "the directory holds no .tf file",
            Some("pass the directory of the Terraform configuration, or a .tf file".to_string()),
        ));
    }
    let state = read_state(&dir.join("terraform.tfstate"));
    load_module(&shown, files, vars, Some(state), true, opts)
}

/// What `terraform.tfstate` (the local backend's state) holds, or why it could not be read.
enum State {
    /// No state file.
    Absent,
    /// The state's managed resources of the root module.
    Read(Vec<serde_json::Value>),
    /// Unreadable: the reason, shown as a warning.
    Unreadable(String),
}

/// Reads the root module's managed resources from a local state file (format version 4).
fn read_state(path: &Path) -> State {
    if !path.is_file() {
        return State::Absent;
    }
    let text = match fsx::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return State::Unreadable(e.to_string()),
    };
    let v: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return State::Unreadable(format!("not JSON: {e}")),
    };
    if v.get("version").and_then(serde_json::Value::as_u64) != Some(4) {
        return State::Unreadable("not a version 4 state file".to_string());
    }
    let resources = v
        .get("resources")
        .and_then(serde_json::Value::as_array)
        .map(|r| {
            r.iter()
                .filter(|r| {
                    r.get("mode").and_then(serde_json::Value::as_str) == Some("managed")
                        && r.get("module").is_none()
                })
                .take(100_000)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    State::Read(resources)
}

/// One AgentCore resource of the module.
struct Resource<'a> {
    /// `aws_bedrockagentcore_agent_runtime` or `aws_bedrockagentcore_gateway`.
    rtype: &'static str,
    /// The resource's name label.
    label: String,
    /// `agent_runtime_name` / `name`, when literal.
    service_name: Option<String>,
    /// Index of the file that declares it.
    file: usize,
    /// The block.
    block: &'a Block,
}

impl Resource<'_> {
    /// The listing entry: named by its label, chosen by `TYPE.NAME` too.
    fn summary(&self) -> ResourceSummary {
        let declared = self
            .block
            .body
            .get_attribute("authorizer_type")
            .and_then(|a| a.value.as_str())
            .and_then(AuthorizerType::parse);
        let has_jwt = self.has_jwt_block();
        ResourceSummary {
            kind: if self.is_gateway() {
                ResourceKind::Gateway
            } else {
                ResourceKind::Runtime
            },
            name: self.label.clone(),
            id: Some(self.address()),
            service_name: self.service_name.clone(),
            authorizer_type: match declared {
                Some(t) => t,
                None if has_jwt => AuthorizerType::CustomJwt,
                None => AuthorizerType::AwsIam,
            },
            has_jwt,
        }
    }

    fn address(&self) -> String {
        format!("{}.{}", self.rtype, self.label)
    }

    fn is_gateway(&self) -> bool {
        self.rtype == GATEWAY_TYPE
    }

    fn has_jwt_block(&self) -> bool {
        self.block
            .body
            .get_blocks("authorizer_configuration")
            .any(|b| b.body.has_blocks("custom_jwt_authorizer") || !b.body.is_empty())
    }
}

/// Loads the chosen resource of a module made of `files` (and `tfvars` files).
fn load_module(
    shown: &str,
    files: Vec<SourceFile>,
    tfvars: Vec<SourceFile>,
    state: Option<State>,
    is_dir: bool,
    opts: &TfOptions<'_>,
) -> Result<Authorizer> {
    let mut resources: Vec<Resource<'_>> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        for b in f.body.blocks() {
            if b.ident.as_str() != "resource" || b.labels.len() != 2 {
                continue;
            }
            let rtype = match b.labels[0].as_str() {
                RUNTIME_TYPE => RUNTIME_TYPE,
                GATEWAY_TYPE => GATEWAY_TYPE,
                _ => continue,
            };
            let name_attr = if rtype == RUNTIME_TYPE {
                "agent_runtime_name"
            } else {
                "name"
            };
            resources.push(Resource {
                rtype,
                label: b.labels[1].as_str().to_string(),
                service_name: b
                    .body
                    .get_attribute(name_attr)
                    .and_then(|a| a.value.as_str())
                    .map(str::to_string),
                file: i,
                block: b,
            });
        }
    }
    if resources.is_empty() {
        return Err(Error::config(
            shown,
            format!("no {RUNTIME_TYPE} or {GATEWAY_TYPE} resource"),
            Some(if is_dir {
                "pass the directory (or .tf file) that declares the AgentCore runtime or gateway, or give --discovery-url and --allowed-client".to_string()
            } else {
                "pass the .tf file (or its directory) that declares the AgentCore runtime or gateway, or give --discovery-url and --allowed-client".to_string()
            }),
        ));
    }
    let summaries: Vec<ResourceSummary> = resources.iter().map(Resource::summary).collect();
    // `--agent`/`--gateway` also take the service's name (`agent_runtime_name`, `name`): the
    // summaries carry it for select.
    let selected = select::select(
        shown,
        &summaries,
        select::Want {
            resource: opts.resource,
            agent: opts.agent,
            gateway: opts.gateway,
        },
        None,
        select::Naming::Ids,
    )?;
    let chosen = selected.index;
    let res = &resources[chosen];
    let file = &files[res.file];

    let state = state.unwrap_or(State::Absent);
    let module = Module::new(&files, &tfvars, &state);
    let mut ev = Eval::new(&module, opts);
    let mut out = Findings::new(crate::authorizer::Syntax::Hcl);
    if let State::Unreadable(why) = &state {
        out.warn(format!("{shown}/terraform.tfstate is not used: {why}"));
    }
    let block_line = file.line_of(res.block.ident.span());

    // The region: --region, the resource's `region`, the provider's, then the environment.
    let region = match &opts.region {
        Some(r) => Some(r.clone()),
        None => {
            let own = res
                .block
                .body
                .get_attribute("region")
                .map(|a| ev.eval(&a.value, res.file, None, 0));
            let own = own.and_then(|n| resolved_text(&n));
            own.or_else(|| module.provider_region(&mut ev))
                .or(opts.env_region.clone())
        }
    };
    ev.region = region.clone();

    let auth_blocks: Vec<&Block> = res
        .block
        .body
        .get_blocks("authorizer_configuration")
        .collect();
    let auth_attr = res.block.body.get_attribute("authorizer_configuration");
    let (jwt, authorizer_line) = if let Some(b) = auth_blocks.last() {
        if auth_blocks.len() > 1 {
            out.warn(format!(
                "{} has {} `authorizer_configuration` blocks; the provider allows one (tokdiag reads the last)",
                res.address(),
                auth_blocks.len()
            ));
        }
        let line = file.line_of(b.ident.span());
        let node = ev.body(&b.body, res.file, line, 0, &mut out);
        (
            jwt::authorizer_configuration(
                &file.name,
                &node,
                "authorizer_configuration",
                line,
                Style::Snake,
                &mut out,
            )?,
            line,
        )
    } else if let Some(a) = auth_attr {
        let line = file.line_of(a.key.span());
        out.warn(format!(
            "`authorizer_configuration`{} is written as an argument (`= {{ … }}`); the provider declares it as a block: write `authorizer_configuration {{ custom_jwt_authorizer {{ … }} }}`",
            at(line)
        ));
        let node = ev.eval(&a.value, res.file, line, 0);
        (
            jwt::authorizer_configuration(
                &file.name,
                &node,
                "authorizer_configuration",
                line,
                Style::Snake,
                &mut out,
            )?,
            line,
        )
    } else {
        (None, block_line)
    };

    // The declared type (`authorizer_type`, evaluated: a variable or `--param` decides it).
    let declared = res
        .block
        .body
        .get_attribute("authorizer_type")
        .map(|a| ev.eval(&a.value, res.file, None, 0))
        .map(|n| super::DeclaredType::of(n.as_str()));
    if res.is_gateway() {
        gateway_type(res, file, declared.as_ref(), jwt.is_some(), &mut out);
    }
    misspelt_blocks(res, file, &mut out);

    let mut other_jwt_agents = Vec::new();
    if jwt.is_none() {
        let (names, warning) = select::jwt_elsewhere(&summaries, chosen, select::Naming::Ids);
        other_jwt_agents = names;
        out.warnings.extend(warning);
    }

    let arn_attr = if res.is_gateway() {
        "gateway_arn"
    } else {
        "agent_runtime_arn"
    };
    // The ARN: `--param TYPE.NAME.ATTR=…`, else the local state's.
    let agent_arn = ev
        .param(&format!("{}.{arn_attr}", res.address()))
        .map(str::to_string)
        .or_else(|| {
            module
                .state_value(
                    res.rtype,
                    &[Op::Attr(res.label.clone()), Op::Attr(arn_attr.to_string())],
                )
                .and_then(|n| n.as_str().map(str::to_string))
        });
    // What the state (or `--param TYPE.NAME.ATTR`) says about where it is deployed.
    let mut deployed = |attr: &str| -> Option<String> {
        ev.param(&format!("{}.{attr}", res.address()))
            .map(str::to_string)
            .or_else(|| {
                module
                    .state_value(
                        res.rtype,
                        &[Op::Attr(res.label.clone()), Op::Attr(attr.to_string())],
                    )
                    .and_then(|n| n.as_str().map(str::to_string))
            })
    };
    let deployment = if res.is_gateway() {
        Deployment {
            gateway_id: deployed("gateway_id"),
            gateway_url: deployed("gateway_url"),
            gateway_arn: agent_arn.clone(),
            account: agent_arn.as_deref().and_then(arn_account),
            ..Deployment::default()
        }
    } else {
        Deployment {
            runtime_id: deployed("agent_runtime_id"),
            account: agent_arn.as_deref().and_then(arn_account),
            ..Deployment::default()
        }
    };
    // The declared type decides (a JWT block under another type is not checked); else what the
    // blocks say. An unresolved one decides nothing (explain's verdict is then unknown).
    let (authorizer_type, jwt) =
        super::DeclaredType::apply(declared.as_ref(), jwt, summaries[chosen].authorizer_type);
    let protocol = if res.is_gateway() {
        res.block
            .body
            .get_attribute("protocol_type")
            .map(|a| ev.eval(&a.value, res.file, None, 0))
    } else {
        res.block
            .body
            .get_blocks("protocol_configuration")
            .last()
            .and_then(|b| b.body.get_attribute("server_protocol"))
            .map(|a| ev.eval(&a.value, res.file, None, 0))
    }
    .and_then(|n| resolved_text(&n));
    let request_header_allowlist = res
        .block
        .body
        .get_blocks("request_header_configuration")
        .last()
        .and_then(|b| b.body.get_attribute("request_header_allowlist"))
        .map(|a| ev.eval(&a.value, res.file, None, 0))
        .and_then(|n| n.str_items());
    out.warnings.extend(ev.warnings());
    let mut ignored = out.ignored;
    ignored.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    Ok(Authorizer {
        source: SourceKind::Terraform,
        file: Some(file.name.clone()),
        agent: Some(res.address()),
        agent_is_default: selected.by_default,
        rules: RuleSet::Agentcore,
        jwt,
        authorizer_line,
        ignored,
        warnings: out.warnings,
        other_jwt_agents,
        agent_arn,
        region,
        kind: summaries[chosen].kind,
        authorizer_type,
        authorizer_type_declared: matches!(declared, Some(super::DeclaredType::Known(_))),
        authorizer_absent: auth_blocks.is_empty() && auth_attr.is_none(),
        authorizer_type_unresolved: super::DeclaredType::unresolved(declared.as_ref()),
        request_header_allowlist,
        protocol,
        deployment,
        resources: summaries,
        ..Authorizer::empty(SourceKind::Terraform, RuleSet::Agentcore)
    })
}

/// Checks a gateway's `authorizer_type` against its `authorizer_configuration`.
fn gateway_type(
    res: &Resource<'_>,
    file: &SourceFile,
    declared: Option<&super::DeclaredType>,
    has_jwt: bool,
    out: &mut Findings,
) {
    let attr = res.block.body.get_attribute("authorizer_type");
    let line = attr.and_then(|a| file.line_of(a.key.span()));
    let text = match declared {
        Some(super::DeclaredType::Known(t)) => Some(t.as_str()),
        Some(super::DeclaredType::Other(t)) => Some(t.as_str()),
        _ => None,
    };
    match text {
        Some("CUSTOM_JWT") if !has_jwt => out.ignore(
            "authorizer_configuration",
            line,
            format!(
                "`authorizer_type = \"CUSTOM_JWT\"`{} needs an `authorizer_configuration {{ custom_jwt_authorizer {{ … }} }}` block, which the provider requires: add it",
                at(line)
            ),
        ),
        Some(t) if t != "CUSTOM_JWT" && has_jwt => out.warn(format!(
            "{} has `authorizer_type = \"{t}\"`{} but also a JWT `authorizer_configuration`: the gateway does not check JWTs with that type (write `authorizer_type = \"CUSTOM_JWT\"`)",
            res.address(),
            at(line)
        )),
        None if attr.is_none() => out.ignore(
            "authorizer_type",
            file.line_of(res.block.ident.span()),
            format!(
                "{} has no `authorizer_type`, which the provider requires: add `authorizer_type = \"CUSTOM_JWT\"`",
                res.address()
            ),
        ),
        _ => {}
    }
}

/// Reports blocks/arguments of the resource that look like a misspelt `authorizer_configuration`.
fn misspelt_blocks(res: &Resource<'_>, file: &SourceFile, out: &mut Findings) {
    for s in res.block.body.iter() {
        let (key, span) = match s {
            Structure::Attribute(a) => (a.key.as_str(), a.key.span()),
            Structure::Block(b) => (b.ident.as_str(), b.ident.span()),
        };
        if key != "authorizer_configuration"
            && super::members::closest(key, &["authorizer_configuration"]).is_some()
        {
            let line = file.line_of(span);
            out.ignore(
                key,
                line,
                format!(
                    "`{key}` is not an argument of {} (Terraform refuses it): write `authorizer_configuration`",
                    res.rtype
                ),
            );
        }
    }
}

/// What the module declares besides resources: variables (with their values), locals, providers.
struct Module<'a> {
    files: &'a [SourceFile],
    /// `variable` blocks: name → (file, block).
    variables: HashMap<String, (usize, &'a Block)>,
    /// `locals` attributes: name → (file, expression, line).
    locals: HashMap<String, (usize, &'a Expression)>,
    /// `*.tfvars` assignments, later files last: name → (tfvars index, expression).
    tfvars: Vec<(String, usize, &'a Expression)>,
    tfvar_files: &'a [SourceFile],
    /// The local state's root-module managed resources (empty without `terraform.tfstate`).
    state: &'a [serde_json::Value],
}

impl<'a> Module<'a> {
    fn new(files: &'a [SourceFile], tfvar_files: &'a [SourceFile], state: &'a State) -> Self {
        let mut variables = HashMap::new();
        let mut locals = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for b in f.body.blocks() {
                match b.ident.as_str() {
                    "variable" if b.labels.len() == 1 => {
                        variables.insert(b.labels[0].as_str().to_string(), (i, b));
                    }
                    "locals" => {
                        for a in b.body.attributes() {
                            locals.insert(a.key.as_str().to_string(), (i, &a.value));
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut tfvars = Vec::new();
        for (i, f) in tfvar_files.iter().enumerate() {
            for a in f.body.attributes() {
                tfvars.push((a.key.as_str().to_string(), i, &a.value));
            }
        }
        Module {
            files,
            variables,
            locals,
            tfvars,
            tfvar_files,
            state: match state {
                State::Read(r) => r,
                _ => &[],
            },
        }
    }

    /// The last applied value of `rtype.name[index].attr…` in the local state: the instance
    /// named by the first operator (`[0]`, `["key"]`) or the only one, then the attribute path.
    fn state_value(&self, rtype: &str, ops: &[Op]) -> Option<Node> {
        let Some(Op::Attr(name)) = ops.first() else {
            return None;
        };
        let res = self.state.iter().find(|r| {
            r.get("type").and_then(serde_json::Value::as_str) == Some(rtype)
                && r.get("name").and_then(serde_json::Value::as_str) == Some(name.as_str())
        })?;
        let instances = res.get("instances")?.as_array()?;
        let (instance, rest) = match ops.get(1) {
            Some(Op::Index(i)) => (
                instances.iter().find(|x| {
                    x.get("index_key").and_then(serde_json::Value::as_u64) == Some(*i as u64)
                })?,
                &ops[2..],
            ),
            Some(Op::Key(k)) => (
                instances.iter().find(|x| {
                    x.get("index_key").and_then(serde_json::Value::as_str) == Some(k.as_str())
                })?,
                &ops[2..],
            ),
            _ if instances.len() == 1 && instances[0].get("index_key").is_none() => {
                (&instances[0], &ops[1..])
            }
            _ => return None,
        };
        let mut v = instance.get("attributes")?;
        if rest.is_empty() {
            return None;
        }
        for op in rest {
            v = match op {
                Op::Attr(a) | Op::Key(a) => v.get(a.as_str())?,
                Op::Index(i) => v.get(*i)?,
                Op::Other(_) => return None,
            };
        }
        (!v.is_null()).then(|| super::tree::from_json(v))
    }

    /// The default `aws` provider's `region`, when it resolves.
    fn provider_region(&self, ev: &mut Eval<'_>) -> Option<String> {
        for (i, f) in self.files.iter().enumerate() {
            for b in f.body.blocks() {
                if b.ident.as_str() == "provider"
                    && b.labels.first().map(|l| l.as_str()) == Some("aws")
                    && !b.body.has_attribute("alias")
                    && let Some(a) = b.body.get_attribute("region")
                {
                    let n = ev.eval(&a.value, i, None, 0);
                    return resolved_text(&n);
                }
            }
        }
        None
    }

    /// The variable's declared type as written (`list(string)`), when any.
    fn var_type(&self, name: &str) -> Option<String> {
        let (i, b) = self.variables.get(name)?;
        let a = b.body.get_attribute("type")?;
        Some(self.files[*i].snippet(a.value.span()))
    }
}

/// A value that could not be resolved.
struct Unresolved {
    /// What `--param` takes; empty when no param helps.
    key: String,
    /// How it is shown.
    what: String,
    /// An example value (or, with an empty key, the advice).
    example: String,
}

/// Evaluates expressions against variables, locals, `--param` values and the region.
struct Eval<'a> {
    module: &'a Module<'a>,
    given: HashMap<String, String>,
    used: HashSet<String>,
    region: Option<String>,
    unresolved: Vec<Unresolved>,
    /// Locals being evaluated (cycle guard).
    active: Vec<String>,
    /// References resolved from `terraform.tfstate`.
    from_state: Vec<String>,
    /// Locals already evaluated (each is evaluated once).
    local_values: HashMap<String, Node>,
    /// Evaluations so far (bounded by [`MAX_STEPS`]).
    steps: usize,
}

impl<'a> Eval<'a> {
    fn new(module: &'a Module<'a>, opts: &TfOptions<'_>) -> Self {
        Eval {
            module,
            given: opts.params.iter().cloned().collect(),
            used: HashSet::new(),
            region: opts.region.clone(),
            unresolved: Vec::new(),
            active: Vec::new(),
            from_state: Vec::new(),
            local_values: HashMap::new(),
            steps: 0,
        }
    }

    /// A `--param` value, marking it used.
    fn param(&mut self, key: &str) -> Option<&str> {
        if self.given.contains_key(key) {
            self.used.insert(key.to_string());
        }
        self.given.get(key).map(String::as_str)
    }

    fn remember(&mut self, key: &str, what: &str, example: String) {
        if !self.unresolved.iter().any(|u| u.what == what) {
            self.unresolved.push(Unresolved {
                key: key.to_string(),
                what: what.to_string(),
                example,
            });
        }
    }

    /// The warnings: unresolved values, then `--param` names the configuration does not know.
    fn warnings(&self) -> Vec<String> {
        let mut w: Vec<String> = self
            .unresolved
            .iter()
            .map(|u| {
                if u.key.is_empty() {
                    format!("unresolved: {} — {}", u.what, u.example)
                } else {
                    format!(
                        "unresolved: {} — supply it with --param {}",
                        u.what,
                        crate::fsx::sh_word(&format!("{}={}", u.key, u.example))
                    )
                }
            })
            .collect();
        let mut seen: Vec<&String> = Vec::new();
        for r in &self.from_state {
            if !seen.contains(&r) {
                seen.push(r);
            }
        }
        if !seen.is_empty() {
            w.push(format!(
                "from terraform.tfstate (the last `terraform apply`, not the .tf as edited since): {}",
                seen.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        let mut names: Vec<&String> = self.given.keys().collect();
        names.sort();
        for name in names {
            let bare = name.strip_prefix("var.").unwrap_or(name);
            let known = self.used.contains(name.as_str())
                || self.module.variables.contains_key(bare)
                || name
                    .strip_prefix("local.")
                    .is_some_and(|l| self.module.locals.contains_key(l));
            if !known {
                w.push(format!(
                    "--param {name} matches no variable or reference the configuration uses"
                ));
            }
        }
        w
    }

    /// A placeholder for an unresolved reference.
    fn placeholder(&mut self, key: &str, what: &str, line: Option<usize>) -> Node {
        let example = self.example(key);
        self.remember(key, what, example);
        Node::scalar(format!("${{{what}}}"), false, line)
    }

    /// A value tokdiag does not evaluate (function call, `for` expression, …).
    fn opaque(&mut self, file: usize, span: Option<Range<usize>>, line: Option<usize>) -> Node {
        let text = self.module.files[file].snippet(span);
        self.remember(
            &text,
            &text,
            "VALUE (tokdiag does not evaluate it; check the deployed value)".to_string(),
        );
        Node::scalar(format!("${{{text}}}"), false, line)
    }

    /// A value that would grow past the limits: left unevaluated, with the reason.
    fn too_big(&mut self, file: usize, span: Option<Range<usize>>, line: Option<usize>) -> Node {
        let text = self.module.files[file].snippet(span);
        self.remember(
            "",
            &text,
            format!(
                "its value would exceed {} KiB; tokdiag does not evaluate it",
                MAX_TEXT / 1024
            ),
        );
        Node::scalar(format!("${{{text}}}"), false, line)
    }

    /// An example value for an unresolved name.
    fn example(&self, key: &str) -> String {
        let region = self.region.clone().unwrap_or_else(|| "us-east-1".into());
        let pool = format!("{region}_XXXX");
        let parts: Vec<&str> = key.split('.').collect();
        let (rtype, attr) = match parts.as_slice() {
            [t, _, a, ..] if !matches!(*t, "var" | "local" | "data") => (*t, *a),
            _ => ("", ""),
        };
        match (rtype, attr) {
            ("aws_cognito_user_pool", "id") => return pool,
            ("aws_cognito_user_pool", "endpoint") => {
                return format!("cognito-idp.{region}.amazonaws.com/{pool}");
            }
            ("aws_cognito_user_pool", "arn") => {
                return format!("arn:aws:cognito-idp:{region}:123456789012:userpool/{pool}");
            }
            ("aws_cognito_user_pool_client", "id") => return "CLIENT_ID".into(),
            _ => {}
        }
        let l = key.to_ascii_lowercase();
        if l.contains("client") {
            "CLIENT_ID".into()
        } else if l.contains("pool") {
            pool
        } else if l.contains("url") || l.contains("issuer") || l.contains("domain") {
            "https://…".into()
        } else if l.contains("region") {
            region
        } else if l.contains("account") {
            "123456789012".into()
        } else {
            "VALUE".into()
        }
    }

    /// Converts a block body into a mapping: attributes and blocks in source order, repeatable
    /// blocks collected into one list under their name.
    fn body(
        &mut self,
        body: &Body,
        file: usize,
        line: Option<usize>,
        depth: usize,
        out: &mut Findings,
    ) -> Node {
        let module = self.module;
        let f = &module.files[file];
        let mut entries: Vec<Entry> = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    let kline = f.line_of(a.key.span());
                    let mut value = self.eval(&a.value, file, kline, depth + 1);
                    if LIST_ARGS.contains(&key) && is_placeholder(&value) {
                        value = Node {
                            kind: Kind::Seq(vec![value]),
                            line: kline,
                            tag: None,
                        };
                    }
                    entries.push(Entry {
                        key: key.to_string(),
                        line: kline,
                        value,
                    });
                }
                Structure::Block(b) => {
                    let key = b.ident.as_str();
                    let bline = f.line_of(b.ident.span());
                    if key == "dynamic" {
                        let what = b.labels.first().map(|l| l.as_str()).unwrap_or("?");
                        out.warn(format!(
                            "`dynamic \"{what}\"`{} is not evaluated: tokdiag reads literal blocks only",
                            at(bline)
                        ));
                        continue;
                    }
                    let value = if depth > MAX_DEPTH {
                        Node::scalar("", true, bline)
                    } else {
                        self.body(&b.body, file, bline, depth + 1, out)
                    };
                    if REPEATABLE.contains(&key) {
                        if let Some(Entry {
                            value:
                                Node {
                                    kind: Kind::Seq(items),
                                    ..
                                },
                            ..
                        }) = entries.iter_mut().find(|e| e.key == key)
                        {
                            items.push(value);
                            continue;
                        }
                        entries.push(Entry {
                            key: key.to_string(),
                            line: bline,
                            value: Node {
                                kind: Kind::Seq(vec![value]),
                                line: bline,
                                tag: None,
                            },
                        });
                    } else {
                        entries.push(Entry {
                            key: key.to_string(),
                            line: bline,
                            value,
                        });
                    }
                }
            }
        }
        Node {
            kind: Kind::Map(entries),
            line,
            tag: None,
        }
    }

    /// Evaluates `expr` (from `file`); `line` is the line given to the values (the attribute's).
    fn eval(&mut self, expr: &Expression, file: usize, line: Option<usize>, depth: usize) -> Node {
        self.steps += 1;
        if depth > MAX_DEPTH || self.steps > MAX_STEPS {
            return self.opaque(file, expr.span(), line);
        }
        let module = self.module;
        let f = &module.files[file];
        match expr {
            Expression::Null(_) => Node::scalar("null", true, line),
            Expression::Bool(b) => Node::scalar(b.value().to_string(), true, line),
            Expression::Number(n) => Node::scalar(n.value().to_string(), true, line),
            Expression::String(s) => Node::scalar(s.value().clone(), false, line),
            Expression::Array(items) => {
                let items = items
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|i| {
                        let l = f.line_of(i.span()).or(line);
                        self.eval(i, file, l, depth + 1)
                    })
                    .collect();
                Node {
                    kind: Kind::Seq(items),
                    line,
                    tag: None,
                }
            }
            Expression::Object(obj) => {
                let mut entries = Vec::new();
                for (k, v) in obj.iter().take(MAX_ITEMS) {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(e) => {
                            let n = self.eval(e, file, line, depth + 1);
                            text_of(&n)
                        }
                    };
                    let kline = f.line_of(k_span(k)).or(line);
                    let value = self.eval(v.expr(), file, kline, depth + 1);
                    entries.push(Entry {
                        key,
                        line: kline,
                        value,
                    });
                }
                Node {
                    kind: Kind::Map(entries),
                    line,
                    tag: None,
                }
            }
            Expression::StringTemplate(t) => self.template(t, expr.span(), file, line, depth),
            Expression::HeredocTemplate(h) => {
                let mut h = (**h).clone();
                h.dedent();
                self.template(&h.template, expr.span(), file, line, depth)
            }
            Expression::Parenthesis(p) => self.eval(p.inner(), file, line, depth + 1),
            Expression::Traversal(t) => {
                let Some((root, ops)) = traversal_parts(t) else {
                    return self.opaque(file, expr.span(), line);
                };
                self.reference(&root, &ops, file, expr, line, depth)
            }
            Expression::Variable(v) => {
                let name = v.as_str().to_string();
                self.reference(&name, &[], file, expr, line, depth)
            }
            Expression::FuncCall(call) => {
                let n = self.call(call, file, expr, line, depth);
                if value_bytes(&n) > MAX_VALUE_BYTES {
                    return self.too_big(file, expr.span(), line);
                }
                n
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, file, line, depth + 1);
                match as_bool(&cond) {
                    Some(true) => self.eval(&c.true_expr, file, line, depth + 1),
                    Some(false) => self.eval(&c.false_expr, file, line, depth + 1),
                    None => self.opaque(file, expr.span(), line),
                }
            }
            Expression::UnaryOp(op) if *op.operator.value() == UnaryOperator::Not => {
                let v = self.eval(&op.expr, file, line, depth + 1);
                match as_bool(&v) {
                    Some(b) => Node::scalar((!b).to_string(), true, line),
                    None => self.opaque(file, expr.span(), line),
                }
            }
            Expression::BinaryOp(op)
                if matches!(
                    op.operator.value(),
                    BinaryOperator::Eq | BinaryOperator::NotEq
                ) =>
            {
                let a = self.eval(&op.lhs_expr, file, line, depth + 1);
                let b = self.eval(&op.rhs_expr, file, line, depth + 1);
                if is_placeholder(&a) || is_placeholder(&b) || text_of(&a).contains("${") {
                    return self.opaque(file, expr.span(), line);
                }
                let eq = text_of(&a) == text_of(&b);
                let v = if *op.operator.value() == BinaryOperator::Eq {
                    eq
                } else {
                    !eq
                };
                Node::scalar(v.to_string(), true, line)
            }
            _ => self.opaque(file, expr.span(), line),
        }
    }

    /// Evaluates a template: literals kept, interpolations evaluated (unresolved ones stay
    /// `${…}` as written), directives left unevaluated.
    fn template(
        &mut self,
        t: &Template,
        span: Option<Range<usize>>,
        file: usize,
        line: Option<usize>,
        depth: usize,
    ) -> Node {
        let mut s = String::new();
        for el in t.iter() {
            match el {
                Element::Literal(l) => s.push_str(l.value()),
                Element::Interpolation(i) => {
                    let n = self.eval(&i.expr, file, line, depth + 1);
                    s.push_str(&text_of(&n));
                }
                Element::Directive(d) => {
                    let n = self.opaque(file, d.span(), line);
                    s.push_str(&text_of(&n));
                }
            }
            if s.len() > MAX_TEXT {
                return self.too_big(file, span, line);
            }
        }
        Node::scalar(s, false, line)
    }

    /// Resolves a reference: `var.X`, `local.X`, `data.aws_region.X.name`, a resource
    /// attribute, each overridable by `--param <text>=VALUE`.
    fn reference(
        &mut self,
        root: &str,
        ops: &[Op],
        file: usize,
        expr: &Expression,
        line: Option<usize>,
        depth: usize,
    ) -> Node {
        let text = reference_text(root, ops);
        if root != "var"
            && let Some(v) = self.param(&text)
        {
            let v = v.to_string();
            return self.param_value(&v, None, line);
        }
        let first = match ops.first() {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        match (root, first) {
            ("var", Some(name)) => {
                let whole = format!("var.{name}");
                let v = match self.param(name).map(str::to_string) {
                    Some(v) => Some(self.param_value(&v, Some(name), line)),
                    None => match self.param(&whole).map(str::to_string) {
                        Some(v) => Some(self.param_value(&v, Some(name), line)),
                        None => self.variable(name, line, depth),
                    },
                };
                match v {
                    Some(v) => self.navigate(v, &ops[1..], &text, line),
                    None => {
                        let declared = self.module.variables.contains_key(name);
                        let what = if declared {
                            format!("var.{name} (no default, no tfvars)")
                        } else {
                            format!("var.{name} (no `variable \"{name}\"` block was read)")
                        };
                        let example = self.example(name);
                        self.remember(name, &what, example);
                        Node::scalar(format!("${{{text}}}"), false, line)
                    }
                }
            }
            ("local", Some(name)) => {
                let Some((lfile, lexpr)) = self.module.locals.get(name).copied() else {
                    return self.placeholder(&text, &text, line);
                };
                if self.active.iter().any(|a| a == name) || depth > MAX_DEPTH {
                    return self.opaque(file, expr.span(), line);
                }
                let v = match self.local_values.get(name) {
                    Some(v) => {
                        let mut v = v.clone();
                        set_lines(&mut v, line);
                        v
                    }
                    None => {
                        self.active.push(name.to_string());
                        let v = self.eval(lexpr, lfile, line, depth + 1);
                        self.active.pop();
                        self.local_values.insert(name.to_string(), v.clone());
                        v
                    }
                };
                if text_of(&v).contains("${") {
                    // Built from something unresolved: already reported under its own name.
                    return v;
                }
                self.navigate(v, &ops[1..], &text, line)
            }
            ("data", Some("aws_region")) => {
                let attr = match ops.get(2) {
                    Some(Op::Attr(a)) => a.as_str(),
                    _ => "",
                };
                match (&self.region, attr) {
                    (Some(r), "name" | "region" | "id") => Node::scalar(r.clone(), false, line),
                    _ => {
                        let example = self.region.clone().unwrap_or_else(|| "us-east-1".into());
                        self.remember(
                            "",
                            &text,
                            format!("supply the region with --region {example}"),
                        );
                        Node::scalar(format!("${{{text}}}"), false, line)
                    }
                }
            }
            ("data", Some("aws_partition")) => {
                let p = match self.region.as_deref() {
                    Some(r) if r.starts_with("cn-") => "aws-cn",
                    Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
                    _ => "aws",
                };
                Node::scalar(p, false, line)
            }
            (rtype, Some(_)) if !matches!(rtype, "data" | "module" | "var" | "local") => {
                match self.module.state_value(rtype, ops) {
                    Some(mut v) => {
                        set_lines(&mut v, line);
                        self.from_state.push(text.clone());
                        v
                    }
                    None => self.placeholder(&text, &text, line),
                }
            }
            _ => self.placeholder(&text, &text, line),
        }
    }

    /// The value of variable `name` from its default and the tfvars files (later files win).
    fn variable(&mut self, name: &str, line: Option<usize>, depth: usize) -> Option<Node> {
        let from_tfvars = self
            .module
            .tfvars
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, i, e)| (*i, *e));
        let module = self.module;
        if let Some((i, e)) = from_tfvars {
            return Some(self.literal(e, &module.tfvar_files[i], line, depth));
        }
        let (i, block) = module.variables.get(name).copied()?;
        let default = block.body.get_attribute("default")?;
        Some(self.literal(&default.value, &module.files[i], line, depth))
    }

    /// Evaluates a literal-only expression (a variable default or a tfvars value: Terraform
    /// forbids references there).
    fn literal(
        &mut self,
        expr: &Expression,
        f: &SourceFile,
        line: Option<usize>,
        depth: usize,
    ) -> Node {
        if depth > MAX_DEPTH {
            return Node::scalar("", true, line);
        }
        match expr {
            Expression::Null(_) => Node::scalar("null", true, line),
            Expression::Bool(b) => Node::scalar(b.value().to_string(), true, line),
            Expression::Number(n) => Node::scalar(n.value().to_string(), true, line),
            Expression::String(s) => Node::scalar(s.value().clone(), false, line),
            Expression::Array(items) => Node {
                kind: Kind::Seq(
                    items
                        .iter()
                        .take(MAX_ITEMS)
                        .map(|i| self.literal(i, f, line, depth + 1))
                        .collect(),
                ),
                line,
                tag: None,
            },
            Expression::Object(obj) => Node {
                kind: Kind::Map(
                    obj.iter()
                        .take(MAX_ITEMS)
                        .map(|(k, v)| Entry {
                            key: match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(e) => {
                                    text_of(&self.literal(e, f, line, depth + 1))
                                }
                            },
                            line,
                            value: self.literal(v.expr(), f, line, depth + 1),
                        })
                        .collect(),
                ),
                line,
                tag: None,
            },
            Expression::Parenthesis(p) => self.literal(p.inner(), f, line, depth + 1),
            _ => {
                let text = f.snippet(expr.span());
                self.remember(
                    "",
                    &text,
                    "a variable value that is not a literal; tokdiag does not evaluate it".into(),
                );
                Node::scalar(format!("${{{text}}}"), false, line)
            }
        }
    }

    /// A `--param` value: an HCL list/object literal when it looks like one, a comma-separated
    /// list for a variable declared as a list or set, else a string.
    fn param_value(&mut self, value: &str, var: Option<&str>, line: Option<usize>) -> Node {
        let v = value.trim();
        if (v.starts_with('[') || v.starts_with('{'))
            && let Ok(expr) = hcl_edit::parser::parse_expr(v)
            && let Ok(f) = SourceFile::parse("--param".into(), String::new())
        {
            return self.literal(&expr, &f, line, 0);
        }
        let listy = var
            .and_then(|n| self.module.var_type(n))
            .is_some_and(|t| t.starts_with("list") || t.starts_with("set"));
        if listy {
            return Node {
                kind: Kind::Seq(
                    value
                        .split(',')
                        .take(MAX_ITEMS)
                        .map(|s| Node::scalar(s.trim(), false, line))
                        .collect(),
                ),
                line,
                tag: None,
            };
        }
        Node::scalar(value, false, line)
    }

    /// Applies the remaining traversal operators (`[0]`, `.attr`) to a resolved value.
    fn navigate(&mut self, mut v: Node, ops: &[Op], text: &str, line: Option<usize>) -> Node {
        for op in ops {
            let next = match (op, &v.kind) {
                (Op::Index(i), Kind::Seq(items)) => items.get(*i).cloned(),
                (Op::Attr(a) | Op::Key(a), Kind::Map(_)) => v.get(a).cloned(),
                _ => None,
            };
            match next {
                Some(n) => v = n,
                None => return self.placeholder(text, text, line),
            }
        }
        v.line = line;
        v
    }

    /// Evaluates the few pure functions that build authorizer values.
    fn call(
        &mut self,
        call: &hcl_edit::expr::FuncCall,
        file: usize,
        expr: &Expression,
        line: Option<usize>,
        depth: usize,
    ) -> Node {
        if call.name.is_namespaced() {
            return self.opaque(file, expr.span(), line);
        }
        let args: Vec<Node> = call
            .args
            .iter()
            .take(64)
            .map(|a| self.eval(a, file, line, depth + 1))
            .collect();
        if args.iter().any(|a| text_of(a).contains("${")) && call.name.name.as_str() != "format" {
            // An argument is unresolved (and reported): keep the call as written.
            return self.opaque(file, expr.span(), line);
        }
        let seq = |items: Vec<Node>| Node {
            kind: Kind::Seq(items),
            line,
            tag: None,
        };
        let s = |t: String| Node::scalar(t, false, line);
        match (call.name.name.as_str(), args.as_slice()) {
            ("tolist" | "toset", [a]) if a.as_seq().is_some() => {
                let mut a = a.clone();
                a.line = line;
                a
            }
            ("concat", lists) if lists.iter().all(|l| l.as_seq().is_some()) => seq(lists
                .iter()
                .flat_map(|l| l.as_seq().unwrap_or(&[]).iter().cloned())
                .take(MAX_ITEMS)
                .collect()),
            ("join", [sep, list]) if list.as_seq().is_some() => s(list
                .as_seq()
                .unwrap_or(&[])
                .iter()
                .map(text_of)
                .collect::<Vec<_>>()
                .join(&text_of(sep))),
            ("split", [sep, text]) if !text_of(sep).is_empty() => seq(text_of(text)
                .split(text_of(sep).as_str())
                .take(MAX_ITEMS)
                .map(|p| Node::scalar(p, false, line))
                .collect()),
            ("lower", [a]) => s(text_of(a).to_lowercase()),
            ("upper", [a]) => s(text_of(a).to_uppercase()),
            ("trimspace", [a]) => s(text_of(a).trim().to_string()),
            ("trimprefix", [a, p]) => {
                let (a, p) = (text_of(a), text_of(p));
                s(a.strip_prefix(p.as_str()).unwrap_or(&a).to_string())
            }
            ("trimsuffix", [a, p]) => {
                let (a, p) = (text_of(a), text_of(p));
                s(a.strip_suffix(p.as_str()).unwrap_or(&a).to_string())
            }
            ("coalesce", items) if !items.is_empty() => items
                .iter()
                .find(|n| !n.is_null() && !text_of(n).is_empty())
                .cloned()
                .unwrap_or_else(|| s(String::new())),
            ("format", [spec, rest @ ..]) => match format(&text_of(spec), rest) {
                Some(t) => s(t),
                None => self.opaque(file, expr.span(), line),
            },
            _ => self.opaque(file, expr.span(), line),
        }
    }
}

/// Gives every node of a value (read from the state) the line of the attribute that uses it.
fn set_lines(n: &mut Node, line: Option<usize>) {
    n.line = line;
    match &mut n.kind {
        Kind::Scalar { .. } => {}
        Kind::Seq(items) => items.iter_mut().for_each(|i| set_lines(i, line)),
        Kind::Map(entries) => entries.iter_mut().for_each(|e| {
            e.line = line;
            set_lines(&mut e.value, line);
        }),
    }
}

/// `format` with `%s`, `%d`, `%v` and `%%` only.
fn format(spec: &str, args: &[Node]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'v' => out.push_str(&text_of(args.next()?)),
            _ => return None,
        }
    }
    Some(out)
}

/// A traversal operator tokdiag follows.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// `.name`
    Attr(String),
    /// `[0]`
    Index(usize),
    /// `["key"]`
    Key(String),
    /// `[*]`, `.*` or an index tokdiag does not evaluate: kept for the text only.
    Other(String),
}

/// The root name and operators of a traversal whose root is a plain name.
fn traversal_parts(t: &hcl_edit::expr::Traversal) -> Option<(String, Vec<Op>)> {
    let root = t.expr.as_variable()?.as_str().to_string();
    let ops = t
        .operators
        .iter()
        .map(|o| match o.value() {
            TraversalOperator::GetAttr(a) => Op::Attr(a.as_str().to_string()),
            TraversalOperator::LegacyIndex(i) => {
                Op::Index(usize::try_from(*i.value()).unwrap_or(usize::MAX))
            }
            TraversalOperator::Index(Expression::Number(n)) => n
                .value()
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .map(Op::Index)
                .unwrap_or_else(|| Op::Other(format!("[{}]", n.value()))),
            TraversalOperator::Index(Expression::String(s)) => Op::Key(s.value().clone()),
            TraversalOperator::Index(_) => Op::Other("[…]".into()),
            TraversalOperator::AttrSplat(_) => Op::Other(".*".into()),
            TraversalOperator::FullSplat(_) => Op::Other("[*]".into()),
        })
        .collect();
    Some((root, ops))
}

/// The canonical text of a reference (`aws_cognito_user_pool_client.main[0].id`).
fn reference_text(root: &str, ops: &[Op]) -> String {
    let mut s = root.to_string();
    for op in ops {
        match op {
            Op::Attr(a) => {
                s.push('.');
                s.push_str(a);
            }
            Op::Index(i) => s.push_str(&format!("[{i}]")),
            Op::Key(k) => s.push_str(&format!("[\"{k}\"]")),
            Op::Other(o) => s.push_str(o),
        }
    }
    s
}

fn k_span(k: &ObjectKey) -> Option<Range<usize>> {
    match k {
        ObjectKey::Ident(i) => i.span(),
        ObjectKey::Expression(e) => e.span(),
    }
}

/// The bytes of text a value holds (stops counting past [`MAX_VALUE_BYTES`]).
fn value_bytes(n: &Node) -> usize {
    fn walk(n: &Node, total: &mut usize) {
        if *total > MAX_VALUE_BYTES {
            return;
        }
        match &n.kind {
            Kind::Scalar { text, .. } => *total += text.len() + 1,
            Kind::Seq(items) => items.iter().for_each(|i| walk(i, total)),
            Kind::Map(entries) => entries.iter().for_each(|e| {
                *total += e.key.len() + 1;
                walk(&e.value, total);
            }),
        }
    }
    let mut total = 0;
    walk(n, &mut total);
    total
}

/// True for a scalar that is exactly one unresolved `${…}`.
fn is_placeholder(n: &Node) -> bool {
    match &n.kind {
        Kind::Scalar { text, plain: false } => {
            text.starts_with("${") && text.ends_with('}') && !text[2..].contains("${")
        }
        _ => false,
    }
}

/// A value as text (lists joined with commas).
fn text_of(n: &Node) -> String {
    match &n.kind {
        Kind::Scalar { text, .. } => text.clone(),
        Kind::Seq(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
        Kind::Map(_) => "${…}".to_string(),
    }
}

/// The text of a fully resolved scalar.
fn resolved_text(n: &Node) -> Option<String> {
    n.as_str()
        .filter(|t| !t.contains("${") && !t.is_empty())
        .map(str::to_string)
}

fn as_bool(n: &Node) -> Option<bool> {
    match &n.kind {
        Kind::Scalar { text, .. } => match text.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts<'a>(params: &'a [(String, String)]) -> TfOptions<'a> {
        TfOptions {
            resource: None,
            agent: None,
            gateway: None,
            params,
            region: None,
            env_region: None,
        }
    }

    const RUNTIME: &str = r#"# An MCP runtime behind Cognito
resource "aws_bedrockagentcore_agent_runtime" "mcp" {
  agent_runtime_name = "mcp_server"
  role_arn           = aws_iam_role.runtime.arn

  authorizer_configuration {
    custom_jwt_authorizer {
      discovery_url   = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/.well-known/openid-configuration"
      allowed_clients = ["abc", "def"]
      allowed_scopes  = ["mcp/invoke"]
      custom_claim {
        inbound_token_claim_name       = "cognito:groups"
        inbound_token_claim_value_type = "STRING_ARRAY"
        authorizing_claim_match_value {
          claim_match_operator = "CONTAINS_ANY"
          claim_match_value {
            match_value_string_list = ["admin", "ops"]
          }
        }
      }
      custom_claim {
        inbound_token_claim_name       = "tier"
        inbound_token_claim_value_type = "STRING"
        authorizing_claim_match_value {
          claim_match_operator = "EQUALS"
          claim_match_value {
            match_value_string = "gold"
          }
        }
      }
    }
  }
}
"#;

    #[test]
    fn reads_a_runtime_with_lines() {
        assert!(detect(RUNTIME));
        let a = load_text("main.tf", RUNTIME, &opts(&[])).unwrap();
        assert_eq!(a.source, SourceKind::Terraform);
        assert_eq!(
            a.agent.as_deref(),
            Some("aws_bedrockagentcore_agent_runtime.mcp")
        );
        assert!(a.ignored.is_empty(), "{:?}", a.ignored);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
        assert_eq!(a.authorizer_line, Some(6));
        let jwt = a.jwt.as_ref().unwrap();
        assert_eq!(jwt.line, Some(7));
        assert_eq!(jwt.discovery_url.as_ref().unwrap().line, Some(8));
        let clients = jwt.allowed_clients.as_ref().unwrap();
        assert_eq!(
            (clients.value.clone(), clients.line),
            (vec!["abc".to_string(), "def".to_string()], Some(9))
        );
        assert_eq!(a.allowed_scopes(), ["mcp/invoke"]);
        assert_eq!(jwt.custom_claims.len(), 2);
        let c = &jwt.custom_claims[0];
        assert_eq!(c.line, Some(11));
        assert_eq!(
            (c.value.name.as_str(), c.value.operator.as_str()),
            ("cognito:groups", "CONTAINS_ANY")
        );
        assert_eq!(c.value.match_values, vec!["admin", "ops"]);
        assert_eq!(
            jwt.custom_claims[1].value.match_value.as_deref(),
            Some("gold")
        );
    }

    #[test]
    fn yaml_is_not_terraform() {
        assert!(!detect("agents:\n  a:\n    name: a\n"));
        assert!(!detect("{\"customJWTAuthorizer\": {}}"));
        assert!(!detect("a = 1\n"));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err =
            load_text("bad.tf", "resource \"x\" \"y\" {\n  a = \n}\n", &opts(&[])).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(
                "invalid config bad.tf: HCL syntax error at line 2 column 7: invalid expression"
            ),
            "{msg}"
        );
        assert_eq!(
            err.hint().as_deref(),
            Some("fix the HCL at bad.tf:2:7 (`terraform validate` shows the same place)")
        );
    }

    const REFS: &str = r#"variable "client_id" {
  type = string
}
variable "clients" {
  type    = list(string)
  default = ["d1"]
}
locals {
  pool = "us-east-1_Loc"
  url  = "https://cognito-idp.${data.aws_region.current.name}.amazonaws.com/${local.pool}/.well-known/openid-configuration"
}
resource "aws_bedrockagentcore_gateway" "gw" {
  name            = "gw"
  authorizer_type = "CUSTOM_JWT"
  authorizer_configuration {
    custom_jwt_authorizer {
      discovery_url    = local.url
      allowed_clients  = [var.client_id, aws_cognito_user_pool_client.main.id]
      allowed_audience = var.clients
      allowed_scopes   = concat(["a"], tolist(["b"]))
    }
  }
}
"#;

    #[test]
    fn references_stay_unresolved_and_params_resolve_them() {
        let a = load_text("gw.tf", REFS, &opts(&[])).unwrap();
        assert_eq!(a.agent.as_deref(), Some("aws_bedrockagentcore_gateway.gw"));
        assert_eq!(
            a.discovery_url().as_deref(),
            Some(
                "https://cognito-idp.${data.aws_region.current.name}.amazonaws.com/us-east-1_Loc/.well-known/openid-configuration"
            )
        );
        assert_eq!(
            a.allowed_clients(),
            [
                "${var.client_id}",
                "${aws_cognito_user_pool_client.main.id}"
            ]
        );
        assert_eq!(a.allowed_audience(), ["d1"]);
        assert_eq!(a.allowed_scopes(), ["a", "b"]);
        assert_eq!(
            a.warnings,
            vec![
                "unresolved: data.aws_region.current.name — supply the region with --region us-east-1",
                "unresolved: var.client_id (no default, no tfvars) — supply it with --param client_id=CLIENT_ID",
                "unresolved: aws_cognito_user_pool_client.main.id — supply it with --param aws_cognito_user_pool_client.main.id=CLIENT_ID",
            ]
        );

        let params = vec![
            ("client_id".to_string(), "c1".to_string()),
            (
                "aws_cognito_user_pool_client.main.id".to_string(),
                "c2".to_string(),
            ),
            ("var.clients".to_string(), "x,y".to_string()),
            ("nope".to_string(), "1".to_string()),
        ];
        let o = TfOptions {
            region: Some("eu-west-1".into()),
            ..opts(&params)
        };
        let a = load_text("gw.tf", REFS, &o).unwrap();
        assert_eq!(
            a.discovery_url().as_deref(),
            Some(
                "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_Loc/.well-known/openid-configuration"
            )
        );
        assert_eq!(a.allowed_clients(), ["c1", "c2"]);
        assert_eq!(a.allowed_audience(), ["x", "y"]);
        assert_eq!(
            a.warnings,
            vec!["--param nope matches no variable or reference the configuration uses"]
        );
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn unresolved_list_reference_is_a_one_item_list() {
        let doc = "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      discovery_url = \"https://x/.well-known/openid-configuration\"\n      allowed_clients = module.auth.client_ids\n    }\n  }\n}\n";
        let a = load_text("r.tf", doc, &opts(&[])).unwrap();
        assert_eq!(a.allowed_clients(), ["${module.auth.client_ids}"]);
        assert!(
            a.warnings.iter().all(|w| !w.contains("single string")),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn functions_tokdiag_does_not_evaluate_are_quoted() {
        let doc = "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      discovery_url = \"https://x/.well-known/openid-configuration\"\n      allowed_clients = [for c in var.x : c]\n      allowed_scopes = [jsondecode(file(\"s.json\")).scope]\n    }\n  }\n}\n";
        let a = load_text("r.tf", doc, &opts(&[])).unwrap();
        assert_eq!(a.allowed_clients(), ["${[for c in var.x : c]}"]);
        assert_eq!(
            a.allowed_scopes(),
            ["${jsondecode(file(\"s.json\")).scope}"]
        );
    }

    #[test]
    fn selection() {
        let doc = format!(
            "{RUNTIME}\nresource \"aws_bedrockagentcore_gateway\" \"gw\" {{\n  name = \"tools\"\n  authorizer_type = \"AWS_IAM\"\n}}\nresource \"aws_bedrockagentcore_agent_runtime\" \"iam\" {{\n  agent_runtime_name = \"plain\"\n}}\n"
        );
        // Only one has a JWT authorizer: it is chosen.
        let a = load_text("m.tf", &doc, &opts(&[])).unwrap();
        assert_eq!(
            a.agent.as_deref(),
            Some("aws_bedrockagentcore_agent_runtime.mcp")
        );
        let pick = |o: TfOptions<'_>| load_text("m.tf", &doc, &o).map(|a| a.agent.unwrap());
        assert_eq!(
            pick(TfOptions {
                gateway: Some("tools"),
                ..opts(&[])
            })
            .unwrap(),
            "aws_bedrockagentcore_gateway.gw"
        );
        assert_eq!(
            pick(TfOptions {
                agent: Some("iam"),
                ..opts(&[])
            })
            .unwrap(),
            "aws_bedrockagentcore_agent_runtime.iam"
        );
        assert_eq!(
            pick(TfOptions {
                resource: Some("aws_bedrockagentcore_gateway.gw"),
                ..opts(&[])
            })
            .unwrap(),
            "aws_bedrockagentcore_gateway.gw"
        );
        let err = pick(TfOptions {
            gateway: Some("mcp"),
            ..opts(&[])
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "m.tf has no gateway named mcp");
        assert_eq!(err.hint().as_deref(), Some("use --gateway with one of: gw"));
        let iam = pick(TfOptions {
            agent: Some("plain"),
            ..opts(&[])
        });
        assert!(iam.is_ok());
        let a = load_text(
            "m.tf",
            &doc,
            &TfOptions {
                agent: Some("plain"),
                ..opts(&[])
            },
        )
        .unwrap();
        assert!(a.jwt.is_none());
        assert_eq!(
            a.other_jwt_agents,
            vec!["aws_bedrockagentcore_agent_runtime.mcp"]
        );
    }

    #[test]
    fn two_jwt_resources_need_a_choice() {
        let doc = format!("{RUNTIME}\n{}", RUNTIME.replace("\"mcp\"", "\"other\""));
        let err = load_text("m.tf", &doc, &opts(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.tf defines 2 resources and several have a JWT authorizer: aws_bedrockagentcore_agent_runtime.mcp (JWT), aws_bedrockagentcore_agent_runtime.other (JWT)"
        );
        assert_eq!(
            err.hint().as_deref(),
            Some(
                "use --resource with one of: aws_bedrockagentcore_agent_runtime.mcp, aws_bedrockagentcore_agent_runtime.other"
            )
        );
    }

    #[test]
    fn fields_directly_under_authorizer_configuration_are_reported() {
        let doc = "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  authorizer_configuration {\n    discovery_url = \"https://x/.well-known/openid-configuration\"\n    allowed_clients = [\"a\"]\n  }\n}\n";
        let a = load_text("r.tf", doc, &opts(&[])).unwrap();
        let keys: Vec<_> = a.ignored.iter().map(|i| (i.key.as_str(), i.line)).collect();
        assert_eq!(
            keys,
            vec![("discovery_url", Some(3)), ("allowed_clients", Some(4))]
        );
        assert!(
            a.ignored[0].message.contains("custom_jwt_authorizer"),
            "{}",
            a.ignored[0].message
        );
    }

    #[test]
    fn misspelt_argument_gets_a_suggestion() {
        let doc = "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      discovery_url = \"https://x/.well-known/openid-configuration\"\n      allowed_client = [\"a\"]\n    }\n  }\n}\n";
        let a = load_text("r.tf", doc, &opts(&[])).unwrap();
        assert_eq!(a.ignored.len(), 1);
        assert_eq!(a.ignored[0].line, Some(5));
        assert!(
            a.ignored[0]
                .message
                .contains("did you mean `allowed_clients`?"),
            "{}",
            a.ignored[0].message
        );
    }

    #[test]
    fn gateway_type_without_configuration() {
        let doc = "resource \"aws_bedrockagentcore_gateway\" \"g\" {\n  name = \"g\"\n  authorizer_type = \"CUSTOM_JWT\"\n}\n";
        let a = load_text("g.tf", doc, &opts(&[])).unwrap();
        assert!(a.jwt.is_none());
        assert_eq!(a.ignored.len(), 1);
        assert_eq!(a.ignored[0].line, Some(3));
    }

    #[test]
    fn cycles_and_depth_are_bounded() {
        let doc = "locals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      discovery_url = local.a\n      allowed_clients = [\"x\"]\n    }\n  }\n}\n";
        let a = load_text("r.tf", doc, &opts(&[])).unwrap();
        assert!(
            a.discovery_url().unwrap().contains("${"),
            "{:?}",
            a.discovery_url()
        );
    }

    #[test]
    fn references_resolve_from_the_local_state() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      discovery_url   = \"https://cognito-idp.eu-west-1.amazonaws.com/${aws_cognito_user_pool.main.id}/.well-known/openid-configuration\"\n      allowed_clients = [aws_cognito_user_pool_client.app[0].id, aws_cognito_user_pool_client.other.id]\n    }\n  }\n}\n",
        )
        .unwrap();
        let state = serde_json::json!({
            "version": 4,
            "resources": [
                {"mode": "managed", "type": "aws_cognito_user_pool", "name": "main",
                 "instances": [{"attributes": {"id": "eu-west-1_St4te", "client_secret": "never"}}]},
                {"mode": "managed", "type": "aws_cognito_user_pool_client", "name": "app",
                 "instances": [{"index_key": 0, "attributes": {"id": "c0"}}, {"index_key": 1, "attributes": {"id": "c1"}}]},
                {"mode": "managed", "type": "aws_cognito_user_pool_client", "name": "other", "module": "module.x",
                 "instances": [{"attributes": {"id": "from-a-module"}}]},
                {"mode": "managed", "type": "aws_bedrockagentcore_agent_runtime", "name": "r",
                 "instances": [{"attributes": {"agent_runtime_arn": "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/r-1"}}]}
            ]
        });
        std::fs::write(dir.path().join("terraform.tfstate"), state.to_string()).unwrap();
        let a = load_dir(dir.path(), &opts(&[])).unwrap();
        assert_eq!(
            a.discovery_url().as_deref(),
            Some(
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_St4te/.well-known/openid-configuration"
            )
        );
        // A resource of a child module is not the root module's.
        assert_eq!(
            a.allowed_clients(),
            ["c0", "${aws_cognito_user_pool_client.other.id}"]
        );
        assert_eq!(
            a.agent_arn.as_deref(),
            Some("arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/r-1")
        );
        assert_eq!(
            a.warnings,
            vec![
                "unresolved: aws_cognito_user_pool_client.other.id — supply it with --param aws_cognito_user_pool_client.other.id=CLIENT_ID",
                "from terraform.tfstate (the last `terraform apply`, not the .tf as edited since): aws_cognito_user_pool.main.id, aws_cognito_user_pool_client.app[0].id",
            ]
        );

        std::fs::write(dir.path().join("terraform.tfstate"), "{\"version\": 3}").unwrap();
        let a = load_dir(dir.path(), &opts(&[])).unwrap();
        assert_eq!(
            a.warnings[0],
            format!(
                "{}/terraform.tfstate is not used: not a version 4 state file",
                dir.path().display()
            )
        );
    }

    #[test]
    fn exploding_locals_are_bounded() {
        // Each local doubles the previous one: 2^40 without memoisation and limits.
        let mut doc = String::from(
            "locals {\n  l0 = [\"0123456789abcdef0123456789abcdef\"]\n  s0 = \"0123456789abcdef\"\n",
        );
        for i in 1..=40 {
            doc.push_str(&format!(
                "  l{i} = concat(local.l{p}, local.l{p})\n  s{i} = \"${{local.s{p}}}${{local.s{p}}}\"\n",
                p = i - 1
            ));
        }
        doc.push_str("}\nresource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      discovery_url = \"https://x/${local.s40}/.well-known/openid-configuration\"\n      allowed_clients = local.l40\n    }\n  }\n}\n");
        let started = std::time::Instant::now();
        let a = load_text("boom.tf", &doc, &opts(&[])).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            a.discovery_url().unwrap().contains("${"),
            "{:?}",
            a.discovery_url()
        );
        assert!(a.allowed_clients().len() <= MAX_ITEMS);
        assert!(
            a.warnings.iter().any(|w| w.contains("would exceed 64 KiB")),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn no_agentcore_resource() {
        let err =
            load_text("x.tf", "resource \"aws_s3_bucket\" \"b\" {}\n", &opts(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid config x.tf: no aws_bedrockagentcore_agent_runtime or aws_bedrockagentcore_gateway resource"
        );
    }
}
