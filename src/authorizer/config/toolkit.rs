//! `.bedrock_agentcore.yaml` as written by the AgentCore starter toolkit: the multi-agent layout
//! (`default_agent`, `agents.<name>`) and the legacy single-agent layout (`name` + `entrypoint` at
//! the top).

use super::jwt::{self, Findings, Style, at};
use super::members;
use super::select;
use super::tree::{Entry, Kind, Node};
use crate::authorizer::{
    Authorizer, AuthorizerType, ConfigWarning, Deployment, ResourceKind, ResourceSummary, RuleSet,
    SourceKind,
};
use crate::error::{Error, Result};

/// True when `root` looks like a starter-toolkit config.
pub(crate) fn detect(root: &Node) -> bool {
    root.get("agents").is_some()
        || root.get("default_agent").is_some()
        || (root.get("name").is_some() && root.get("entrypoint").is_some())
}

/// Loads the authorizer of the chosen agent.
pub(crate) fn load(path: &str, root: &Node, agent: Option<&str>) -> Result<Authorizer> {
    let mut out = Findings::default();
    let legacy = root.get("agents").is_none();

    // (name, line of the agent's key, agent mapping)
    let agents: Vec<(String, Option<usize>, &Node)> = if legacy {
        let name = root
            .get_str("name")
            .ok_or_else(|| {
                Error::config(
                    path,
                    "the single-agent config has no `name`",
                    Some("add `name: <agent name>` at the top".to_string()),
                )
            })?
            .to_string();
        vec![(name, root.line, root)]
    } else {
        let agents = root.get("agents").filter(|n| !n.is_null());
        let entries = match agents.map(|n| &n.kind) {
            Some(Kind::Map(entries)) => entries.as_slice(),
            None => &[],
            Some(_) => {
                return Err(Error::config(
                    path,
                    format!(
                        "`agents`{} is {}, not a mapping of agent names",
                        at(root.entry("agents").and_then(|e| e.line)),
                        agents.map(Node::type_name).unwrap_or("null")
                    ),
                    Some("run `agentcore configure` to write a valid file".to_string()),
                ));
            }
        };
        if entries.is_empty() {
            return Err(Error::config(
                path,
                "no agents configured",
                Some(
                    "run `agentcore configure -e <entrypoint>` first, or pass --discovery-url and --allowed-client"
                        .to_string(),
                ),
            ));
        }
        entries
            .iter()
            .map(|e| (e.key.clone(), e.line, &e.value))
            .collect()
    };
    let names: Vec<String> = agents.iter().map(|a| a.0.clone()).collect();

    if !legacy {
        top_level_keys(root, &mut out);
    }

    let summaries: Vec<ResourceSummary> = agents
        .iter()
        .map(|(name, _, n)| {
            let has = has_jwt(path, n);
            ResourceSummary {
                kind: ResourceKind::Runtime,
                name: name.clone(),
                id: None,
                service_name: None,
                authorizer_type: if has {
                    AuthorizerType::CustomJwt
                } else {
                    AuthorizerType::AwsIam
                },
                has_jwt: has,
            }
        })
        .collect();
    let default = default_index(path, root, &names)?;
    let selected = select::select(
        path,
        &summaries,
        select::Want {
            agent,
            ..select::Want::default()
        },
        default,
        select::Naming::Names,
    )?;
    let index = selected.index;
    // The agent is the one the file picks by itself, so commands tokdiag suggests need no --agent.
    let agent_is_default = selected.by_default;
    let (name, agent_line, node) = &agents[index];
    if node.as_map().is_none() {
        return Err(Error::config(
            path,
            format!(
                "agent `{name}`{} is {}, not a mapping",
                at(*agent_line),
                node.type_name()
            ),
            Some("run `agentcore configure` to write a valid file".to_string()),
        ));
    }

    let (jwt, authorizer_line) = match node.entry("authorizer_configuration") {
        Some(e) => (
            jwt::authorizer_configuration(
                path,
                &e.value,
                "authorizer_configuration",
                e.line,
                Style::Camel,
                &mut out,
            )?,
            e.line,
        ),
        None => (None, *agent_line),
    };
    agent_level_keys(node, &mut out);

    let aws = node.get_some("aws");
    if let Some(aws) = aws {
        aws_keys(aws, &mut out);
    }
    let config_warnings: Vec<ConfigWarning> = aws
        .and_then(|a| a.entry("account"))
        .and_then(account)
        .into_iter()
        .collect();
    let region = aws.and_then(|a| a.get_str("region")).map(str::to_string);
    let account = aws.and_then(|a| a.get_str("account")).map(str::to_string);
    let protocol = aws
        .and_then(|a| a.get_some("protocol_configuration"))
        .and_then(|p| p.get_str("server_protocol"))
        .map(str::to_string);
    let request_header_allowlist = node
        .get_some("request_header_configuration")
        .and_then(|r| r.get_some("requestHeaderAllowlist"))
        .and_then(Node::str_items);
    let bac = node.get_some("bedrock_agentcore");
    let agent_arn = bac.and_then(|b| b.get_str("agent_arn")).map(str::to_string);

    let mut other_jwt_agents = Vec::new();
    if jwt.is_none() {
        let (names, warning) = select::jwt_elsewhere(&summaries, index, select::Naming::Names);
        other_jwt_agents = names;
        out.warnings.extend(warning);
    }

    let has_jwt_now = jwt.is_some();
    let mut ignored = out.ignored;
    ignored.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    Ok(Authorizer {
        source: SourceKind::AgentcoreYaml,
        file: Some(path.to_string()),
        agent: Some(name.clone()),
        agent_is_default,
        rules: RuleSet::Agentcore,
        jwt,
        authorizer_line,
        ignored,
        warnings: out.warnings,
        other_jwt_agents,
        agent_arn,
        region,
        authorizer_absent: node.entry("authorizer_configuration").is_none(),
        authorizer_type: if has_jwt_now {
            AuthorizerType::CustomJwt
        } else {
            AuthorizerType::AwsIam
        },
        request_header_allowlist,
        protocol,
        deployment: Deployment {
            account,
            ..Deployment::default()
        },
        resources: if legacy { Vec::new() } else { summaries },
        config_warnings,
        ..Authorizer::empty(SourceKind::AgentcoreYaml, RuleSet::Agentcore)
    })
}

