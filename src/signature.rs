//! Signature verification: the algorithm pinned by the key, never by the token. The checks built
//! on it (and `verify`'s rule set) are in [`crate::claims`].
//!
//! Everything here is pure.
//! Keys are parsed once into [`PreparedKeys`], which is `Sync`, so a batch can be verified on
//! several threads.

use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::signature::{self as sig, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use serde_json::Value;

use crate::escape::{esc, esc_short, short};
use crate::token::Jwt;

/// The outcome of checking a token's signature against a key set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigOutcome {
    /// The signature verifies with the key `kid` and algorithm `alg`.
    Valid {
        /// The key's `kid`.
        kid: Option<String>,
        /// The algorithm used (the token's, allowed by the key).
        alg: String,
    },
    /// No key with the token's `kid` (or, without a `kid`, no single key to use).
    UnknownKid {
        /// The token's `kid`.
        kid: Option<String>,
        /// The kids the key set has.
        known: Vec<String>,
    },
    /// The token's algorithm is refused (`none`, HS* with a public key, not the key's algorithm).
    AlgNotAllowed {
        /// The token's `alg`.
        alg: String,
        /// Why, in one line.
        reason: String,
    },
    /// The signature does not verify, or the key cannot be used.
    Invalid {
        /// Why, in one line.
        reason: String,
    },
}

impl SigOutcome {
    /// True for [`SigOutcome::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, SigOutcome::Valid { .. })
    }

    /// One line for humans.
    pub fn message(&self) -> String {
        match self {
            SigOutcome::Valid { kid, alg } => format!(
                "{alg} signature valid with key {}",
                kid.as_deref()
                    .map(|k| esc_short(k, 80))
                    .unwrap_or_else(|| "(no kid)".into())
            ),
            SigOutcome::UnknownKid {
                kid: Some(k),
                known,
            } => format!(
                "kid '{}' is not in the JWKS (known: {})",
                esc_short(k, 80),
                list_or_none(known)
            ),
            SigOutcome::UnknownKid { kid: None, known } => format!(
                "the token has no kid and the JWKS has {} keys (known: {}): cannot choose one",
                known.len(),
                list_or_none(known)
            ),
            SigOutcome::AlgNotAllowed { reason, .. } => reason.clone(),
            SigOutcome::Invalid { reason } => reason.clone(),
        }
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.iter()
            .map(|k| esc_short(k, 80))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The key type of a JWK, as written in `kty`.
fn kty(jwk: &Jwk) -> &'static str {
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => "RSA",
        AlgorithmParameters::EllipticCurve(_) => "EC",
        AlgorithmParameters::OctetKeyPair(_) => "OKP",
        AlgorithmParameters::OctetKey(_) => "oct",
        _ => "unknown",
    }
}

fn curve_name(c: &EllipticCurve) -> &'static str {
    match c {
        EllipticCurve::P256 => "P-256",
        EllipticCurve::P384 => "P-384",
        EllipticCurve::P521 => "P-521",
        EllipticCurve::Ed25519 => "Ed25519",
        _ => "unknown",
    }
}

/// Facts about one JWK, for `keys` and for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    /// `kid`.
    pub kid: Option<String>,
    /// `kty`: RSA, EC, OKP, oct, or unknown.
    pub kty: &'static str,
    /// `alg` as published (`None` when absent).
    pub alg: Option<String>,
    /// `use` as published.
    pub key_use: Option<String>,
    /// RSA modulus size in bits.
    pub rsa_bits: Option<usize>,
    /// EC/OKP curve.
    pub curve: Option<&'static str>,
    /// Algorithms this key verifies (from `alg`, else from kty/crv).
    pub allowed: Vec<Algorithm>,
}

fn alg_name(a: &KeyAlgorithm) -> String {
    match a {
        KeyAlgorithm::RSA_OAEP => "RSA-OAEP".to_string(),
        KeyAlgorithm::RSA_OAEP_256 => "RSA-OAEP-256".to_string(),
        KeyAlgorithm::UNKNOWN_ALGORITHM => "(unsupported)".to_string(),
        other => other.to_string(),
    }
}

/// RSA modulus size in bits from the base64url `n`.
fn rsa_bits(n: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(n.trim_end_matches('=')).ok()?;
    let first = bytes.iter().position(|b| *b != 0)?;
    let lead = bytes[first];
    Some((bytes.len() - first - 1) * 8 + (8 - lead.leading_zeros() as usize))
}

