//! Choosing one resource of a multi-resource source (the spec's "Selection" section), the same way in every
//! source: `--agent NAME` picks a runtime, `--gateway NAME` a gateway, `--resource NAME` a
//! resource by its id (CloudFormation logical id, Terraform `TYPE.NAME`) or name. With nothing
//! chosen: the source's default (the toolkit's `default_agent`), else the only resource, else the
//! one resource with a JWT authorizer, else a usage error (exit 2) that lists every resource with
//! its authorizer type and says which flag chooses one.

use crate::authorizer::{ResourceKind, ResourceSummary};
use crate::error::{Error, Result};

/// What the user asked for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Want<'a> {
    /// `--agent` (a runtime).
    pub agent: Option<&'a str>,
    /// `--gateway` (a gateway).
    pub gateway: Option<&'a str>,
    /// `--resource` (an id or a name, either kind).
    pub resource: Option<&'a str>,
}

/// How a source names its resources, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// By name, chosen with `--agent`/`--gateway` (toolkit YAML, agentcore.json).
    Names,
    /// By id, chosen with `--resource` (CloudFormation, Terraform).
    Ids,
}

/// The outcome of a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selected {
    /// Index into the resources.
    pub index: usize,
    /// True when the source picked it by itself (no flag needed to get it again).
    pub by_default: bool,
}

/// Picks one of `resources`. `default` is the source's own default (an index), when it has one.
pub(crate) fn select(
    path: &str,
    resources: &[ResourceSummary],
    want: Want<'_>,
    default: Option<usize>,
    naming: Naming,
) -> Result<Selected> {
    let implicit = implicit_choice(resources, default);
    let chosen = |index: usize| Selected {
        index,
        by_default: implicit == Some(index),
    };
    let id_of = |r: &ResourceSummary| r.id.clone().unwrap_or_else(|| r.name.clone());
    if let Some(want) = want.resource {
        return resources
            .iter()
            .position(|r| id_of(r) == want)
            .or_else(|| resources.iter().position(|r| r.name == want))
            .map(chosen)
            .ok_or_else(|| {
                let ids: Vec<String> = resources.iter().map(id_of).collect();
                Error::usage(
                    format!("{path} has no AgentCore resource {want}"),
                    Some(one_of("--resource", &ids, want)),
                )
            });
    }
    for (want, kind) in [
        (want.agent, ResourceKind::Runtime),
        (want.gateway, ResourceKind::Gateway),
    ] {
        let Some(want) = want else { continue };
        let of_kind: Vec<(usize, &ResourceSummary)> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == kind)
            .collect();
        if let Some((i, _)) = of_kind
            .iter()
            .find(|(_, r)| r.name == want)
            .or_else(|| of_kind.iter().find(|(_, r)| r.id.as_deref() == Some(want)))
            .or_else(|| {
                // The service's own name (Terraform `agent_runtime_name`, gateway `name`).
                of_kind
                    .iter()
                    .find(|(_, r)| r.service_name.as_deref() == Some(want))
            })
        {
            return Ok(chosen(*i));
        }
        let names: Vec<String> = of_kind.iter().map(|(_, r)| r.name.clone()).collect();
        if kind == ResourceKind::Runtime && naming == Naming::Names {
            return Err(Error::UnknownAgent {
                suggestion: suggest(want, &names),
                name: want.to_string(),
                path: path.to_string(),
                known: names,
            });
        }
        let what = kind.as_str();
        return Err(Error::usage(
            format!("{path} has no {what} named {want}"),
            Some(if names.is_empty() {
                format!("it defines no {what}; {}", listing(resources))
            } else {
                one_of(kind.flag(), &names, want)
            }),
        ));
    }
    if let Some(i) = implicit {
        return Ok(chosen(i));
    }
    let jwt = resources.iter().filter(|r| r.has_jwt).count();
    let noun =
        if naming == Naming::Names && resources.iter().all(|r| r.kind == ResourceKind::Runtime) {
            "agents"
        } else {
            "resources"
        };
    let why = if jwt == 0 {
        "none has a JWT authorizer"
    } else {
        "several have a JWT authorizer"
    };
    Err(Error::usage(
        format!(
            "{path} defines {} {noun} and {why}: {}",
            resources.len(),
            listing(resources)
        ),
        Some(choose_hint(resources, naming)),
    ))
}

