//! Diagnoses: named causes with concrete fixes. Reads the checks, the token and the authorizer;
//! never re-runs a rule. Each code of the spec's diagnosis list is produced in exactly one place: here, or — for the
//! provider-specific codes of "Other identity providers" — in [`super::idp`], called from here.

use serde_json::Value;

use crate::authorizer::rules;
use crate::authorizer::{Authorizer, Located, RuleSet, SigningKeys, SourceKind, Syntax, idp};
use crate::claims::reason;
use crate::report::{Check, CheckId, Diagnosis, Status};
use crate::token::{self, Jwt, TokenKind};

/// Everything a diagnosis may need.
pub struct Context<'a> {
    /// The authorizer.
    pub auth: &'a Authorizer,
    /// The token, when it parsed.
    pub jwt: Option<&'a Jwt>,
    /// The evaluated checks.
    pub checks: &'a [Check],
    /// The keys used.
    pub keys: &'a SigningKeys,
}

impl Context<'_> {
    fn check(&self, id: &CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == *id)
    }

    fn failed(&self, id: &CheckId) -> Option<&Check> {
        self.check(id).filter(|c| c.status == Status::Fail)
    }

    /// The config file, when the authorizer came from one.
    pub(crate) fn file(&self) -> Option<&str> {
        self.auth.file.as_deref()
    }

    /// `file:line`, or the file, or "your authorizer configuration".
    pub(crate) fn place(&self, line: Option<usize>) -> String {
        match (self.file(), line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.to_string(),
            _ => "your authorizer configuration".to_string(),
        }
    }

    fn jwt_line(&self) -> Option<usize> {
        self.auth.jwt.as_ref().and_then(|j| j.line)
    }

    fn list_line(&self, l: Option<&Located<Vec<String>>>) -> Option<usize> {
        l.and_then(|x| x.line).or_else(|| self.jwt_line())
    }

    /// Line of `discoveryUrl`.
    pub(crate) fn disc_line(&self) -> Option<usize> {
        self.auth
            .jwt
            .as_ref()
            .and_then(|j| j.discovery_url.as_ref())
            .and_then(|d| d.line)
    }

    /// Line of `allowedClients` (else of the authorizer).
    pub(crate) fn clients_line(&self) -> Option<usize> {
        self.list_line(
            self.auth
                .jwt
                .as_ref()
                .and_then(|j| j.allowed_clients.as_ref()),
        )
    }

    /// Line of `allowedAudience` (else of the authorizer).
    pub(crate) fn audience_line(&self) -> Option<usize> {
        self.list_line(
            self.auth
                .jwt
                .as_ref()
                .and_then(|j| j.allowed_audience.as_ref()),
        )
    }

    /// Line of `allowedScopes` (else of the authorizer).
    pub(crate) fn scopes_line(&self) -> Option<usize> {
        self.list_line(
            self.auth
                .jwt
                .as_ref()
                .and_then(|j| j.allowed_scopes.as_ref()),
        )
    }

    /// The `tokdiag login` command that gets the right token for this config.
    fn login_cmd(&self, print: Option<&str>) -> String {
        let mut cmd = String::from("tokdiag login");
        if self.auth.source == SourceKind::Terraform
            && let Some(f) = self.file()
        {
            // Terraform reads every .tf file of the directory (variables.tf, terraform.tfvars…).
            let dir = std::path::Path::new(f)
                .parent()
                .map(|d| d.display().to_string())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| ".".to_string());
            cmd.push_str(&format!(" --config {}", crate::fsx::sh_word(&dir)));
            if let Some(a) = &self.auth.agent
                && !self.auth.agent_is_default
            {
                // `login` takes --agent/--gateway (with the resource's name label).
                let label = a.split_once('.').map_or(a.as_str(), |(_, l)| l);
                cmd.push_str(&format!(
                    " {} {}",
                    self.auth.kind.flag(),
                    crate::fsx::sh_word(label)
                ));
            }
        } else if let Some(f) = self.file() {
            cmd.push_str(&format!(" --config {}", crate::fsx::sh_word(f)));
        }
        if let Some(a) = &self.auth.agent
            && matches!(
                self.auth.source,
                SourceKind::AgentcoreYaml | SourceKind::AgentcoreJson
            )
            && !self.auth.agent_is_default
        {
            cmd.push_str(&format!(
                " {} {}",
                self.auth.kind.flag(),
                crate::fsx::sh_word(a)
            ));
        }
        let user = self.jwt.and_then(|j| {
            j.claim_str("cognito:username")
                .or_else(|| j.claim_str("username"))
        });
        // The user name comes from the token: quoted, so a pasted fix never runs what it holds.
        let user = user.map_or_else(|| "<user>".to_string(), crate::fsx::sh_word);
        cmd.push_str(&format!(" --username {user}"));
        if let Some(p) = print {
            cmd.push_str(&format!(" --print {p}"));
        }
        cmd
    }

    fn cognito(&self) -> bool {
        self.jwt.is_some_and(|j| j.kind().is_cognito())
            || self
                .auth
                .discovery_url()
                .is_some_and(|u| u.contains("cognito-idp.") || token::cognito_pool(&u).is_some())
    }
}

/// The data of an evaluation with every string from outside (token, config, discovery document,
/// file names) [escaped](crate::escape::esc): diagnoses interpolate dozens of values into their
/// messages and fixes, so they are built from this copy and none of them can forge a line. The
/// verdict is not affected: the rules ran on the raw data before.
struct Escaped {
    auth: Authorizer,
    jwt: Option<Jwt>,
    checks: Vec<Check>,
    keys: SigningKeys,
}

fn esc_string(s: &mut String) {
    if let std::borrow::Cow::Owned(e) = crate::escape::esc(s) {
        *s = e;
    }
}

fn esc_strings(v: &mut [String]) {
    v.iter_mut().for_each(esc_string);
}

