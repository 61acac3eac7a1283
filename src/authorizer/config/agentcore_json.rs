//! The new AgentCore CLI's project (npm `@aws/agentcore`, schema read at 0.30.0:
//! `dist/schema/schemas/{agentcore-project,agent-env,auth,mcp,deployed-state,aws-targets}.js`):
//! `agentcore/agentcore.json` with `runtimes[]` and `agentCoreGateways[]`, its
//! `.cli/deployed-state.json` (ARNs, gateway ids and URLs per deployment target) and
//! `aws-targets.json` (`[{name, account, region}]`).
//!
//! The CLI validates with zod, and tokdiag reports what that validation does: the top level and a
//! gateway entry are strict (unknown keys refuse the file), a runtime entry and
//! `authorizerConfiguration` strip unknown keys silently (`config-key-ignored`), and
//! `customJwtAuthorizer` — spelt `Jwt`, unlike CloudFormation's and the control plane's `JWT` — is
//! strict again (`Unrecognized key: "allowedClient"`, reported as `config-invalid`).

use std::path::{Path, PathBuf};

use super::jwt::{self, Findings, Style, at};
use super::members;
use super::select;
use super::tree::{Entry, Node};
use crate::authorizer::{
    Authorizer, AuthorizerType, Deployment, InvalidConfig, JwtConfig, ResourceKind,
    ResourceSummary, RuleSet, SourceKind,
};
use crate::error::{Error, Result};
use crate::fsx;

/// The `$schema` the CLI writes.
pub(crate) const SCHEMA_URL: &str = "https://schema.agentcore.aws.dev/v1/agentcore.json";

/// Top-level keys of `AgentCoreProjectSpecSchema` (strict: any other key refuses the file).
const TOP_KEYS: &[&str] = &[
    "$schema",
    "name",
    "version",
    "managedBy",
    "tags",
    "runtimes",
    "memories",
    "knowledgeBases",
    "credentials",
    "evaluators",
    "onlineEvalConfigs",
    "agentCoreGateways",
    "mcpRuntimeTools",
    "unassignedTargets",
    "policyEngines",
    "configBundles",
    "abTests",
    "harnesses",
    "datasets",
    "capacityProviders",
    "httpGateways",
    "payments",
];

/// Keys of `AgentCoreGatewaySchema` (strict).
const GATEWAY_KEYS: &[&str] = &[
    "name",
    "resourceName",
    "protocolType",
    "description",
    "targets",
    "authorizerType",
    "authorizerConfiguration",
    "enableSemanticSearch",
    "exceptionLevel",
    "policyEngineConfiguration",
    "executionRoleArn",
    "tags",
];

/// Keys of `CustomJwtAuthorizerConfigSchema` (strict).
const JWT_KEYS: &[&str] = &[
    "discoveryUrl",
    "allowedAudience",
    "allowedClients",
    "allowedScopes",
    "customClaims",
    "privateEndpoint",
    "privateEndpointOverrides",
];

/// The suffix the CLI's schema requires of `discoveryUrl` (the API also takes
/// `/.well-known/oauth-authorization-server`).
const OIDC_SUFFIX: &str = "/.well-known/openid-configuration";

/// True when `root` is an `agentcore.json` project spec: its `$schema`, or `runtimes` /
/// `agentCoreGateways` lists.
pub(crate) fn detect(root: &Node) -> bool {
    root.get_str("$schema")
        .is_some_and(|s| s.contains("schema.agentcore.aws.dev"))
        || root.get("runtimes").and_then(Node::as_seq).is_some()
        || root
            .get("agentCoreGateways")
            .and_then(Node::as_seq)
            .is_some()
}

/// The project file inside `dir` when `dir` is a new-CLI project directory (or its `agentcore/`).
pub(crate) fn project_file(dir: &Path) -> Option<PathBuf> {
    ["agentcore/agentcore.json", "agentcore.json"]
        .into_iter()
        .map(|p| dir.join(p))
        .find(|p| p.is_file())
}

