//! Identity-provider knowledge: Microsoft Entra ID (v1.0 and v2.0), Okta, Auth0, Keycloak, Google
//! and GitHub Actions. The provider-specific diagnoses of the spec's "Other identity providers" are
//! built here, each in one function, and called from [`diagnose`](super::diagnose); the provider
//! meaning of claims shown by `decode` is [`claim_notes`]. Facts and sources:
//! `shared/reference/idps.md`.

use serde_json::Value;

use crate::authorizer::diagnose::Context;
use crate::authorizer::{RuleSet, SigningKeys, SourceKind};
use crate::host::lookalike_host;
use crate::report::{Diagnosis, Status};
use crate::token::{Jwt, TokenKind};

/// Microsoft Graph's application id: an `aud` that only Graph can validate.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

// -------------------------------------------------------------------------------------------------
// URL and claim helpers

/// `(scheme, host, path)` of an absolute URL, lowercased scheme and host, path without trailing
/// `/`. `None` when `url` has no scheme.
fn split_url(url: &str) -> Option<(String, String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    Some((
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase(),
        path.trim_end_matches('/').to_string(),
    ))
}

/// True for the Entra login hosts (public and sovereign clouds).
fn is_entra_login_host(host: &str) -> bool {
    host.starts_with("login.microsoftonline.")
        || host.starts_with("login.partner.microsoftonline.")
        || host.starts_with("login.chinacloudapi.")
        || host.ends_with(".ciamlogin.com")
}

/// An Entra token version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntraVersion {
    /// v1.0: `iss` `https://sts.windows.net/{tid}/`, client id in `appid`.
    V1,
    /// v2.0: `iss` `https://login.microsoftonline.com/{tid}/v2.0`, client id in `azp`.
    V2,
}

impl EntraVersion {
    fn label(self) -> &'static str {
        match self {
            EntraVersion::V1 => "v1.0",
            EntraVersion::V2 => "v2.0",
        }
    }
}

/// What an Entra discovery URL names: its host, tenant segment and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraUrl {
    /// `login.microsoftonline.com` or a sovereign-cloud host.
    pub host: String,
    /// The tenant segment: a GUID, a domain, or `common` / `organizations` / `consumers`.
    pub tenant: String,
    /// `/v2.0/` in the path or not.
    pub version: EntraVersion,
}

impl EntraUrl {
    /// Parses `https://login.microsoftonline.com/{tenant}[/v2.0]/.well-known/openid-configuration`.
    pub fn parse(url: &str) -> Option<EntraUrl> {
        let (_, host, path) = split_url(url.trim())?;
        if !is_entra_login_host(&host) {
            return None;
        }
        let base = path.split("/.well-known/").next().unwrap_or(&path);
        let mut segs = base.split('/').filter(|s| !s.is_empty());
        let tenant = segs.next()?.to_string();
        let version = if segs.next() == Some("v2.0") {
            EntraVersion::V2
        } else {
            EntraVersion::V1
        };
        Some(EntraUrl {
            host,
            tenant,
            version,
        })
    }

    /// A `/common`, `/organizations` or `/consumers` URL: its issuer is a `{tenantid}` template.
    pub fn is_multi_tenant(&self) -> bool {
        matches!(
            self.tenant.to_ascii_lowercase().as_str(),
            "common" | "organizations" | "consumers"
        )
    }
}

/// The Entra version of a token, from its kind (`iss` form, then `ver`).
pub fn entra_version(j: &Jwt) -> Option<EntraVersion> {
    match j.kind() {
        TokenKind::EntraV1 => Some(EntraVersion::V1),
        TokenKind::EntraV2 => Some(EntraVersion::V2),
        _ => None,
    }
}

/// The Entra discovery URL for a tenant and version.
pub fn entra_discovery_url(tenant: &str, v: EntraVersion) -> String {
    match v {
        EntraVersion::V1 => {
            format!("https://login.microsoftonline.com/{tenant}/.well-known/openid-configuration")
        }
        EntraVersion::V2 => format!(
            "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
        ),
    }
}

/// The issuer Entra publishes for a tenant and version.
pub fn entra_issuer(tenant: &str, v: EntraVersion) -> String {
    match v {
        EntraVersion::V1 => format!("https://sts.windows.net/{tenant}/"),
        EntraVersion::V2 => format!("https://login.microsoftonline.com/{tenant}/v2.0"),
    }
}

/// True when `s` looks like a GUID (Entra application and tenant ids).
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The application id behind an Entra audience: `api://{guid}` or `{guid}` → the GUID.
fn app_id_of(aud: &str) -> Option<&str> {
    let id = aud.strip_prefix("api://").unwrap_or(aud);
    is_guid(id).then_some(id)
}

/// The audiences to write in `allowedAudience` for an Entra API: both forms for a GUID-based
/// audience (v1.0 tokens may carry either), else the audience as is.
fn entra_audiences(aud: &str) -> Vec<String> {
    match app_id_of(aud) {
        Some(id) => vec![format!("api://{id}"), id.to_string()],
        None => vec![aud.to_string()],
    }
}

/// The redeploy reminder after a `.bedrock_agentcore.yaml` snippet (empty for other sources).
fn redeploy(cx: &Context) -> String {
    if cx.auth.source == SourceKind::Flags {
        String::new()
    } else {
        format!("\n  then {}", super::diagnose::redeploy(cx.auth))
    }
}

/// What separates two snippet lines: `,` + newline between JSON members, a newline elsewhere.
fn setting_sep(cx: &Context) -> &'static str {
    match cx.auth.source {
        SourceKind::AgentcoreJson | SourceKind::ControlPlaneJson => ",\n",
        _ => "\n",
    }
}

/// A list setting under `key` in the source's own language, indented as a snippet line.
fn list_setting(cx: &Context, key: &str, values: &[String]) -> String {
    super::diagnose::list_snippet(cx.auth, key, values)
}

/// `discoveryUrl` set to `url`, in the source's own language, indented as a snippet line.
fn discovery_setting(cx: &Context, url: &str) -> String {
    super::diagnose::scalar_snippet(cx.auth, "discoveryUrl", url)
}