/// Algorithms a key of this type/curve can verify, when it does not pin one with `alg`.
fn family_algs(jwk: &Jwk) -> Vec<Algorithm> {
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa.algorithms().to_vec(),
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => vec![],
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => vec![Algorithm::EdDSA],
            _ => vec![],
        },
        _ => vec![],
    }
}

impl KeyFacts {
    /// Reads the facts of a JWK.
    pub fn of(jwk: &Jwk) -> KeyFacts {
        let family = family_algs(jwk);
        let allowed = match jwk.common.key_algorithm {
            Some(ka) => match Algorithm::try_from(ka) {
                Ok(a) if family.contains(&a) => vec![a],
                _ => vec![],
            },
            None => family,
        };
        KeyFacts {
            kid: jwk.common.key_id.clone(),
            kty: kty(jwk),
            alg: jwk.common.key_algorithm.as_ref().map(alg_name),
            key_use: jwk.common.public_key_use.as_ref().map(|u| match u {
                PublicKeyUse::Signature => "sig".to_string(),
                PublicKeyUse::Encryption => "enc".to_string(),
                PublicKeyUse::Other(s) => s.clone(),
            }),
            rsa_bits: match &jwk.algorithm {
                AlgorithmParameters::RSA(p) => rsa_bits(&p.n),
                _ => None,
            },
            curve: match &jwk.algorithm {
                AlgorithmParameters::EllipticCurve(p) => Some(curve_name(&p.curve)),
                AlgorithmParameters::OctetKeyPair(p) => Some(curve_name(&p.curve)),
                _ => None,
            },
            allowed,
        }
    }
}

/// The public key material of a JWK, decoded once from base64url.
enum Material {
    /// RSA modulus and exponent, big-endian.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed EC point: `0x04 || x || y`.
    Ec(Vec<u8>),
    /// A raw Ed25519 public key.
    Ed(Vec<u8>),
}

/// How many algorithms a key can be parsed for (see [`slot`]).
const SLOTS: usize = 9;

/// The slot of an algorithm in [`PreparedKey::parsed`]; `None` for algorithms never verified here.
fn slot(alg: Algorithm) -> Option<usize> {
    Some(match alg {
        Algorithm::RS256 => 0,
        Algorithm::RS384 => 1,
        Algorithm::RS512 => 2,
        Algorithm::PS256 => 3,
        Algorithm::PS384 => 4,
        Algorithm::PS512 => 5,
        Algorithm::ES256 => 6,
        Algorithm::ES384 => 7,
        Algorithm::EdDSA => 8,
        _ => return None,
    })
}

/// Decodes one base64url field of a JWK (strict: no padding, like the JOSE specs say).
fn b64_field(name: &str, value: &str) -> std::result::Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|e| format!("'{name}' is not base64url: {e}"))
}

impl Material {
    fn of(jwk: &Jwk) -> std::result::Result<Material, String> {
        match &jwk.algorithm {
            AlgorithmParameters::RSA(p) => Ok(Material::Rsa {
                n: b64_field("n", &p.n)?,
                e: b64_field("e", &p.e)?,
            }),
            AlgorithmParameters::EllipticCurve(p) => {
                let x = b64_field("x", &p.x)?;
                let y = b64_field("y", &p.y)?;
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Ok(Material::Ec(point))
            }
            AlgorithmParameters::OctetKeyPair(p) => Ok(Material::Ed(b64_field("x", &p.x)?)),
            AlgorithmParameters::OctetKey(_) => Err("a symmetric (oct) key".to_string()),
            _ => Err("a key type tokdiag does not support".to_string()),
        }
    }

    /// Parses the key for one algorithm (JWS ECDSA signatures are fixed-size `r || s`).
    fn parse(&self, alg: Algorithm) -> std::result::Result<ParsedPublicKey, String> {
        let rejected = |e: aws_lc_rs::error::KeyRejected| format!("the key is malformed ({e})");
        let rsa = |params: &'static RsaParameters, n: &[u8], e: &[u8]| {
            RsaPublicKeyComponents { n, e }
                .to_parsed_public_key(params)
                .map_err(rejected)
        };
        match (self, alg) {
            (Material::Rsa { n, e }, Algorithm::RS256) => {
                rsa(&sig::RSA_PKCS1_2048_8192_SHA256, n, e)
            }
            (Material::Rsa { n, e }, Algorithm::RS384) => {
                rsa(&sig::RSA_PKCS1_2048_8192_SHA384, n, e)
            }
            (Material::Rsa { n, e }, Algorithm::RS512) => {
                rsa(&sig::RSA_PKCS1_2048_8192_SHA512, n, e)
            }
            (Material::Rsa { n, e }, Algorithm::PS256) => rsa(&sig::RSA_PSS_2048_8192_SHA256, n, e),
            (Material::Rsa { n, e }, Algorithm::PS384) => rsa(&sig::RSA_PSS_2048_8192_SHA384, n, e),
            (Material::Rsa { n, e }, Algorithm::PS512) => rsa(&sig::RSA_PSS_2048_8192_SHA512, n, e),
            (Material::Ec(point), Algorithm::ES256) => {
                ParsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, point).map_err(rejected)
            }
            (Material::Ec(point), Algorithm::ES384) => {
                ParsedPublicKey::new(&sig::ECDSA_P384_SHA384_FIXED, point).map_err(rejected)
            }
            (Material::Ed(x), Algorithm::EdDSA) => {
                ParsedPublicKey::new(&sig::ED25519, x).map_err(rejected)
            }
            _ => Err(format!("{alg:?} does not apply to this key type")),
        }
    }
}