/// Options for loading a project.
pub(crate) struct ProjectOptions<'a> {
    /// `--agent`, `--gateway`, `--resource`.
    pub want: select::Want<'a>,
    /// `--region` (overrides `aws-targets.json`).
    pub region: Option<String>,
}

/// A resource entry of the spec.
struct Res<'a> {
    kind: ResourceKind,
    name: String,
    line: Option<usize>,
    node: &'a Node,
}

/// Loads the authorizer of one runtime or gateway of `agentcore.json` at `path`.
pub(crate) fn load(path: &str, root: &Node, opts: &ProjectOptions<'_>) -> Result<Authorizer> {
    let mut out = Findings::new(crate::authorizer::Syntax::Json);
    let mut invalid: Vec<InvalidConfig> = Vec::new();
    for e in root.as_map().unwrap_or(&[]) {
        if !TOP_KEYS.contains(&e.key.as_str()) {
            invalid.push(InvalidConfig {
                message: format!(
                    "Unrecognized key: \"{}\"{} at the top level of agentcore.json: the CLI refuses the file",
                    e.key,
                    at(e.line)
                ),
                line: e.line,
                fix: fix_unknown(&e.key, TOP_KEYS),
            });
        }
    }
    if let Some(s) = root.get_str("$schema")
        && s != SCHEMA_URL
    {
        out.warn(format!(
            "`$schema` is {s}, not {SCHEMA_URL}: tokdiag reads it as the 0.30 schema"
        ));
    }

    let mut resources: Vec<Res<'_>> = Vec::new();
    for (key, kind) in [
        ("runtimes", ResourceKind::Runtime),
        ("agentCoreGateways", ResourceKind::Gateway),
    ] {
        let Some(e) = root.entry(key) else { continue };
        let Some(items) = e.value.as_seq() else {
            if !e.value.is_null() {
                return Err(Error::config(
                    path,
                    format!(
                        "`{key}`{} is {}, not a list",
                        at(e.line),
                        e.value.type_name()
                    ),
                    Some(format!(
                        "write `\"{key}\": [ … ]` as `agentcore create` does"
                    )),
                ));
            }
            continue;
        };
        for item in items {
            let Some(name) = item.get_str("name") else {
                out.warn(format!(
                    "an entry of `{key}`{} has no `name`: it is skipped",
                    at(item.line)
                ));
                continue;
            };
            resources.push(Res {
                kind,
                name: name.to_string(),
                line: item.line,
                node: item,
            });
        }
    }
    if resources.is_empty() {
        return Err(Error::config(
            path,
            "the project has no runtimes and no agentCoreGateways",
            Some(
                "add one with `agentcore add agent` / `agentcore add gateway`, or pass --discovery-url and --allowed-client"
                    .to_string(),
            ),
        ));
    }
    let summaries: Vec<ResourceSummary> = resources.iter().map(summary).collect();
    let selected = select::select(path, &summaries, opts.want, None, select::Naming::Names)?;
    let res = &resources[selected.index];
    let node = res.node;
    let what = res.kind.as_str();

    if res.kind == ResourceKind::Gateway {
        for e in node.as_map().unwrap_or(&[]) {
            if !GATEWAY_KEYS.contains(&e.key.as_str()) {
                invalid.push(InvalidConfig {
                    message: format!(
                        "Unrecognized key: \"{}\"{} in gateway {}: the CLI refuses the file",
                        e.key,
                        at(e.line),
                        res.name
                    ),
                    line: e.line,
                    fix: fix_unknown(&e.key, GATEWAY_KEYS),
                });
            }
        }
    } else {
        for e in node.as_map().unwrap_or(&[]) {
            let k = e.key.as_str();
            if k != "authorizerConfiguration"
                && k != "authorizerType"
                && (members::closest(k, &["authorizerConfiguration", "authorizerType"]).is_some()
                    || k == "authorizer_configuration"
                    || k == "customJwtAuthorizer"
                    || members::is_wrapper_variant(k))
            {
                out.ignore(
                    k,
                    e.line,
                    format!(
                        "`{k}` is not a runtime key of agentcore.json: the CLI drops it silently, so the runtime keeps its default AWS_IAM authorization; the keys are `authorizerType` and `authorizerConfiguration`"
                    ),
                );
            }
        }
    }

    let type_entry = node.entry("authorizerType");
    let declared = type_entry.and_then(|e| e.value.as_str());
    let default_type = match res.kind {
        ResourceKind::Runtime => AuthorizerType::AwsIam,
        ResourceKind::Gateway => AuthorizerType::None,
    };
    let authorizer_type = match declared {
        None => default_type,
        Some(t) => match AuthorizerType::parse(t) {
            Some(AuthorizerType::None) if res.kind == ResourceKind::Runtime => {
                invalid.push(InvalidConfig {
                    message: format!(
                        "`authorizerType`{} is NONE, which a runtime does not take (AWS_IAM or CUSTOM_JWT): the CLI refuses the file",
                        at(type_entry.and_then(|e| e.line))
                    ),
                    line: type_entry.and_then(|e| e.line),
                    fix: "write \"authorizerType\": \"CUSTOM_JWT\" (with authorizerConfiguration.customJwtAuthorizer) or \"AWS_IAM\", then `agentcore deploy`".into(),
                });
                AuthorizerType::None
            }
            Some(t) => t,
            None => {
                invalid.push(InvalidConfig {
                    message: format!(
                        "`authorizerType`{} is \"{t}\", not one of AWS_IAM, CUSTOM_JWT{}: the CLI refuses the file",
                        at(type_entry.and_then(|e| e.line)),
                        if res.kind == ResourceKind::Gateway { ", NONE" } else { "" }
                    ),
                    line: type_entry.and_then(|e| e.line),
                    fix: "write \"authorizerType\": \"CUSTOM_JWT\", then `agentcore deploy`".into(),
                });
                default_type
            }
        },
    };

    let auth_entry = node.entry("authorizerConfiguration");
    let mut jwt: Option<JwtConfig> = None;
    if let Some(e) = auth_entry {
        jwt = authorizer_configuration(path, e, &mut out, &mut invalid)?;
    }
    let authorizer_line = auth_entry.and_then(|e| e.line).or(res.line);
    let type_line = type_entry.and_then(|e| e.line).or(res.line);
    match authorizer_type {
        AuthorizerType::CustomJwt if jwt.is_none() => invalid.push(InvalidConfig {
            message: format!(
                "{what} {} has authorizerType CUSTOM_JWT but no `authorizerConfiguration.customJwtAuthorizer`: the CLI refuses it (\"authorizerConfiguration with customJwtAuthorizer is required when authorizerType is CUSTOM_JWT\")",
                res.name
            ),
            line: authorizer_line,
            fix: format!(
                "add to {what} {} in {path}:\n  \"authorizerConfiguration\": {{\n    \"customJwtAuthorizer\": {{\n      \"discoveryUrl\": \"https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/openid-configuration\",\n      \"allowedClients\": [\"<app client id>\"]\n    }}\n  }}\nthen `agentcore deploy`",
                res.name
            ),
        }),
        AuthorizerType::CustomJwt => {}
        t if jwt.is_some() => {
            if res.kind == ResourceKind::Runtime {
                invalid.push(InvalidConfig {
                    message: format!(
                        "{what} {} has `authorizerConfiguration` but authorizerType {}: the CLI refuses it (\"authorizerConfiguration is only allowed when authorizerType is CUSTOM_JWT\")",
                        res.name,
                        t.as_str()
                    ),
                    line: type_line,
                    fix: format!(
                        "at {path}:{} write \"authorizerType\": \"CUSTOM_JWT\", then `agentcore deploy`",
                        type_line.unwrap_or(1)
                    ),
                });
            } else {
                out.warn(format!(
                    "gateway {} has authorizerType {}{}: it does not check JWTs, whatever `authorizerConfiguration` says",
                    res.name,
                    t.as_str(),
                    at(type_line)
                ));
            }
            jwt = None;
        }
        _ => {}
    }

    let allowlist = node
        .get_some("requestHeaderAllowlist")
        .and_then(Node::str_items);
    let protocol = node
        .get_str(if res.kind == ResourceKind::Gateway {
            "protocolType"
        } else {
            "protocol"
        })
        .map(str::to_string);

    // Deployed state and targets live next to agentcore.json.
    let dir = Path::new(path).parent().unwrap_or(Path::new("."));
    let state = read_json(&dir.join(".cli").join("deployed-state.json"), &mut out);
    let targets = read_json(&dir.join("aws-targets.json"), &mut out);
    let deployed = deployed(res, state.as_ref(), targets.as_ref(), &mut out);
    let target = deployed.target.clone();
    let target_info = targets
        .as_ref()
        .and_then(|t| pick_target(t, target.as_deref()));
    let region = opts
        .region
        .clone()
        .or_else(|| {
            target_info
                .and_then(|t| t.get_str("region"))
                .map(str::to_string)
        })
        .or_else(|| deployed.arn.as_deref().and_then(super::api::arn_region));
    let account = target_info
        .and_then(|t| t.get_str("account"))
        .map(str::to_string)
        .or_else(|| deployed.arn.as_deref().and_then(super::api::arn_account));
    if deployed.arn.is_none() {
        out.warn(format!(
            "{what} {} has not been deployed yet (no entry in {}): explained offline; `tokdiag invoke` needs its ARN, which `agentcore deploy` writes",
            res.name,
            dir.join(".cli").join("deployed-state.json").display()
        ));
    }

    let mut other_jwt_agents = Vec::new();
    if jwt.is_none() {
        let (names, warning) =
            select::jwt_elsewhere(&summaries, selected.index, select::Naming::Names);
        other_jwt_agents = names;
        out.warnings.extend(warning);
    }

    if let Some(j) = &mut jwt {
        j.invalid.extend(invalid);
    } else if !invalid.is_empty() {
        // No JWT authorizer to attach them to: keep them as warnings naming the CLI's refusal.
        for i in invalid {
            out.warn(i.message);
        }
    }
    let mut ignored = out.ignored;
    ignored.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    Ok(Authorizer {
        file: Some(path.to_string()),
        agent: Some(res.name.clone()),
        agent_is_default: selected.by_default,
        kind: res.kind,
        authorizer_type: if jwt.is_some() {
            AuthorizerType::CustomJwt
        } else {
            authorizer_type
        },
        jwt,
        authorizer_line,
        authorizer_absent: auth_entry.is_none() && type_entry.is_none(),
        ignored,
        warnings: out.warnings,
        other_jwt_agents,
        agent_arn: deployed.arn.clone(),
        region,
        request_header_allowlist: allowlist,
        protocol,
        deployment: Deployment {
            gateway_id: deployed.gateway_id,
            gateway_arn: (res.kind == ResourceKind::Gateway)
                .then(|| deployed.arn.clone())
                .flatten(),
            gateway_url: deployed.gateway_url,
            runtime_id: deployed.runtime_id,
            account,
            target,
        },
        resources: summaries,
        ..Authorizer::empty(SourceKind::AgentcoreJson, RuleSet::Agentcore)
    })
}