/// A `customClaims` snippet with one rule, in the source's own language (flags have no
/// custom claims: the toolkit's YAML then).
fn custom_claim_setting(cx: &Context, name: &str, array: bool, value: &str) -> String {
    let (vtype, op) = if array {
        ("STRING_ARRAY", "CONTAINS")
    } else {
        ("STRING", "EQUALS")
    };
    let q = |v: &str| serde_json::Value::String(v.to_string()).to_string();
    match cx.auth.source {
        SourceKind::AgentcoreJson | SourceKind::ControlPlaneJson => format!(
            "  \"customClaims\": [{{\"inboundTokenClaimName\": {}, \"inboundTokenClaimValueType\": \"{vtype}\", \"authorizingClaimMatchValue\": {{\"claimMatchOperator\": \"{op}\", \"claimMatchValue\": {{\"matchValueString\": {}}}}}}}]",
            q(name),
            q(value)
        ),
        SourceKind::Cloudformation => format!(
            "  CustomClaims:\n  - InboundTokenClaimName: {name}\n    InboundTokenClaimValueType: {vtype}\n    AuthorizingClaimMatchValue:\n      ClaimMatchOperator: {op}\n      ClaimMatchValue:\n        MatchValueString: {value}"
        ),
        SourceKind::Terraform => format!(
            "  custom_claim {{\n    inbound_token_claim_name       = {}\n    inbound_token_claim_value_type = \"{vtype}\"\n    authorizing_claim_match_value {{\n      claim_match_operator = \"{op}\"\n      claim_match_value {{\n        match_value_string = {}\n      }}\n    }}\n  }}",
            q(name),
            q(value)
        ),
        _ => format!(
            "  customClaims:\n  - inboundTokenClaimName: {name}\n    inboundTokenClaimValueType: {vtype}\n    authorizingClaimMatchValue:\n      claimMatchOperator: {op}\n      claimMatchValue:\n        matchValueString: {value}"
        ),
    }
}

/// The Okta authorization server id of an issuer `https://{domain}/oauth2/{id}`.
fn okta_server(iss: &str) -> Option<String> {
    let (_, _, path) = split_url(iss)?;
    path.strip_prefix("oauth2/")
        .filter(|s| !s.is_empty() && !s.contains('/'))
        .map(str::to_string)
}

/// True when `j` comes from an Okta org authorization server (issuer without `/oauth2/`) and is an
/// access token (`cid` or `scp`); org-server ID tokens can be validated and are not flagged.
fn is_okta_org_access_token(j: &Jwt) -> bool {
    j.kind() == TokenKind::Okta
        && j.claim_str("iss")
            .and_then(split_url)
            .is_some_and(|(_, _, path)| path.is_empty())
        && (j.claims.contains_key("cid") || j.claims.contains_key("scp"))
}

/// True for a token meant for Microsoft Graph (`nonce` in the header of an Entra token, or Graph's
/// audience).
fn is_graph_token(j: &Jwt) -> bool {
    let graph_aud = j.audiences().iter().any(|a| {
        let a = a.trim_end_matches('/').to_ascii_lowercase();
        a == GRAPH_APP_ID || a == "https://graph.microsoft.com"
    });
    let entra = matches!(j.kind(), TokenKind::EntraV1 | TokenKind::EntraV2);
    graph_aud || (entra && j.header.contains_key("nonce"))
}

// -------------------------------------------------------------------------------------------------
// Diagnoses

/// `graph-token` or `okta-org-server`: a token that nobody but its issuer's own service may
/// validate. When one is returned it is the cause of every other failure, and the caller reports it
/// alone.
pub fn unverifiable_token(cx: &Context) -> Option<Diagnosis> {
    let j = cx.jwt?;
    if is_graph_token(j) {
        return Some(graph_token(cx, j));
    }
    if is_okta_org_access_token(j) {
        return Some(okta_org_server(cx, j));
    }
    None
}

fn graph_token(cx: &Context, j: &Jwt) -> Diagnosis {
    let aud = j.audiences().join(", ");
    let why = if j.header.contains_key("nonce") {
        format!("`nonce` in the header, aud {aud}")
    } else {
        format!("aud {aud}")
    };
    let api = cx
        .auth
        .allowed_audience()
        .iter()
        .find_map(|a| app_id_of(a))
        .unwrap_or("<your API's application id>")
        .to_string();
    let scope = cx
        .auth
        .allowed_scopes()
        .first()
        .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
        .unwrap_or_else(|| "<scope>".into());
    let scp = j
        .claim_str("scp")
        .map(|s| format!(" (this one has scp \"{s}\")"))
        .unwrap_or_default();
    Diagnosis::error(
        "graph-token",
        format!(
            "this is an access token for Microsoft Graph ({why}): Graph tokens use a proprietary format that only Graph can validate, so AgentCore (or anyone else) can never accept it — its signature does not verify by design"
        ),
    )
    .fix(format!(
        "request a token for your own API, not for Graph: delegated sign-in asks for scope api://{api}/{scope}, client credentials for {api}/.default; scopes such as User.Read, `openid profile email` or https://graph.microsoft.com/.default give Graph tokens{scp}"
    ))
    .fix(format!(
        "if your API exposes no scope yet: App registrations > your API app > Expose an API: set the Application ID URI (api://{api}) and add a scope (e.g. {scope}), then grant it to the client app under API permissions"
    ))
}

fn okta_org_server(cx: &Context, j: &Jwt) -> Diagnosis {
    let iss = j.claim_str("iss").unwrap_or("").trim_end_matches('/');
    let line = cx.disc_line();
    Diagnosis::error(
        "okta-org-server",
        format!(
            "iss {iss} is Okta's org authorization server (no /oauth2/<server> in the issuer): Okta says only Okta may consume or validate its access tokens (treat them as opaque), so AgentCore cannot rely on them"
        ),
    )
    .fix(format!(
        "request tokens from a custom authorization server, e.g. the built-in `default`: token endpoint {iss}/oauth2/default/v1/token instead of {iss}/oauth2/v1/token (Security > API > Authorization Servers; custom servers need Okta API Access Management)"
    ))
    .fix(format!(
        "then point discoveryUrl at that server at {}:\n{}{}",
        cx.place(line),
        discovery_setting(cx, &format!("{iss}/oauth2/default/.well-known/openid-configuration")),
        redeploy(cx)
    ))
    .at(cx.file(), line)
}

