//! CloudFormation templates (JSON or YAML with short-form tags) holding
//! `AWS::BedrockAgentCore::Runtime` resources, with the intrinsic functions that usually build an
//! authorizer resolved: `Ref`, `Fn::Sub` (both forms), `Fn::GetAtt`, `Fn::Join`, `Fn::Select`,
//! `Fn::Split`, `Fn::FindInMap`, `Fn::If` (with `Conditions`), `Fn::ImportValue`.
//!
//! Values come from template parameters (their `Default`), `--param Name=Value` (parameters,
//! resource logical ids for `Ref`, `LogicalId.Attr` for `GetAtt`, pseudo parameters, export
//! names), and the region. What stays unknown is kept as `${Name}` and listed in the warnings.

use std::collections::{HashMap, HashSet};

use super::jwt::{self, Findings, Style, at};
use super::select;
use super::tree::{Entry, Kind, Node};
use crate::authorizer::{
    Authorizer, AuthorizerType, Deployment, ResourceKind, ResourceSummary, RuleSet, SourceKind,
};
use crate::error::{Error, Result};

/// The resource type holding an AgentCore runtime.
pub(crate) const RUNTIME_TYPE: &str = "AWS::BedrockAgentCore::Runtime";
/// The resource type holding an AgentCore gateway (`AuthorizerType` + `AuthorizerConfiguration`).
pub(crate) const GATEWAY_TYPE: &str = "AWS::BedrockAgentCore::Gateway";

/// True for a runtime or gateway resource.
fn is_agentcore(e: &Entry) -> bool {
    matches!(e.value.get_str("Type"), Some(RUNTIME_TYPE | GATEWAY_TYPE))
}

/// Marks a value removed by `AWS::NoValue`.
const NO_VALUE: &str = "\u{0}NoValue";

/// Deepest nesting of intrinsic functions / conditions followed (bounds the recursion).
const MAX_DEPTH: usize = 128;

/// Most evaluation steps (a node resolved, a condition evaluated, an item split off) spent on one
/// resource: the depth cap bounds nesting, this bounds total work (fan-out).
pub(crate) const MAX_STEPS: usize = 100_000;

/// Longest value one intrinsic function may produce (`Fn::Join`, `Fn::Sub`, `Fn::Split`).
const MAX_VALUE_BYTES: usize = 1024 * 1024;

/// Most bytes of values produced or copied in all while resolving one resource.
const MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;

/// True when `root` looks like a CloudFormation template.
pub(crate) fn detect(root: &Node) -> bool {
    root.get("AWSTemplateFormatVersion").is_some()
        || root
            .get("Resources")
            .and_then(Node::as_map)
            .is_some_and(|r| r.iter().any(|e| e.value.get("Type").is_some()))
}

/// Everything needed to load a template.
pub(crate) struct CfnOptions<'a> {
    /// `--resource`.
    pub resource: Option<&'a str>,
    /// `--agent` (a runtime's logical id).
    pub agent: Option<&'a str>,
    /// `--gateway` (a gateway's logical id).
    pub gateway: Option<&'a str>,
    /// `--param Name=Value`.
    pub params: &'a [(String, String)],
    /// `--region`, else `AWS_REGION`/`AWS_DEFAULT_REGION` (already looked up by the caller).
    pub region: Option<String>,
    /// The template is JSON (else YAML): fixes show snippets in its syntax.
    pub json: bool,
}