/// One key: facts and material decoded once, and the crypto library's parsed public key built on
/// first use for each algorithm (so a one-off check parses only the key and algorithm it needs).
struct PreparedKey {
    facts: KeyFacts,
    /// The JWK itself: its JSON is one of the forms a key-confusion attacker uses as HMAC secret.
    jwk: Jwk,
    /// The JWK's pinned algorithm, as parsed.
    pinned: Option<KeyAlgorithm>,
    key: std::result::Result<Material, String>,
    parsed: [OnceLock<std::result::Result<ParsedPublicKey, String>>; SLOTS],
}

impl PreparedKey {
    fn new(jwk: &Jwk) -> PreparedKey {
        PreparedKey {
            facts: KeyFacts::of(jwk),
            jwk: jwk.clone(),
            pinned: jwk.common.key_algorithm,
            key: Material::of(jwk),
            parsed: [const { OnceLock::new() }; SLOTS],
        }
    }

    fn usable(&self) -> bool {
        self.key.is_ok() && self.facts.key_use.as_deref() != Some("enc")
    }

    fn name(&self) -> String {
        match &self.facts.kid {
            Some(k) => format!("'{}'", esc_short(k, 80)),
            None => "(without kid)".to_string(),
        }
    }

    /// The parsed public key for `alg` (built once, then shared by every thread).
    fn parsed(&self, alg: Algorithm) -> std::result::Result<&ParsedPublicKey, String> {
        let material = self.key.as_ref().map_err(Clone::clone)?;
        let Some(i) = slot(alg) else {
            return Err(format!(
                "{alg:?} is not a signature algorithm tokdiag verifies"
            ));
        };
        self.parsed[i]
            .get_or_init(|| material.parse(alg))
            .as_ref()
            .map_err(Clone::clone)
    }
}
/// The keys of a [`JwkSet`], decoded once and parsed by the crypto library on first use, for
/// verifying many tokens fast (on several threads: it is `Sync`).
pub struct PreparedKeys {
    keys: Vec<PreparedKey>,
}

impl std::fmt::Debug for PreparedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedKeys")
            .field("kids", &self.kids())
            .finish_non_exhaustive()
    }
}

impl PreparedKeys {
    /// Parses every key of the set once.
    pub fn new(jwks: &JwkSet) -> Self {
        PreparedKeys {
            keys: jwks.keys.iter().map(PreparedKey::new).collect(),
        }
    }

    /// The kids of the set, in order.
    pub fn kids(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter_map(|k| k.facts.kid.clone())
            .collect()
    }

