//! Token input and decoding: the accepted input forms (bare JWT, `Bearer …`, quotes, `aws cognito-idp
//! initiate-auth` JSON, OAuth token responses), the compact-JWS parser, and the classification of a
//! token into a [`TokenKind`] with its provider-specific annotations (Cognito pool, region, which claim
//! carries the app client id).
//!
//! Nothing here verifies anything or touches the network: `decode` runs on this module alone.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::escape::{esc, esc_short};

mod payload;
pub use payload::Claims;

/// Largest token accepted: 64 KiB. Real JWTs are a few KiB; a larger one is refused, not parsed.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Which token of a bundle (initiate-auth JSON, OAuth response) to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    /// The access token.
    Access,
    /// The ID token.
    Id,
}

/// The tokens found in a JSON bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bundle {
    /// Access token, if present.
    pub access: Option<String>,
    /// ID token, if present.
    pub id: Option<String>,
    /// Refresh token, if present (never printed unless asked for).
    pub refresh: Option<String>,
}

/// What a token input turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// One token (a JWT or not: the parser decides).
    Single(String),
    /// A JSON bundle with several tokens.
    Bundle(Bundle),
}

/// Cleans up a token as users paste it: whitespace, surrounding quotes, `Bearer ` and
/// `Authorization: Bearer ` prefixes.
pub fn clean(text: &str) -> String {
    let mut s = text.trim();
    loop {
        let before = s;
        for q in ['"', '\'', '`'] {
            if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
                s = s[1..s.len() - 1].trim();
            }
        }
        for prefix in ["authorization:", "bearer "] {
            // `get` and not slicing: the input may have a multi-byte character at that offset.
            if s.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            {
                s = s[prefix.len()..].trim();
            }
        }
        if s == before {
            break;
        }
    }
    s.to_string()
}

/// Recognises the input form of `text`: a JSON bundle when it is a JSON object holding tokens,
/// else a single (cleaned) token.
pub fn recognise(text: &str) -> Input {
    let trimmed = text.trim();
    if trimmed.starts_with('{')
        && let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(trimmed)
        && let Some(b) = bundle_from_json(&obj)
    {
        return Input::Bundle(b);
    }
    Input::Single(clean(text))
}

fn str_field(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Extracts tokens from `aws cognito-idp initiate-auth` output (`AuthenticationResult`), a bare
/// `AuthenticationResult`, or an OAuth token response (`access_token`, `id_token`, `refresh_token`).
pub fn bundle_from_json(obj: &Map<String, Value>) -> Option<Bundle> {
    let ar = obj
        .get("AuthenticationResult")
        .and_then(Value::as_object)
        .unwrap_or(obj);
    let b = Bundle {
        access: str_field(ar, "AccessToken").or_else(|| str_field(obj, "access_token")),
        id: str_field(ar, "IdToken").or_else(|| str_field(obj, "id_token")),
        refresh: str_field(ar, "RefreshToken").or_else(|| str_field(obj, "refresh_token")),
    };
    if b.access.is_none() && b.id.is_none() {
        None
    } else {
        Some(b)
    }
}

impl Bundle {
    /// Picks the token to use: `choice` when given, else `prefer`, falling back to whichever exists.
    /// Returns the token and which one it is.
    pub fn pick(&self, choice: Option<Use>, prefer: Use) -> Result<(String, Use), String> {
        let get = |u: Use| match u {
            Use::Access => self.access.clone(),
            Use::Id => self.id.clone(),
        };
        if let Some(u) = choice {
            return get(u).map(|t| (t, u)).ok_or_else(|| {
                format!(
                    "the JSON input has no {} token",
                    if u == Use::Access { "access" } else { "ID" }
                )
            });
        }
        let other = if prefer == Use::Access {
            Use::Id
        } else {
            Use::Access
        };
        get(prefer)
            .map(|t| (t, prefer))
            .or_else(|| get(other).map(|t| (t, other)))
            .ok_or_else(|| "the JSON input holds no token".to_string())
    }
}

/// Why a string is not a compact JWS. The message is what the `format` check shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// One line: what is wrong with the input.
    pub message: String,
}