impl Escaped {
    fn of(cx: &Context) -> Escaped {
        let mut auth = cx.auth.clone();
        for s in [
            &mut auth.file,
            &mut auth.agent,
            &mut auth.agent_arn,
            &mut auth.region,
        ]
        .into_iter()
        .flatten()
        {
            esc_string(s);
        }
        esc_strings(&mut auth.warnings);
        esc_strings(&mut auth.other_jwt_agents);
        for k in &mut auth.ignored {
            esc_string(&mut k.key);
            esc_string(&mut k.message);
        }
        for d in &mut auth.duplicate_keys {
            esc_string(&mut d.key);
        }
        for s in [
            &mut auth.protocol,
            &mut auth.deployment.gateway_id,
            &mut auth.deployment.gateway_arn,
            &mut auth.deployment.gateway_url,
            &mut auth.deployment.runtime_id,
            &mut auth.deployment.account,
            &mut auth.deployment.target,
        ]
        .into_iter()
        .flatten()
        {
            esc_string(s);
        }
        if let Some(h) = &mut auth.request_header_allowlist {
            esc_strings(h);
        }
        for r in &mut auth.resources {
            esc_string(&mut r.name);
            if let Some(id) = &mut r.id {
                esc_string(id);
            }
        }
        if let Some(j) = &mut auth.jwt {
            for l in [&mut j.discovery_url, &mut j.issuer].into_iter().flatten() {
                esc_string(&mut l.value);
            }
            for l in [
                &mut j.allowed_clients,
                &mut j.allowed_audience,
                &mut j.allowed_scopes,
            ]
            .into_iter()
            .flatten()
            {
                esc_strings(&mut l.value);
            }
            for c in &mut j.custom_claims {
                let c = &mut c.value;
                for s in [&mut c.name, &mut c.value_type, &mut c.operator] {
                    esc_string(s);
                }
                if let Some(m) = &mut c.match_value {
                    esc_string(m);
                }
                esc_strings(&mut c.match_values);
            }
        }
        let checks = cx
            .checks
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if let CheckId::Claim(cl) = &c.id {
                    c.id = CheckId::claim(&crate::escape::esc(cl.name()));
                }
                esc_string(&mut c.message);
                esc_strings(&mut c.expected);
                if let Some(a) = c.actual.as_ref().and_then(crate::escape::esc_json) {
                    c.actual = Some(a);
                }
                c
            })
            .collect();
        let mut keys = cx.keys.clone();
        match &mut keys {
            SigningKeys::Jwks { issuer, origin, .. } => {
                esc_string(origin);
                if let Some(i) = issuer {
                    esc_string(i);
                }
            }
            SigningKeys::Unavailable { reason } => esc_string(reason),
            SigningKeys::NotChecked { issuer } => {
                if let Some(i) = issuer {
                    esc_string(i);
                }
            }
        }
        Escaped {
            auth,
            jwt: cx.jwt.map(|j| j.escaped().into_owned()),
            checks,
            keys,
        }
    }
}

/// All diagnoses for an evaluation, config problems first, then token problems in check order.
/// Every value from outside in their text is [escaped](crate::escape::esc).
pub fn diagnose(cx: &Context) -> Vec<Diagnosis> {
    // Look-alike hosts are judged on the raw values (escaping would hide a zero-width character).
    let lookalike = idp::lookalike_issuer(cx);
    let odd_hosts: Vec<String> = [
        cx.jwt.and_then(|j| j.claim_str("iss")).map(str::to_string),
        cx.auth.discovery_url(),
        match cx.keys {
            SigningKeys::Jwks { issuer, .. } => issuer.clone(),
            _ => None,
        },
    ]
    .into_iter()
    .flatten()
    .filter_map(|u| crate::host::lookalike_host(&u))
    .map(|l| crate::escape::esc(&l.host).into_owned())
    .collect();
    let mut out = diagnose_escaped(cx);
    if let Some(l) = lookalike {
        out.insert(0, l);
    }
    if cx.auth.jwt.is_some()
        && let Some(d) = idp::discovery_issuer_diagnosis(cx)
    {
        out.push(d);
    }
    // No fix ever points at a look-alike host: a fix that names one is dropped.
    if !odd_hosts.is_empty() {
        for d in &mut out {
            let before = d.fixes.len();
            d.fixes
                .retain(|f| !odd_hosts.iter().any(|h| f.to_lowercase().contains(h)));
            if d.fixes.len() < before && d.fixes.is_empty() {
                d.fixes.push(
                    "see lookalike-issuer: the host involved only looks like the real one".into(),
                );
            }
        }
    }
    out
}

fn diagnose_escaped(cx: &Context) -> Vec<Diagnosis> {
    let safe = Escaped::of(cx);
    let cx = &Context {
        auth: &safe.auth,
        jwt: safe.jwt.as_ref(),
        checks: &safe.checks,
        keys: &safe.keys,
    };
    let mut out = Vec::new();
    config_diagnoses(cx, &mut out);
    if cx.auth.jwt.is_none() {
        return out;
    }
    if cx.failed(&CheckId::Format).is_some() {
        out.push(not_a_jwt(cx));
        return out;
    }
    // A Graph token or an Okta org-server token explains every other failure: report it alone.
    if let Some(d) = idp::unverifiable_token(cx) {
        out.push(d);
        return out;
    }
    signature_diagnoses(cx, &mut out);
    issuer_diagnoses(cx, &mut out);
    out.extend(idp::entra_version_mismatch(cx));
    time_diagnoses(cx, &mut out);
    if cx.auth.rules == RuleSet::Apigateway {
        apigw_audience_diagnoses(cx, &mut out);
    } else {
        client_id_diagnoses(cx, &mut out);
        audience_diagnoses(cx, &mut out);
    }
    scope_diagnoses(cx, &mut out);
    for c in cx.checks.iter().filter(|c| c.status == Status::Fail) {
        let CheckId::Claim(claim) = &c.id else {
            continue;
        };
        let name = claim.name();
        let line = cx
            .auth
            .jwt
            .as_ref()
            .and_then(|j| j.custom_claims.iter().find(|cc| cc.value.name == name))
            .and_then(|cc| cc.line);
        out.push(
            Diagnosis::error(
                "custom-claim-mismatch",
                format!("customClaims rule on `{name}` fails: {}", c.message),
            )
            .fix(format!(
                "give the user/client the claim value the rule expects ({}), e.g. a Cognito group for `cognito:groups`",
                c.expected.join(", ")
            ))
            .fix(format!("or change the rule at {}", cx.place(line)))
            .at(cx.file(), line),
        );
    }
    if let Some(j) = cx.jwt
        && let (Some(iat), Some(exp)) = (j.claim_time("iat"), j.claim_time("exp"))
        && exp > iat
        && exp - iat <= 300
    {
        out.push(
            Diagnosis::warning(
                "short-lifetime",
                format!(
                    "the token lives {} s in total; AgentCore refuses it during its last 60 s, so only {} s of it are usable",
                    exp - iat,
                    (exp - iat - rules::AGENTCORE_EXPIRY_MARGIN).max(0)
                ),
            )
            .fix(idp::lifetime_fix(j)),
        );
    }
    out
}