    /// Checks a token's signature: key by `kid`, algorithm pinned by the key.
    pub fn check(&self, jwt: &Jwt) -> SigOutcome {
        let alg_str = match jwt.header.get("alg") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                return SigOutcome::AlgNotAllowed {
                    alg: short(&other.to_string(), 40),
                    reason: "the header's alg is not a string".to_string(),
                };
            }
            None => {
                return SigOutcome::AlgNotAllowed {
                    alg: String::new(),
                    reason: "the header has no alg: unsigned tokens are never accepted".to_string(),
                };
            }
        };
        let alg_show = short(alg_str, 40);
        if alg_str.eq_ignore_ascii_case("none") {
            return SigOutcome::AlgNotAllowed {
                alg: alg_show,
                reason: format!("alg {alg_str}: unsigned tokens are never accepted"),
            };
        }
        // HMAC needs a shared secret; no key of a JWKS is one, whichever key the kid names.
        if matches!(alg_str, "HS256" | "HS384" | "HS512") && jwt.header.get("kid").is_none() {
            return SigOutcome::AlgNotAllowed {
                alg: alg_show,
                reason: format!(
                    "{alg_str} needs a shared secret; keys from a JWKS are public and never verify HMAC tokens"
                ),
            };
        }
        // RFC 7515 §4.1.11: extensions marked critical that we do not understand make the JWS invalid.
        if let Some(reason) = jwt.crit_error() {
            return SigOutcome::Invalid { reason };
        }

        // Choose the key.
        let kid = match jwt.header.get("kid") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let candidates: Vec<&PreparedKey> = match &kid {
            Some(k) => self
                .keys
                .iter()
                .filter(|p| p.facts.kid.as_deref() == Some(k.as_str()))
                .collect(),
            None => self.keys.iter().filter(|p| p.usable()).collect(),
        };
        if candidates.is_empty() || (kid.is_none() && candidates.len() > 1) {
            return SigOutcome::UnknownKid {
                kid,
                known: self.kids(),
            };
        }
        let parsed_alg = Algorithm::from_str(alg_str).ok();
        // Several keys may share a kid: prefer one that allows the token's algorithm.
        let key = parsed_alg
            .and_then(|a| {
                candidates
                    .iter()
                    .find(|p| p.usable() && p.facts.allowed.contains(&a))
            })
            .or_else(|| candidates.iter().find(|p| p.usable()))
            .unwrap_or(&candidates[0]);
        let kname = key.name();
        let kty = key.facts.kty;

        // The algorithm: known, not HMAC, and the one the key allows.
        let Some(alg) = parsed_alg else {
            let reason = if alg_str == "ES512" {
                "ES512 (P-521) is not supported by AgentCore or tokdiag".to_string()
            } else {
                format!(
                    "unknown algorithm '{}': not a JWS signature algorithm",
                    esc(&alg_show)
                )
            };
            return SigOutcome::AlgNotAllowed {
                alg: alg_show,
                reason,
            };
        };
        if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            let reason = match kty {
                // Key confusion only when the HMAC really verifies with the key's public bytes.
                "RSA" | "EC" | "OKP" => match hmac_with_public_key(key, alg, jwt) {
                    Some(form) => format!(
                        "{alg_str} with an {kty} key: the classic key-confusion attack (a public key used as an HMAC secret: the HMAC verifies with the key's {form})"
                    ),
                    None => format!(
                        "{alg_str} (an HMAC algorithm) where the key is {kty}: a public key never verifies an HMAC token"
                    ),
                },
                _ => format!(
                    "{alg_str} needs a shared secret; keys from a JWKS are public and never verify HMAC tokens"
                ),
            };
            return SigOutcome::AlgNotAllowed {
                alg: alg_show,
                reason,
            };
        }
        if let Err(m) = &key.key {
            return SigOutcome::Invalid {
                reason: format!("key {kname} cannot be used: {m}"),
            };
        }
        if key.facts.key_use.as_deref() == Some("enc") {
            return SigOutcome::Invalid {
                reason: format!(
                    "key {kname} is published for encryption (use=enc), not signatures"
                ),
            };
        }
        match key.pinned {
            Some(KeyAlgorithm::UNKNOWN_ALGORITHM) => {
                return SigOutcome::AlgNotAllowed {
                    alg: alg_show,
                    reason: format!(
                        "key {kname} is pinned to an algorithm tokdiag does not support"
                    ),
                };
            }
            Some(pinned) if pinned != KeyAlgorithm::from(alg) => {
                return SigOutcome::AlgNotAllowed {
                    alg: alg_show,
                    reason: format!(
                        "key {kname} is pinned to {}; the token says {alg_str}",
                        alg_name(&pinned)
                    ),
                };
            }
            _ => {}
        }
        if !key.facts.allowed.contains(&alg) {
            let shape = match key.facts.curve {
                Some(c) => format!("{kty} {c}"),
                None => kty.to_string(),
            };
            let allowed: Vec<String> = key.facts.allowed.iter().map(|a| format!("{a:?}")).collect();
            let reason = if key.pinned.is_some() {
                format!("key {kname} says alg {alg_str} but is an {shape} key")
            } else {
                format!(
                    "{alg_str} does not fit key {kname} ({shape}; allowed: {})",
                    list_or_none(&allowed)
                )
            };
            return SigOutcome::AlgNotAllowed {
                alg: alg_show,
                reason,
            };
        }
        if let Some(bits) = key.facts.rsa_bits
            && bits < 2048
        {
            return SigOutcome::Invalid {
                reason: format!(
                    "key {kname} is a {bits}-bit RSA key: key shorter than 2048 bits (RFC 7518 §3.3)"
                ),
            };
        }
        if jwt.signature.is_empty() {
            return SigOutcome::Invalid {
                reason: "the signature is empty".to_string(),
            };
        }
        let parsed = match key.parsed(alg) {
            Ok(p) => p,
            Err(m) => {
                return SigOutcome::Invalid {
                    reason: format!("key {kname} cannot verify {alg_str}: {m}"),
                };
            }
        };
        match parsed.verify_sig(jwt.signing_input().as_bytes(), &jwt.signature) {
            Ok(()) => SigOutcome::Valid {
                kid: key.facts.kid.clone(),
                alg: alg_str.to_string(),
            },
            Err(_)
                if matches!(alg, Algorithm::ES256 | Algorithm::ES384)
                    && is_der_ecdsa(&jwt.signature) =>
            {
                SigOutcome::Invalid {
                    reason: format!(
                        "malformed JOSE signature: the {alg_str} signature is DER-encoded (an ASN.1 SEQUENCE of r and s, {} bytes) instead of the fixed-size r‖s that JWS requires (RFC 7518 §3.4)",
                        jwt.signature.len()
                    ),
                }
            }
            Err(_) => SigOutcome::Invalid {
                reason: format!(
                    "the {alg_str} signature does not match key {kname}: signed with another key, or altered after signing"
                ),
            },
        }
    }
}