/// Loads the authorizer of one `AWS::BedrockAgentCore::Runtime` resource.
pub(crate) fn load(path: &str, root: &Node, opts: &CfnOptions<'_>) -> Result<Authorizer> {
    let resources: &[Entry] = root.get("Resources").and_then(Node::as_map).unwrap_or(&[]);
    let runtimes: Vec<&Entry> = resources.iter().filter(|e| is_agentcore(e)).collect();
    let ids: Vec<String> = runtimes.iter().map(|e| e.key.clone()).collect();
    if runtimes.is_empty() {
        return Err(Error::config(
            path,
            format!("the template has no {RUNTIME_TYPE} or {GATEWAY_TYPE} resource"),
            Some(format!(
                "tokdiag reads Properties.AuthorizerConfiguration.CustomJWTAuthorizer of an {RUNTIME_TYPE} or {GATEWAY_TYPE}; pass that template, or give --discovery-url and --allowed-client"
            )),
        ));
    }
    let summaries: Vec<ResourceSummary> = runtimes
        .iter()
        .map(|e| {
            let has = e
                .value
                .get_some("Properties")
                .and_then(|p| p.get_some("AuthorizerConfiguration"))
                .is_some();
            let gateway = e.value.get_str("Type") == Some(GATEWAY_TYPE);
            let declared = e
                .value
                .get_some("Properties")
                .and_then(|p| p.get_str("AuthorizerType"))
                .and_then(AuthorizerType::parse);
            ResourceSummary {
                kind: if gateway {
                    ResourceKind::Gateway
                } else {
                    ResourceKind::Runtime
                },
                name: e.key.clone(),
                id: None,
                service_name: None,
                authorizer_type: match declared {
                    Some(t) => t,
                    None if has => AuthorizerType::CustomJwt,
                    None => AuthorizerType::AwsIam,
                },
                has_jwt: has,
            }
        })
        .collect();
    let selected = select::select(
        path,
        &summaries,
        select::Want {
            resource: opts.resource,
            agent: opts.agent,
            gateway: opts.gateway,
        },
        None,
        select::Naming::Ids,
    )?;
    let chosen: &Entry = runtimes[selected.index];
    let _ = &ids;

    let mut r = Resolver::new(root, opts);
    let syntax = if opts.json {
        crate::authorizer::Syntax::Json
    } else {
        crate::authorizer::Syntax::Yaml
    };
    let mut out = Findings::new(syntax);
    let rtype = chosen.value.get_str("Type").unwrap_or(RUNTIME_TYPE);
    let props = chosen.value.get_some("Properties");
    let auth_entry = props.and_then(|p| p.entry("AuthorizerConfiguration"));
    let (jwt, authorizer_line) = match auth_entry {
        Some(e) => {
            let resolved = r.resolve(&e.value, 0);
            if let Some(limit) = &r.stopped {
                return Err(limit.error(path, &chosen.key));
            }
            let jwt = if is_no_value(&resolved) {
                None
            } else {
                jwt::authorizer_configuration(
                    path,
                    &resolved,
                    "AuthorizerConfiguration",
                    e.line,
                    Style::Pascal,
                    &mut out,
                )?
            };
            (jwt, e.line)
        }
        None => (None, chosen.line),
    };
    if let Some(p) = props {
        for e in p.as_map().unwrap_or(&[]) {
            if e.key != "AuthorizerConfiguration"
                && e.key.eq_ignore_ascii_case("authorizerconfiguration")
            {
                out.ignore(
                    &e.key,
                    e.line,
                    format!(
                        "`{}` is not a property of {rtype} (CloudFormation refuses it): write `AuthorizerConfiguration`",
                        e.key
                    ),
                );
            }
        }
    }

    if rtype == GATEWAY_TYPE {
        gateway_type(&mut r, props, chosen.line, jwt.is_some(), &mut out);
    }
    // The declared type decides (a `!Ref` or `--param` supplies it); unresolved, it decides nothing.
    let declared = props
        .and_then(|p| p.get_some("AuthorizerType"))
        .map(|v| r.text(v, 0))
        .map(|t| super::DeclaredType::of(Some(&t)));
    let fallback = summaries[selected.index].authorizer_type;
    let (authorizer_type, jwt) = super::DeclaredType::apply(declared.as_ref(), jwt, fallback);

    let mut other_jwt_agents = Vec::new();
    if jwt.is_none() {
        let (names, warning) =
            select::jwt_elsewhere(&summaries, selected.index, select::Naming::Ids);
        other_jwt_agents = names;
        out.warnings.extend(warning);
    }

    let arn_attr = if rtype == GATEWAY_TYPE {
        "GatewayArn"
    } else {
        "AgentRuntimeArn"
    };
    let agent_arn = r
        .param(&format!("{}.{arn_attr}", chosen.key))
        .map(str::to_string);
    let request_header_allowlist = props
        .and_then(|p| p.get_some("RequestHeaderConfiguration"))
        .and_then(|h| h.get_some("RequestHeaderAllowlist"))
        .map(|h| r.resolve(h, 0))
        .and_then(|h| h.str_items());
    let protocol = props
        .and_then(|p| p.get_some("ProtocolConfiguration"))
        .map(|p| r.resolve(p, 0))
        .and_then(|p| p.as_str().map(str::to_string));
    if let Some(limit) = &r.stopped {
        return Err(limit.error(path, &chosen.key));
    }
    let gateway = rtype == GATEWAY_TYPE;
    out.warnings.extend(r.warnings());
    let mut ignored = out.ignored;
    ignored.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    Ok(Authorizer {
        source: SourceKind::Cloudformation,
        syntax,
        file: Some(path.to_string()),
        agent: Some(chosen.key.clone()),
        rules: RuleSet::Agentcore,
        jwt,
        authorizer_line,
        ignored,
        warnings: out.warnings,
        other_jwt_agents,
        agent_arn: agent_arn.clone(),
        region: r.region(),
        kind: summaries[selected.index].kind,
        authorizer_type,
        authorizer_type_declared: matches!(declared, Some(super::DeclaredType::Known(_))),
        authorizer_type_unresolved: super::DeclaredType::unresolved(declared.as_ref()),
        authorizer_absent: auth_entry.is_none(),
        request_header_allowlist,
        protocol,
        deployment: Deployment {
            gateway_arn: if gateway { agent_arn } else { None },
            gateway_id: if gateway {
                r.param(&format!("{}.GatewayIdentifier", chosen.key))
                    .map(str::to_string)
            } else {
                None
            },
            gateway_url: if gateway {
                r.param(&format!("{}.GatewayUrl", chosen.key))
                    .map(str::to_string)
            } else {
                None
            },
            ..Deployment::default()
        },
        resources: summaries,
        agent_is_default: selected.by_default,
        ..Authorizer::empty(SourceKind::Cloudformation, RuleSet::Agentcore)
    })
}