/// `scope-missing`, unless a provider diagnosis (`roles-not-scopes`, `scope-form`) names the cause.
fn scope_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let Some(c) = cx.failed(&CheckId::Scope) else {
        return;
    };
    if let Some(d) = cx.jwt.and_then(|j| idp::scope_diagnosis(cx, j)) {
        out.push(d);
        return;
    }
    let line = cx.scopes_line();
    out.push(
        Diagnosis::error("scope-missing", format!("no allowed scope in the token: {}", c.message))
            .fix(format!(
                "request one of the allowed scopes when getting the token ({}), e.g. a resource-server scope via the client-credentials flow: `tokdiag login --flow client-credentials --scope {}`",
                c.expected.join(", "),
                c.expected
                    .first()
                    .map_or_else(|| "<scope>".to_string(), |s| crate::fsx::sh_word(s))
            ))
            .fix(format!(
                "or add the scope the token carries to allowedScopes at {}",
                cx.place(line)
            ))
            .at(cx.file(), line),
    );
}

/// `config-placeholder`: a template's placeholder left in the resource's ARN, account or region
/// (`<REPLACE-WITH-YOUR-AWS-ACCOUNT>`, `${AccountId}`), which `invoke` refuses. Templates
/// (CloudFormation, Terraform) resolve `${…}` at deploy time, so only literal sources are read.
fn placeholder_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let auth = cx.auth;
    if matches!(
        auth.source,
        SourceKind::Cloudformation | SourceKind::Terraform | SourceKind::Flags
    ) {
        return;
    }
    let is = crate::mcp::is_placeholder;
    let esc = |v: &str| crate::escape::esc(v).into_owned();
    let mut found: Vec<(String, String)> = Vec::new();
    let arns = [
        auth.agent_arn.as_deref(),
        auth.deployment.gateway_arn.as_deref(),
    ];
    for (i, arn) in arns.into_iter().enumerate() {
        let Some(arn) = arn else { continue };
        if i == 1 && auth.agent_arn.as_deref() == Some(arn) {
            continue;
        }
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 6 {
            continue;
        }
        for (what, v) in [("region", parts[3]), ("account", parts[4])] {
            if is(v) {
                found.push((
                    format!(
                        "the ARN's {what} is a placeholder ({}): {}",
                        esc(v),
                        esc(arn)
                    ),
                    what.to_string(),
                ));
            }
        }
    }
    for (key, what, v) in [
        ("account", "account", auth.deployment.account.as_deref()),
        ("region", "region", auth.region.as_deref()),
    ] {
        let Some(v) = v else { continue };
        // Already named through the ARN it came from.
        if is(v) && !found.iter().any(|(m, w)| w == what && m.contains(&esc(v))) {
            found.push((
                format!("the config's {key} is a placeholder: {}", esc(v)),
                what.to_string(),
            ));
        }
    }
    for (message, what) in found {
        out.push(
            Diagnosis::warning(
                "config-placeholder",
                format!("{message}: `tokdiag invoke` cannot build its URL"),
            )
            .fix(format!(
                "put the real {what} in {} (`agentcore status` or `aws bedrock-agentcore-control list-agent-runtimes` prints the ARN)",
                cx.place(None)
            ))
            .at(cx.file(), None),
        );
    }
}

/// The config file's own warnings, which need no token (ignored and duplicate keys, coded
/// remarks, placeholders), escaped: what `doctor` reports as `warnings`.
pub fn config_warnings(auth: &Authorizer) -> Vec<Diagnosis> {
    let keys = SigningKeys::NotChecked { issuer: None };
    let cx = Context {
        auth,
        jwt: None,
        checks: &[],
        keys: &keys,
    };
    let safe = Escaped::of(&cx);
    let cx = Context {
        auth: &safe.auth,
        jwt: None,
        checks: &[],
        keys: &keys,
    };
    let mut out = Vec::new();
    config_diagnoses(&cx, &mut out);
    out.retain(|d| d.severity == crate::report::Severity::Warning);
    out
}