/// Why the issuers differ, when a provider explains it (tenant, Entra version, Google's bare form).
pub fn issuer_why(j: &Jwt, actual: &str, expected: &str) -> Option<String> {
    if actual == "accounts.google.com" && expected == "https://accounts.google.com" {
        return Some(
            "Google wrote iss without https:// (`accounts.google.com`, a form its ID tokens may carry) while its discovery document says https://accounts.google.com, and the comparison is exact".into(),
        );
    }
    if let (Some((sa, ha, pa)), Some((se, he, pe))) = (split_url(actual), split_url(expected))
        && pa == pe
        && (sa != se || ha != he)
    {
        return Some(
            "the token names the same issuer path on another scheme or host (see issuer-host-mismatch)"
                .into(),
        );
    }
    let token_version = entra_version(j)?;
    let tid = j.claim_str("tid");
    let exp_url =
        crate::oidc::discovery_url_for_issuer(expected).and_then(|u| EntraUrl::parse(&u))?;
    if exp_url.is_multi_tenant() || exp_url.tenant == "{tenantid}" {
        return Some(format!(
            "the discovery URL is the multi-tenant `{}` endpoint, whose issuer is a template that no token carries (see entra-version-mismatch)",
            exp_url.tenant
        ));
    }
    if exp_url.version != token_version {
        return Some(format!(
            "this is an Entra ID {} token but the authorizer expects the {} issuer (see entra-version-mismatch)",
            token_version.label(),
            exp_url.version.label()
        ));
    }
    match tid {
        Some(t) if !t.eq_ignore_ascii_case(&exp_url.tenant) => Some(format!(
            "the token comes from Entra tenant {t} but the authorizer trusts tenant {}",
            exp_url.tenant
        )),
        _ => None,
    }
}

// -------------------------------------------------------------------------------------------------
// Discovery documents that do not match their URL

/// The issuer a discovery URL must publish (OpenID Connect Discovery §4.3: the URL without
/// `/.well-known/openid-configuration`; Entra v1 and Auth0 as they publish it), when the document's
/// `issuer` is another. `None` when they agree (trailing slash aside), or for Entra's multi-tenant
/// `{tenantid}` template.
pub fn discovery_issuer_mismatch(url: &str, issuer: &str) -> Option<String> {
    let derived = crate::oidc::issuer_from_discovery_url(url)?;
    if derived.trim_end_matches('/') == issuer.trim_end_matches('/')
        || issuer.contains("{tenantid}")
    {
        return None;
    }
    Some(derived)
}

/// The `discovery-issuer-mismatch` sentence for a document at `url` publishing `issuer` (escaped).
pub fn discovery_issuer_warning(url: &str, issuer: &str) -> Option<String> {
    let derived = discovery_issuer_mismatch(url, issuer)?;
    let e = |s: &str| crate::escape::esc(s).into_owned();
    Some(format!(
        "the discovery document at {} says its issuer is {}, not {} (its URL without /.well-known/openid-configuration), as OpenID Connect Discovery §4.3 requires; tokens are compared with {}, the issuer the document claims",
        e(url),
        e(issuer),
        e(&derived),
        e(issuer)
    ))
}

/// `discovery-issuer-mismatch` (warning) for an online evaluation whose discovery document
/// publishes an issuer other than its URL's.
pub fn discovery_issuer_diagnosis(cx: &Context) -> Option<Diagnosis> {
    let SigningKeys::Jwks {
        issuer: Some(issuer),
        origin,
        ..
    } = cx.keys
    else {
        return None;
    };
    if !origin.contains("://") {
        return None; // offline: the issuer was derived from the URL, not read from a document
    }
    let url = cx.auth.discovery_url()?;
    let msg = discovery_issuer_warning(&url, issuer)?;
    let line = cx.disc_line();
    Some(
        Diagnosis::warning("discovery-issuer-mismatch", msg)
            .fix("make the issuer publish the URL it is reached at (its public hostname or issuer URL setting; an emulator such as cognito-local always writes http://localhost:9229), so that the document, the tokens and discoveryUrl name one issuer")
            .fix(format!(
                "offline (--jwks, --no-signature) tokdiag assumes the issuer from discoveryUrl, so its verdict differs from the online one until they agree ({})",
                crate::escape::esc(&cx.place(line))
            ))
            .at(cx.file(), line),
    )
}

/// `lookalike-issuer`: the token's `iss`, the configured discovery URL or the discovery document's
/// issuer names a host that is not pure ASCII or mixes scripts. Called with the raw (unescaped)
/// values. The fixes never name such a host.
pub fn lookalike_issuer(cx: &Context) -> Option<Diagnosis> {
    let token_iss = cx.jwt.and_then(|j| j.claim_str("iss"));
    let configured = cx.auth.discovery_url();
    let published = match cx.keys {
        SigningKeys::Jwks { issuer, .. } => issuer.clone(),
        _ => None,
    };
    let line = cx.disc_line();
    let mut parts = Vec::new();
    let mut fixes = Vec::new();
    if let Some(l) = token_iss.and_then(lookalike_host) {
        parts.push(format!(
            "the token's iss names the host {} ({})",
            l.shown, l.why
        ));
        fixes.push("treat the token as forged: it was minted by whoever holds that look-alike domain; get a token from your real issuer".to_string());
    }
    if let Some(l) = configured.as_deref().and_then(lookalike_host) {
        parts.push(format!(
            "discoveryUrl names the host {} ({})",
            l.shown, l.why
        ));
        // Name where the URL was written: the flag, or the file (and line).
        let origin = if cx.auth.discovery_url_from_flag {
            "of --discovery-url".to_string()
        } else {
            format!("of discoveryUrl at {}", cx.place(line))
        };
        fixes.push(format!(
            "retype the host {origin} in plain ASCII (the marked characters only look like the letters they imitate)"
        ));
    }
    if let Some(l) = published.as_deref().and_then(lookalike_host)
        && configured.as_deref().and_then(lookalike_host).is_none()
    {
        parts.push(format!(
            "the discovery document says its issuer is on the host {} ({})",
            l.shown, l.why
        ));
        fixes.push("do not trust that discovery document: the server behind discoveryUrl publishes a look-alike issuer; check who controls it".to_string());
    }
    if parts.is_empty() {
        return None;
    }
    let mut d = Diagnosis::error(
        "lookalike-issuer",
        format!(
            "{}: a host that only looks like another, where tokens or keys are never to be trusted",
            parts.join("; ")
        ),
    );
    for f in fixes {
        d = d.fix(f);
    }
    Some(d.at(cx.file(), line))
}