/// What a call returns once a limit has stopped resolving (the load then fails).
fn stopped(line: Option<usize>) -> Node {
    Node::scalar("${…}", false, line)
}

/// Checks a gateway's `AuthorizerType` against its `AuthorizerConfiguration`: `CUSTOM_JWT` needs
/// one (CloudFormation refuses the stack otherwise), other types do not check JWTs.
fn gateway_type(
    r: &mut Resolver<'_>,
    props: Option<&Node>,
    resource_line: Option<usize>,
    has_jwt: bool,
    out: &mut Findings,
) {
    let entry = props.and_then(|p| p.entry("AuthorizerType"));
    let line = entry.and_then(|e| e.line).or(resource_line);
    let Some(e) = entry else {
        out.ignore(
            "AuthorizerType",
            resource_line,
            format!(
                "{GATEWAY_TYPE}{} has no `AuthorizerType`, which CloudFormation requires: add `{}`",
                at(resource_line),
                out.syntax.pair("AuthorizerType", &"CUSTOM_JWT".into())
            ),
        );
        return;
    };
    let t = r.text(&e.value, 0);
    if t.contains("${") {
        return;
    }
    if t == "CUSTOM_JWT" && !has_jwt {
        out.ignore(
            "AuthorizerConfiguration",
            line,
            format!(
                "`{}`{} needs `AuthorizerConfiguration.CustomJWTAuthorizer`, which the service requires: add it",
                out.syntax.pair("AuthorizerType", &"CUSTOM_JWT".into()),
                at(line)
            ),
        );
    } else if t != "CUSTOM_JWT" && has_jwt {
        out.warn(format!(
            "`{}`{} does not check JWTs, so the gateway ignores its CustomJWTAuthorizer: write `{}`",
            out.syntax.pair("AuthorizerType", &t.as_str().into()),
            at(line),
            out.syntax.pair("AuthorizerType", &"CUSTOM_JWT".into())
        ));
    }
}

fn is_no_value(n: &Node) -> bool {
    n.tag.as_deref() == Some(NO_VALUE)
}

fn no_value(line: Option<usize>) -> Node {
    Node {
        kind: Kind::Scalar {
            text: String::new(),
            plain: false,
        },
        line,
        tag: Some(NO_VALUE.to_string()),
    }
}

/// A value that could not be resolved.
struct Unresolved {
    /// What `--param` takes (`UserPool`, `UserPoolClient.ClientId`); empty when no param helps.
    key: String,
    /// How it is shown in the warning.
    what: String,
    /// An example value.
    example: String,
}

/// Why resolving stopped: a work or size limit, or a value that refers to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Limit {
    /// More than [`MAX_STEPS`] steps.
    Steps,
    /// One value longer than [`MAX_VALUE_BYTES`], made by `what` at `line`.
    Value { what: String, line: Option<usize> },
    /// More than [`MAX_TOTAL_BYTES`] produced in all.
    Total,
    /// A mapping value or condition that needs itself, at `line`.
    Cycle { what: String, line: Option<usize> },
    /// Nesting deeper than [`MAX_DEPTH`], at `line`.
    Depth { line: Option<usize> },
}

impl Limit {
    /// The error naming the resource being resolved.
    fn error(&self, path: &str, resource: &str) -> Error {
        let at = |line: &Option<usize>| line.map(|l| format!(" at line {l}")).unwrap_or_default();
        let what = match self {
            Limit::Steps => format!("expand beyond {MAX_STEPS} steps"),
            Limit::Value { what, line } => format!(
                "produce a value longer than {} MiB ({what}{})",
                MAX_VALUE_BYTES / 1024 / 1024,
                at(line)
            ),
            Limit::Total => format!(
                "produce more than {} MiB of values",
                MAX_TOTAL_BYTES / 1024 / 1024
            ),
            Limit::Cycle { what, line } => format!("refer to themselves ({what}{})", at(line)),
            Limit::Depth { line } => format!("nest deeper than {MAX_DEPTH} levels{}", at(line)),
        };
        Error::config(
            path,
            format!(
                "the template's intrinsic functions {what} while resolving resource {resource} (AuthorizerConfiguration)"
            ),
            Some(
                "CloudFormation allows no intrinsic functions inside Mappings and no condition that needs itself: simplify the template, or give the authorizer with --discovery-url and --allowed-client"
                    .to_string(),
            ),
        )
    }
}