fn config_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let auth = cx.auth;
    for k in &auth.ignored {
        out.push(
            Diagnosis::warning("config-key-ignored", k.message.clone())
                .fix(match suggestion(&k.message) {
                    Some(better) => {
                        format!("at {} rename `{}` to `{better}`", cx.place(k.line), k.key)
                    }
                    None => format!("edit {} as described above", cx.place(k.line)),
                })
                .at(cx.file(), k.line),
        );
    }
    for d in &auth.duplicate_keys {
        let first = d
            .first_line
            .map(|l| format!("line {l}"))
            .unwrap_or_else(|| "once".into());
        let later = d
            .line
            .map(|l| format!("line {l}"))
            .unwrap_or_else(|| "again".into());
        out.push(
            Diagnosis::warning(
                "config-duplicate-key",
                format!(
                    "`{}` is written twice in the same mapping, at {first} and at {later}: the later one ({later}) is used and the first is ignored",
                    d.key
                ),
            )
            .fix(format!(
                "at {} remove the first `{}` (or merge the two into one)",
                cx.place(d.first_line),
                d.key
            ))
            .at(cx.file(), d.line),
        );
    }
    for w in &auth.config_warnings {
        out.push(
            Diagnosis::warning(w.code, w.message.clone())
                .fix(format!("at {}: {}", cx.place(w.line), w.fix))
                .at(cx.file(), w.line),
        );
    }
    placeholder_diagnoses(cx, out);
    if let Some(jwt) = &auth.jwt {
        for i in &jwt.invalid {
            out.push(
                Diagnosis::error("config-invalid", i.message.clone())
                    .fix(format!("at {}: {}", cx.place(i.line), i.fix))
                    .fix(format!("then {}", redeploy(auth)))
                    .at(cx.file(), i.line),
            );
        }
    }
    let Some(jwt) = &auth.jwt else {
        let mut d = Diagnosis::error("authorizer-not-configured", not_configured_message(auth));
        if !auth.other_jwt_agents.is_empty() {
            let (what, flag) = if matches!(
                auth.source,
                SourceKind::Cloudformation | SourceKind::Terraform
            ) {
                ("resource", "--resource")
            } else if auth.source == SourceKind::AgentcoreJson {
                ("resource", "")
            } else {
                ("agent", "--agent")
            };
            let choices: Vec<String> = auth
                .other_jwt_agents
                .iter()
                .map(|name| {
                    let flag = if flag.is_empty() {
                        auth.resources
                            .iter()
                            .find(|r| &r.name == name)
                            .map(|r| r.kind.flag())
                            .unwrap_or("--agent")
                    } else {
                        flag
                    };
                    format!("{flag} {}", crate::fsx::sh_word(name))
                })
                .collect();
            d = d.fix(format!(
                "the JWT authorizer is on another {what} of this file: run with {}",
                choices.join(" or ")
            ));
        }
        let (disc, client) = match cx.jwt {
            Some(j) => (
                j.claim_str("iss")
                    .map(|i| format!("{}/.well-known/openid-configuration", i.trim_end_matches('/')))
                    .unwrap_or_else(|| "https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/openid-configuration".into()),
                token::client_id_claim(j).map(|(_, c)| c).unwrap_or_else(|| "<app client id>".into()),
            ),
            None => (
                "https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/openid-configuration".into(),
                "<app client id>".into(),
            ),
        };
        d = d
            .fix(format!(
                "configure the JWT authorizer at {}:\n{}\n  then {}",
                cx.place(auth.authorizer_line),
                authorizer_snippet(auth, &disc, &client),
                redeploy(auth)
            ))
            .fix(format!(
                "or call the {} with IAM SigV4 credentials instead of a bearer token",
                auth.kind.as_str()
            ))
            .at(cx.file(), auth.authorizer_line);
        out.push(d);
        return;
    };
    if auth.rules == RuleSet::Agentcore
        && let Some(d) = &jwt.discovery_url
    {
        let cfn = auth.source == SourceKind::Cloudformation;
        let url = d.value.trim();
        // An unresolved value (`${AWS::Region}`) is not a malformed one: the deployed value decides.
        if !url.contains("${") && !rules::discovery_url_ok(url, cfn) {
            let fixed = format!(
                "{}/.well-known/openid-configuration",
                url.split("/.well-known/")
                    .next()
                    .unwrap_or(url)
                    .trim_end_matches('/')
            );
            out.push(
                Diagnosis::error(
                    "discovery-url-form",
                    format!(
                        "discoveryUrl {url} is not a discovery URL: {} refuses it at deploy time (it must end in /.well-known/openid-configuration{})",
                        if cfn { "CloudFormation" } else { "the service" },
                        if cfn { "" } else { " or /.well-known/oauth-authorization-server" }
                    ),
                )
                .fix(format!(
                    "at {} write:\n{}\n  then {}",
                    cx.place(d.line),
                    scalar_snippet(auth, "discoveryUrl", &fixed),
                    redeploy(auth)
                ))
                .at(cx.file(), d.line),
            );
        }
    }
    if auth.rules == RuleSet::Apigateway
        && let Some(i) = &jwt.issuer
        && i.value.contains("/.well-known/")
    {
        let fixed = i
            .value
            .split("/.well-known/")
            .next()
            .unwrap_or(&i.value)
            .to_string();
        out.push(
            Diagnosis::error(
                "issuer-is-discovery-url",
                format!("the configured issuer {} is a discovery URL; API Gateway compares it with `iss` and appends /.well-known/openid-configuration itself", i.value),
            )
            .fix(format!(
                "set the issuer to {fixed}: `aws apigatewayv2 update-authorizer --api-id <api> --authorizer-id <id> --jwt-configuration Issuer={fixed}`"
            ))
            .at(cx.file(), i.line),
        );
    }
    if auth.rules == RuleSet::Agentcore
        && !auth.allowed_clients().is_empty()
        && !auth.allowed_audience().is_empty()
        && cx.cognito()
    {
        let line = cx.list_line(jwt.allowed_audience.as_ref());
        // The source's own names (flags keep the API's: the prose is about the configuration).
        let prose = |camel: &str| {
            if auth.source == SourceKind::Flags {
                camel.to_string()
            } else {
                key_name(auth, camel)
            }
        };
        let (clients, audience) = (prose("allowedClients"), prose("allowedAudience"));
        let passes = |id: CheckId| {
            cx.checks
                .iter()
                .any(|c| c.id == id && c.status == Status::Pass)
        };
        if passes(CheckId::ClientId) && passes(CheckId::Aud) {
            // This token carries both claims: the verdict stands, the configuration is fragile.
            out.push(
                Diagnosis::warning(
                    "clients-and-audience-unsatisfiable",
                    format!("{clients} and {audience} are both set, so a token needs both `client_id` and `aud`: this one has both and passes, but no stock Cognito token does (access tokens: client_id only; ID tokens: aud only)"),
                )
                .fix(format!(
                    "if other callers send stock Cognito tokens, keep one list: {clients} for access tokens or {audience} for ID tokens ({})",
                    cx.place(line)
                ))
                .at(cx.file(), line),
            );
            return;
        }
        out.push(
            Diagnosis::error(
                "clients-and-audience-unsatisfiable",
                format!("{clients} and {audience} are both set, so a token needs both `client_id` and `aud`; no stock Cognito token has both (access tokens: client_id only; ID tokens: aud only)"),
            )
            .fix(format!(
                "keep {clients} and remove {audience} at {} (then send access tokens)",
                cx.place(line)
            ))
            .fix(format!("or keep {audience}, remove {clients}, and send ID tokens"))
            .at(cx.file(), line),
        );
    }
}