/// True for hosts AgentCore cannot reach: loopback and `.local`/`.internal` names.
fn is_local_host(host: &str) -> bool {
    let name = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    name == "localhost"
        || name.ends_with(".localhost")
        || name.starts_with("127.")
        || name == "[::1]"
        || name.ends_with(".local")
        || name.ends_with(".internal")
}

/// The fix that points `discoveryUrl` at the token's issuer — unless that cannot work: an issuer
/// that is not a URL (Google's bare form), a local address, or the very URL already configured.
pub fn issuer_fix(cx: &Context, actual: &str) -> String {
    if actual == "accounts.google.com" {
        return "AgentCore compares iss with the discovery document's issuer exactly and has no setting that accepts both forms: obtain the ID token through a Google sign-in flow that issues iss https://accounts.google.com".into();
    }
    let Some((scheme, host, _)) = split_url(actual) else {
        return format!(
            "the token's iss {actual} is not a URL: no discovery URL publishes it; get the token from the issuer the authorizer trusts"
        );
    };
    let configured = cx.auth.discovery_url().unwrap_or_default();
    let configured_local =
        split_url(&configured).is_some_and(|(s, h, _)| is_local_host(&h) || s != "https");
    if (is_local_host(&host) || scheme != "https") && !configured_local {
        return format!(
            "do not point discoveryUrl at {scheme}://{host}: AgentCore fetches the discovery document and keys over https from the internet; get tokens that carry the public issuer"
        );
    }
    let url = crate::oidc::discovery_url_for_issuer(actual).unwrap_or_default();
    if url == configured.trim() {
        let expected =
            crate::authorizer::rules::expected_issuer(cx.auth, cx.keys).unwrap_or_default();
        let offline = matches!(cx.keys, SigningKeys::NotChecked { .. })
            || matches!(cx.keys, SigningKeys::Jwks { origin, .. } if !origin.contains("://"));
        if offline
            && cx.jwt.is_some_and(|j| j.kind() == TokenKind::Auth0)
            && actual == format!("{expected}/")
        {
            return format!(
                "discoveryUrl already names this issuer: offline (--jwks, --no-signature) the expected issuer is derived from it without the trailing slash Auth0 publishes ({actual}); run without --jwks to compare with the issuer its discovery document publishes"
            );
        }
        if !offline && discovery_issuer_mismatch(&configured, &expected).is_some() {
            return format!(
                "the token was minted through {actual}, the very issuer discoveryUrl names, but the discovery document there claims the issuer {expected} (see discovery-issuer-mismatch): make the issuer publish {actual} in its discovery document (its public URL setting), or request tokens through the host the document claims"
            );
        }
        return format!(
            "discoveryUrl already points at this issuer's URL; only the exact iss differs: get a token whose iss is exactly {expected}"
        );
    }
    format!(
        "or point discoveryUrl at the token's issuer at {}:\n{}{}",
        cx.place(cx.disc_line()),
        discovery_setting(cx, &url),
        redeploy(cx)
    )
}

/// `issuer-host-mismatch`: called only when the issuer check failed (after `issuer-mismatch`). The
/// same issuer path reached through another scheme or host: a token minted through `localhost`, a
/// custom domain, Okta's "Dynamic" issuer.
pub fn issuer_host_mismatch(
    cx: &Context,
    j: &Jwt,
    actual: &str,
    expected: &str,
) -> Option<Diagnosis> {
    let (sa, ha, pa) = split_url(actual)?;
    let (se, he, pe) = split_url(expected)?;
    if (sa == se && ha == he) || pa != pe {
        return None;
    }
    let line = cx.disc_line();
    let (why, fix) = match j.kind() {
        TokenKind::Keycloak => (
            "Keycloak writes the URL a token was requested through into iss unless its hostname is fixed".to_string(),
            format!(
                "fix Keycloak's public URL and request tokens through it: start it with --hostname={se}://{he} (environment KC_HOSTNAME; before Keycloak 25: KC_HOSTNAME_URL), and use {se}://{he}{}/protocol/openid-connect/token, not {sa}://{ha}",
                if pe.is_empty() { String::new() } else { format!("/{pe}") }
            ),
        ),
        TokenKind::Okta => (
            "the authorization server's Issuer setting decides which domain goes into iss (with \"Dynamic\", the domain the token was requested through)".to_string(),
            format!(
                "in Okta: Security > API > Authorization Servers > {} > Settings > Issuer: choose the URL discoveryUrl uses ({se}://{he}), not Dynamic, or request tokens through {he}",
                okta_server(expected).unwrap_or_else(|| "<server>".into())
            ),
        ),
        TokenKind::Auth0 => (
            "Auth0 writes the domain the token was requested through (a custom domain or the tenant domain) into iss".to_string(),
            format!(
                "request tokens through {se}://{he}/oauth/token, or point discoveryUrl at {sa}://{ha}/.well-known/openid-configuration (file {})",
                cx.place(line)
            ),
        ),
        _ => (
            "issuers such as Keycloak put the host the token was requested through into iss".to_string(),
            format!(
                "request tokens through {se}://{he} (the issuer URL the authorizer trusts), or set the issuer's public (frontend/hostname) URL so every token carries it"
            ),
        ),
    };
    Some(
        Diagnosis::error(
            "issuer-host-mismatch",
            format!(
                "the token was minted through {sa}://{ha} but the authorizer trusts {se}://{he}{} (same issuer path): {why}",
                match (cx.keys, cx.auth.discovery_url()) {
                    (SigningKeys::Jwks { origin, .. }, Some(u))
                        if origin.contains("://") && discovery_issuer_mismatch(&u, expected).is_some() =>
                        format!(", the host the discovery document at {u} claims"),
                    _ => String::new(),
                }
            ),
        )
        .fix(fix)
        .at(cx.file(), line),
    )
}