/// True when `sig` is a DER `SEQUENCE { INTEGER r, INTEGER s }` (what most crypto libraries
/// output for ECDSA), not JOSE's fixed-size `r‖s`.
fn is_der_ecdsa(sig: &[u8]) -> bool {
    fn int(b: &[u8]) -> Option<&[u8]> {
        let (&tag, rest) = b.split_first()?;
        let (&len, rest) = rest.split_first()?;
        (tag == 0x02 && len > 0 && (len as usize) <= rest.len() && len < 0x80)
            .then(|| &rest[len as usize..])
    }
    let [0x30, len, body @ ..] = sig else {
        return false;
    };
    if *len as usize != body.len() || *len >= 0x80 {
        return false;
    }
    int(body).and_then(int).is_some_and(<[u8]>::is_empty)
}

/// DER: a tag, its length and contents.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// DER INTEGER of an unsigned big-endian number.
fn der_uint(b: &[u8]) -> Vec<u8> {
    let b: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
    let mut v = if b.first().is_none_or(|x| x & 0x80 != 0) {
        vec![0]
    } else {
        vec![]
    };
    v.extend(b);
    der(0x02, &v)
}

/// PEM text of DER bytes, with 64-column lines, with and without the final newline.
fn pem(label: &str, der_bytes: &[u8]) -> [String; 2] {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der_bytes);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    let text = format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----",
        lines.join("\n")
    );
    [format!("{text}\n"), text]
}

/// The forms of a public key an attacker may use as an HMAC secret, named: SubjectPublicKeyInfo
/// (and PKCS#1 for RSA) as DER and PEM, and the JWK as JSON.
fn public_key_forms(key: &PreparedKey) -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let spki = |alg_id: Vec<u8>, key_bytes: &[u8]| {
        let mut bits = vec![0u8];
        bits.extend_from_slice(key_bytes);
        der(0x30, &[der(0x30, &alg_id), der(0x03, &bits)].concat())
    };
    match &key.key {
        Ok(Material::Rsa { n, e }) => {
            let pkcs1 = der(0x30, &[der_uint(n), der_uint(e)].concat());
            let oid = [
                der(
                    0x06,
                    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
                ),
                vec![0x05, 0x00],
            ]
            .concat();
            let spki = spki(oid, &pkcs1);
            for p in pem("PUBLIC KEY", &spki) {
                out.push(("public PEM", p.into_bytes()));
            }
            for p in pem("RSA PUBLIC KEY", &pkcs1) {
                out.push(("PKCS#1 PEM", p.into_bytes()));
            }
            out.push(("public DER", spki));
            out.push(("PKCS#1 DER", pkcs1));
        }
        Ok(Material::Ec(point)) => {
            let curve: &[u8] = match key.facts.curve {
                Some("P-384") => &[0x2b, 0x81, 0x04, 0x00, 0x22],
                _ => &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
            };
            let oid = [
                der(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
                der(0x06, curve),
            ]
            .concat();
            let spki = spki(oid, point);
            for p in pem("PUBLIC KEY", &spki) {
                out.push(("public PEM", p.into_bytes()));
            }
            out.push(("public DER", spki));
        }
        Ok(Material::Ed(x)) => {
            let spki = spki(der(0x06, &[0x2b, 0x65, 0x70]), x);
            for p in pem("PUBLIC KEY", &spki) {
                out.push(("public PEM", p.into_bytes()));
            }
            out.push(("public DER", spki));
        }
        Err(_) => {}
    }
    if let Ok(j) = serde_json::to_string(&key.jwk) {
        out.push(("JWK JSON", j.into_bytes()));
    }
    out
}