/// Why a resource without a JWT authorizer refuses bearer tokens, in the source's words.
fn not_configured_message(auth: &Authorizer) -> String {
    use crate::authorizer::AuthorizerType;
    let what = auth.kind.as_str();
    let how = match auth.authorizer_type {
        AuthorizerType::None => format!(
            "the {what} has no inbound authorizer (authorizerType NONE): it does not check bearer tokens at all"
        ),
        AuthorizerType::CustomJwt => format!(
            "the {what} says CUSTOM_JWT but configures no JWT authorizer, which the service requires: it refuses this configuration at deploy time"
        ),
        _ => format!("the {what} uses IAM SigV4 and refuses bearer tokens with 403 (AccessDenied)"),
    };
    if let Some(name) = &auth.authorizer_type_unresolved {
        return format!(
            "the {what}'s authorizer type ${{{name}}} is unresolved, and it has no JWT authorizer configured: supply the type with {}",
            crate::authorizer::explain::param_arg(name)
        );
    }
    if auth.authorizer_type_declared
        && matches!(
            auth.source,
            SourceKind::Cloudformation | SourceKind::Terraform | SourceKind::ControlPlaneJson
        )
    {
        let written = auth.syntax.pair(
            &key_name(auth, "authorizerType"),
            &auth.authorizer_type.as_str().into(),
        );
        return format!(
            "{what} {} has `{written}`: {how}",
            auth.agent.as_deref().unwrap_or("?")
        );
    }
    let key = match auth.source {
        SourceKind::AgentcoreJson => {
            return format!(
                "{what} {} has authorizerType {}{}: {how}",
                auth.agent.as_deref().unwrap_or("?"),
                auth.authorizer_type.as_str(),
                if auth.authorizer_absent {
                    " (the default: no authorizerType is set)"
                } else {
                    ""
                }
            );
        }
        SourceKind::Cloudformation => "AuthorizerConfiguration",
        SourceKind::Terraform => "authorizer_configuration",
        SourceKind::ControlPlaneJson => "authorizerConfiguration",
        _ => "authorizer_configuration",
    };
    let state = if auth.authorizer_absent {
        "absent"
    } else {
        "null"
    };
    format!("{key} is {state}: {how}")
}