/// `entra-version-mismatch`: the token's version (`ver`/`iss`) and the discovery URL's disagree,
/// or the discovery URL is `/common`, `/organizations` or `/consumers`. Reported unless the issuer
/// check passed.
pub fn entra_version_mismatch(cx: &Context) -> Option<Diagnosis> {
    let url = cx.auth.discovery_url()?;
    let eu = EntraUrl::parse(&url)?;
    if cx
        .checks
        .iter()
        .any(|c| c.id == crate::report::CheckId::Issuer && c.status == Status::Pass)
    {
        return None;
    }
    let j = cx.jwt?;
    let token_version = entra_version(j);
    let tid = j.claim_str("tid").unwrap_or("<tenant id>");
    let line = cx.disc_line();
    let place = cx.place(line);
    let apigw = cx.auth.rules == RuleSet::Apigateway;
    let what = if apigw {
        "the authorizer's Issuer"
    } else {
        "discoveryUrl"
    };
    // Where to write the issuer of tenant `tid`, version `v`.
    let set = |v: EntraVersion| {
        if apigw {
            format!("set the authorizer's Issuer to {}", entra_issuer(tid, v))
        } else {
            format!(
                "at {place} write:\n{}{}",
                discovery_setting(cx, &entra_discovery_url(tid, v)),
                redeploy(cx)
            )
        }
    };
    if eu.is_multi_tenant() {
        let v = token_version.unwrap_or(eu.version);
        let template = match eu.version {
            EntraVersion::V1 => "https://sts.windows.net/{tenantid}/".to_string(),
            EntraVersion::V2 => format!("https://{}/{{tenantid}}/v2.0", eu.host),
        };
        return Some(
            Diagnosis::error(
                "entra-version-mismatch",
                format!(
                    "{what} uses /{}: its discovery document publishes the issuer template {template}, which never equals a token's iss (the comparison is exact)",
                    eu.tenant
                ),
            )
            .fix(format!("use your tenant id ({} endpoint): {}", v.label(), set(v)))
            .fix("one discoveryUrl accepts the tokens of one tenant: a multi-tenant app needs one authorizer per tenant it accepts")
            .at(cx.file(), line),
        );
    }
    let tv = token_version?;
    if tv == eu.version {
        return None;
    }
    let iss = j.claim_str("iss").unwrap_or("");
    let d = match tv {
        EntraVersion::V1 => {
            let aud = j.audiences().first().cloned().unwrap_or_default();
            let api = app_id_of(&aud).unwrap_or("<API app id>").to_string();
            Diagnosis::error(
                "entra-version-mismatch",
                format!(
                    "this is an Entra ID v1.0 token (ver 1.0, iss {iss}) but {what} is the v2.0 endpoint, which expects iss https://login.microsoftonline.com/{tid}/v2.0; the token version is set by the API's app registration, not by the endpoint the client signs in with"
                ),
            )
            .fix(format!(
                "get v2.0 tokens: Azure portal > App registrations > the API app ({api}, the token's aud) > Manifest: set \"requestedAccessTokenVersion\": 2 inside \"api\" (older AAD Graph manifest: \"accessTokenAcceptedVersion\": 2), save, then request a new token — tokens already issued or cached stay v1.0. Same change from a shell: `az rest --method PATCH --url \"https://graph.microsoft.com/v1.0/applications(appId='{api}')\" --body '{{\"api\":{{\"requestedAccessTokenVersion\":2}}}}'`. v2.0 tokens carry aud {api} and the client id in azp"
            ))
            .fix(format!(
                "or keep v1.0 tokens and use the v1.0 endpoint: {}",
                set(EntraVersion::V1)
            ))
        }
        EntraVersion::V2 => Diagnosis::error(
            "entra-version-mismatch",
            format!(
                "this is an Entra ID v2.0 token (ver 2.0, iss {iss}) but {what} is the v1.0 endpoint, which expects iss https://sts.windows.net/{tid}/"
            ),
        )
        .fix(format!(
            "use the v2.0 endpoint: {}",
            set(EntraVersion::V2)
        )),
    };
    Some(d.at(cx.file(), line))
}

/// `client-id-in-other-claim`: `allowedClients` set, no `client_id`, the client id in `claim`
/// (`azp`, `appid`, `cid`). The provider's own fix first, then the YAML that works without it.
pub fn client_id_in_other_claim(
    cx: &Context,
    j: &Jwt,
    claim: &str,
    val: &str,
    line: Option<usize>,
) -> Diagnosis {
    let allowed = cx.auth.allowed_clients();
    let membership = if allowed.iter().any(|a| a == val) {
        " (the value is one of allowedClients)".to_string()
    } else {
        format!(
            " (and the value is not in allowedClients either: {})",
            allowed.join(", ")
        )
    };
    let place = cx.place(line);
    let aud = j.audiences().first().cloned();
    let kind = j.kind();
    let mut d = Diagnosis::error(
        "client-id-in-other-claim",
        format!(
            "the {} has no `client_id`; its client id {val} is in `{claim}`, which AgentCore's allowedClients does not read{membership}",
            kind.describe()
        ),
    );
    // The YAML that replaces allowedClients: allowedAudience (where the provider's aud names the
    // API) plus a custom claim on the provider's client claim.
    // A list already configured is written whole (its values first), so that pasting the
    // snippet never drops them or adds a second key; configured custom claims are kept.
    let configured_aud = cx.auth.allowed_audience().to_vec();
    let claims_configured = cx.auth.jwt.as_ref().map_or(0, |j| j.custom_claims.len());
    let replacement = |audiences: Vec<String>| {
        let mut merged = configured_aud.clone();
        for a in audiences {
            if !merged.contains(&a) {
                merged.push(a);
            }
        }
        let mut s = String::new();
        if !merged.is_empty() && merged != configured_aud {
            s.push_str(&list_setting(cx, "allowedAudience", &merged));
            s.push_str(setting_sep(cx));
        }
        if claims_configured > 0 {
            let note = format!(
                "keep the {claims_configured} customClaims rule(s) already configured and add this one to them"
            );
            s.push_str(&match cx.auth.syntax {
                crate::authorizer::Syntax::Json => format!("  ({note})\n"),
                _ => format!("  # {note}\n"),
            });
        }
        s.push_str(&custom_claim_setting(cx, claim, false, val));
        s.push_str(&redeploy(cx));
        s
    };
    match kind {
        TokenKind::Okta => {
            let server = j
                .claim_str("iss")
                .and_then(okta_server)
                .unwrap_or_else(|| "<server>".into());
            d = d
                .fix(format!(
                    "Okta: add the claim on the custom authorization server: Security > API > Authorization Servers > {server} > Claims > Add Claim: name client_id, include in token type Access Token, value type Expression, value app.clientId — then get a new token (the setup AgentCore's Okta guide describes)"
                ))
                .fix(format!(
                    "or, without changing Okta, at {place} replace allowedClients with:\n{}",
                    replacement(aud.into_iter().collect())
                ));
        }
        TokenKind::Auth0 => {
            let api = aud.clone().unwrap_or_else(|| "<API>".into());
            d = d
                .fix(format!(
                    "Auth0: Dashboard > Applications > APIs > {api} > Settings > Access Token Settings > JSON Web Token (JWT) Profile: RFC 9068, save, then get a new token — RFC 9068 access tokens carry client_id"
                ))
                .fix(format!(
                    "or, keeping the Auth0 profile, at {place} replace allowedClients with:\n{}",
                    replacement(aud.into_iter().collect())
                ));
        }
        TokenKind::EntraV1 | TokenKind::EntraV2 => {
            let auds = aud.as_deref().map(entra_audiences).unwrap_or_default();
            let other = if claim == "appid" {
                "v2.0 tokens name the client in `azp` instead"
            } else {
                "v1.0 tokens name the client in `appid` instead"
            };
            d = d.fix(format!(
                "Entra ID never issues `client_id`: at {place} replace allowedClients with allowedAudience (your API) and a custom claim on `{claim}` (the calling app; {other}):\n{}",
                replacement(auds)
            ));
        }
        TokenKind::Keycloak => {
            d = d
                .fix(format!(
                    "Keycloak: user tokens name the client in azp; only service-account (client credentials) tokens get client_id. To add it: Clients > {val} > Client scopes > {val}-dedicated > Add mapper > By configuration > Hardcoded claim: Token Claim Name client_id, Claim value {val}, Add to access token ON"
                ))
                .fix(format!(
                    "or at {place} replace allowedClients with:\n{}",
                    replacement(Vec::new())
                ));
        }
        TokenKind::Google => {
            let client = aud.unwrap_or_else(|| val.to_string());
            d = d.fix(format!(
                "Google ID tokens never carry client_id; their aud is your OAuth client id: at {place} replace allowedClients with:\n{}{}",
                list_setting(cx, "allowedAudience", &[client]),
                redeploy(cx)
            ));
        }
        _ => {
            d = d
                .fix(format!(
                    "make the issuer emit a `client_id` claim in access tokens (a claim mapping or token profile setting), or check `{claim}` instead"
                ))
                .fix(format!(
                    "or check the client with a custom claim instead of allowedClients at {place}:\n{}",
                    replacement(Vec::new())
                ));
        }
    }
    d.at(cx.file(), line)
}