impl FormatError {
    fn new(m: impl Into<String>) -> Self {
        FormatError { message: m.into() }
    }
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The header segment parsed last and its header, for [`Jwt::parse_with`].
#[derive(Debug, Default)]
pub struct HeaderMemo {
    last: Option<(String, std::sync::Arc<Map<String, Value>>)>,
}

impl HeaderMemo {
    /// Longest header segment remembered.
    const MAX_SEGMENT: usize = 1024;
}

/// A decoded (not verified) compact JWS.
#[derive(Debug, Clone)]
pub struct Jwt {
    /// The token as given (cleaned).
    pub raw: String,
    /// The JOSE header (shared: the tokens of a batch usually have the same one, parsed once
    /// with a [`HeaderMemo`]).
    pub header: std::sync::Arc<Map<String, Value>>,
    /// The claims: the ones the checks read at hand, the full map built on first use.
    pub claims: Claims,
    /// Length of `header.payload`, the signing input, within `raw`.
    pub signing_input_len: usize,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Whether `bytes` holds an ASCII whitespace or control byte (`\t \n \x0c \r` and space are all
/// at or below 0x20, the controls are below 0x20 and 0x7f). Written without an early exit so
/// the compiler can compare many bytes at once: every token of a batch passes through here.
fn has_ascii_space_or_control(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(false, |found, &b| found | (b <= b' ') | (b == 0x7f))
}

/// The value of each base64url symbol; `0xff` for a byte that is not one.
const B64URL: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 64 {
        let c = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[i];
        t[c as usize] = i as u8;
        i += 1;
    }
    t
};

/// [`b64`] into `buf` (appended). What the `base64` crate's `URL_SAFE_NO_PAD` accepts, the
/// same bytes (a test holds them to it): the 64 symbols only, no lone last symbol, the unused
/// bits of the last symbol zero. Written out because decoding every token of a batch through
/// the crate was a measurable share of its work.
fn b64_into(seg: &str, what: &str, buf: &mut Vec<u8>) -> Result<(), FormatError> {
    let seg = seg.trim_end_matches('=').as_bytes();
    let invalid = || FormatError::new(format!("the {what} is not valid base64url"));
    let tail = seg.len() % 4;
    if tail == 1 {
        return Err(invalid());
    }
    let start = buf.len();
    let whole = seg.len() / 4;
    buf.resize(start + whole * 3 + tail.saturating_sub(1), 0);
    let (body, rest) = buf[start..].split_at_mut(whole * 3);
    // Every symbol's value ORed in: the high bit is set if any byte was not a symbol.
    let mut bad = 0u8;
    for (out, q) in body.chunks_exact_mut(3).zip(seg.chunks_exact(4)) {
        let (a, b, c, d) = (
            B64URL[usize::from(q[0])],
            B64URL[usize::from(q[1])],
            B64URL[usize::from(q[2])],
            B64URL[usize::from(q[3])],
        );
        bad |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        out[0] = (n >> 16) as u8;
        out[1] = (n >> 8) as u8;
        out[2] = n as u8;
    }
    let last = &seg[whole * 4..];
    match last.len() {
        2 => {
            let (a, b) = (B64URL[usize::from(last[0])], B64URL[usize::from(last[1])]);
            // The unused low bits of the last symbol must be zero.
            bad |= a | b | if b & 0x0f != 0 { 0x80 } else { 0 };
            rest[0] = a << 2 | b >> 4;
        }
        3 => {
            let (a, b, c) = (
                B64URL[usize::from(last[0])],
                B64URL[usize::from(last[1])],
                B64URL[usize::from(last[2])],
            );
            bad |= a | b | c | if c & 0x03 != 0 { 0x80 } else { 0 };
            rest[0] = a << 2 | b >> 4;
            rest[1] = b << 4 | c >> 2;
        }
        _ => {}
    }
    if bad & 0x80 != 0 {
        buf.truncate(start);
        return Err(invalid());
    }
    Ok(())
}

/// Decodes one base64url segment (padding tolerated, as some issuers emit it).
fn b64(seg: &str, what: &str) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    b64_into(seg, what, &mut out)?;
    Ok(out)
}

/// Parses a JSON document into a [`Value`] and finds, in the same pass, the first repeated key
/// in any of its objects (top level or nested): parsers disagree on which one wins, so such a
/// token is ambiguous and refused. The key comes with its path when nested (`cnf.jkt`); array
/// elements share the array's path (`groups.name`, not `groups[3].name`). One pass instead of a
/// parse and a second walk for duplicates: a measurable share of verifying a batch.
fn parse_strict(bytes: &[u8]) -> serde_json::Result<(Value, Option<String>)> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    /// Builds one value; yields it and the path (below it) of the first repeated key in it. The
    /// path is built only on the way back up from a find.
    struct Strict;
    impl<'de> DeserializeSeed<'de> for Strict {
        type Value = (Value, Option<String>);
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Strict {
        type Value = (Value, Option<String>);
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
            Ok((Value::Bool(b), None))
        }
        fn visit_i64<E>(self, i: i64) -> Result<Self::Value, E> {
            Ok((Value::Number(i.into()), None))
        }
        fn visit_u64<E>(self, u: u64) -> Result<Self::Value, E> {
            Ok((Value::Number(u.into()), None))
        }
        fn visit_f64<E>(self, f: f64) -> Result<Self::Value, E> {
            Ok((
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
                None,
            ))
        }
        fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
            Ok((Value::String(s.to_owned()), None))
        }
        fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
            Ok((Value::String(s), None))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok((Value::Null, None))
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok((Value::Null, None))
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            Strict.deserialize(d)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            let mut found = None;
            while let Some((v, inner)) = seq.next_element_seed(Strict)? {
                found = found.or(inner);
                items.push(v);
            }
            Ok((Value::Array(items), found))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            // Room for a typical token's claims: no rehash while they are read.
            let mut m = Map::with_capacity(16);
            let mut found = None;
            while let Some(k) = map.next_key::<String>()? {
                if found.is_some() {
                    // The document is refused: read the rest only to find a syntax error.
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                // One lookup for the duplicate test and the insertion.
                match m.entry(k) {
                    serde_json::map::Entry::Occupied(e) => {
                        map.next_value::<IgnoredAny>()?;
                        found = Some(e.key().clone());
                    }
                    serde_json::map::Entry::Vacant(e) => {
                        let (v, inner) = map.next_value_seed(Strict)?;
                        if let Some(inner) = inner {
                            found = Some(format!("{}.{inner}", e.key()));
                        }
                        e.insert(v);
                    }
                }
            }
            Ok((Value::Object(m), found))
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Strict.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// How deep JSON may nest in a token: serde_json's own recursion limit (it refuses deeper input).
pub const MAX_JSON_DEPTH: usize = 128;

fn json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, FormatError> {
    match parse_strict(bytes) {
        Ok((Value::Object(m), None)) => Ok(m),
        Ok((Value::Object(_), Some(k))) => Err(repeated(what, &k)),
        Ok(_) => Err(not_object(what)),
        Err(e) => Err(not_json(what, &e)),
    }
}

/// The payload's claims ([`Claims::parse`]), refused in the words of [`json_object`].
fn claims_object(bytes: Vec<u8>) -> Result<Claims, FormatError> {
    use payload::Refused;
    Claims::parse(bytes).map_err(|r| match r {
        Refused::Duplicate(k) => repeated("payload", &k),
        Refused::NotObject => not_object("payload"),
        Refused::Json(e) => not_json("payload", &e),
    })
}

fn repeated(what: &str, key: &str) -> FormatError {
    FormatError::new(format!(
        "the {what} repeats the key \"{}\" (ambiguous JSON is refused)",
        esc_short(key, 80)
    ))
}

fn not_object(what: &str) -> FormatError {
    FormatError::new(format!("the {what} is JSON but not an object"))
}

fn not_json(what: &str, e: &serde_json::Error) -> FormatError {
    if e.to_string().starts_with("recursion limit exceeded") {
        FormatError::new(format!(
            "the {what} nests JSON more than {MAX_JSON_DEPTH} levels deep (refused, not parsed)"
        ))
    } else {
        FormatError::new(format!("the {what} is not JSON ({e})"))
    }
}

/// Header parameters registered by RFC 7515/7516/7518 (`crit` must not list them).
const REGISTERED_HEADERS: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

/// RFC 7515 §4.1.11: a JWS whose `crit` header lists extensions the recipient does not
/// understand is invalid. tokdiag understands none (not even `b64`, RFC 7797), so any `crit`
/// header, well-formed or not, refuses the token.
fn check_crit(header: &Map<String, Value>) -> Result<(), FormatError> {
    let Some(crit) = header.get("crit") else {
        return Ok(());
    };
    let names: Option<Vec<&str>> = crit
        .as_array()
        .filter(|a| !a.is_empty())
        .and_then(|a| a.iter().map(Value::as_str).collect());
    let Some(names) = names else {
        return Err(FormatError::new(format!(
            "the header's crit is malformed ({}): RFC 7515 wants a non-empty list of header names, and such a token is invalid",
            esc_short(&crit.to_string(), 60)
        )));
    };
    let shown = names
        .iter()
        .take(5)
        .map(|n| format!("\"{}\"", esc_short(n, 40)))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(r) = names.iter().find(|n| REGISTERED_HEADERS.contains(n)) {
        return Err(FormatError::new(format!(
            "the header's crit lists \"{}\", a standard header parameter, which RFC 7515 forbids: the token is invalid",
            esc(r)
        )));
    }
    Err(FormatError::new(format!(
        "unsupported critical header (RFC 7515 §4.1.11): crit lists [{shown}], extensions tokdiag does not understand, so the token must be refused"
    )))
}

impl Jwt {
    /// Parses a compact JWS (`header.payload.signature`). Everything that is not one, including
    /// JWE (5 segments), opaque tokens and truncated input, gives a [`FormatError`] naming why.
    pub fn parse(token: &str) -> Result<Jwt, FormatError> {
        Jwt::parse_with(token, &mut HeaderMemo::default())
    }

    /// [`Jwt::parse`], with the header taken from `memo` when it is the header segment parsed
    /// last (a batch's tokens mostly share one), and remembered there otherwise.
    pub fn parse_with(token: &str, memo: &mut HeaderMemo) -> Result<Jwt, FormatError> {
        if token.is_empty() {
            return Err(FormatError::new("the input is empty"));
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(FormatError::new(format!(
                "the token is {} bytes, over the {} KiB limit",
                token.len(),
                MAX_TOKEN_BYTES / 1024
            )));
        }
        let segments = memchr::memchr_iter(b'.', token.as_bytes()).count() + 1;
        let spaced = |c: char| c.is_whitespace() || c.is_control();
        if segments > 1
            && (has_ascii_space_or_control(token.as_bytes())
                || (!token.is_ascii() && token.chars().any(spaced)))
        {
            return Err(FormatError::new(
                "the token contains whitespace inside it (two tokens, or a wrapped line?)",
            ));
        }
        match segments {
            3 => {}
            5 => {
                return Err(FormatError::new(
                    "this is an encrypted token (JWE, 5 segments): an authorizer cannot read it",
                ));
            }
            1 => {
                return Err(FormatError::new(
                    "this is an opaque string, not a JWT (no '.' separators)",
                ));
            }
            n => {
                return Err(FormatError::new(format!(
                    "a JWT has 3 '.'-separated segments; this has {n} (truncated or mangled?)"
                )));
            }
        }
        let mut parts = token.splitn(3, '.');
        let (Some(h), Some(p), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(FormatError::new("the header or payload segment is empty"));
        };
        if h.is_empty() || p.is_empty() {
            return Err(FormatError::new("the header or payload segment is empty"));
        }
        // One buffer for the decoded header, then the payload: they are parsed, not kept.
        let mut buf = Vec::with_capacity(h.len().max(p.len()) / 4 * 3 + 3);
        let header = match &memo.last {
            Some((seg, header)) if seg == h => header.clone(),
            _ => {
                b64_into(h, "header", &mut buf)?;
                let header = std::sync::Arc::new(json_object(&buf, "header")?);
                buf.clear();
                if h.len() <= HeaderMemo::MAX_SEGMENT {
                    memo.last = Some((h.to_string(), header.clone()));
                }
                header
            }
        };
        b64_into(p, "payload", &mut buf)?;
        let claims = claims_object(buf)?;
        let signature = b64(sig, "signature")?;
        Ok(Jwt {
            raw: token.to_string(),
            header,
            claims,
            signing_input_len: h.len() + 1 + p.len(),
            signature,
        })
    }

    /// Why the `crit` header makes this JWS invalid (RFC 7515 §4.1.11), if it does. The parser
    /// still decodes such a token (so `decode` can show it); the signature check refuses it.
    pub fn crit_error(&self) -> Option<String> {
        check_crit(&self.header).err().map(|e| e.message)
    }

    /// The `header.payload` part that the signature covers.
    pub fn signing_input(&self) -> &str {
        &self.raw[..self.signing_input_len]
    }

    /// A string claim.
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.str(name)
    }

    /// A numeric date claim (`exp`, `nbf`, `iat`, `auth_time`) as whole seconds.
    pub fn claim_time(&self, name: &str) -> Option<i64> {
        let v = self.claims.number(name)?;
        v.as_i64().or_else(|| {
            v.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.floor() as i64)
        })
    }