/// The index of `default_agent` (multi-agent layout), which must name an agent.
fn default_index(path: &str, root: &Node, names: &[String]) -> Result<Option<usize>> {
    if root.get("agents").is_some()
        && let Some(d) = root.get_str("default_agent")
    {
        return names
            .iter()
            .position(|n| n == d)
            .map(Some)
            .ok_or_else(|| Error::UnknownAgent {
                suggestion: select::suggest(d, names),
                name: d.to_string(),
                path: path.to_string(),
                known: names.to_vec(),
            });
    }
    Ok(None)
}

/// True when an agent mapping has a JWT authorizer (quietly: no findings are kept).
fn has_jwt(path: &str, agent: &Node) -> bool {
    let Some(e) = agent.entry("authorizer_configuration") else {
        return false;
    };
    let mut scratch = Findings::default();
    matches!(
        jwt::authorizer_configuration(
            path,
            &e.value,
            "authorizer_configuration",
            e.line,
            Style::Camel,
            &mut scratch,
        ),
        Ok(Some(_))
    )
}

/// Is `key` about inbound authorization (so a misplaced or misspelt one matters)?
fn auth_related(key: &str) -> bool {
    let l = key.to_ascii_lowercase();
    l.contains("auth")
        || l.contains("jwt")
        || members::jwt_suggestion(key, members::JWT_CHECK_KEYS).is_some()
}

/// Authorization keys at the top level of a multi-agent file, where the toolkit drops them.
fn top_level_keys(root: &Node, out: &mut Findings) {
    for e in root.as_map().unwrap_or(&[]) {
        if matches!(
            e.key.as_str(),
            "default_agent" | "agents" | "is_agentcore_create_with_iac"
        ) || !auth_related(&e.key)
        {
            continue;
        }
        out.ignore(
            &e.key,
            e.line,
            format!(
                "`{}` at the top level is dropped by the toolkit: authorization belongs to an agent, under `agents.<name>.authorizer_configuration`",
                e.key
            ),
        );
        inspect_dropped(e, out);
    }
}