/// Fixes for a token with no client id claim at all, where the provider explains it (GitHub
/// Actions), or `None` for the generic wording.
pub fn no_client_id_fixes(cx: &Context, j: &Jwt, line: Option<usize>) -> Option<Vec<String>> {
    if j.kind() != TokenKind::GithubActions {
        return None;
    }
    let aud = j.audiences().first().cloned().unwrap_or_default();
    let repo = j.claim_str("repository").unwrap_or("<owner>/<repo>");
    Some(vec![format!(
        "GitHub Actions OIDC tokens carry no client id: at {} replace allowedClients with the audience the workflow requests and a rule on the repository:\n{}{}{}{}",
        cx.place(line),
        list_setting(cx, "allowedAudience", &[aud]),
        setting_sep(cx),
        custom_claim_setting(cx, "repository", false, repo),
        redeploy(cx)
    )])
}

/// `entra-audience-form`: the token's `aud` is `api://<guid>` and only `<guid>` is allowed, or
/// the reverse.
pub fn entra_audience_form(cx: &Context, j: &Jwt, line: Option<usize>) -> Option<Diagnosis> {
    let allowed = cx.auth.allowed_audience();
    let (have, want) = j.audiences().into_iter().find_map(|a| {
        allowed
            .iter()
            .find(|x| **x == format!("api://{a}") || a == format!("api://{x}"))
            .map(|x| (a.clone(), x.clone()))
    })?;
    // Both forms, then the list's other values: the snippet replaces the whole list.
    let mut both = entra_audiences(&have);
    for a in allowed {
        if !both.contains(a) {
            both.push(a.clone());
        }
    }
    let mut d = Diagnosis::error(
        "entra-audience-form",
        format!(
            "the token's aud is {have} but allowedAudience has {want}: the same API written in the other form, and AgentCore compares aud exactly"
        ),
    )
    .fix(format!(
        "accept both forms at {}:\n{}{}",
        cx.place(line),
        list_setting(cx, "allowedAudience", &both),
        redeploy(cx)
    ));
    if entra_version(j) == Some(EntraVersion::V1) || have.starts_with("api://") {
        d = d.fix(format!(
            "Entra v1.0 tokens carry the Application ID URI (api://…) when the client requests api://…/<scope>, v2.0 tokens always the bare application id: with \"requestedAccessTokenVersion\": 2 in the API app's manifest, aud is always {}",
            app_id_of(&have).unwrap_or(&have)
        ));
    }
    Some(d.at(cx.file(), line))
}

/// A provider-specific fix for an `aud` that is not allowed (placed after the generic one).
pub fn audience_fix(cx: &Context, j: &Jwt) -> Option<String> {
    let first = cx
        .auth
        .allowed_audience()
        .first()
        .cloned()
        .unwrap_or_default();
    let azp = j.claim_str("azp").unwrap_or("<client>");
    match j.kind() {
        TokenKind::Keycloak => Some(format!(
            "Keycloak puts in aud only what mappers add (a new realm gives `account`): Clients > {azp} > Client scopes > {azp}-dedicated > Add mapper > By configuration > Audience: Included Custom Audience {first}, Add to access token ON"
        )),
        TokenKind::Okta => Some(format!(
            "Okta access tokens carry the authorization server's Audience: Security > API > Authorization Servers > {} > Settings > Audience",
            j.claim_str("iss")
                .and_then(okta_server)
                .unwrap_or_else(|| "<server>".into())
        )),
        TokenKind::Auth0 => Some(format!(
            "Auth0 sets aud from the token request's `audience` parameter: request audience={first} (the API identifier)"
        )),
        TokenKind::GithubActions => Some(format!(
            "GitHub sets aud to https://github.com/<owner> unless the workflow asks for another: core.getIDToken('{first}'), or the audience input of your action"
        )),
        TokenKind::Google => Some(
            "a Google ID token's aud is the OAuth client id that requested it: sign in with that client".into(),
        ),
        TokenKind::EntraV1 | TokenKind::EntraV2 => Some(format!(
            "Entra: aud is the API whose scope the client requested: request api://{0}/<scope> (or {0}/.default for client credentials)",
            app_id_of(&first).unwrap_or(&first)
        )),
        _ => None,
    }
}