/// Resolves intrinsic functions against parameters and `--param` values.
///
/// Work is bounded whatever the template: mapping values and conditions are resolved once and
/// remembered (per node / per name), every step counts against [`MAX_STEPS`], and produced values
/// against [`MAX_VALUE_BYTES`] / [`MAX_TOTAL_BYTES`]. Once a limit is hit, `stopped` is set and
/// every further call returns at once.
struct Resolver<'a> {
    root: &'a Node,
    given: HashMap<String, String>,
    used: HashSet<String>,
    region: Option<String>,
    unresolved: Vec<Unresolved>,
    /// Steps spent.
    steps: usize,
    /// Bytes produced or copied.
    bytes: usize,
    /// Set when a limit was hit.
    stopped: Option<Limit>,
    /// Resolved `Mappings` values, by the address of their node in `root` (stable: `root` is
    /// borrowed for the resolver's life and never changes).
    map_memo: HashMap<usize, Node>,
    /// Mapping values being resolved (a cycle when met again).
    map_busy: HashSet<usize>,
    /// Evaluated conditions, by name.
    cond_memo: HashMap<String, Option<bool>>,
    /// Conditions being evaluated.
    cond_busy: HashSet<String>,
}

impl<'a> Resolver<'a> {
    fn new(root: &'a Node, opts: &CfnOptions<'_>) -> Self {
        let given: HashMap<String, String> = opts.params.iter().cloned().collect();
        let region = given.get("AWS::Region").cloned().or(opts.region.clone());
        Resolver {
            root,
            given,
            used: HashSet::new(),
            region,
            unresolved: Vec::new(),
            steps: 0,
            bytes: 0,
            stopped: None,
            map_memo: HashMap::new(),
            map_busy: HashSet::new(),
            cond_memo: HashMap::new(),
            cond_busy: HashSet::new(),
        }
    }

    /// Spends one step; false (and `stopped` set) when the budget is gone.
    fn step(&mut self) -> bool {
        if self.stopped.is_some() {
            return false;
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.stopped = Some(Limit::Steps);
            return false;
        }
        true
    }

    /// Counts `len` bytes of one value made by `what`; false (and `stopped` set) over a limit.
    fn charge(&mut self, len: usize, what: &str, line: Option<usize>) -> bool {
        if self.stopped.is_some() {
            return false;
        }
        if len > MAX_VALUE_BYTES {
            self.stopped = Some(Limit::Value {
                what: what.to_string(),
                line,
            });
            return false;
        }
        self.bytes += len;
        if self.bytes > MAX_TOTAL_BYTES {
            self.stopped = Some(Limit::Total);
            return false;
        }
        true
    }

    /// The region `AWS::Region` resolves to.
    fn region(&self) -> Option<String> {
        self.region.clone()
    }

    /// A `--param` value, marking it used.
    fn param(&mut self, key: &str) -> Option<&str> {
        if self.given.contains_key(key) {
            self.used.insert(key.to_string());
        }
        self.given.get(key).map(String::as_str)
    }