/// Agent-level keys the toolkit drops that concern authorization.
fn agent_level_keys(agent: &Node, out: &mut Findings) {
    for e in agent.as_map().unwrap_or(&[]) {
        let k = e.key.as_str();
        if members::AGENT_KEYS.contains(&k) {
            continue;
        }
        if k == "authorizerConfiguration"
            || members::closest(k, &["authorizer_configuration"]).is_some()
        {
            let camel = if k == "authorizerConfiguration" {
                " (camelCase)"
            } else {
                ""
            };
            out.ignore(
                k,
                e.line,
                format!(
                    "the toolkit drops `{k}`{camel} without a word and deploys the runtime with IAM (SigV4) authorization, which refuses every bearer token: rename it to `authorizer_configuration`"
                ),
            );
            inspect_dropped(e, out);
        } else if k == "customJWTAuthorizer" || members::is_wrapper_variant(k) {
            out.ignore(
                k,
                e.line,
                format!(
                    "`{k}` at the agent level is dropped by the toolkit (IAM authorization): put it under `authorizer_configuration:` as `customJWTAuthorizer`"
                ),
            );
            inspect_dropped(e, out);
        } else if members::JWT_CHECK_KEYS.contains(&k) || members::JWT_OTHER_KEYS.contains(&k) {
            out.ignore(
                k,
                e.line,
                format!(
                    "`{k}` at the agent level is dropped by the toolkit: it belongs under `authorizer_configuration:` → `customJWTAuthorizer:`"
                ),
            );
        } else if auth_related(k) {
            let advice = match members::jwt_suggestion(k, members::JWT_CHECK_KEYS) {
                Some(s) => format!(
                    "did you mean `{s}` under `authorizer_configuration:` → `customJWTAuthorizer:`?"
                ),
                None => "inbound JWT settings go under `authorizer_configuration:`".to_string(),
            };
            out.ignore(
                k,
                e.line,
                format!("`{k}` is not a toolkit agent key and is dropped: {advice}"),
            );
        }
    }
}

/// Reports the problems inside a dropped authorizer block too, so that they are fixed along
/// with its name or place (the block itself stays unused).
fn inspect_dropped(e: &Entry, out: &mut Findings) {
    if e.value.as_map().is_none() {
        return;
    }
    let mut scratch = Findings::default();
    let wrapped = e.value.get("customJWTAuthorizer").is_some()
        || e.value
            .as_map()
            .unwrap_or(&[])
            .iter()
            .any(|i| members::is_wrapper_variant(&i.key));
    let found = if wrapped {
        jwt::authorizer_configuration("", &e.value, &e.key, e.line, Style::Camel, &mut scratch)
    } else if e.key == "customJWTAuthorizer" || members::is_wrapper_variant(&e.key) {
        let entries = e.value.as_map().unwrap_or(&[]);
        Ok(Some(jwt::jwt_authorizer(
            entries,
            &e.key,
            e.line,
            Style::Camel,
            &mut scratch,
        )))
    } else {
        Ok(None)
    };
    if found.is_ok() {
        out.ignored.extend(scratch.ignored);
    }
}

/// Authorization misplaced under `aws:`, and the account's YAML type.
fn aws_keys(aws: &Node, out: &mut Findings) {
    for e in aws.as_map().unwrap_or(&[]) {
        let k = e.key.as_str();
        if k == "authorizer_configuration"
            || k == "authorizerConfiguration"
            || k == "customJWTAuthorizer"
            || members::is_wrapper_variant(k)
        {
            out.ignore(
                k,
                e.line,
                format!(
                    "`{k}` under `aws:` is dropped by the toolkit (IAM authorization): move it one level up, next to `aws:`, as `authorizer_configuration`"
                ),
            );
            inspect_dropped(e, out);
        }
    }
}