/// `roles-not-scopes` or `scope-form`, when one explains a failed `scope` check.
pub fn scope_diagnosis(cx: &Context, j: &Jwt) -> Option<Diagnosis> {
    let line = cx.scopes_line();
    let allowed = cx.auth.allowed_scopes();
    let have = j.scopes();
    let place = cx.place(line);
    if have.is_empty() {
        let roles = crate::token::string_list(j.claims.get("roles"));
        let first = roles.first()?;
        let entra = if matches!(j.kind(), TokenKind::EntraV1 | TokenKind::EntraV2) {
            " (Entra: app roles are defined under App registrations > your API app > App roles and granted as Application permissions)"
        } else {
            ""
        };
        return Some(
            Diagnosis::error(
                "roles-not-scopes",
                format!(
                    "the token has no `scope` or `scp` but app roles in `roles` ({}): app-only (client credentials) tokens carry roles instead of scopes, and allowedScopes reads only scope/scp{entra}",
                    roles.join(", ")
                ),
            )
            .fix(format!(
                "check the role with a custom claim instead of allowedScopes at {place}:\n{}{}",
                custom_claim_setting(cx, "roles", true, first),
                redeploy(cx)
            ))
            .fix("or remove allowedScopes if this runtime serves only machine-to-machine callers (allowedScopes applies to every token)")
            .at(cx.file(), line),
        );
    }
    let (want, got) = allowed.iter().find_map(|a| {
        have.iter()
            .find(|t| *t != a && (a.ends_with(&format!("/{t}")) || t.ends_with(&format!("/{a}"))))
            .map(|t| (a.clone(), t.clone()))
    })?;
    let why = if want.len() > got.len() {
        if want.starts_with("api://") || matches!(j.kind(), TokenKind::EntraV1 | TokenKind::EntraV2)
        {
            "Entra puts only the scope's name in scp; api://…/<name> is how a client requests it"
        } else {
            "the issuer puts only the scope's name in the token"
        }
    } else if j.kind().is_cognito() {
        "Cognito resource-server scopes appear in tokens as <identifier>/<name>"
    } else {
        "the token carries the scope with its prefix"
    };
    // The whole list, with the scope rewritten (the snippet replaces the list: the other
    // allowed scopes stay).
    let mut rewritten: Vec<String> = Vec::new();
    for a in allowed {
        let v = if *a == want { got.clone() } else { a.clone() };
        if !rewritten.contains(&v) {
            rewritten.push(v);
        }
    }
    Some(
        Diagnosis::error(
            "scope-form",
            format!(
                "allowedScopes has {want} but the token carries {got}: {why}, and scopes are compared as written"
            ),
        )
        .fix(format!(
            "write the scope as tokens carry it at {place}:\n{}{}",
            list_setting(cx, "allowedScopes", &rewritten),
            redeploy(cx)
        ))
        .at(cx.file(), line),
    )
}

/// Where a provider sets the access-token lifetime (for `short-lifetime`).
pub fn lifetime_fix(j: &Jwt) -> String {
    let what = match j.kind() {
        TokenKind::Keycloak => format!(
            "Keycloak: Realm settings > Tokens > Access Token Lifespan (default 5 minutes), or per client: Clients > {} > Advanced > Access Token Lifespan",
            j.claim_str("azp").unwrap_or("<client>")
        ),
        TokenKind::Okta => "Okta: Security > API > Authorization Servers > <server> > Access Policies > <rule> > Access token lifetime".into(),
        TokenKind::Auth0 => "Auth0: Applications > APIs > <API> > Settings > Token Expiration (Seconds)".into(),
        TokenKind::CognitoAccess | TokenKind::CognitoClientCredentials | TokenKind::CognitoId => {
            "Cognito: the app client's access token expiration (5 minutes to 1 day)".into()
        }
        TokenKind::EntraV1 | TokenKind::EntraV2 => {
            "Entra: a token lifetime policy (AccessTokenLifetime) assigned to the API app".into()
        }
        _ => "raise the access-token lifetime at the issuer".into(),
    };
    format!("get a fresh token right before each call, or raise the lifetime — {what}")
}

// -------------------------------------------------------------------------------------------------
// decode