/// Which public form of `key`, used as the HMAC secret, verifies the token's HMAC (`alg` is
/// HS256/384/512): the proof that a token is a key-confusion forgery.
fn hmac_with_public_key(key: &PreparedKey, alg: Algorithm, jwt: &Jwt) -> Option<&'static str> {
    use hmac::{Hmac, Mac};
    let input = jwt.signing_input().as_bytes();
    public_key_forms(key)
        .into_iter()
        .find_map(|(name, secret)| {
            let ok = match alg {
                Algorithm::HS256 => Hmac::<sha2::Sha256>::new_from_slice(&secret)
                    .map(|mut m| {
                        m.update(input);
                        m.verify_slice(&jwt.signature).is_ok()
                    })
                    .unwrap_or(false),
                Algorithm::HS384 => Hmac::<sha2::Sha384>::new_from_slice(&secret)
                    .map(|mut m| {
                        m.update(input);
                        m.verify_slice(&jwt.signature).is_ok()
                    })
                    .unwrap_or(false),
                _ => Hmac::<sha2::Sha512>::new_from_slice(&secret)
                    .map(|mut m| {
                        m.update(input);
                        m.verify_slice(&jwt.signature).is_ok()
                    })
                    .unwrap_or(false),
            };
            ok.then_some(name)
        })
}

/// Key sets recently prepared by [`check_signature`], compared by content: `explain` and the proxy
/// check every token against the same one or two sets, which are then parsed only once.
static RECENT: Mutex<Vec<(JwkSet, Arc<PreparedKeys>)>> = Mutex::new(Vec::new());
/// How many key sets [`RECENT`] keeps.
const RECENT_SETS: usize = 4;

/// The prepared keys of a set: from [`RECENT`] when the same set (by content) was prepared before.
fn recent(jwks: &JwkSet) -> Arc<PreparedKeys> {
    if let Ok(sets) = RECENT.lock()
        && let Some((_, p)) = sets.iter().find(|(s, _)| s == jwks)
    {
        return p.clone();
    }
    let p = Arc::new(PreparedKeys::new(jwks));
    if let Ok(mut sets) = RECENT.lock() {
        if sets.len() >= RECENT_SETS {
            sets.remove(0);
        }
        sets.push((jwks.clone(), p.clone()));
    }
    p
}