    /// The warnings: unresolved values, then `--param` names the template does not know.
    fn warnings(&self) -> Vec<String> {
        let mut w: Vec<String> = self
            .unresolved
            .iter()
            .map(|u| {
                if u.key.is_empty() {
                    format!("unresolved: {} — {}", u.what, u.example)
                } else if u.key == "AWS::Region" {
                    format!(
                        "unresolved: AWS::Region — supply it with --region {0} or --param AWS::Region={0}",
                        u.example
                    )
                } else {
                    format!(
                        "unresolved: {} — supply it with --param {}",
                        u.what,
                        crate::fsx::sh_word(&format!("{}={}", u.key, u.example))
                    )
                }
            })
            .collect();
        let known = |name: &str| {
            let base = name.split('.').next().unwrap_or(name);
            name.starts_with("AWS::")
                || self
                    .root
                    .get("Parameters")
                    .and_then(|p| p.get(name))
                    .is_some()
                || self
                    .root
                    .get("Resources")
                    .and_then(|p| p.get(base))
                    .is_some()
        };
        let mut names: Vec<&String> = self.given.keys().collect();
        names.sort();
        for name in names {
            if !self.used.contains(name) && !known(name) {
                w.push(format!(
                    "--param {name} matches no parameter, resource or pseudo parameter of the template"
                ));
            }
        }
        w
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

    fn placeholder(&mut self, key: &str, line: Option<usize>) -> Node {
        let example = self.example(key);
        self.remember(key, key, example);
        Node::scalar(format!("${{{key}}}"), false, line)
    }

    /// An example value for an unresolved name, from the resource type or the name.
    fn example(&self, key: &str) -> String {
        let region = self.region.clone().unwrap_or_else(|| "us-east-1".into());
        let pool = format!("{region}_XXXX");
        let (base, attr) = match key.split_once('.') {
            Some((b, a)) => (b, Some(a)),
            None => (key, None),
        };
        let rtype = self
            .root
            .get("Resources")
            .and_then(|r| r.get(base))
            .and_then(|r| r.get_str("Type"))
            .unwrap_or("");
        match (rtype, attr) {
            ("AWS::Cognito::UserPool", None | Some("UserPoolId")) => return pool,
            ("AWS::Cognito::UserPool", Some("ProviderURL")) => {
                return format!("https://cognito-idp.{region}.amazonaws.com/{pool}");
            }
            ("AWS::Cognito::UserPool", Some("ProviderName")) => {
                return format!("cognito-idp.{region}.amazonaws.com/{pool}");
            }
            ("AWS::Cognito::UserPool", Some("Arn")) => {
                return format!("arn:aws:cognito-idp:{region}:123456789012:userpool/{pool}");
            }
            ("AWS::Cognito::UserPoolClient", _) => return "CLIENT_ID".into(),
            _ => {}
        }
        match key {
            "AWS::Region" => return "us-east-1".into(),
            "AWS::AccountId" => return "123456789012".into(),
            "AWS::StackName" => return "my-stack".into(),
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
        } else {
            "VALUE".into()
        }
    }

    /// Resolves every intrinsic function in `node`.
    fn resolve(&mut self, node: &Node, depth: usize) -> Node {
        if !self.step() {
            return stopped(node.line);
        }
        if depth > MAX_DEPTH {
            self.stopped = Some(Limit::Depth { line: node.line });
            return stopped(node.line);
        }
        if let Some((name, arg)) = intrinsic(node) {
            return self.call(&name, &arg, node.line, depth + 1);
        }
        match &node.kind {
            Kind::Scalar { text, .. } => {
                if !self.charge(text.len(), "a value", node.line) {
                    return stopped(node.line);
                }
                node.clone()
            }
            Kind::Seq(items) => {
                let mut resolved = Vec::with_capacity(items.len());
                for i in items {
                    if self.stopped.is_some() {
                        break;
                    }
                    let i = self.resolve(i, depth + 1);
                    if !is_no_value(&i) {
                        resolved.push(i);
                    }
                }
                let items = resolved;
                Node {
                    kind: Kind::Seq(items),
                    line: node.line,
                    tag: None,
                }
            }
            Kind::Map(entries) => {
                let mut resolved = Vec::with_capacity(entries.len());
                for e in entries {
                    if self.stopped.is_some() {
                        break;
                    }
                    let value = self.resolve(&e.value, depth + 1);
                    if !is_no_value(&value) {
                        resolved.push(Entry {
                            key: e.key.clone(),
                            line: e.line,
                            value,
                        });
                    }
                }
                let entries = resolved;
                Node {
                    kind: Kind::Map(entries),
                    line: node.line,
                    tag: None,
                }
            }
        }
    }

    /// A value tokdiag does not evaluate.
    fn opaque(&mut self, what: &str, line: Option<usize>) -> Node {
        self.remember(
            "",
            what,
            "tokdiag does not evaluate it; check the deployed value".into(),
        );
        Node::scalar(format!("${{{what}}}"), false, line)
    }

    /// Resolves `node` and reads it as text (lists joined with commas).
    fn text(&mut self, node: &Node, depth: usize) -> String {
        let n = self.resolve(node, depth);
        to_text(&n)
    }

    fn call(&mut self, name: &str, arg: &Node, line: Option<usize>, depth: usize) -> Node {
        match name {
            "Ref" => {
                let target = self.text(arg, depth);
                self.reference(&target, line)
            }
            "Fn::GetAtt" => {
                let key = match &arg.kind {
                    Kind::Seq(items) if items.len() == 2 => {
                        let res = self.text(&items[0], depth);
                        let attr = self.text(&items[1], depth);
                        format!("{res}.{attr}")
                    }
                    _ => self.text(arg, depth),
                };
                match self.param(&key) {
                    Some(v) => Node::scalar(v.to_string(), false, line),
                    None => self.placeholder(&key, line),
                }
            }
            "Fn::Sub" => {
                let (template, vars) = match &arg.kind {
                    Kind::Seq(items) if !items.is_empty() => {
                        let mut vars = HashMap::new();
                        if let Some(map) = items.get(1).and_then(Node::as_map) {
                            for e in map {
                                let v = self.text(&e.value, depth);
                                vars.insert(e.key.clone(), v);
                            }
                        }
                        (to_text(&items[0]), vars)
                    }
                    _ => (to_text(arg), HashMap::new()),
                };
                let s = self.substitute(&template, &vars, line, depth);
                if !self.charge(s.len(), "Fn::Sub", line) {
                    return stopped(line);
                }
                Node::scalar(s, false, line)
            }
            "Fn::Join" => {
                let Some([delim, list]) = arg.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok())
                else {
                    return self.opaque("Fn::Join (malformed)", line);
                };
                let delim = self.text(delim, depth);
                let list = self.resolve(list, depth);
                let s = match &list.kind {
                    Kind::Seq(items) => {
                        let mut s = String::new();
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                s.push_str(&delim);
                            }
                            s.push_str(&to_text(item));
                            if s.len() > MAX_VALUE_BYTES {
                                break;
                            }
                        }
                        s
                    }
                    _ => to_text(&list),
                };
                if !self.charge(s.len(), "Fn::Join", line) {
                    return stopped(line);
                }
                Node::scalar(s, false, line)
            }
            "Fn::Select" => {
                let Some([index, list]) = arg.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok())
                else {
                    return self.opaque("Fn::Select (malformed)", line);
                };
                let index = self.text(index, depth);
                let list = self.resolve(list, depth);
                match (index.trim().parse::<usize>(), list.as_seq()) {
                    (Ok(i), Some(items)) if i < items.len() => {
                        let mut n = items[i].clone();
                        n.line = line;
                        n
                    }
                    (_, None) if to_text(&list).contains("${") => list,
                    _ => self.opaque("Fn::Select (index out of range)", line),
                }
            }
            "Fn::Split" => {
                let Some([delim, source]) =
                    arg.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok())
                else {
                    return self.opaque("Fn::Split (malformed)", line);
                };
                let delim = self.text(delim, depth);
                let source = self.text(source, depth);
                if delim.is_empty() {
                    return self.opaque("Fn::Split (empty delimiter)", line);
                }
                let mut items = Vec::new();
                for part in source.split(delim.as_str()) {
                    if !self.step() || !self.charge(part.len(), "Fn::Split", line) {
                        return stopped(line);
                    }
                    items.push(Node::scalar(part, false, line));
                }
                Node {
                    kind: Kind::Seq(items),
                    line,
                    tag: None,
                }
            }
            "Fn::FindInMap" => {
                let Some(items) = arg.as_seq().filter(|s| s.len() >= 3) else {
                    return self.opaque("Fn::FindInMap (malformed)", line);
                };
                let keys: Vec<String> = items[..3].iter().map(|i| self.text(i, depth)).collect();
                if self.stopped.is_some() {
                    return stopped(line);
                }
                let root: &'a Node = self.root;
                let found = root
                    .get("Mappings")
                    .and_then(|m| m.get(&keys[0]))
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]));
                match found {
                    Some(n) => {
                        let mut n = self.mapping_value(n, &keys.join("."), depth);
                        n.line = line;
                        n
                    }
                    None => self.opaque(&format!("Fn::FindInMap {}", keys.join(".")), line),
                }
            }
            "Fn::If" => {
                let Some([cond, yes, no]) =
                    arg.as_seq().and_then(|s| <&[Node; 3]>::try_from(s).ok())
                else {
                    return self.opaque("Fn::If (malformed)", line);
                };
                let cond = to_text(cond);
                match self.condition(&cond, depth) {
                    Some(true) => self.resolve(yes, depth),
                    Some(false) => self.resolve(no, depth),
                    None => {
                        self.remember(
                            "",
                            &format!("Fn::If {cond}"),
                            format!(
                                "condition {cond} depends on values tokdiag does not know; supply its parameters with --param"
                            ),
                        );
                        Node::scalar(format!("${{Fn::If {cond}}}"), false, line)
                    }
                }
            }
            "Fn::ImportValue" => {
                let export = self.text(arg, depth);
                match self.param(&export) {
                    Some(v) => Node::scalar(v.to_string(), false, line),
                    None => {
                        let example = self.example(&export);
                        self.remember(&export, &format!("Fn::ImportValue {export}"), example);
                        Node::scalar(format!("${{{export}}}"), false, line)
                    }
                }
            }
            other => self.opaque(other, line),
        }
    }

    /// A `Mappings` value, resolved once and remembered.
    fn mapping_value(&mut self, node: &'a Node, name: &str, depth: usize) -> Node {
        let id = std::ptr::from_ref(node) as usize;
        if let Some(v) = self.map_memo.get(&id) {
            let v = v.clone();
            if !self.step() || !self.charge(v.text_bytes(), "Fn::FindInMap", node.line) {
                return stopped(node.line);
            }
            return v;
        }
        if !self.map_busy.insert(id) {
            if self.stopped.is_none() {
                self.stopped = Some(Limit::Cycle {
                    what: format!("Fn::FindInMap {name}"),
                    line: node.line,
                });
            }
            return stopped(node.line);
        }
        let v = self.resolve(node, depth);
        self.map_busy.remove(&id);
        if self.stopped.is_none() {
            self.map_memo.insert(id, v.clone());
        }
        v
    }

    /// `Ref` of a pseudo parameter, template parameter or resource.
    fn reference(&mut self, target: &str, line: Option<usize>) -> Node {
        if target == "AWS::NoValue" {
            return no_value(line);
        }
        if let Some(v) = self.param(target) {
            let v = v.to_string();
            return self.typed_param(target, v, line);
        }
        match target {
            "AWS::Region" => {
                return match self.region.clone() {
                    Some(r) => Node::scalar(r, false, line),
                    None => {
                        self.remember("AWS::Region", "AWS::Region", "us-east-1".into());
                        Node::scalar("${AWS::Region}", false, line)
                    }
                };
            }
            "AWS::Partition" => return Node::scalar(self.partition(), false, line),
            "AWS::URLSuffix" => {
                let s = if self.partition() == "aws-cn" {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                return Node::scalar(s, false, line);
            }
            _ => {}
        }
        let default = self
            .root
            .get("Parameters")
            .and_then(|p| p.get(target))
            .and_then(|p| p.get_some("Default"))
            .map(to_text);
        match default {
            Some(v) => self.typed_param(target, v, line),
            None => self.placeholder(target, line),
        }
    }

    /// A parameter value, split for list types.
    fn typed_param(&self, name: &str, value: String, line: Option<usize>) -> Node {
        let ptype = self
            .root
            .get("Parameters")
            .and_then(|p| p.get(name))
            .and_then(|p| p.get_str("Type"))
            .unwrap_or("String");
        if ptype == "CommaDelimitedList" || ptype.starts_with("List<") {
            let items = value
                .split(',')
                .map(|s| Node::scalar(s.trim(), false, line))
                .collect();
            return Node {
                kind: Kind::Seq(items),
                line,
                tag: None,
            };
        }
        Node::scalar(value, false, line)
    }

    fn partition(&self) -> String {
        match self.region.as_deref() {
            Some(r) if r.starts_with("cn-") => "aws-cn".into(),
            Some(r) if r.starts_with("us-gov-") => "aws-us-gov".into(),
            _ => "aws".into(),
        }
    }

    /// `Fn::Sub` substitution of `${Name}`, `${Resource.Attr}` and `${!Literal}`.
    fn substitute(
        &mut self,
        template: &str,
        vars: &HashMap<String, String>,
        line: Option<usize>,
        depth: usize,
    ) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            let name = after[..end].trim();
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(v);
            } else if name.contains('.') && !name.starts_with("AWS::") {
                let n = self.call(
                    "Fn::GetAtt",
                    &Node::scalar(name, false, line),
                    line,
                    depth + 1,
                );
                out.push_str(&to_text(&n));
            } else {
                let n = self.reference(name, line);
                out.push_str(&to_text(&n));
            }
            rest = &after[end + 1..];
            if !self.step() || out.len() > MAX_VALUE_BYTES {
                break;
            }
        }
        out.push_str(rest);
        out
    }

    /// Evaluates a named condition; `None` when it depends on unknown values.
    /// Evaluated once per name and remembered.
    /// `depth` counts named conditions followed, not the calls in between.
    fn condition(&mut self, name: &str, depth: usize) -> Option<bool> {
        if !self.step() {
            return None;
        }
        if depth > MAX_DEPTH {
            self.stopped = Some(Limit::Depth { line: None });
            return None;
        }
        if let Some(v) = self.cond_memo.get(name) {
            return *v;
        }
        let root: &'a Node = self.root;
        let entry = root.get("Conditions")?.entry(name)?;
        if !self.cond_busy.insert(name.to_string()) {
            if self.stopped.is_none() {
                self.stopped = Some(Limit::Cycle {
                    what: format!("condition {name}"),
                    line: entry.line,
                });
            }
            return None;
        }
        let v = self.eval(&entry.value, depth + 1);
        self.cond_busy.remove(name);
        if self.stopped.is_none() {
            self.cond_memo.insert(name.to_string(), v);
        }
        v
    }

    fn eval(&mut self, node: &Node, depth: usize) -> Option<bool> {
        if !self.step() {
            return None;
        }
        if let Some(s) = node.as_str()
            && node.tag.is_none()
        {
            return match s {
                "true" | "True" => Some(true),
                "false" | "False" => Some(false),
                _ => None,
            };
        }
        let (name, arg) = intrinsic(node)?;
        let args: Vec<Node> = arg.as_seq().map(<[Node]>::to_vec).unwrap_or_default();
        match name.as_str() {
            "Condition" => {
                let n = to_text(&arg);
                self.condition(&n, depth)
            }
            "Fn::Equals" if args.len() == 2 => {
                let a = self.text(&args[0], depth + 1);
                let b = self.text(&args[1], depth + 1);
                if a.contains("${") || b.contains("${") {
                    None
                } else {
                    Some(a == b)
                }
            }
            "Fn::Not" if args.len() == 1 => self.eval(&args[0], depth + 1).map(|b| !b),
            "Fn::And" => {
                let mut all = Some(true);
                for a in &args {
                    if self.stopped.is_some() {
                        return None;
                    }
                    match self.eval(a, depth + 1) {
                        Some(false) => return Some(false),
                        Some(true) => {}
                        None => all = None,
                    }
                }
                all
            }
            "Fn::Or" => {
                let mut any = Some(false);
                for a in &args {
                    if self.stopped.is_some() {
                        return None;
                    }
                    match self.eval(a, depth + 1) {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => any = None,
                    }
                }
                any
            }
            _ => None,
        }
    }
}