    /// A string header field.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// The `aud` claim as a list (a string becomes one element).
    pub fn audiences(&self) -> Vec<String> {
        self.claims.strings("aud")
    }

    /// Scopes from `scope` (space separated) and `scp` (string or array), in order, deduplicated.
    pub fn scopes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for key in ["scope", "scp"] {
            match self.claims.str(key) {
                Some(s) => out.extend(s.split_whitespace().map(str::to_string)),
                // An array's strings (nothing for another value).
                None => out.extend(self.claims.strings(key)),
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|s| seen.insert(s.clone()));
        out
    }

    /// The token with every string of its header and claims (keys too) [escaped](crate::escape::esc),
    /// for code that writes many of its values into human text (diagnoses, `decode`'s notes). The
    /// raw text and signature stay as they are. Borrowed when nothing needed escaping.
    pub fn escaped(&self) -> std::borrow::Cow<'_, Jwt> {
        let h = crate::escape::esc_json_map(&self.header);
        let c = crate::escape::esc_json_map(&self.claims);
        if h.is_none() && c.is_none() {
            return std::borrow::Cow::Borrowed(self);
        }
        std::borrow::Cow::Owned(Jwt {
            header: h.map_or_else(|| self.header.clone(), std::sync::Arc::new),
            claims: c.map_or_else(|| self.claims.clone(), Claims::from_map),
            ..self.clone()
        })
    }

    /// The token kind.
    pub fn kind(&self) -> TokenKind {
        TokenKind::classify(self)
    }
}