/// An account that the toolkit (PyYAML, YAML 1.1, then pydantic) refuses, or that lost digits:
/// a `config-account-unquoted` / `config-account-digits` warning.
fn account(e: &Entry) -> Option<ConfigWarning> {
    let Kind::Scalar { text, plain } = &e.value.kind else {
        return None;
    };
    if e.value.is_null() || text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{text:0>12}");
    if *plain && yaml11_int(text) {
        Some(ConfigWarning {
            code: "config-account-unquoted",
            message: format!(
                "aws.account{} is written unquoted as {text}, which YAML reads as an integer: the starter toolkit refuses it (pydantic: \"Input should be a valid string\")",
                at(e.line)
            ),
            fix: format!("quote it: account: '{padded}'"),
            line: e.line,
        })
    } else if text.len() < 12 {
        Some(ConfigWarning {
            code: "config-account-digits",
            message: format!(
                "aws.account{} has {} digits, not 12 (leading zeros lost?)",
                at(e.line),
                text.len()
            ),
            fix: format!("write account: '{padded}'"),
            line: e.line,
        })
    } else {
        None
    }
}

/// Whether PyYAML (YAML 1.1) resolves a plain all-digit scalar as an integer: decimal without a
/// leading zero, or octal (a leading zero followed by digits 0–7 only). `061051234909` stays a
/// string because of its 9s.
pub(crate) fn yaml11_int(digits: &str) -> bool {
    match digits.strip_prefix('0') {
        None => true,
        Some(rest) => rest.chars().all(|c| ('0'..='7').contains(&c)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    const MULTI: &str = "default_agent: a\nagents:\n  a:\n    name: a\n    entrypoint: a.py\n    authorizer_configuration: null\n  b:\n    name: b\n    entrypoint: b.py\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: https://x/.well-known/openid-configuration\n        allowedClients: [c]\n";

    #[test]
    fn yaml11_integers() {
        assert!(yaml11_int("123456789012"));
        assert!(yaml11_int("012345670123"));
        assert!(!yaml11_int("061051234909"));
    }

    #[test]
    fn default_agent_without_jwt_names_the_other() {
        let root = parse(MULTI, "f").unwrap();
        let a = load("f", &root, None).unwrap();
        assert_eq!(a.agent.as_deref(), Some("a"));
        assert!(a.jwt.is_none());
        assert_eq!(a.authorizer_line, Some(6));
        assert_eq!(a.other_jwt_agents, vec!["b"]);
        assert_eq!(
            a.warnings,
            vec!["the JWT authorizer is on runtime b: use --agent b"]
        );
        let b = load("f", &root, Some("b")).unwrap();
        assert_eq!(b.allowed_clients(), ["c"]);
        assert!(b.other_jwt_agents.is_empty() && b.warnings.is_empty());
    }

    #[test]
    fn unknown_agent_lists_agents() {
        let root = parse(MULTI, "f").unwrap();
        match load("f", &root, Some("zz")) {
            Err(Error::UnknownAgent { name, known, .. }) => {
                assert_eq!(name, "zz");
                assert_eq!(known, vec!["a", "b"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn without_default_the_one_jwt_agent_is_chosen() {
        let doc = MULTI.replace("default_agent: a\n", "");
        let root = parse(&doc, "f").unwrap();
        let a = load("f", &root, None).unwrap();
        assert_eq!(a.agent.as_deref(), Some("b"));
        assert!(a.agent_is_default);
        assert_eq!(a.authorizer_type, AuthorizerType::CustomJwt);
        let doc = doc.replace("    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: https://x/.well-known/openid-configuration\n        allowedClients: [c]\n", "");
        let root = parse(&doc, "f").unwrap();
        let err = load("f", &root, None).unwrap_err();
        assert!(matches!(err, Error::Usage { .. }));
        assert_eq!(
            err.to_string(),
            "f defines 2 agents and none has a JWT authorizer: a (IAM), b (IAM)"
        );
        assert_eq!(err.hint().unwrap(), "use --agent with one of: a, b");
    }
}