/// Checks a token's signature against a key set. The set is prepared once and remembered (by
/// content, a few sets): repeated calls with the same keys reuse the parsed keys.
pub fn check_signature(jwt: &Jwt, jwks: &JwkSet) -> SigOutcome {
    recent(jwks).check(jwt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(v: Value) -> JwkSet {
        serde_json::from_value(serde_json::json!({ "keys": [v] })).unwrap()
    }

    fn token(header: &str, claims: &str, sig: &[u8]) -> Jwt {
        let t = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims),
            URL_SAFE_NO_PAD.encode(sig)
        );
        Jwt::parse(&t).unwrap()
    }

    fn ec_set() -> JwkSet {
        jwk(serde_json::json!({"kty": "EC", "crv": "P-256", "kid": "e",
            "x": "RgQHOnSXApq2ad3wsfvYzYRaXW8o5ocEj7TaZgmy44k",
            "y": "BirpcLo7L7XOyYp__oa0mDyNYCZYyMxD-LQP3qs_f_0"}))
    }

    #[test]
    fn hostile_signatures_never_panic() {
        let set = ec_set();
        let r_s_zero = token(r#"{"alg":"ES256","kid":"e"}"#, "{}", &[0u8; 64]);
        assert!(matches!(
            check_signature(&r_s_zero, &set),
            SigOutcome::Invalid { .. }
        ));
        let empty = token(r#"{"alg":"ES256","kid":"e"}"#, "{}", b"");
        assert_eq!(
            check_signature(&empty, &set),
            SigOutcome::Invalid {
                reason: "the signature is empty".into()
            }
        );
        let short_sig = token(r#"{"alg":"ES256","kid":"e"}"#, "{}", &[1, 2, 3]);
        assert!(matches!(
            check_signature(&short_sig, &set),
            SigOutcome::Invalid { .. }
        ));
        let huge = format!(r#"{{"alg":"ES256","kid":"{}"}}"#, "k".repeat(30_000));
        let o = check_signature(&token(&huge, "{}", &[1; 64]), &set);
        assert!(matches!(o, SigOutcome::UnknownKid { .. }));
        assert!(o.message().len() < 400);
    }

    #[test]
    fn algorithm_is_pinned_by_the_key() {
        let set = ec_set();
        for (h, needle) in [
            (r#"{"alg":"none","kid":"e"}"#, "alg none: unsigned"),
            (
                r#"{"alg":"NONE","kid":"e"}"#,
                "unsigned tokens are never accepted",
            ),
            (
                r#"{"alg":"HS256","kid":"e"}"#,
                "HS256 (an HMAC algorithm) where the key is EC: a public key never verifies an HMAC token",
            ),
            (
                r#"{"alg":"ES384","kid":"e"}"#,
                "ES384 does not fit key 'e' (EC P-256; allowed: ES256)",
            ),
            (r#"{"alg":"XX1","kid":"e"}"#, "unknown algorithm"),
            (r#"{"kid":"e"}"#, "no alg"),
        ] {
            let o = check_signature(&token(h, "{}", &[1; 64]), &set);
            assert!(matches!(o, SigOutcome::AlgNotAllowed { .. }), "{h}: {o:?}");
            assert!(o.message().contains(needle), "{h}: {}", o.message());
        }
        let pinned = jwk(
            serde_json::json!({"kty": "RSA", "kid": "r", "alg": "RS256", "n": "AQAB", "e": "AQAB"}),
        );
        let o = check_signature(
            &token(r#"{"alg":"PS256","kid":"r"}"#, "{}", &[1; 8]),
            &pinned,
        );
        assert_eq!(
            o.message(),
            "key 'r' is pinned to RS256; the token says PS256"
        );
        let o = check_signature(
            &token(r#"{"alg":"HS256","kid":"r"}"#, "{}", &[1; 8]),
            &pinned,
        );
        assert!(
            o.message()
                .starts_with("HS256 (an HMAC algorithm) where the key is RSA")
        );
        // No kid, exactly one usable key: that key is used.
        let o = check_signature(&token(r#"{"alg":"ES256"}"#, "{}", &[1; 64]), &set);
        assert!(matches!(o, SigOutcome::Invalid { .. }), "{o:?}");
    }

    fn testdata(path: &str) -> String {
        std::fs::read_to_string(format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn testdata_jwks() -> JwkSet {
        serde_json::from_str(&testdata("jwks.json")).unwrap()
    }

    /// Re-encodes a token with one signature bit flipped.
    fn flipped(t: &str) -> Jwt {
        let (si, s) = t.trim().rsplit_once('.').unwrap();
        let mut sig = URL_SAFE_NO_PAD.decode(s).unwrap();
        sig[0] ^= 1;
        Jwt::parse(&format!("{si}.{}", URL_SAFE_NO_PAD.encode(sig))).unwrap()
    }

    #[test]
    fn every_algorithm_verifies_with_parsed_keys() {
        let prepared = PreparedKeys::new(&testdata_jwks());
        for (file, alg, kid) in [
            ("cognito-access.jwt", "RS256", "rsa-1"),
            ("rs384.jwt", "RS384", "rsa-1-rs384"),
            ("rs512.jwt", "RS512", "rsa-1-rs512"),
            ("ps256.jwt", "PS256", "rsa-1-ps"),
            ("es256.jwt", "ES256", "ec256-1"),
            ("es384.jwt", "ES384", "ec384-1"),
            ("eddsa.jwt", "EdDSA", "ed25519-1"),
        ] {
            let text = testdata(&format!("tokens/{file}"));
            let jwt = Jwt::parse(text.trim()).unwrap();
            let want = SigOutcome::Valid {
                kid: Some(kid.into()),
                alg: alg.into(),
            };
            // Twice: the second check reuses the key parsed by the first.
            assert_eq!(prepared.check(&jwt), want, "{file}");
            assert_eq!(prepared.check(&jwt), want, "{file}");
            assert_eq!(check_signature(&jwt, &testdata_jwks()), want, "{file}");
            let bad = prepared.check(&flipped(&text));
            assert!(
                bad.message()
                    .starts_with(&format!("the {alg} signature does not match key '{kid}'")),
                "{file}: {bad:?}"
            );
        }
    }

    #[test]
    fn unpinned_rsa_key_verifies_every_rsa_algorithm() {
        use jsonwebtoken::{EncodingKey, Header, encode};
        let pem = testdata("keys/rsa-1.pem");
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
        let mut jwks = testdata_jwks();
        jwks.keys
            .retain(|k| k.common.key_id.as_deref() == Some("rsa-1"));
        jwks.keys[0].common.key_algorithm = None;
        let prepared = PreparedKeys::new(&jwks);
        for alg in AlgorithmFamily::Rsa.algorithms() {
            let mut h = Header::new(*alg);
            h.kid = Some("rsa-1".into());
            let t = encode(&h, &serde_json::json!({"sub": "x"}), &key).unwrap();
            let o = prepared.check(&Jwt::parse(&t).unwrap());
            assert!(o.is_valid(), "{alg:?}: {o:?}");
        }
    }

    #[test]
    fn ecdsa_signatures_are_fixed_size() {
        let text = testdata("tokens/es256.jwt");
        let (si, s) = text.trim().rsplit_once('.').unwrap();
        let raw = URL_SAFE_NO_PAD.decode(s).unwrap();
        assert_eq!(raw.len(), 64);
        // The same r and s, DER-encoded (what ECDSA_*_ASN1 would take), are refused.
        let der_int = |b: &[u8]| {
            let b: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
            let mut v = if b[0] & 0x80 != 0 { vec![0] } else { vec![] };
            v.extend(b);
            let mut out = vec![0x02, v.len() as u8];
            out.extend(v);
            out
        };
        let mut body = der_int(&raw[..32]);
        body.extend(der_int(&raw[32..]));
        let mut der = vec![0x30, body.len() as u8];
        der.extend(body);
        let jwt = Jwt::parse(&format!("{si}.{}", URL_SAFE_NO_PAD.encode(der))).unwrap();
        assert!(matches!(
            check_signature(&jwt, &testdata_jwks()),
            SigOutcome::Invalid { .. }
        ));
    }

    #[test]
    fn malformed_key_material_is_reported_not_panicked() {
        for (v, alg, needle) in [
            (
                serde_json::json!({"kty": "EC", "crv": "P-256", "kid": "k", "x": "AAAA", "y": "AAAA"}),
                "ES256",
                "key 'k' cannot verify ES256: the key is malformed",
            ),
            (
                serde_json::json!({"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": "AQID"}),
                "EdDSA",
                "key 'k' cannot verify EdDSA: the key is malformed",
            ),
            (
                serde_json::json!({"kty": "EC", "crv": "P-256", "kid": "k", "x": "!!", "y": "AAAA"}),
                "ES256",
                "key 'k' cannot be used: 'x' is not base64url",
            ),
            (
                serde_json::json!({"kty": "RSA", "kid": "k", "n": URL_SAFE_NO_PAD.encode([&[0u8][..], &[0xc3u8; 256]].concat()), "e": "AQAB"}),
                "RS256",
                "key 'k' cannot verify RS256: the key is malformed",
            ),
        ] {
            let h = format!(r#"{{"alg":"{alg}","kid":"k"}}"#);
            let o = check_signature(&token(&h, "{}", &[7; 64]), &jwk(v));
            assert!(o.message().starts_with(needle), "{}", o.message());
        }
    }

    #[test]
    fn recent_sets_are_compared_by_content() {
        let a = testdata_jwks();
        let mut b = a.clone();
        b.keys
            .retain(|k| k.common.key_id.as_deref() != Some("rsa-1"));
        let jwt = Jwt::parse(testdata("tokens/cognito-access.jwt").trim()).unwrap();
        assert!(check_signature(&jwt, &a).is_valid());
        assert!(matches!(
            check_signature(&jwt, &b),
            SigOutcome::UnknownKid { .. }
        ));
        // Other tests share the cache: one of a few tries sees the same set twice in a row.
        assert!((0..20).any(|_| Arc::ptr_eq(&recent(&a), &recent(&a.clone()))));
        for i in 0..RECENT_SETS + 2 {
            let mut c = a.clone();
            c.keys.truncate(i);
            recent(&c);
        }
        assert!(RECENT.lock().unwrap().len() <= RECENT_SETS);
    }

    #[test]
    fn rsa_sizes() {
        assert_eq!(rsa_bits("AQAB"), Some(17));
        assert_eq!(rsa_bits(&URL_SAFE_NO_PAD.encode([0x80u8; 256])), Some(2048));
        assert_eq!(rsa_bits(&URL_SAFE_NO_PAD.encode([0u8; 4])), None);
    }
}