/// A claim value as a list of strings: a string is one element, an array keeps its strings.
pub fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// What kind of token this is (`token.kind` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    /// Cognito access token of a user.
    CognitoAccess,
    /// Cognito ID token.
    CognitoId,
    /// Cognito access token from the client-credentials grant.
    CognitoClientCredentials,
    /// Microsoft Entra ID v1.0 token.
    EntraV1,
    /// Microsoft Entra ID v2.0 token.
    EntraV2,
    /// Okta token.
    Okta,
    /// Auth0 token.
    Auth0,
    /// Keycloak token.
    Keycloak,
    /// Google ID token.
    Google,
    /// GitHub Actions OIDC token.
    GithubActions,
    /// Any other JWT.
    Jwt,
}

impl TokenKind {
    /// The kebab-case name used in JSON and text.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::CognitoAccess => "cognito-access",
            TokenKind::CognitoId => "cognito-id",
            TokenKind::CognitoClientCredentials => "cognito-client-credentials",
            TokenKind::EntraV1 => "entra-v1",
            TokenKind::EntraV2 => "entra-v2",
            TokenKind::Okta => "okta",
            TokenKind::Auth0 => "auth0",
            TokenKind::Keycloak => "keycloak",
            TokenKind::Google => "google",
            TokenKind::GithubActions => "github-actions",
            TokenKind::Jwt => "jwt",
        }
    }

    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::CognitoAccess => "Cognito access token",
            TokenKind::CognitoId => "Cognito ID token",
            TokenKind::CognitoClientCredentials => "Cognito access token (client credentials, M2M)",
            TokenKind::EntraV1 => "Microsoft Entra ID v1.0 token",
            TokenKind::EntraV2 => "Microsoft Entra ID v2.0 token",
            TokenKind::Okta => "Okta token",
            TokenKind::Auth0 => "Auth0 token",
            TokenKind::Keycloak => "Keycloak token",
            TokenKind::Google => "Google ID token",
            TokenKind::GithubActions => "GitHub Actions OIDC token",
            TokenKind::Jwt => "JWT",
        }
    }

    /// True for the three Cognito kinds.
    pub fn is_cognito(self) -> bool {
        matches!(
            self,
            TokenKind::CognitoAccess | TokenKind::CognitoId | TokenKind::CognitoClientCredentials
        )
    }

    /// Classifies a decoded token by its claims: Cognito by `token_use`, then the provider by the
    /// shape of `iss` (the spec's "Other identity providers"):
    /// - `entra-v1`: `iss` `https://sts.windows.net/{tid}/`, or `ver` "1.0" with `tid`;
    /// - `entra-v2`: `iss` on `login.microsoftonline.*` (or a sovereign cloud, or `*.ciamlogin.com`)
    ///   with `/v2.0` or `ver` "2.0";
    /// - `google`: `iss` `https://accounts.google.com` or the bare `accounts.google.com`;
    /// - `github-actions`: `iss` `https://token.actions.githubusercontent.com` (GHES: `…/_services/token`);
    /// - `keycloak`: a `/realms/{realm}` path (also the legacy `/auth/realms/{realm}`);
    /// - `auth0`: `iss` on `*.auth0.com`, or a trailing-slash issuer without path and `azp`/`gty`;
    /// - `okta`: `iss` on `*.okta.com`/`*.oktapreview.com`/`*.okta-emea.com`, or `/oauth2/{server}`
    ///   or no path, with `cid`.
    pub fn classify(jwt: &Jwt) -> TokenKind {
        match jwt.claim_str("token_use") {
            Some("id") => return TokenKind::CognitoId,
            Some("access") => {
                let sub = jwt.claim_str("sub");
                let cid = jwt.claim_str("client_id");
                if !jwt.claims.has("username") && sub.is_some() && sub == cid {
                    return TokenKind::CognitoClientCredentials;
                }
                return TokenKind::CognitoAccess;
            }
            _ => {}
        }
        let iss = jwt.claim_str("iss").unwrap_or("");
        let host_path = iss
            .strip_prefix("https://")
            .or_else(|| iss.strip_prefix("http://"))
            .unwrap_or(iss);
        let (host, path) = host_path.split_once('/').unwrap_or((host_path, ""));
        let host = host.to_ascii_lowercase();
        let path = path.trim_end_matches('/');
        let ver = jwt.claim_str("ver");
        let has = |c: &str| jwt.claims.has(c);
        if host == "sts.windows.net"
            || host.starts_with("sts.chinacloudapi.")
            || (ver == Some("1.0") && has("tid"))
        {
            return TokenKind::EntraV1;
        }
        if host.starts_with("login.microsoftonline.")
            || host.starts_with("login.partner.microsoftonline.")
            || host.starts_with("login.chinacloudapi.")
            || host.ends_with(".ciamlogin.com")
        {
            return if path.ends_with("v2.0") || ver == Some("2.0") {
                TokenKind::EntraV2
            } else {
                TokenKind::EntraV1
            };
        }
        if host == "accounts.google.com" {
            return TokenKind::Google;
        }
        if host == "token.actions.githubusercontent.com" || path == "_services/token" {
            return TokenKind::GithubActions;
        }
        if path.starts_with("realms/") || path.contains("/realms/") {
            return TokenKind::Keycloak;
        }
        if host.ends_with(".auth0.com")
            || (iss.ends_with('/') && path.is_empty() && (has("gty") || has("azp")))
        {
            return TokenKind::Auth0;
        }
        let okta_host = host.ends_with(".okta.com")
            || host.ends_with(".oktapreview.com")
            || host.ends_with(".okta-emea.com");
        let okta_path = path.is_empty()
            || path
                .strip_prefix("oauth2/")
                .is_some_and(|s| !s.is_empty() && !s.contains('/'));
        if okta_host || (has("cid") && okta_path) {
            return TokenKind::Okta;
        }
        TokenKind::Jwt
    }
}