/// A key as the source spells it: `allowedAudience` (YAML, JSON), `AllowedAudience`
/// (CloudFormation), `allowed_audience` (Terraform), `--allowed-audience` (flags).
pub(crate) fn key_name(auth: &Authorizer, camel: &str) -> String {
    match auth.source {
        SourceKind::Cloudformation => {
            let mut c = camel.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
        SourceKind::Terraform | SourceKind::Flags => {
            let mut out = String::new();
            for ch in camel.chars() {
                if ch.is_ascii_uppercase() {
                    out.push('_');
                    out.push(ch.to_ascii_lowercase());
                } else {
                    out.push(ch);
                }
            }
            if auth.source == SourceKind::Flags {
                // The repeatable flags are singular: --allowed-client, --allowed-scope.
                let flag = out.replace('_', "-");
                let flag = match flag.as_str() {
                    "allowed-clients" => "allowed-client",
                    "allowed-scopes" => "allowed-scope",
                    f => f,
                };
                format!("--{flag}")
            } else {
                out
            }
        }
        _ => camel.to_string(),
    }
}

/// A list setting in the source's own language, indented as a fix line:
/// `allowedAudience:\n  - x` (YAML, CloudFormation), `"allowedAudience": ["x"]` (JSON),
/// `allowed_audience = ["x"]` (Terraform), `--allowed-audience x` (flags).
pub(crate) fn list_snippet(auth: &Authorizer, camel: &str, values: &[String]) -> String {
    let key = key_name(auth, camel);
    let quoted = || {
        values
            .iter()
            .map(|v| serde_json::Value::String(v.clone()).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match auth.syntax {
        Syntax::Json => format!("  \"{key}\": [{}]", quoted()),
        Syntax::Hcl => format!("  {key} = [{}]", quoted()),
        Syntax::Flags => format!(
            "  {}",
            values
                .iter()
                .map(|v| format!("{key} {v}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        _ => {
            let mut s = format!("  {key}:");
            for v in values {
                s.push_str(&format!("\n  - {v}"));
            }
            s
        }
    }
}

/// A string setting in the source's own language, indented as a fix line.
pub(crate) fn scalar_snippet(auth: &Authorizer, camel: &str, value: &str) -> String {
    let key = key_name(auth, camel);
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    match auth.syntax {
        Syntax::Json => format!("  \"{key}\": {quoted}"),
        Syntax::Hcl => format!("  {key} = {quoted}"),
        Syntax::Flags => format!("  {key} {value}"),
        Syntax::Yaml => format!("  {key}: {value}"),
    }
}

/// A whole JWT authorizer in the source's own language.
fn authorizer_snippet(auth: &Authorizer, disc: &str, client: &str) -> String {
    // The URL and client id may come from the token: quoted as JSON/HCL strings there.
    let q = |v: &str| serde_json::Value::String(v.to_string()).to_string();
    let (disc_q, client_q) = (q(disc), q(client));
    match auth.source {
        SourceKind::AgentcoreJson => format!(
            "  \"authorizerType\": \"CUSTOM_JWT\",\n  \"authorizerConfiguration\": {{\n    \"customJwtAuthorizer\": {{\n      \"discoveryUrl\": {disc_q},\n      \"allowedClients\": [{client_q}]\n    }}\n  }}"
        ),
        SourceKind::Cloudformation if auth.syntax == Syntax::Json => format!(
            "  \"AuthorizerConfiguration\": {{\n    \"CustomJWTAuthorizer\": {{\n      \"DiscoveryUrl\": {disc_q},\n      \"AllowedClients\": [{client_q}]\n    }}\n  }}"
        ),
        SourceKind::Terraform => format!(
            "  authorizer_configuration {{\n    custom_jwt_authorizer {{\n      discovery_url   = {disc_q}\n      allowed_clients = [{client_q}]\n    }}\n  }}"
        ),
        SourceKind::ControlPlaneJson => format!(
            "  {{\"customJWTAuthorizer\": {{\"discoveryUrl\": {disc_q}, \"allowedClients\": [{client_q}]}}}}"
        ),
        SourceKind::Cloudformation => format!(
            "  AuthorizerConfiguration:\n    CustomJWTAuthorizer:\n      DiscoveryUrl: {disc}\n      AllowedClients:\n      - {client}"
        ),
        _ => format!(
            "  authorizer_configuration:\n    customJWTAuthorizer:\n      discoveryUrl: {disc}\n      allowedClients:\n      - {client}"
        ),
    }
}

/// How to redeploy after editing the source, in the source's own tool.
pub(crate) fn redeploy(auth: &Authorizer) -> String {
    match auth.source {
        SourceKind::AgentcoreYaml | SourceKind::AgentcoreJson => "redeploy (`agentcore deploy`)".into(),
        SourceKind::Cloudformation => "update the stack (`aws cloudformation deploy --template-file <template> --stack-name <stack>`)".into(),
        SourceKind::Terraform => "apply it (`terraform apply`)".into(),
        SourceKind::ControlPlaneJson => match auth.kind {
            crate::authorizer::ResourceKind::Gateway => "update the gateway (`aws bedrock-agentcore-control update-gateway … --authorizer-configuration file://authorizer.json`)".into(),
            crate::authorizer::ResourceKind::Runtime => "update the runtime (`aws bedrock-agentcore-control update-agent-runtime … --authorizer-configuration file://authorizer.json`)".into(),
        },
        SourceKind::ApigatewayJson => "update the authorizer (`aws apigatewayv2 update-authorizer`)".into(),
        SourceKind::Flags => "deploy the configuration".into(),
    }
}

/// The key name after "did you mean `…`" in a loader message.
fn suggestion(message: &str) -> Option<&str> {
    let rest = &message[message.find("did you mean `")? + "did you mean `".len()..];
    rest.split('`').next().filter(|s| !s.is_empty())
}

fn not_a_jwt(cx: &Context) -> Diagnosis {
    let msg = cx
        .failed(&CheckId::Format)
        .map(|c| c.message.clone())
        .unwrap_or_default();
    Diagnosis::error(
        "not-a-jwt",
        format!("{msg}; AgentCore answers 403 \"OAuth authorization failed: Failed to parse token\""),
    )
    .fix(format!(
        "send a signed JWT access token: `{}` prints one",
        cx.login_cmd(None)
    ))
    .fix("an opaque or encrypted token (Auth0 without an `audience`, a refresh token, an AgentCore workload token) cannot be used: request a JWT access token from the issuer")
}

fn signature_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let Some(c) = cx.failed(&CheckId::Signature) else {
        return;
    };
    let origin = match cx.keys {
        SigningKeys::Jwks { origin, .. } => origin.clone(),
        _ => "the JWKS".into(),
    };
    let d = match c.reason {
        Some(reason::UNKNOWN_KID) => Diagnosis::error("unknown-kid", c.message.clone())
            .fix(format!(
                "the token was signed by a key that {origin} does not publish (after one refetch): it comes from another issuer or user pool — get a token from the pool in discoveryUrl"
            ))
            .fix("if you pass --jwks FILE, refresh the file from the issuer's jwks_uri"),
        Some(reason::ALG_NOT_ALLOWED) => Diagnosis::error("alg-not-allowed", c.message.clone())
            .fix("the algorithm comes from the key, never from the token: a token with alg none or HS256 against a public key is forged or misconfigured — get a token from the real issuer"),
        _ if c.message.starts_with("malformed JOSE signature") => Diagnosis::error("signature-invalid", c.message.clone())
            .fix("the signer wrote the ECDSA signature in DER (what most crypto libraries return); JWS wants r and s as two fixed-size big-endian numbers side by side: convert it (e.g. Java's SHA256withECDSAinP1363Format, or a JOSE library) and sign again"),
        _ if c.message.contains("key shorter than 2048 bits") => Diagnosis::error("signature-invalid", c.message.clone())
            .fix("the issuer must sign with an RSA key of at least 2048 bits and publish it in its JWKS (RFC 7518 §3.3); a shorter key is refused whatever the signature"),
        _ if c.message.starts_with("unsupported critical header") => Diagnosis::error("signature-invalid", c.message.clone())
            .fix("issue tokens without a `crit` header: a verifier must refuse a token whose critical extensions it does not understand (RFC 7515 §4.1.11)"),
        _ => Diagnosis::error("signature-invalid", c.message.clone())
            .fix("the token was altered after signing, or signed by another key with the same kid: get a fresh token from the issuer; never edit a token's payload"),
    };
    out.push(d);
}

fn issuer_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let Some(c) = cx.failed(&CheckId::Issuer) else {
        return;
    };
    let Some(j) = cx.jwt else { return };
    // An unusable discoveryUrl is reported as `discovery-url-form`; there is no issuer to compare.
    let Some(expected) = c.expected.first().cloned() else {
        return;
    };
    let actual = j.claim_str("iss").unwrap_or("").to_string();
    if let Some(d) = cognito_issuer_format(cx, &actual, &expected) {
        out.push(d);
        return;
    }
    let mut why = String::from("the token's issuer is not the one the authorizer trusts");
    if actual.trim_end_matches('/') == expected.trim_end_matches('/') {
        why = "the issuers differ only by a trailing slash, and the comparison is exact".into();
    } else if let (Some(a), Some(e)) =
        (token::cognito_pool(&actual), token::cognito_pool(&expected))
    {
        if a.region != e.region {
            why = format!(
                "the token comes from region {} but the authorizer trusts a pool in {}",
                a.region, e.region
            );
        } else if a.pool_id != e.pool_id {
            why = format!(
                "the token comes from user pool {} but the authorizer trusts {}",
                a.pool_id, e.pool_id
            );
        }
    } else if let Some(w) = idp::issuer_why(j, &actual, &expected) {
        why = w;
    }
    let disc_line = cx.disc_line();
    let mut d = Diagnosis::error(
        "issuer-mismatch",
        format!("{why}: iss is {actual}, expected {expected}"),
    );
    if idp::entra_version_mismatch(cx).is_some() {
        // The Entra-specific diagnosis right after this one carries the fixes.
        d = d.fix("change the token version or the discovery URL as entra-version-mismatch says");
    } else if cx.auth.rules == RuleSet::Apigateway {
        d = d.fix("get the token from the issuer the authorizer trusts");
        d = d.fix(format!(
            "or set the authorizer's Issuer to exactly {actual}"
        ));
    } else {
        d = d
            .fix("get the token from the issuer the authorizer trusts")
            .fix(idp::issuer_fix(cx, &actual));
    }
    out.push(d.at(cx.file(), disc_line));
    let both_cognito =
        token::cognito_pool(&actual).is_some() && token::cognito_pool(&expected).is_some();
    if !both_cognito {
        out.extend(idp::issuer_host_mismatch(cx, j, &actual, &expected));
    }
}

/// `cognito-issuer-format`: the token and the authorizer name the same user pool, one in Cognito's
/// ORIGINAL issuer form (`cognito-idp.`), the other in the UPDATED one (`issuer-cognito-idp.`).
fn cognito_issuer_format(cx: &Context, actual: &str, expected: &str) -> Option<Diagnosis> {
    let (a, e) = (token::cognito_pool(actual)?, token::cognito_pool(expected)?);
    let (fa, fe) = (
        token::cognito_issuer_form(actual)?,
        token::cognito_issuer_form(expected)?,
    );
    if a != e || fa == fe {
        return None;
    }
    let line = cx.disc_line();
    let redeploy = if cx.auth.source == SourceKind::Flags {
        String::new()
    } else {
        format!("\n  then {}", redeploy(cx.auth))
    };
    let what = if cx.auth.rules == RuleSet::Apigateway {
        "the authorizer's Issuer"
    } else {
        "discoveryUrl"
    };
    let target = if cx.auth.rules == RuleSet::Apigateway {
        format!("set the authorizer's Issuer to {actual}")
    } else {
        format!(
            "point discoveryUrl at the form the pool issues, at {}:\n{}{redeploy}",
            cx.place(line),
            scalar_snippet(
                cx.auth,
                "discoveryUrl",
                &format!(
                    "{}/.well-known/openid-configuration",
                    fa.issuer(&a.region, &a.pool_id)
                )
            )
        )
    };
    Some(
        Diagnosis::error(
            "cognito-issuer-format",
            format!(
                "the token and {what} name the same user pool {} in Cognito's two issuer forms: the pool issued this token with its {} issuer ({actual}), {what} expects the {} one ({expected}); the service compares iss with the discovery document's issuer exactly, so it refuses the token (aws-jwt-verify accepts both forms for one pool during the transition; AgentCore does not)",
                a.pool_id,
                fa.name(),
                fe.name()
            ),
        )
        .fix(target)
        .fix(format!(
            "or switch the pool's issuer configuration to {} (UpdateUserPool IssuerConfiguration.Type, or IssuerConfiguration of AWS::Cognito::UserPool in CloudFormation); tokens issued before the change keep the {} iss until they expire",
            fe.name(),
            fa.name()
        ))
        .at(cx.file(), line),
    )
}

fn time_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    if let Some(c) = cx.failed(&CheckId::Expiry) {
        let expired = cx
            .jwt
            .and_then(|j| j.claim_time("exp"))
            .zip(c.actual.as_ref().and_then(Value::as_i64))
            .is_none_or(|_| c.message.starts_with("expired") || c.message.starts_with("missing"));
        let d = if expired {
            Diagnosis::error("expired", format!("the token {}", c.message))
        } else {
            Diagnosis::error(
                "expires-within-a-minute",
                format!(
                    "the token {}: AgentCore refuses tokens within 60 s of expiry (\"Ineffectual token, will expire within the next minute\")",
                    c.message
                ),
            )
        };
        let no_exp = cx.jwt.is_some_and(|j| !j.claims.contains_key("exp"));
        out.push(if no_exp {
            d.fix("issue tokens with an exp claim: tokdiag refuses a token without expiry, and how AgentCore treats one is not documented")
        } else {
            d.fix(format!("get a fresh token: `{}`", cx.login_cmd(None)))
        });
    }
    if let Some(c) = cx.failed(&CheckId::NotBefore) {
        out.push(
            Diagnosis::error("not-yet-valid", format!("the token is {}", c.message))
                .fix("check the clock of the machine that minted the token (and of this one), or wait until nbf"),
        );
    }
}

fn client_id_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let Some(c) = cx.failed(&CheckId::ClientId) else {
        return;
    };
    let Some(j) = cx.jwt else { return };
    let allowed = cx.auth.allowed_clients();
    let line = cx.clients_line();
    let first = allowed.first().cloned().unwrap_or_default();
    match j.claims.get("client_id") {
        Some(Value::String(cid)) if token::is_pool_id(cid) => {
            out.push(
                Diagnosis::error(
                    "client-id-is-pool-id",
                    format!(
                        "client_id holds the user pool id {cid}, not an app client id (allowed: {}) — what a pre-token-generation trigger that sets client_id = event.userPoolId writes",
                        allowed.join(", ")
                    ),
                )
                .fix(format!(
                    "send the access token instead: Cognito itself sets its client_id to the app client id ({first}); `{}` prints it",
                    cx.login_cmd(None)
                ))
                .fix("remove the client_id override from the pre-token-generation trigger: a V1_0 trigger changes only the ID token; only V2_0/V3_0 (Essentials or Plus feature plan) customize access tokens, and Cognito lists claims a trigger may not add, change or suppress (aud, iss, sub, token_use, exp, iat, jti, origin_jti, auth_time among them) — check the trigger's excluded-claims list before relying on one")
                .fix(format!(
                    "if you must accept ID tokens, use allowedAudience: [{first}] instead of allowedClients at {}",
                    cx.place(line)
                ))
                .at(cx.file(), line),
            );
        }
        Some(cid) if !cid.is_string() => {
            out.push(
                Diagnosis::error(
                    "wrong-client",
                    format!(
                        "the token's client_id is present but not a string ({}); AgentCore compares a string with allowedClients ({})",
                        crate::escape::short_value(cid),
                        allowed.join(", ")
                    ),
                )
                .fix(format!(
                    "issue client_id as a single string (a claim mapping or pre-token-generation trigger that writes a list is the usual cause); Cognito itself writes the app client id, e.g. {first}"
                ))
                .at(cx.file(), line),
            );
        }
        Some(cid) => {
            out.push(
                Diagnosis::error(
                    "wrong-client",
                    format!(
                        "the token is from app client {} but the authorizer allows {}",
                        crate::escape::short_value(cid),
                        allowed.join(", ")
                    ),
                )
                .fix(format!(
                    "log in with an allowed app client: `tokdiag login --client-id {} ...`",
                    crate::fsx::sh_word(&first)
                ))
                .fix(format!(
                    "or add {} to allowedClients at {}",
                    crate::escape::short_value(cid),
                    cx.place(line)
                ))
                .at(cx.file(), line),
            );
        }
        None if j.kind() == TokenKind::CognitoId || j.claim_str("token_use") == Some("id") => {
            let aud = j
                .audiences()
                .first()
                .cloned()
                .unwrap_or_else(|| first.clone());
            out.push(
                Diagnosis::error(
                    "id-token-for-allowed-clients",
                    format!(
                        "this is a Cognito ID token: it carries the app client id in `aud` ({aud}) and has no `client_id`, but allowedClients matches only `client_id` — AgentCore answers {} \"Claim 'client_id' value mismatch with configuration.\"",
                        cx.auth.claim_failure_status()
                    ),
                )
                .fix(format!(
                    "send the access token instead: `{}` prints it (or take AuthenticationResult.AccessToken from `aws cognito-idp initiate-auth`)",
                    cx.login_cmd(None)
                ))
                .fix(format!(
                    "or accept ID tokens: at {} replace {} with\n{}\n  then {}",
                    cx.place(line),
                    key_name(cx.auth, "allowedClients"),
                    list_snippet(cx.auth, "allowedAudience", std::slice::from_ref(&aud)),
                    redeploy(cx.auth)
                ))
                .at(cx.file(), line),
            );
        }
        None => {
            if let Some((claim, val)) = ["azp", "appid", "cid"]
                .iter()
                .find_map(|k| j.claim_str(k).map(|v| (*k, v.to_string())))
            {
                out.push(idp::client_id_in_other_claim(cx, j, claim, &val, line));
            } else {
                let fixes = idp::no_client_id_fixes(cx, j, line).unwrap_or_else(|| {
                    vec![
                        "send an access token issued to one of the allowed app clients".into(),
                        format!(
                            "or remove allowedClients at {} and check another claim",
                            cx.place(line)
                        ),
                    ]
                });
                let mut d = Diagnosis::error(
                    "wrong-client",
                    format!(
                        "the token has no client_id claim; the authorizer allows {}",
                        allowed.join(", ")
                    ),
                );
                for f in fixes {
                    d = d.fix(f);
                }
                out.push(d.at(cx.file(), line));
            }
        }
    }
    let _ = c;
}

fn audience_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let Some(_) = cx.failed(&CheckId::Aud) else {
        return;
    };
    let Some(j) = cx.jwt else { return };
    let allowed = cx.auth.allowed_audience();
    let line = cx.audience_line();
    let first = allowed.first().cloned().unwrap_or_default();
    if !j.claims.contains_key("aud") && j.claim_str("client_id").is_none() {
        // Neither claim: nothing says which client this is, so no list to switch to.
        out.push(
            Diagnosis::error(
                "wrong-client",
                format!(
                    "the token has no `aud` claim (and no `client_id`), but the authorizer allows only aud {}",
                    allowed.join(", ")
                ),
            )
            .fix(format!("get a token issued for {first} (its aud names the audience)"))
            .at(cx.file(), line),
        );
    } else if !j.claims.contains_key("aud") {
        let cid = j.claim_str("client_id").unwrap_or(&first).to_string();
        out.push(
            Diagnosis::error(
                "access-token-for-allowed-audience",
                format!(
                    "this {} has no `aud` claim (its client id is in `client_id`), but allowedAudience matches only `aud` — AgentCore answers {} \"Claim 'aud' value mismatch with configuration.\"",
                    j.kind().describe(),
                    cx.auth.claim_failure_status()
                ),
            )
            .fix(format!(
                "accept access tokens: at {} replace {} with\n{}\n  then {}",
                cx.place(line),
                key_name(cx.auth, "allowedAudience"),
                list_snippet(cx.auth, "allowedClients", std::slice::from_ref(&cid)),
                redeploy(cx.auth)
            ))
            .fix(format!("or send the ID token: `{}`", cx.login_cmd(Some("id"))))
            .at(cx.file(), line),
        );
    } else if let Some(d) = idp::entra_audience_form(cx, j, line) {
        out.push(d);
    } else {
        let auds = j.audiences();
        let aud = auds.join(", ");
        // An aud with no string in it (`[]`, a number): said as written, and nothing to add.
        let shown = if auds.is_empty() {
            format!(
                "{}, which holds no audience string,",
                j.claims
                    .get("aud")
                    .map(crate::escape::short_value)
                    .unwrap_or_default()
            )
        } else {
            aud.clone()
        };
        let mut d = Diagnosis::error(
            "wrong-client",
            format!(
                "the token's aud is {shown} but the authorizer allows {}",
                allowed.join(", ")
            ),
        )
        .fix(format!("get a token issued for {first}"));
        if let Some(f) = idp::audience_fix(cx, j) {
            d = d.fix(f);
        }
        if !auds.is_empty() {
            d = d.fix(format!(
                "or add {aud} to allowedAudience at {}",
                cx.place(line)
            ));
        }
        out.push(d.at(cx.file(), line));
    }
}