/// The listing entry of a resource.
fn summary(r: &Res<'_>) -> ResourceSummary {
    let declared = r
        .node
        .get_str("authorizerType")
        .and_then(AuthorizerType::parse);
    let has_jwt = r
        .node
        .get_some("authorizerConfiguration")
        .and_then(|a| a.get_some("customJwtAuthorizer"))
        .is_some();
    let t = declared.unwrap_or(match r.kind {
        ResourceKind::Runtime => AuthorizerType::AwsIam,
        ResourceKind::Gateway => AuthorizerType::None,
    });
    ResourceSummary {
        kind: r.kind,
        name: r.name.clone(),
        id: None,
        service_name: None,
        authorizer_type: t,
        has_jwt: has_jwt && t == AuthorizerType::CustomJwt,
    }
}

/// Reads `authorizerConfiguration` (strip: other keys are dropped) and its `customJwtAuthorizer`
/// (strict: other keys refuse the file).
fn authorizer_configuration(
    path: &str,
    e: &Entry,
    out: &mut Findings,
    invalid: &mut Vec<InvalidConfig>,
) -> Result<Option<JwtConfig>> {
    if e.value.is_null() {
        return Ok(None);
    }
    let Some(entries) = e.value.as_map() else {
        return Err(Error::config(
            path,
            format!(
                "`authorizerConfiguration`{} is {}, not an object",
                at(e.line),
                e.value.type_name()
            ),
            Some("write \"authorizerConfiguration\": { \"customJwtAuthorizer\": { … } }".into()),
        ));
    };
    let mut wrapper: Option<&Entry> = None;
    for i in entries {
        if i.key == "customJwtAuthorizer" {
            wrapper = Some(i);
        } else if i.key == "customJWTAuthorizer" || members::is_wrapper_variant(&i.key) {
            out.ignore(
                &i.key,
                i.line,
                format!(
                    "`{}` is not a key of agentcore.json's authorizerConfiguration, which spells it `customJwtAuthorizer` (CloudFormation and the control plane write `customJWTAuthorizer`): the CLI drops it silently, did you mean `customJwtAuthorizer`?",
                    i.key
                ),
            );
        } else if JWT_KEYS.contains(&i.key.as_str()) {
            out.ignore(
                &i.key,
                i.line,
                format!(
                    "`{}` sits directly under `authorizerConfiguration`, where the CLI drops it silently: move it into \"customJwtAuthorizer\": {{ … }}",
                    i.key
                ),
            );
        } else {
            out.ignore(
                &i.key,
                i.line,
                format!(
                    "`{}` is not a key of `authorizerConfiguration` and the CLI drops it silently: the only key is `customJwtAuthorizer`",
                    i.key
                ),
            );
        }
    }
    let Some(w) = wrapper else { return Ok(None) };
    if w.value.is_null() {
        return Ok(None);
    }
    let Some(fields) = w.value.as_map() else {
        return Err(Error::config(
            path,
            format!(
                "`customJwtAuthorizer`{} is {}, not an object",
                at(w.line),
                w.value.type_name()
            ),
            Some("write \"customJwtAuthorizer\": { \"discoveryUrl\": \"https://…/.well-known/openid-configuration\", \"allowedClients\": [ … ] }".into()),
        ));
    };
    let mut known: Vec<Entry> = Vec::new();
    for f in fields {
        if JWT_KEYS.contains(&f.key.as_str()) {
            known.push(f.clone());
        } else {
            invalid.push(InvalidConfig {
                message: format!(
                    "Unrecognized key: \"{}\"{} in customJwtAuthorizer: the CLI refuses the file (its schema is strict there)",
                    f.key,
                    at(f.line)
                ),
                line: f.line,
                fix: fix_unknown(&f.key, JWT_KEYS),
            });
        }
    }
    let jwt = jwt::jwt_authorizer(&known, "customJwtAuthorizer", w.line, Style::Camel, out);
    if let Some(d) = &jwt.discovery_url
        && !d.value.contains("${")
        && !d.value.ends_with(OIDC_SUFFIX)
        && d.value.ends_with("/.well-known/oauth-authorization-server")
    {
        out.warn(format!(
            "discoveryUrl{} ends in /.well-known/oauth-authorization-server: the service takes it, but the CLI's own schema (0.30) refuses it (\"OIDC discovery URL must end with '{OIDC_SUFFIX}'\"), so `agentcore deploy` fails until the CLI allows it",
            at(d.line)
        ));
    }
    Ok(Some(jwt))
}