/// A Cognito user pool as named by an issuer or discovery URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CognitoPool {
    /// The pool id, `<region>_<id>`.
    pub pool_id: String,
    /// The region prefix of the pool id.
    pub region: String,
}

/// True when `seg` looks like a Cognito user pool id: `<region>_<alnum>`, e.g. `us-east-1_h0Vo2Whhx`.
pub fn is_pool_id(seg: &str) -> bool {
    let Some((region, id)) = seg.split_once('_') else {
        return false;
    };
    let region_ok = region.split('-').count() >= 3
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.chars().last().is_some_and(|c| c.is_ascii_digit());
    region_ok && !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// True for any `<prefix>_<id>` pool id, as emulators name pools (cognito-local: `local_1CcUREBq`);
/// real pools are `<region>_<id>` ([`is_pool_id`]).
pub fn is_emulator_pool_id(seg: &str) -> bool {
    let Some((prefix, id)) = seg.split_once('_') else {
        return false;
    };
    !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The emulator pool id (`local_<id>`) in an issuer or discovery URL: the last path segment (before
/// `/.well-known/`) that is one.
pub fn emulator_pool(url: &str) -> Option<String> {
    let base = url.split("/.well-known/").next().unwrap_or(url);
    let path = base.split_once("://").map(|(_, rest)| rest).unwrap_or(base);
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    segs.into_iter()
        .rev()
        .find(|s| is_emulator_pool_id(s))
        .map(str::to_string)
}

/// Finds the pool in an issuer or discovery URL: the path segment that looks like a pool id
/// (before `/.well-known/` when present), whatever the host, so emulators work too.
pub fn cognito_pool(url: &str) -> Option<CognitoPool> {
    let base = url.split("/.well-known/").next().unwrap_or(url);
    let path = base.split_once("://").map(|(_, rest)| rest).unwrap_or(base);
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    segs.into_iter()
        .rev()
        .find(|seg| is_pool_id(seg))
        .map(|seg| CognitoPool {
            pool_id: seg.to_string(),
            region: seg.split('_').next().unwrap_or_default().to_string(),
        })
}

/// The two forms of a Cognito user pool's issuer (`IssuerConfiguration.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum IssuerForm {
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    Original,
    /// `https://issuer-cognito-idp.<region>.amazonaws.com/<pool id>` (the form Cognito recommends).
    Updated,
}

impl IssuerForm {
    /// `ORIGINAL` or `UPDATED`, as Cognito names them.
    pub fn name(self) -> &'static str {
        match self {
            IssuerForm::Original => "ORIGINAL",
            IssuerForm::Updated => "UPDATED",
        }
    }

    /// The issuer of `pool_id` in `region` in this form.
    pub fn issuer(self, region: &str, pool_id: &str) -> String {
        match self {
            IssuerForm::Original => format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
            IssuerForm::Updated => {
                format!("https://issuer-cognito-idp.{region}.amazonaws.com/{pool_id}")
            }
        }
    }
}

/// The Cognito issuer form of an issuer or discovery URL on AWS (`cognito-idp.<region>.amazonaws.com`
/// or `issuer-cognito-idp.<region>.amazonaws.com`, also `.amazonaws.com.cn`); `None` for other hosts
/// (emulators included).
pub fn cognito_issuer_form(url: &str) -> Option<IssuerForm> {
    let rest = url.trim().split_once("://").map(|(_, r)| r)?;
    let host = rest.split('/').next()?.to_ascii_lowercase();
    let aws = host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn");
    if !aws {
        None
    } else if host.starts_with("issuer-cognito-idp.") {
        Some(IssuerForm::Updated)
    } else if host.starts_with("cognito-idp.") {
        Some(IssuerForm::Original)
    } else {
        None
    }
}

/// Which claim carries the app client id for this token, and its value.
pub fn client_id_claim(jwt: &Jwt) -> Option<(&'static str, String)> {
    match jwt.kind() {
        TokenKind::CognitoId => jwt.audiences().into_iter().next().map(|a| ("aud", a)),
        _ => {
            for c in ["client_id", "azp", "appid", "cid"] {
                if let Some(v) = jwt.claim_str(c) {
                    return Some((c, v.to_string()));
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[test]
    fn base64url_as_the_crate_decodes_it() {
        // Every string of up to 3 symbols from a set with the edge cases, then longer ones.
        let syms: Vec<char> = "AQgw_-9zZ+/=. \u{e9}".chars().collect();
        let mut inputs: Vec<String> = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &inputs {
                for c in &syms {
                    next.push(format!("{s}{c}"));
                }
            }
            inputs.extend(next);
            inputs.dedup();
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for n in 0..5000 {
            let len = n % 40;
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    syms[(x % if n % 3 == 0 { syms.len() } else { 6 } as u64) as usize]
                })
                .collect();
            inputs.push(s);
        }
        for s in &inputs {
            let want = URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
            let mut got = b"kept".to_vec();
            let r = b64_into(s, "payload", &mut got);
            match want {
                Some(w) => {
                    assert!(r.is_ok(), "{s:?}");
                    assert_eq!(&got[4..], w, "{s:?}");
                }
                None => {
                    assert_eq!(
                        r.map_err(|e| e.message),
                        Err("the payload is not valid base64url".to_string()),
                        "{s:?}"
                    );
                    assert_eq!(got, b"kept", "{s:?}");
                }
            }
        }
    }

    fn make(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims),
            URL_SAFE_NO_PAD.encode("sig")
        )
    }

    #[test]
    fn header_memo_shares_a_repeated_header_and_only_that() {
        let mut memo = HeaderMemo::default();
        let h = r#"{"alg":"RS256","kid":"k1"}"#;
        let a = Jwt::parse_with(&make(h, r#"{"sub":"a"}"#), &mut memo).unwrap();
        let b = Jwt::parse_with(&make(h, r#"{"sub":"b"}"#), &mut memo).unwrap();
        assert!(std::sync::Arc::ptr_eq(&a.header, &b.header));
        assert_eq!(b.claim_str("sub"), Some("b"));
        let c = Jwt::parse_with(&make(r#"{"alg":"ES256"}"#, "{}"), &mut memo).unwrap();
        assert_eq!(c.header_str("alg"), Some("ES256"));
        // A header that does not parse is refused every time, not remembered.
        let bad = make(r#"{"alg":"RS256","alg":"none"}"#, "{}");
        for _ in 0..2 {
            let e = Jwt::parse_with(&bad, &mut memo).unwrap_err();
            assert!(e.message.contains("repeats the key"), "{}", e.message);
        }
        assert_eq!(
            Jwt::parse_with(&make(h, "{}"), &mut memo)
                .unwrap()
                .header_str("kid"),
            Some("k1")
        );
    }

    #[test]
    fn cleans_pasted_forms() {
        assert_eq!(clean("  a.b.c \n"), "a.b.c");
        assert_eq!(clean("Bearer a.b.c"), "a.b.c");
        assert_eq!(clean("\"Bearer a.b.c\""), "a.b.c");
        assert_eq!(clean("Authorization: Bearer a.b.c"), "a.b.c");
        assert_eq!(clean("'a.b.c'"), "a.b.c");
        assert_eq!(clean("bearer    a.b.c"), "a.b.c");
    }

    #[test]
    fn recognises_bundles() {
        let ia = r#"{"ChallengeParameters":{},"AuthenticationResult":{"AccessToken":"A","IdToken":"I","RefreshToken":"R"}}"#;
        let Input::Bundle(b) = recognise(ia) else {
            panic!("not a bundle")
        };
        assert_eq!(b.access.as_deref(), Some("A"));
        assert_eq!(
            b.pick(None, Use::Access).unwrap(),
            ("A".into(), Use::Access)
        );
        assert_eq!(b.pick(None, Use::Id).unwrap(), ("I".into(), Use::Id));
        assert_eq!(b.pick(Some(Use::Id), Use::Access).unwrap().0, "I");
        let oauth = r#"{"access_token":"A","token_type":"Bearer","expires_in":3600}"#;
        let Input::Bundle(b) = recognise(oauth) else {
            panic!("not a bundle")
        };
        assert_eq!(b.pick(None, Use::Id).unwrap(), ("A".into(), Use::Access));
        assert!(b.pick(Some(Use::Id), Use::Access).is_err());
        assert_eq!(
            recognise("{\"foo\":1}"),
            Input::Single("{\"foo\":1}".into())
        );
    }

    #[test]
    fn parses_and_refuses() {
        let t = make(
            r#"{"alg":"RS256","kid":"k"}"#,
            r#"{"token_use":"id","aud":"c"}"#,
        );
        let j = Jwt::parse(&t).unwrap();
        assert_eq!(j.header_str("kid"), Some("k"));
        assert_eq!(j.kind(), TokenKind::CognitoId);
        assert_eq!(j.signing_input(), t.rsplit_once('.').unwrap().0);
        for (input, needle) in [
            ("", "empty"),
            ("opaque", "opaque"),
            ("a.b.c.d.e", "JWE"),
            ("a.b", "3 '.'-separated"),
            ("!!.e30.x", "base64url"),
            (&make("nope", "{}"), "header is not JSON"),
            (&make("{}", "[1]"), "not an object"),
            (
                &make(r#"{"alg":"RS256","alg":"none"}"#, "{}"),
                "repeats the key \"alg\"",
            ),
        ] {
            let e = Jwt::parse(input).unwrap_err();
            assert!(e.message.contains(needle), "{input}: {}", e.message);
        }
        assert!(
            Jwt::parse(&"a".repeat(MAX_TOKEN_BYTES + 1))
                .unwrap_err()
                .message
                .contains("limit")
        );
    }

    #[test]
    fn refuses_crit_nested_duplicates_and_deep_nesting() {
        let e = |h: &str, c: &str| Jwt::parse(&make(h, c)).unwrap_err().message;
        // crit: decoded (so `decode` shows it), refused by the signature check.
        let crit = |h: &str| {
            Jwt::parse(&make(h, "{}"))
                .expect("a crit token still decodes")
                .crit_error()
                .unwrap_or_default()
        };
        assert!(
            crit(r#"{"alg":"RS256","crit":["exp-ext"],"exp-ext":1}"#).contains(
                "unsupported critical header (RFC 7515 §4.1.11): crit lists [\"exp-ext\"]"
            )
        );
        assert!(crit(r#"{"alg":"RS256","crit":["b64"],"b64":false}"#).contains("critical header"));
        assert!(crit(r#"{"alg":"RS256","crit":[]}"#).contains("crit is malformed"));
        assert!(crit(r#"{"alg":"RS256","crit":"x"}"#).contains("crit is malformed"));
        assert!(crit(r#"{"alg":"RS256","crit":["alg"]}"#).contains("standard header"));
        assert_eq!(crit(r#"{"alg":"RS256"}"#), "");
        assert!(
            e("{}", r#"{"cnf":{"jkt":"a","jkt":"b"}}"#).contains("repeats the key \"cnf.jkt\"")
        );
        assert!(e("{}", r#"{"a":[{"x":1,"x":1}]}"#).contains("repeats the key \"a.x\""));
        let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert!(e("{}", &deep).contains("nests JSON more than 128 levels deep"));
        let ok = format!(r#"{{"a":{}{}}}"#, "[".repeat(100), "]".repeat(100));
        assert!(Jwt::parse(&make("{}", &ok)).is_ok());
    }

    #[test]
    fn clean_never_slices_inside_a_character() {
        assert_eq!(
            clean("authorizati\u{e9}\u{e9}x"),
            "authorizati\u{e9}\u{e9}x"
        );
        assert_eq!(clean("beare\u{e9}x"), "beare\u{e9}x");
    }

    #[test]
    fn classifies() {
        let k = |c: &str| Jwt::parse(&make("{}", c)).unwrap().kind();
        assert_eq!(
            k(r#"{"token_use":"access","username":"a","client_id":"c","sub":"u"}"#),
            TokenKind::CognitoAccess
        );
        assert_eq!(
            k(r#"{"token_use":"access","client_id":"c","sub":"c"}"#),
            TokenKind::CognitoClientCredentials
        );
        assert_eq!(
            k(r#"{"iss":"https://sts.windows.net/t/","ver":"1.0"}"#),
            TokenKind::EntraV1
        );
        assert_eq!(
            k(r#"{"iss":"https://login.microsoftonline.com/t/v2.0","ver":"2.0"}"#),
            TokenKind::EntraV2
        );
        assert_eq!(
            k(r#"{"iss":"https://dev-1.okta.com/oauth2/default","cid":"x"}"#),
            TokenKind::Okta
        );
        assert_eq!(
            k(r#"{"iss":"https://x.us.auth0.com/","azp":"x"}"#),
            TokenKind::Auth0
        );
        assert_eq!(
            k(r#"{"iss":"https://kc.example.com/realms/demo"}"#),
            TokenKind::Keycloak
        );
        assert_eq!(
            k(r#"{"iss":"https://accounts.google.com"}"#),
            TokenKind::Google
        );
        assert_eq!(
            k(r#"{"iss":"https://token.actions.githubusercontent.com"}"#),
            TokenKind::GithubActions
        );
        assert_eq!(k(r#"{"iss":"https://example.com"}"#), TokenKind::Jwt);
    }

    #[test]
    fn classifies_provider_variants() {
        let k = |c: &str| Jwt::parse(&make("{}", c)).unwrap().kind();
        // Entra: v1 by issuer, or by ver + tid; v2 by /v2.0 or ver; sovereign and CIAM hosts.
        assert_eq!(
            k(r#"{"iss":"https://sts.windows.net/t/","ver":"1.0","appid":"a","tid":"t"}"#),
            TokenKind::EntraV1
        );
        assert_eq!(
            k(r#"{"iss":"https://login.microsoftonline.com/t/","ver":"1.0","tid":"t"}"#),
            TokenKind::EntraV1
        );
        assert_eq!(
            k(r#"{"iss":"https://login.microsoftonline.us/t/v2.0","tid":"t"}"#),
            TokenKind::EntraV2
        );
        assert_eq!(
            k(r#"{"iss":"https://contoso.ciamlogin.com/t/v2.0","ver":"2.0"}"#),
            TokenKind::EntraV2
        );
        // Okta's integer ver is not Entra's "1.0".
        assert_eq!(
            k(
                r#"{"iss":"https://dev-1.okta.com/oauth2/default","ver":1,"cid":"0oa1","scp":["a"]}"#
            ),
            TokenKind::Okta
        );
        // Okta on a custom domain (custom server) and the org server.
        assert_eq!(
            k(r#"{"iss":"https://id.example.com/oauth2/aus1x","cid":"0oa1"}"#),
            TokenKind::Okta
        );
        assert_eq!(
            k(r#"{"iss":"https://dev-1.okta.com","cid":"0oa1"}"#),
            TokenKind::Okta
        );
        assert_eq!(
            k(r#"{"iss":"https://id.example.com","cid":"0oa1"}"#),
            TokenKind::Okta
        );
        // Auth0 on a custom domain: trailing slash, no path, gty or azp.
        assert_eq!(
            k(r#"{"iss":"https://login.example.com/","gty":"client-credentials","azp":"x"}"#),
            TokenKind::Auth0
        );
        assert_eq!(
            k(r#"{"iss":"https://login.example.com","azp":"x"}"#),
            TokenKind::Jwt
        );
        // Keycloak, also the legacy /auth prefix and a localhost issuer.
        assert_eq!(
            k(r#"{"iss":"https://kc.example.com/auth/realms/demo","azp":"c"}"#),
            TokenKind::Keycloak
        );
        assert_eq!(
            k(r#"{"iss":"http://localhost:8080/realms/demo","azp":"c"}"#),
            TokenKind::Keycloak
        );
        // Google's bare issuer form; GitHub Enterprise Server.
        assert_eq!(k(r#"{"iss":"accounts.google.com"}"#), TokenKind::Google);
        assert_eq!(
            k(r#"{"iss":"https://ghe.example.com/_services/token"}"#),
            TokenKind::GithubActions
        );
        // Cognito's token_use wins over everything else.
        assert_eq!(
            k(r#"{"iss":"https://sts.windows.net/t/","token_use":"id"}"#),
            TokenKind::CognitoId
        );
    }

    #[test]
    fn issuer_forms() {
        let upd = "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC";
        assert_eq!(cognito_issuer_form(upd), Some(IssuerForm::Updated));
        assert_eq!(
            cognito_issuer_form(&format!("{upd}/.well-known/openid-configuration")),
            Some(IssuerForm::Updated)
        );
        assert_eq!(
            cognito_issuer_form("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"),
            Some(IssuerForm::Original)
        );
        assert_eq!(cognito_issuer_form("http://127.0.0.1:9229/local_x"), None);
        let p = cognito_pool(upd).unwrap();
        assert_eq!(
            (p.pool_id.as_str(), p.region.as_str()),
            ("eu-west-1_AbC", "eu-west-1")
        );
        assert_eq!(
            IssuerForm::Updated.issuer("eu-west-1", "eu-west-1_AbC"),
            upd
        );
    }

    #[test]
    fn finds_pools() {
        let p = cognito_pool("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration").unwrap();
        assert_eq!(p.pool_id, "us-east-1_h0Vo2Whhx");
        assert_eq!(p.region, "us-east-1");
        let p = cognito_pool("http://127.0.0.1:5001/eu-west-2_89c51aaa15be4747b4b21ed8de52d876/.well-known/openid-configuration").unwrap();
        assert_eq!(p.region, "eu-west-2");
        assert!(cognito_pool("https://login.microsoftonline.com/t/v2.0").is_none());
        assert!(is_pool_id("us-gov-west-1_abc"));
        assert!(!is_pool_id("3ipsf00btbffko91d8irdu8up1"));
    }

    #[test]
    fn scopes_from_both_claims() {
        let j = Jwt::parse(&make("{}", r#"{"scope":"a b","scp":["b","c"]}"#)).unwrap();
        assert_eq!(j.scopes(), vec!["a", "b", "c"]);
    }
}