/// The name of `known` that `want` most likely misspells: the only one close to it (two close
/// names, `support` for `support_agent` and `support_mcp`, suggest nothing), differing in fewer
/// than half its characters (`a` is no typo of `g`).
pub(crate) fn suggest(want: &str, known: &[String]) -> Option<String> {
    let mut close = known
        .iter()
        .filter(|k| super::members::closest(want, &[k.as_str()]).is_some());
    let (Some(only), None) = (close.next(), close.next()) else {
        return None;
    };
    let d = super::members::distance(&want.to_lowercase(), &only.to_lowercase());
    let longer = want.chars().count().max(only.chars().count());
    (d * 2 < longer).then(|| only.clone())
}

/// `use --agent with one of: a, b`, led by `did you mean --agent a?` when `want` is close to
/// one of them (names quoted for the shell).
pub(crate) fn one_of(flag: &str, names: &[String], want: &str) -> String {
    let list = format!("use {flag} with one of: {}", crate::fsx::sh_words(names));
    match suggest(want, names) {
        Some(s) => format!("did you mean {flag} {}? {list}", crate::fsx::sh_word(&s)),
        None => list,
    }
}

/// When the selected resource has no JWT authorizer but others do: their names (ids for a
/// source named by ids) and the one warning every source gives, `the JWT authorizer is on
/// gateway g: use --gateway g` (`runtimes a, b: use --agent a`; `--resource ID` for templates and
/// Terraform).
pub(crate) fn jwt_elsewhere(
    resources: &[ResourceSummary],
    selected: usize,
    naming: Naming,
) -> (Vec<String>, Option<String>) {
    let others: Vec<&ResourceSummary> = resources
        .iter()
        .enumerate()
        .filter(|(i, r)| *i != selected && r.has_jwt)
        .map(|(_, r)| r)
        .collect();
    let handle = |r: &ResourceSummary| match naming {
        Naming::Ids => r.id.clone().unwrap_or_else(|| r.name.clone()),
        Naming::Names => r.name.clone(),
    };
    let names: Vec<String> = others.iter().map(|r| handle(r)).collect();
    let Some(first) = others.first() else {
        return (names, None);
    };
    let flag = match naming {
        Naming::Ids => "--resource",
        Naming::Names => first.kind.flag(),
    };
    let what = if others.iter().all(|r| r.kind == first.kind) {
        let plural = if others.len() > 1 { "s" } else { "" };
        format!("{}{plural} {}", first.kind.as_str(), names.join(", "))
    } else {
        others
            .iter()
            .zip(&names)
            .map(|(r, n)| format!("{} {n}", r.kind.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let warning = format!(
        "the JWT authorizer is on {what}: use {flag} {}",
        crate::fsx::sh_word(&names[0])
    );
    (names, Some(warning))
}

/// The flag and argument that select `handle` (a name or an id from
/// [`Authorizer::other_jwt_agents`](crate::authorizer::Authorizer)) among `resources`:
/// `--gateway g`, `--agent a`, `--resource TYPE.NAME` (Terraform addresses), shell-quoted.
pub(crate) fn select_arg(resources: &[ResourceSummary], handle: &str) -> String {
    let flag = match resources
        .iter()
        .find(|r| r.name == handle || r.id.as_deref() == Some(handle))
    {
        Some(r) if r.name != handle => "--resource",
        Some(r) => r.kind.flag(),
        None => "--agent",
    };
    format!("{flag} {}", crate::fsx::sh_word(handle))
}

/// The resource chosen without flags: the default, else the only one, else the one with a JWT
/// authorizer.
fn implicit_choice(resources: &[ResourceSummary], default: Option<usize>) -> Option<usize> {
    if default.is_some() {
        return default;
    }
    if resources.len() == 1 {
        return Some(0);
    }
    let mut jwt = resources.iter().enumerate().filter(|(_, r)| r.has_jwt);
    match (jwt.next(), jwt.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// `runtime a (JWT), gateway g (NONE)`; the kind is left out when all are runtimes.
pub(crate) fn listing(resources: &[ResourceSummary]) -> String {
    let mixed = resources.iter().any(|r| r.kind == ResourceKind::Gateway);
    resources
        .iter()
        .map(|r| {
            let id = r.id.clone().unwrap_or_else(|| r.name.clone());
            let jwt = if r.authorizer_type.label() == "JWT" && !r.has_jwt {
                "JWT, not configured".to_string()
            } else {
                r.authorizer_type.label().to_string()
            };
            if mixed {
                format!("{} {id} ({jwt})", r.kind.as_str())
            } else {
                format!("{id} ({jwt})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `use --agent with one of: a, b` / `use --agent with one of: a, or --gateway with one of: g` /
/// `use --resource with one of: X, Y`.
fn choose_hint(resources: &[ResourceSummary], naming: Naming) -> String {
    if naming == Naming::Ids {
        let ids: Vec<String> = resources
            .iter()
            .map(|r| r.id.clone().unwrap_or_else(|| r.name.clone()))
            .collect();
        return format!("use --resource with one of: {}", crate::fsx::sh_words(&ids));
    }
    let names = |kind: ResourceKind| -> Vec<String> {
        resources
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.name.clone())
            .collect()
    };
    let parts: Vec<String> = [ResourceKind::Runtime, ResourceKind::Gateway]
        .into_iter()
        .filter_map(|k| {
            let n = names(k);
            (!n.is_empty())
                .then(|| format!("{} with one of: {}", k.flag(), crate::fsx::sh_words(&n)))
        })
        .collect();
    format!("use {}", parts.join(", or "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorizer::AuthorizerType;

    fn r(kind: ResourceKind, name: &str, t: AuthorizerType) -> ResourceSummary {
        ResourceSummary {
            kind,
            name: name.into(),
            id: None,
            service_name: None,
            authorizer_type: t,
            has_jwt: t == AuthorizerType::CustomJwt,
        }
    }

    fn three() -> Vec<ResourceSummary> {
        vec![
            r(ResourceKind::Runtime, "a", AuthorizerType::CustomJwt),
            r(ResourceKind::Runtime, "b", AuthorizerType::AwsIam),
            r(ResourceKind::Gateway, "g", AuthorizerType::CustomJwt),
        ]
    }

    #[test]
    fn flags_pick_by_kind() {
        let rs = three();
        let pick = |w: Want| select("f", &rs, w, None, Naming::Names).map(|s| s.index);
        assert_eq!(
            pick(Want {
                agent: Some("b"),
                ..Want::default()
            })
            .unwrap(),
            1
        );
        assert_eq!(
            pick(Want {
                gateway: Some("g"),
                ..Want::default()
            })
            .unwrap(),
            2
        );
        assert_eq!(
            pick(Want {
                resource: Some("g"),
                ..Want::default()
            })
            .unwrap(),
            2
        );
        assert!(matches!(
            pick(Want {
                agent: Some("g"),
                ..Want::default()
            }),
            Err(Error::UnknownAgent { .. })
        ));
        let e = pick(Want {
            gateway: Some("a"),
            ..Want::default()
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "f has no gateway named a");
        // `a` is no typo of `g`.
        assert_eq!(e.hint().as_deref(), Some("use --gateway with one of: g"));
    }

    #[test]
    fn nothing_chosen_two_jwt_resources_is_a_usage_error() {
        let e = select("f", &three(), Want::default(), None, Naming::Names).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f defines 3 resources and several have a JWT authorizer: runtime a (JWT), runtime b (IAM), gateway g (JWT)"
        );
        assert_eq!(
            e.hint().as_deref(),
            Some("use --agent with one of: a, b, or --gateway with one of: g")
        );
    }

    #[test]
    fn names_in_hints_are_quoted_for_the_shell() {
        // A name from a config file is pasted after the flag: `$(…)`, spaces and quotes must stay
        // one inert word.
        let rs = vec![
            r(ResourceKind::Runtime, "my agent", AuthorizerType::CustomJwt),
            r(
                ResourceKind::Runtime,
                "x$(touch pwned)",
                AuthorizerType::CustomJwt,
            ),
            r(ResourceKind::Gateway, "it's", AuthorizerType::CustomJwt),
        ];
        let e = select("f", &rs, Want::default(), None, Naming::Names).unwrap_err();
        assert_eq!(
            e.hint().as_deref(),
            Some(
                "use --agent with one of: 'my agent', 'x$(touch pwned)', or --gateway with one of: 'it'\\''s'"
            )
        );
        let e = select(
            "f",
            &rs,
            Want {
                gateway: Some("nope"),
                ..Want::default()
            },
            None,
            Naming::Names,
        )
        .unwrap_err();
        assert_eq!(
            e.hint().as_deref(),
            Some("use --gateway with one of: 'it'\\''s'")
        );
    }

    #[test]
    fn a_misspelt_name_gets_a_did_you_mean() {
        let rs = vec![
            r(
                ResourceKind::Runtime,
                "support_agent",
                AuthorizerType::CustomJwt,
            ),
            r(
                ResourceKind::Runtime,
                "support_mcp",
                AuthorizerType::CustomJwt,
            ),
            r(
                ResourceKind::Gateway,
                "tools_gateway",
                AuthorizerType::CustomJwt,
            ),
        ];
        let pick = |w: Want| select("f", &rs, w, None, Naming::Names).unwrap_err();
        let e = pick(Want {
            gateway: Some("tools_gatway"),
            ..Want::default()
        });
        assert_eq!(e.to_string(), "f has no gateway named tools_gatway");
        assert_eq!(
            e.hint().as_deref(),
            Some("did you mean --gateway tools_gateway? use --gateway with one of: tools_gateway")
        );
        let e = pick(Want {
            agent: Some("suport_agent"),
            ..Want::default()
        });
        assert_eq!(
            e.hint().as_deref(),
            Some(
                "did you mean --agent support_agent? use --agent with one of: support_agent, support_mcp"
            )
        );
        // Two names as close: no guess.
        let e = pick(Want {
            agent: Some("support"),
            ..Want::default()
        });
        assert_eq!(
            e.hint().as_deref(),
            Some("use --agent with one of: support_agent, support_mcp")
        );
        let e = pick(Want {
            resource: Some("tools-gateway"),
            ..Want::default()
        });
        assert_eq!(
            e.hint().as_deref(),
            Some(
                "did you mean --resource tools_gateway? use --resource with one of: support_agent, support_mcp, tools_gateway"
            )
        );
        // A hostile near-miss is suggested as one inert shell word.
        let rs = vec![r(
            ResourceKind::Gateway,
            "gw$(id)",
            AuthorizerType::CustomJwt,
        )];
        let e = select(
            "f",
            &rs,
            Want {
                gateway: Some("gw$(id"),
                ..Want::default()
            },
            None,
            Naming::Names,
        )
        .unwrap_err();
        assert_eq!(
            e.hint().as_deref(),
            Some("did you mean --gateway 'gw$(id)'? use --gateway with one of: 'gw$(id)'")
        );
    }

    #[test]
    fn one_warning_names_the_resources_with_a_jwt_authorizer() {
        let rs = three();
        assert_eq!(
            jwt_elsewhere(&rs, 1, Naming::Names),
            (
                vec!["a".to_string(), "g".to_string()],
                Some("the JWT authorizer is on runtime a, gateway g: use --agent a".to_string())
            )
        );
        let mut ids = three();
        ids[0].kind = ResourceKind::Gateway;
        ids[0].id = Some("T.a".into());
        assert_eq!(
            jwt_elsewhere(&ids, 1, Naming::Ids).1.as_deref(),
            Some("the JWT authorizer is on gateways T.a, g: use --resource T.a")
        );
        assert_eq!(
            jwt_elsewhere(&rs, 2, Naming::Names).1.as_deref(),
            Some("the JWT authorizer is on runtime a: use --agent a")
        );
        assert_eq!(jwt_elsewhere(&rs, 0, Naming::Names).0, vec!["g"]);
        let mut none = three();
        none[2].has_jwt = false;
        none[0].has_jwt = false;
        assert_eq!(jwt_elsewhere(&none, 1, Naming::Names), (vec![], None));
    }

    #[test]
    fn select_arg_names_the_flag_that_takes_the_handle() {
        let mut rs = three();
        rs[2].id = Some("aws_bedrockagentcore_gateway.g".into());
        assert_eq!(select_arg(&rs, "a"), "--agent a");
        assert_eq!(select_arg(&rs, "g"), "--gateway g");
        assert_eq!(
            select_arg(&rs, "aws_bedrockagentcore_gateway.g"),
            "--resource aws_bedrockagentcore_gateway.g"
        );
        assert_eq!(select_arg(&[], "x y"), "--agent 'x y'");
    }

    #[test]
    fn the_one_jwt_resource_is_chosen() {
        let mut rs = three();
        rs[2].authorizer_type = AuthorizerType::None;
        rs[2].has_jwt = false;
        let s = select("f", &rs, Want::default(), None, Naming::Names).unwrap();
        assert_eq!(
            s,
            Selected {
                index: 0,
                by_default: true
            }
        );
        let s = select(
            "f",
            &rs,
            Want {
                agent: Some("a"),
                ..Want::default()
            },
            None,
            Naming::Names,
        )
        .unwrap();
        assert!(s.by_default);
        let s = select(
            "f",
            &rs,
            Want {
                agent: Some("b"),
                ..Want::default()
            },
            None,
            Naming::Names,
        )
        .unwrap();
        assert!(!s.by_default);
    }
}