/// An intrinsic function call in `node`: a short-form tag (`!Sub x`) or a one-key mapping
/// (`{"Fn::Sub": x}`, `{"Ref": x}`, and `{"Condition": x}` inside conditions).
fn intrinsic(node: &Node) -> Option<(String, Node)> {
    if let Some(tag) = node.tag.as_deref()
        && let Some(short) = tag.strip_prefix('!')
        && !short.starts_with('!')
        && !short.is_empty()
        && tag != NO_VALUE
    {
        let name = match short {
            "Ref" | "Condition" => short.to_string(),
            other => format!("Fn::{other}"),
        };
        let mut arg = node.clone();
        arg.tag = None;
        return Some((name, arg));
    }
    let entries = node.as_map()?;
    match entries {
        [e] if e.key == "Ref" || e.key == "Condition" || e.key.starts_with("Fn::") => {
            Some((e.key.clone(), e.value.clone()))
        }
        _ => None,
    }
}

/// A resolved value as text (lists joined with commas).
fn to_text(n: &Node) -> String {
    match &n.kind {
        Kind::Scalar { text, .. } => text.clone(),
        Kind::Seq(items) => items.iter().map(to_text).collect::<Vec<_>>().join(","),
        Kind::Map(_) => "${…}".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    fn resolve(doc: &str, value: &str, params: &[(&str, &str)]) -> (String, Vec<String>) {
        let root = parse(doc, "t").unwrap();
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let opts = CfnOptions {
            resource: None,
            agent: None,
            gateway: None,
            params: &params,
            region: Some("eu-west-1".into()),
            json: false,
        };
        let mut r = Resolver::new(&root, &opts);
        let v = parse(value, "v").unwrap();
        let n = r.resolve(&v, 0);
        (to_text(&n), r.warnings())
    }

    const T: &str = "Parameters:\n  Pool:\n    Type: String\n    Default: eu-west-1_AbC\n  Clients:\n    Type: CommaDelimitedList\n    Default: a,b\n  Env:\n    Type: String\n    Default: prod\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nMappings:\n  M:\n    prod:\n      Aud: api://prod\nResources:\n  UserPool:\n    Type: AWS::Cognito::UserPool\n  UserPoolClient:\n    Type: AWS::Cognito::UserPoolClient\n";

    #[test]
    fn sub_both_forms() {
        let (v, w) = resolve(
            T,
            "!Sub 'https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${Pool}/.well-known/openid-configuration'",
            &[],
        );
        assert_eq!(
            v,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/openid-configuration"
        );
        assert!(w.is_empty(), "{w:?}");
        let (v, _) = resolve(T, "!Sub ['${X}-${!Lit}', {X: !Ref Env}]", &[]);
        assert_eq!(v, "prod-${Lit}");
    }

    #[test]
    fn unresolved_refs_and_getatts() {
        let (v, w) = resolve(T, "!Sub 'https://h/${UserPool}/x'", &[]);
        assert_eq!(v, "https://h/${UserPool}/x");
        assert_eq!(
            w,
            vec!["unresolved: UserPool — supply it with --param UserPool=eu-west-1_XXXX"]
        );
        let (v, w) = resolve(T, "!GetAtt UserPoolClient.ClientId", &[]);
        assert_eq!(v, "${UserPoolClient.ClientId}");
        assert_eq!(
            w,
            vec![
                "unresolved: UserPoolClient.ClientId — supply it with --param UserPoolClient.ClientId=CLIENT_ID"
            ]
        );
        let (v, w) = resolve(
            T,
            "{'Fn::GetAtt': [UserPoolClient, ClientId]}",
            &[("UserPoolClient.ClientId", "abc"), ("Nope", "x")],
        );
        assert_eq!(v, "abc");
        assert_eq!(
            w,
            vec!["--param Nope matches no parameter, resource or pseudo parameter of the template"]
        );
    }

    #[test]
    fn join_select_split_findinmap_if() {
        assert_eq!(resolve(T, "!Join ['-', [a, !Ref Env]]", &[]).0, "a-prod");
        assert_eq!(resolve(T, "!Select [1, !Ref Clients]", &[]).0, "b");
        assert_eq!(resolve(T, "!Select [0, !Split [',', 'x,y']]", &[]).0, "x");
        assert_eq!(
            resolve(T, "!FindInMap [M, !Ref Env, Aud]", &[]).0,
            "api://prod"
        );
        assert_eq!(resolve(T, "!If [IsProd, yes, no]", &[]).0, "yes");
        assert_eq!(
            resolve(T, "!If [IsProd, yes, no]", &[("Env", "dev")]).0,
            "no"
        );
        assert_eq!(
            resolve(T, "!Ref Pool", &[("Pool", "eu-west-1_Zz")]).0,
            "eu-west-1_Zz"
        );
    }

    #[test]
    fn region_unknown() {
        let root = parse("Resources: {}\n", "t").unwrap();
        let opts = CfnOptions {
            resource: None,
            agent: None,
            gateway: None,
            params: &[],
            region: None,
            json: false,
        };
        let mut r = Resolver::new(&root, &opts);
        let v = parse(
            "!Sub 'https://cognito-idp.${AWS::Region}.amazonaws.com/p'",
            "v",
        )
        .unwrap();
        assert_eq!(
            to_text(&r.resolve(&v, 0)),
            "https://cognito-idp.${AWS::Region}.amazonaws.com/p"
        );
        assert_eq!(
            r.warnings(),
            vec![
                "unresolved: AWS::Region — supply it with --region us-east-1 or --param AWS::Region=us-east-1"
            ]
        );
    }

    #[test]
    fn no_value_removes_items() {
        let (v, _) = resolve(T, "[a, !Ref AWS::NoValue, b]", &[]);
        assert_eq!(v, "a,b");
    }
}