/// `at LINE rename it to X` or a list of the valid keys.
fn fix_unknown(key: &str, known: &[&str]) -> String {
    match members::closest(key, known) {
        Some(s) => format!("rename `{key}` to `{s}`, then `agentcore deploy`"),
        None => format!(
            "remove `{key}` (the keys are {}), then `agentcore deploy`",
            known.join(", ")
        ),
    }
}

/// Reads a JSON file of the project, quietly absent; a broken one is a warning.
fn read_json(path: &Path, out: &mut Findings) -> Option<Node> {
    if !path.is_file() {
        return None;
    }
    let shown = path.display().to_string();
    match fsx::read_to_string(path).and_then(|t| super::tree::parse_doc(&t, &shown)) {
        Ok((n, _)) => Some(n),
        Err(e) => {
            out.warn(format!("{shown} is not readable, so it is ignored: {e}"));
            None
        }
    }
}

/// What the deployed state says about a resource.
#[derive(Default)]
struct Deployed {
    target: Option<String>,
    arn: Option<String>,
    runtime_id: Option<String>,
    gateway_id: Option<String>,
    gateway_url: Option<String>,
}

/// Finds `res` in `targets.<t>.resources.runtimes.<name>` / `.gateways.<name>` /
/// `.mcp.gateways.<name>`: the only target, else the first (by name) that has it.
fn deployed(
    res: &Res<'_>,
    state: Option<&Node>,
    targets: Option<&Node>,
    out: &mut Findings,
) -> Deployed {
    let Some(all) = state.and_then(|s| s.get("targets")).and_then(Node::as_map) else {
        let only = targets
            .and_then(Node::as_seq)
            .filter(|t| t.len() == 1)
            .and_then(|t| t[0].get_str("name"))
            .map(str::to_string);
        return Deployed {
            target: only,
            ..Deployed::default()
        };
    };
    let mut found: Vec<(String, &Node)> = Vec::new();
    for t in all {
        let resources = t.value.get("resources");
        let entry = match res.kind {
            ResourceKind::Runtime => resources
                .and_then(|r| r.get("runtimes"))
                .and_then(|r| r.get(&res.name)),
            ResourceKind::Gateway => resources
                .and_then(|r| r.get("gateways"))
                .and_then(|r| r.get(&res.name))
                .or_else(|| {
                    resources
                        .and_then(|r| r.get("mcp"))
                        .and_then(|m| m.get("gateways"))
                        .and_then(|g| g.get(&res.name))
                }),
        };
        if let Some(n) = entry {
            found.push((t.key.clone(), n));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let Some((target, n)) = found.first() else {
        return Deployed {
            target: (all.len() == 1).then(|| all[0].key.clone()),
            ..Deployed::default()
        };
    };
    if found.len() > 1 {
        out.warn(format!(
            "{} {} is deployed to {} targets ({}): tokdiag uses {target}",
            res.kind.as_str(),
            res.name,
            found.len(),
            found
                .iter()
                .map(|f| f.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let s = |k: &str| n.get_str(k).map(str::to_string);
    match res.kind {
        ResourceKind::Runtime => Deployed {
            target: Some(target.clone()),
            arn: s("runtimeArn"),
            runtime_id: s("runtimeId"),
            ..Deployed::default()
        },
        ResourceKind::Gateway => Deployed {
            target: Some(target.clone()),
            arn: s("gatewayArn"),
            gateway_id: s("gatewayId"),
            gateway_url: s("gatewayUrl"),
            ..Deployed::default()
        },
    }
}

/// The `aws-targets.json` entry named `name`, else the only one.
fn pick_target<'a>(targets: &'a Node, name: Option<&str>) -> Option<&'a Node> {
    let items = targets.as_seq()?;
    match name {
        Some(n) => items.iter().find(|t| t.get_str("name") == Some(n)),
        None if items.len() == 1 => items.first(),
        None => None,
    }
}