/// What a provider's claims mean, one line each, for `decode` (`annotations.notes`).
pub fn claim_notes(j: &Jwt, kind: TokenKind) -> Vec<String> {
    let mut n = Vec::new();
    let iss = j.claim_str("iss").unwrap_or("");
    let scp_note = |n: &mut Vec<String>| {
        match j.claims.get("scp") {
        Some(Value::String(s)) => n.push(format!(
            "`scp` \"{s}\": delegated scopes as one space-separated string; AgentCore's allowedScopes reads each name"
        )),
        Some(Value::Array(a)) => n.push(format!(
            "`scp` {}: scopes as a JSON array; AgentCore's allowedScopes reads each entry",
            Value::Array(a.clone())
        )),
        _ => {}
    }
    };
    let roles_note = |n: &mut Vec<String>| {
        let roles = crate::token::string_list(j.claims.get("roles"));
        if !roles.is_empty() {
            n.push(format!(
                "`roles` [{}]: app roles — app-only (client credentials) tokens carry roles instead of scp; allowedScopes never reads them (use customClaims on roles)",
                roles.join(", ")
            ));
        }
    };
    match kind {
        TokenKind::EntraV1 | TokenKind::EntraV2 => {
            let tid = j.claim_str("tid").unwrap_or("<tenant id>");
            let v = if kind == TokenKind::EntraV1 {
                EntraVersion::V1
            } else {
                EntraVersion::V2
            };
            if is_graph_token(j) {
                n.push("Microsoft Graph token (nonce in the header or Graph's aud): only Graph can validate it; request a token for your own API".into());
            }
            n.push(format!(
                "`ver` {}: Entra ID {} token, issuer {iss} — AgentCore discoveryUrl {}",
                j.claim_str("ver")
                    .unwrap_or(if v == EntraVersion::V1 { "1.0" } else { "2.0" }),
                v.label(),
                entra_discovery_url(tid, v)
            ));
            if let Some(a) = j.claim_str("appid") {
                n.push(format!(
                    "`appid` {a}: the client app that requested the token (v1.0; v2.0 uses azp); Entra never issues client_id, so allowedClients never matches — use allowedAudience plus customClaims on appid"
                ));
            }
            if let Some(a) = j.claim_str("azp") {
                n.push(format!(
                    "`azp` {a}: the client app that requested the token (v2.0's appid); Entra never issues client_id, so allowedClients never matches — use allowedAudience plus customClaims on azp"
                ));
            }
            if let Some(aud) = j.audiences().first() {
                let form = if aud == GRAPH_APP_ID {
                    "Microsoft Graph's application id"
                } else if aud.starts_with("api://") {
                    "the API's Application ID URI (v1.0 tokens, when the client asked for api://…/<scope>)"
                } else if is_guid(aud) {
                    "the API's application id"
                } else {
                    "the resource the token is for"
                };
                n.push(format!("`aud` {aud}: {form}"));
            }
            scp_note(&mut n);
            roles_note(&mut n);
        }
        TokenKind::Okta => {
            if is_okta_org_access_token(j) {
                n.push(format!(
                    "issued by Okta's org authorization server ({iss}): only Okta may validate these access tokens; use a custom authorization server (/oauth2/<server>)"
                ));
            }
            if let Some(c) = j.claim_str("cid") {
                n.push(format!(
                    "`cid` {c}: the Okta app (client) id; Okta issues no client_id unless the authorization server has a client_id claim (app.clientId)"
                ));
            }
            if let Some(u) = j.claim_str("uid") {
                n.push(format!("`uid` {u}: the Okta user id"));
            }
            if j.claims.get("ver").is_some_and(Value::is_number) {
                n.push("`ver` 1: Okta's token format version (not Entra's ver)".into());
            }
            scp_note(&mut n);
        }
        TokenKind::Auth0 => {
            if let Some(a) = j.claim_str("azp") {
                n.push(format!(
                    "`azp` {a}: the Auth0 application (client) id (Auth0 token profile); the RFC 9068 profile puts it in client_id"
                ));
            }
            match j.claim_str("gty") {
                Some("client-credentials") => n.push(
                    "`gty` client-credentials: machine-to-machine token; sub is <client id>@clients".into(),
                ),
                Some(g) => n.push(format!("`gty` {g}: the grant that issued the token")),
                None => {}
            }
            if j.audiences().iter().any(|a| a.ends_with("/userinfo")) {
                n.push("`aud` includes /userinfo because `openid` was requested: allowedAudience needs the API identifier".into());
            }
            if iss.ends_with('/') {
                n.push("`iss` ends with `/`, as Auth0 publishes it: keep the slash wherever an issuer is written".into());
            }
        }
        TokenKind::Keycloak => {
            if let Some(a) = j.claim_str("azp") {
                n.push(format!(
                    "`azp` {a}: the client the token was issued to; user tokens have no client_id (service-account tokens do)"
                ));
            }
            if j.audiences() == ["account"] {
                n.push("`aud` account: Keycloak's default (the account console client); add an Audience mapper to put your API in aud".into());
            }
            n.push(format!(
                "`iss` {iss}: Keycloak derives it from the URL the token was requested through unless its hostname is fixed"
            ));
        }
        TokenKind::Google => {
            n.push("Google ID token: `aud` is your OAuth client id (use allowedAudience); `azp` the client that presented it; no client_id, no scope".into());
            if iss == "accounts.google.com" {
                n.push("`iss` accounts.google.com (without https://): the discovery document publishes https://accounts.google.com, so an exact comparison fails".into());
            }
        }
        TokenKind::GithubActions => {
            n.push("GitHub Actions OIDC token: no client id and no scope; `aud` defaults to https://github.com/<owner> (set it with core.getIDToken(audience)); pin the caller with customClaims on repository, sub or ref".into());
        }
        _ => {
            scp_note(&mut n);
            roles_note(&mut n);
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_urls() {
        let u = EntraUrl::parse(
            "https://login.microsoftonline.com/t1/v2.0/.well-known/openid-configuration",
        )
        .unwrap();
        assert_eq!((u.tenant.as_str(), u.version), ("t1", EntraVersion::V2));
        let u = EntraUrl::parse(
            "https://login.microsoftonline.com/common/.well-known/openid-configuration",
        )
        .unwrap();
        assert!(u.is_multi_tenant());
        assert_eq!(u.version, EntraVersion::V1);
        assert!(EntraUrl::parse("https://dev-1.okta.com/oauth2/default").is_none());
    }

    #[test]
    fn discovery_for_issuers() {
        assert_eq!(
            crate::oidc::discovery_url_for_issuer("https://sts.windows.net/t1/").as_deref(),
            Some("https://login.microsoftonline.com/t1/.well-known/openid-configuration")
        );
        assert_eq!(
            crate::oidc::discovery_url_for_issuer("https://x.us.auth0.com/").as_deref(),
            Some("https://x.us.auth0.com/.well-known/openid-configuration")
        );
        assert_eq!(
            crate::oidc::discovery_url_for_issuer("http://localhost:8080/realms/demo").as_deref(),
            Some("http://localhost:8080/realms/demo/.well-known/openid-configuration")
        );
        assert_eq!(
            crate::oidc::discovery_url_for_issuer("accounts.google.com"),
            None
        );
    }

    #[test]
    fn guids_and_audiences() {
        assert!(is_guid("6e74172b-be56-4843-9ff4-e66a39bb12e3"));
        assert!(!is_guid("6e74172b-be56-4843-9ff4"));
        assert_eq!(
            entra_audiences("api://6e74172b-be56-4843-9ff4-e66a39bb12e3"),
            vec![
                "api://6e74172b-be56-4843-9ff4-e66a39bb12e3",
                "6e74172b-be56-4843-9ff4-e66a39bb12e3"
            ]
        );
        assert_eq!(
            entra_audiences("https://contoso.com/api"),
            vec!["https://contoso.com/api"]
        );
        assert_eq!(
            okta_server("https://d.okta.com/oauth2/default").as_deref(),
            Some("default")
        );
        assert_eq!(okta_server("https://d.okta.com"), None);
    }
}