fn apigw_audience_diagnoses(cx: &Context, out: &mut Vec<Diagnosis>) {
    let Some(_) = cx.failed(&CheckId::Aud) else {
        return;
    };
    let Some(j) = cx.jwt else { return };
    let allowed = cx.auth.allowed_audience();
    let line = cx.audience_line();
    let cid_allowed = j
        .claim_str("client_id")
        .is_some_and(|c| allowed.iter().any(|a| a == c));
    if j.claims.contains_key("aud") && cid_allowed {
        out.push(
            Diagnosis::error(
                "aud-takes-precedence",
                format!(
                    "the token's aud ({}) is not allowed; its client_id is, but API Gateway looks at client_id only when there is no aud",
                    j.audiences().join(", ")
                ),
            )
            .fix(format!("add {} to the authorizer's Audience list", j.audiences().join(", ")))
            .fix("or send a token without aud (a Cognito access token) whose client_id is allowed")
            .at(cx.file(), line),
        );
    } else {
        let (what, val) = if j.claims.contains_key("aud") {
            ("aud", j.audiences().join(", "))
        } else {
            (
                "client_id",
                j.claim_str("client_id").unwrap_or("(none)").to_string(),
            )
        };
        out.push(
            Diagnosis::error(
                "wrong-client",
                format!(
                    "the token's {what} is {val} but the Audience list is {} (401 \"the token does not have a valid audience\")",
                    allowed.join(", ")
                ),
            )
            .fix(format!("add {val} to the authorizer's Audience list (`aws apigatewayv2 update-authorizer ... --jwt-configuration Audience=...`)"))
            .fix("or get a token issued to an allowed client")
            .at(cx.file(), line),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_url_forms() {
        use rules::discovery_url_ok;
        assert!(discovery_url_ok(
            "https://x/p/.well-known/openid-configuration",
            true
        ));
        assert!(discovery_url_ok(
            "https://x/.well-known/oauth-authorization-server/tenant",
            false
        ));
        assert!(!discovery_url_ok(
            "https://x/.well-known/oauth-authorization-server",
            true
        ));
        assert!(!discovery_url_ok("https://x/p", false));
        assert!(!discovery_url_ok(
            "https://x/p/.well-known/openid-configuration?x=1",
            false
        ));
    }
}
