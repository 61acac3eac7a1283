//! A token's claims, parsed once: the claims the checks read ([`KNOWN`]) into a compact form in
//! the same pass that refuses a repeated key, and the full JSON map only when something asks for
//! it ([`Claims::map`], or any [`Map`] method through `Deref`), from the kept payload text.
//!
//! A batch's text line reads only the known claims, so it never builds the map: building it
//! (a `Value` per claim, an ordered map with hashing) was most of the parsing work beside the
//! crypto. `--json`, `decode`, `explain` and custom `claim:*` rules build it on first use; it is
//! the same map the one-pass parser built before (same values, same order).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The claims kept in compact form: what the standard checks, [`TokenKind::classify`](super::TokenKind::classify),
/// the client-id lookup and a batch's line read. Every other claim is read from the map.
pub const KNOWN: [&str; 17] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "client_id",
    "token_use",
    "scope",
    "scp",
    "username",
    "ver",
    "tid",
    "gty",
    "azp",
    "cid",
    "appid",
];

/// The index of a known claim in [`KNOWN`] (a `match`: one length test and a compare or two).
fn slot_of(name: &str) -> Option<usize> {
    slot_of_bytes(name.as_bytes())
}

/// [`slot_of`] of a key's bytes (no UTF-8 check needed first: the names are ASCII).
fn slot_of_bytes(name: &[u8]) -> Option<usize> {
    Some(match name {
        b"iss" => 0,
        b"sub" => 1,
        b"aud" => 2,
        b"exp" => 3,
        b"nbf" => 4,
        b"iat" => 5,
        b"client_id" => 6,
        b"token_use" => 7,
        b"scope" => 8,
        b"scp" => 9,
        b"username" => 10,
        b"ver" => 11,
        b"tid" => 12,
        b"gty" => 13,
        b"azp" => 14,
        b"cid" => 15,
        b"appid" => 16,
        _ => return None,
    })
}

/// A string of the payload: where it is in the payload text (no escapes in it), or its own copy.
#[derive(Debug, Clone)]
enum Text {
    Span(u32, u32),
    Owned(Box<str>),
}

/// What a known claim holds.
#[derive(Debug, Clone, Default)]
enum Slot {
    /// Not in the token.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A string.
    Str(Text),
    /// A number.
    Num(Number),
    /// An array: its strings, in order (other elements dropped, as [`super::string_list`] does).
    List(Vec<Text>),
    /// A boolean or an object.
    Other,
}

/// The claims of a token.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    slots: [Slot; KNOWN.len()],
    /// The decoded payload (JSON text), when parsed from a token.
    payload: String,
    /// Every claim, built on first need.
    map: OnceLock<Map<String, Value>>,
}

/// Why a payload is refused (worded by the caller, as for the header).
pub(super) enum Refused {
    /// A key repeated, with its path.
    Duplicate(String),
    /// JSON, but not an object.
    NotObject,
    /// Not JSON.
    Json(serde_json::Error),
}

impl Claims {
    /// Parses a decoded payload: the known claims, and the first repeated key in any object
    /// (top level or nested, with the same path and the same first find as the header's parser,
    /// [`super::parse_strict`]).
    pub(super) fn parse(bytes: Vec<u8>) -> Result<Claims, Refused> {
        let mut claims = Claims::default();
        // The usual payload first, without serde; anything else (and any doubt) the full way.
        let bytes = if fast::scan(&bytes, &mut claims.slots).is_some() {
            match String::from_utf8(bytes) {
                Ok(payload) => {
                    claims.payload = payload;
                    return Ok(claims);
                }
                Err(e) => e.into_bytes(),
            }
        } else {
            bytes
        };
        claims.slots = Default::default();
        Claims::parse_serde(bytes, claims)
    }

    /// [`Claims::parse`] through serde_json, into `claims` (empty).
    fn parse_serde(bytes: Vec<u8>, mut claims: Claims) -> Result<Claims, Refused> {
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let top = Top {
            base: bytes.as_ptr() as usize,
            len: bytes.len(),
            slots: &mut claims.slots,
        };
        match top.deserialize(&mut de).and_then(|t| de.end().map(|_| t)) {
            Ok(Scanned::Object(None)) => {}
            Ok(Scanned::Object(Some(k))) => return Err(Refused::Duplicate(k)),
            Ok(Scanned::NotObject) => return Err(Refused::NotObject),
            Err(e) => return Err(Refused::Json(e)),
        };
        // serde_json checked every string it read, and nothing else may be outside ASCII.
        claims.payload = String::from_utf8(bytes).map_err(|_| Refused::NotObject)?;
        Ok(claims)
    }

    /// Claims from a map (the known ones copied out of it).
    pub fn from_map(map: Map<String, Value>) -> Claims {
        let slots = std::array::from_fn(|i| match map.get(KNOWN[i]) {
            None => Slot::Absent,
            Some(Value::Null) => Slot::Null,
            Some(Value::String(s)) => Slot::Str(Text::Owned(s.as_str().into())),
            Some(Value::Number(n)) => Slot::Num(n.clone()),
            Some(Value::Array(a)) => Slot::List(
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| Text::Owned(s.into()))
                    .collect(),
            ),
            Some(_) => Slot::Other,
        });
        Claims {
            slots,
            payload: String::new(),
            map: OnceLock::from(map),
        }
    }

    /// Every claim, as a JSON map in the token's order (built now if not yet).
    pub fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| {
            // The payload parsed before: this cannot fail.
            serde_json::from_str(&self.payload).unwrap_or_default()
        })
    }

    /// True when the full map has been built (for tests of the paths that should not need it).
    pub fn map_built(&self) -> bool {
        self.map.get().is_some()
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        slot_of(name).map(|i| &self.slots[i])
    }

    fn text<'a>(&'a self, t: &'a Text) -> &'a str {
        match t {
            Text::Span(s, e) => self.payload.get(*s as usize..*e as usize).unwrap_or(""),
            Text::Owned(s) => s,
        }
    }

    /// A string claim.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.slot(name) {
            Some(Slot::Str(t)) => Some(self.text(t)),
            Some(_) => None,
            None => self.map().get(name).and_then(Value::as_str),
        }
    }

    /// A numeric claim.
    pub fn number(&self, name: &str) -> Option<&Number> {
        match self.slot(name) {
            Some(Slot::Num(n)) => Some(n),
            Some(_) => None,
            None => match self.map().get(name) {
                Some(Value::Number(n)) => Some(n),
                _ => None,
            },
        }
    }

    /// True when the claim is present (`null` included).
    pub fn has(&self, name: &str) -> bool {
        match self.slot(name) {
            Some(s) => !matches!(s, Slot::Absent),
            None => self.map().contains_key(name),
        }
    }

    /// True when the claim is absent or `null`.
    pub fn is_absent_or_null(&self, name: &str) -> bool {
        match self.slot(name) {
            Some(s) => matches!(s, Slot::Absent | Slot::Null),
            None => self.map().get(name).is_none_or(Value::is_null),
        }
    }

    /// A claim as a list of strings: a string is one element, an array keeps its strings
    /// ([`super::string_list`]).
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.slot(name) {
            Some(Slot::Str(t)) => vec![self.text(t).to_string()],
            Some(Slot::List(l)) => l.iter().map(|t| self.text(t).to_string()).collect(),
            Some(_) => Vec::new(),
            None => super::string_list(self.map().get(name)),
        }
    }
}

impl std::ops::Deref for Claims {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Map<String, Value> {
        self.map()
    }
}

impl<'a> IntoIterator for &'a Claims {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.map().iter()
    }
}

impl serde::Serialize for Claims {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(s)
    }
}

// ---- the one pass ----------------------------------------------------------------------------
//
// The same walk as `parse_strict` (which builds a `Value`): every value read with
// `deserialize_any` until a repeated key is found, the rest of that object skipped with
// `IgnoredAny`, so that a payload refused, and why, and the words of a JSON error (its line and
// column) are the same as before.

/// The keys of one object, to find a repeated one: a list while short (most tokens), a hash set
/// beyond.
struct KeySet<K> {
    list: Vec<K>,
    set: Option<HashSet<K>>,
}

impl<K: Eq + std::hash::Hash> KeySet<K> {
    const LIST_MAX: usize = 32;

    fn with_capacity(n: usize) -> Self {
        KeySet {
            list: Vec::with_capacity(n),
            set: None,
        }
    }

    fn contains(&self, k: &K) -> bool {
        match &self.set {
            Some(s) => s.contains(k),
            None => self.list.contains(k),
        }
    }

    fn push(&mut self, k: K) {
        match &mut self.set {
            Some(s) => {
                s.insert(k);
            }
            None if self.list.len() >= Self::LIST_MAX => {
                let mut s: HashSet<K> = self.list.drain(..).collect();
                s.insert(k);
                self.set = Some(s);
            }
            None => self.list.push(k),
        }
    }
}

/// An object key, borrowed from the payload when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s))
    }
}

/// What to keep of a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// A known claim's value.
    Value,
    /// An element of a known claim's array: its string, if it is one.
    Element,
    /// Nothing (only repeated keys in it are looked for).
    Nothing,
}

/// Reads one value; yields what it keeps and the path (below it) of the first repeated key in it.
#[derive(Clone, Copy)]
struct Scan {
    base: usize,
    len: usize,
    keep: Keep,
}

impl Scan {
    fn with(self, keep: Keep) -> Scan {
        Scan { keep, ..self }
    }

    fn text(&self, s: &str) -> Text {
        let off = (s.as_ptr() as usize).wrapping_sub(self.base);
        if off <= self.len && s.len() <= self.len - off {
            // Within a 64 KiB token: the offsets fit.
            Text::Span(off as u32, (off + s.len()) as u32)
        } else {
            Text::Owned(s.into())
        }
    }

    fn number(&self, n: Number) -> Slot {
        if self.keep == Keep::Value {
            Slot::Num(n)
        } else {
            Slot::Other
        }
    }
}

impl<'de> DeserializeSeed<'de> for Scan {
    type Value = (Slot, Option<String>);
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan {
    type Value = (Slot, Option<String>);
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok((Slot::Other, None))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Self::Value, E> {
        Ok((self.number(i.into()), None))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Self::Value, E> {
        Ok((self.number(u.into()), None))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Self::Value, E> {
        // As a `Value` holds it: a float that is not finite is `null`.
        Ok((
            Number::from_f64(f).map_or(Slot::Null, |n| self.number(n)),
            None,
        ))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(match self.keep {
            Keep::Nothing => (Slot::Other, None),
            _ => (Slot::Str(self.text(s)), None),
        })
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(match self.keep {
            Keep::Nothing => (Slot::Other, None),
            _ => (Slot::Str(Text::Owned(s.into())), None),
        })
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Slot::Null, None))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok((Slot::Null, None))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = self.keep == Keep::Value;
        let each = self.with(if list { Keep::Element } else { Keep::Nothing });
        let mut items = Vec::new();
        let mut found = None;
        while let Some((v, inner)) = seq.next_element_seed(each)? {
            found = found.or(inner);
            if let (true, Slot::Str(t)) = (list, v) {
                items.push(t);
            }
        }
        Ok((if list { Slot::List(items) } else { Slot::Other }, found))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok((Slot::Other, scan_object(map, self, None)?))
    }
}

/// Reads an object until a repeated key, then skips the rest; yields the path of the first
/// repeated key. With `slots` (the top level), the values of the known claims are kept there.
fn scan_object<'de, A: MapAccess<'de>>(
    mut map: A,
    scan: Scan,
    mut slots: Option<&mut [Slot; KNOWN.len()]>,
) -> Result<Option<String>, A::Error> {
    // Room for a typical token's claims at the top level.
    let mut keys = KeySet::with_capacity(if slots.is_some() { 16 } else { 0 });
    let mut found = None;
    while let Some(k) = map.next_key_seed(Key)? {
        if found.is_some() {
            // The document is refused: read the rest only to find a syntax error.
            map.next_value::<IgnoredAny>()?;
            continue;
        }
        if keys.contains(&k) {
            map.next_value::<IgnoredAny>()?;
            found = Some(k.into_owned());
            continue;
        }
        let idx = slots.as_ref().and_then(|_| slot_of(&k));
        let keep = if idx.is_some() {
            Keep::Value
        } else {
            Keep::Nothing
        };
        let (v, inner) = map.next_value_seed(scan.with(keep))?;
        if let Some(inner) = inner {
            found = Some(format!("{k}.{inner}"));
        }
        if let (Some(i), Some(s)) = (idx, slots.as_deref_mut()) {
            s[i] = v;
        }
        keys.push(k);
    }
    Ok(found)
}

/// What the top level of a payload is.
enum Scanned {
    /// An object, with its first repeated key.
    Object(Option<String>),
    /// Anything else (read through, so a syntax error in it is still the error).
    NotObject,
}

/// The top level of a payload, its known claims kept in `slots`.
struct Top<'s> {
    base: usize,
    len: usize,
    slots: &'s mut [Slot; KNOWN.len()],
}

impl Top<'_> {
    fn scan(&self) -> Scan {
        Scan {
            base: self.base,
            len: self.len,
            keep: Keep::Nothing,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = Scanned;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Scanned;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scanned::NotObject)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Scanned::NotObject)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Scanned::NotObject)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scanned::NotObject)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Scanned::NotObject)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scanned::NotObject)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scanned::NotObject)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.scan().visit_seq(seq)?;
        Ok(Scanned::NotObject)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let scan = self.scan();
        Ok(Scanned::Object(scan_object(map, scan, Some(self.slots))?))
    }
}

/// The usual payload, read without serde: an object of ASCII-keyed claims whose strings have no
/// escapes or control characters, whose numbers are non-negative integers that fit a u64, nested
/// at most [`fast::MAX_DEPTH`] deep, with no repeated key. Everything it accepts, serde_json
/// reads to the same values; for anything else (an escape, a float, a negative number, a repeated
/// key, a syntax error) it gives up and the payload goes through serde_json, which words the
/// refusal as before.
mod fast {
    use super::{KNOWN, KeySet, Slot, Text, slot_of_bytes};
    use serde_json::Number;

    /// Deepest nesting read here (serde_json's limit is 128).
    pub const MAX_DEPTH: usize = 16;

    struct Reader<'a> {
        b: &'a [u8],
        i: usize,
    }

    /// What to keep of a value (as [`super::Keep`]).
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Keep {
        Value,
        Element,
        Nothing,
    }

    /// The payload's known claims into `slots`; `None` when the payload is not the usual kind.
    pub(super) fn scan(b: &[u8], slots: &mut [Slot; KNOWN.len()]) -> Option<()> {
        let mut r = Reader { b, i: 0 };
        r.ws();
        r.object(0, Some(slots))?;
        r.ws();
        (r.i == b.len()).then_some(())
    }

    impl<'a> Reader<'a> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.i).copied()
        }

        fn ws(&mut self) {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
                self.i += 1;
            }
        }

        fn eat(&mut self, c: u8) -> Option<()> {
            (self.peek()? == c).then(|| self.i += 1)
        }

        /// A string without escapes or control characters: its bytes' span (UTF-8 is checked
        /// once for the whole payload).
        fn string(&mut self) -> Option<(usize, usize)> {
            self.eat(b'"')?;
            let start = self.i;
            let rest = self.b.get(start..)?;
            let len = rest
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
            if rest[len] != b'"' {
                return None;
            }
            self.i = start + len + 1;
            Some((start, start + len))
        }

        fn literal(&mut self, word: &[u8]) -> Option<()> {
            let end = self.i.checked_add(word.len())?;
            (self.b.get(self.i..end)? == word).then(|| self.i = end)
        }

        /// A non-negative integer without leading zeros that fits a u64 (what serde_json reads
        /// as a `u64` too).
        fn integer(&mut self) -> Option<u64> {
            let start = self.i;
            let mut n: u64 = 0;
            while let Some(c @ b'0'..=b'9') = self.peek() {
                n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
                self.i += 1;
            }
            let digits = self.i - start;
            if digits == 0 || (digits > 1 && self.b[start] == b'0') {
                return None;
            }
            // A fraction or an exponent: a float, left to serde_json.
            match self.peek() {
                Some(b'.' | b'e' | b'E') => None,
                _ => Some(n),
            }
        }

        fn value(&mut self, depth: usize, keep: Keep) -> Option<Slot> {
            Some(match self.peek()? {
                b'"' => {
                    let (s, e) = self.string()?;
                    if keep == Keep::Nothing {
                        Slot::Other
                    } else {
                        // Within a 64 KiB token: the offsets fit.
                        Slot::Str(Text::Span(s as u32, e as u32))
                    }
                }
                b'0'..=b'9' => {
                    let n = self.integer()?;
                    if keep == Keep::Value {
                        Slot::Num(Number::from(n))
                    } else {
                        Slot::Other
                    }
                }
                b't' => self.literal(b"true").map(|_| Slot::Other)?,
                b'f' => self.literal(b"false").map(|_| Slot::Other)?,
                b'n' => self.literal(b"null").map(|_| Slot::Null)?,
                b'[' => self.array(depth + 1, keep)?,
                b'{' => {
                    self.object(depth + 1, None)?;
                    Slot::Other
                }
                _ => return None,
            })
        }

        fn array(&mut self, depth: usize, keep: Keep) -> Option<Slot> {
            if depth > MAX_DEPTH {
                return None;
            }
            self.eat(b'[')?;
            let list = keep == Keep::Value;
            let each = if list { Keep::Element } else { Keep::Nothing };
            let mut items = Vec::new();
            self.ws();
            if self.eat(b']').is_none() {
                loop {
                    self.ws();
                    if let (true, Slot::Str(t)) = (list, self.value(depth, each)?) {
                        items.push(t);
                    }
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
            }
            Some(if list { Slot::List(items) } else { Slot::Other })
        }

        /// An object; with `slots` (the top level), the known claims are kept there.
        fn object(
            &mut self,
            depth: usize,
            mut slots: Option<&mut [Slot; KNOWN.len()]>,
        ) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            self.eat(b'{')?;
            let mut keys = KeySet::with_capacity(0);
            let mut seen: u32 = 0;
            self.ws();
            if self.eat(b'}').is_some() {
                return Some(());
            }
            loop {
                self.ws();
                let (s, e) = self.string()?;
                let key = &self.b[s..e];
                // A known claim is looked for by its slot; only the others in the list.
                let idx = match &slots {
                    Some(_) => slot_of_bytes(key),
                    None => None,
                };
                match idx {
                    Some(i) if seen & (1 << i) != 0 => return None,
                    Some(i) => seen |= 1 << i,
                    None if keys.contains(&key) => return None,
                    None => keys.push(key),
                }
                self.ws();
                self.eat(b':')?;
                self.ws();
                let keep = if idx.is_some() {
                    Keep::Value
                } else {
                    Keep::Nothing
                };
                let v = self.value(depth, keep)?;
                if let (Some(i), Some(sl)) = (idx, slots.as_deref_mut()) {
                    sl[i] = v;
                }
                self.ws();
                match self.peek()? {
                    b',' => self.i += 1,
                    b'}' => {
                        self.i += 1;
                        return Some(());
                    }
                    _ => return None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the parser before this one (a `Value` of everything, the header's parser still)
    /// makes of a payload, in the words the token parser uses.
    fn strict(json: &str) -> Result<Map<String, Value>, String> {
        match super::super::parse_strict(json.as_bytes()) {
            Ok((Value::Object(m), None)) => Ok(m),
            Ok((Value::Object(_), Some(k))) => Err(format!("repeats {k}")),
            Ok(_) => Err("not an object".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn compact(json: &str) -> Result<Claims, String> {
        Claims::parse(json.as_bytes().to_vec()).map_err(|r| match r {
            Refused::Duplicate(k) => format!("repeats {k}"),
            Refused::NotObject => "not an object".into(),
            Refused::Json(e) => e.to_string(),
        })
    }

    /// Every accessor agrees with the map, for the known claims and some others.
    fn agrees(c: &Claims, m: &Map<String, Value>, json: &str) {
        for name in KNOWN.iter().chain(&["auth_time", "jti", "groups", "zzz"]) {
            let v = m.get(*name);
            assert_eq!(c.str(name), v.and_then(Value::as_str), "{json}: {name}");
            assert_eq!(
                c.number(name),
                v.and_then(|v| v.as_number()),
                "{json}: {name}"
            );
            assert_eq!(c.has(name), v.is_some(), "{json}: {name}");
            assert_eq!(
                c.is_absent_or_null(name),
                v.is_none_or(Value::is_null),
                "{json}: {name}"
            );
            assert_eq!(
                c.strings(name),
                super::super::string_list(v),
                "{json}: {name}"
            );
        }
    }

    #[test]
    fn one_pass_gives_what_the_value_parser_gave() {
        let cases = [
            r#"{"iss":"https://i","sub":"u","exp":4102444800,"aud":["a","b"]}"#,
            r#"{"exp":1.5,"nbf":"10","iat":-3,"aud":"a","scope":"a b","scp":["c",1,null,{"x":1}]}"#,
            r#"{"exp":18446744073709551615,"nbf":1e300,"iat":null,"client_id":["x"],"tid":false}"#,
            r#"{"\u0069ss":"https://i","s\u0075b":"\u00e9\n","aud":["\u0061",2]}"#,
            r#"{"iss":"a\/b","token_use":{"a":1},"username":null,"ver":2.0,"cid":[]}"#,
            r#" { "iss" : "x" , "exp" : 5 } "#,
            r#"{}"#,
            r#"{"sub":"a","sub":"b"}"#,
            r#"{"\u0069ss":"a","iss":"b"}"#,
            r#"{"iss":"a","\u0069ss":"b"}"#,
            r#"{"cnf":{"jkt":"a","jkt":"b"},"x":1,"x":2}"#,
            r#"{"a":[{"x":1},{"y":1,"y":2}],"a":1}"#,
            r#"{"aud":[{"k":1,"k":2}],"b":{"c":{"d":1,"d":2}}}"#,
            r#"{"x":1,"x":1e400}"#,
            r#"{"x":1e400,"x":1}"#,
            r#"{"x":1,"x":2,"y":"\ud800"}"#,
            r#"{"y":"\ud800"}"#,
            r#"{"exp":1}x"#,
            r#"{"exp":1"#,
            r#"[1,{"a":1,"a":2}]"#,
            r#"[1e400]"#,
            r#""s""#,
            r#"null"#,
            r#"7"#,
            "",
        ];
        let many = format!(
            "{{{},\"k40\":1}}",
            (0..80)
                .map(|i| format!("\"k{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let wide = format!(
            "{{\"exp\":1,\"iss\":\"i\",{}}}",
            (0..80)
                .map(|i| format!("\"k{i}\":[{i}]"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        let nested = format!(r#"{{"a":{}{}}}"#, "[".repeat(100), "]".repeat(100));
        // Just past and just within the fast reader's depth.
        let past = format!(
            r#"{{"aud":{}"a"{},"exp":1}}"#,
            "[".repeat(16),
            "]".repeat(16)
        );
        let within = format!(
            r#"{{"aud":{}"a"{},"exp":1}}"#,
            "[".repeat(15),
            "]".repeat(15)
        );
        for json in cases.iter().copied().chain([
            many.as_str(),
            wide.as_str(),
            deep.as_str(),
            nested.as_str(),
            past.as_str(),
            within.as_str(),
        ]) {
            let (old, new) = (strict(json), compact(json));
            match (&old, &new) {
                (Ok(m), Ok(c)) => {
                    for name in KNOWN {
                        let _ = (c.str(name), c.number(name), c.has(name), c.strings(name));
                    }
                    assert!(!c.map_built(), "the known claims are at hand: {json}");
                    agrees(c, m, json);
                    assert_eq!(c.map(), m, "{json}");
                    // The map, once built, keeps the token's order.
                    assert!(c.map().keys().eq(m.keys()), "{json}");
                    agrees(&Claims::from_map(m.clone()), m, json);
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{json}"),
                _ => panic!("{json}: {old:?} then {:?}", new.map(|c| c.map().clone())),
            }
        }
    }

    /// A small deterministic generator of JSON-like documents: valid ones of every shape the
    /// fast reader takes or refuses, and mutated ones.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
            of[(self.next() % of.len() as u64) as usize]
        }
        fn value(&mut self, depth: usize, out: &mut String) {
            let atoms = [
                "0",
                "7",
                "18446744073709551615",
                "18446744073709551616",
                "-1",
                "-0",
                "1.5",
                "1e3",
                "2E-2",
                "01",
                "true",
                "false",
                "null",
                "\"\"",
                "\"a b\"",
                "\"\\u00e9\"",
                "\"\u{e9}\u{430}\"",
                "\"\\n\"",
                "\"\u{7f}\"",
                "1e400",
                "\"https://i.example/x\"",
                "\"\u{1f}\"",
            ];
            match self.next() % if depth > 3 { 1 } else { 3 } {
                0 => out.push_str(self.pick(&atoms)),
                1 => {
                    out.push('[');
                    for i in 0..self.next() % 4 {
                        if i > 0 {
                            out.push(',');
                        }
                        self.value(depth + 1, out);
                    }
                    out.push(']');
                }
                _ => self.object(depth + 1, out),
            }
        }
        fn object(&mut self, depth: usize, out: &mut String) {
            let keys = [
                "iss",
                "sub",
                "aud",
                "exp",
                "nbf",
                "client_id",
                "token_use",
                "scope",
                "scp",
                "username",
                "x",
                "y",
                "\\u0069ss",
                "cnf",
                "k\u{e9}",
            ];
            out.push('{');
            for i in 0..self.next() % 6 {
                if i > 0 {
                    out.push_str(self.pick(&[",", " , ", ",\n"]));
                }
                out.push('"');
                out.push_str(self.pick(&keys));
                out.push_str(self.pick(&["\":", "\" : ", "\":\t"]));
                self.value(depth, out);
            }
            out.push('}');
        }
    }

    #[test]
    fn the_fast_reader_changes_nothing_serde_json_would_say() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut fast = 0;
        for n in 0..30_000 {
            let mut doc = String::new();
            g.object(0, &mut doc);
            let mut bytes = doc.into_bytes();
            // A third mutated: a byte changed, cut short, or trailing text.
            match n % 9 {
                0 if !bytes.is_empty() => {
                    let i = (g.next() % bytes.len() as u64) as usize;
                    bytes[i] = b"\"{}[],:\\ 0a-\xff\x01"[(g.next() % 14) as usize];
                }
                1 => bytes.truncate((g.next() % (bytes.len() as u64 + 1)) as usize),
                2 => bytes.extend_from_slice(g.pick(&[" ", "x", "{}", "\n\t"]).as_bytes()),
                _ => {}
            }
            let mut slots = Default::default();
            fast += usize::from(fast::scan(&bytes, &mut slots).is_some());
            let shown = String::from_utf8_lossy(&bytes).into_owned();
            let a = Claims::parse(bytes.clone());
            let b = Claims::parse_serde(bytes.clone(), Claims::default());
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    let m = b.map().clone();
                    assert!(!a.map_built());
                    agrees(&a, &m, &shown);
                    assert_eq!(a.map(), &m, "{shown}");
                }
                (Err(Refused::Duplicate(x)), Err(Refused::Duplicate(y))) => {
                    assert_eq!(x, y, "{shown}")
                }
                (Err(Refused::NotObject), Err(Refused::NotObject)) => {}
                (Err(Refused::Json(x)), Err(Refused::Json(y))) => {
                    assert_eq!(x.to_string(), y.to_string(), "{shown}")
                }
                _ => panic!("{shown}: the two readers disagree"),
            }
        }
        // Both paths were exercised.
        assert!((3_000..27_000).contains(&fast), "{fast} read fast");
    }

    #[test]
    fn escaped_keys_are_the_claims_they_spell() {
        let c = compact(r#"{"\u0069ss":"https://i","\u0065xp":10.9,"aud":"a"}"#).unwrap();
        assert_eq!(c.str("iss"), Some("https://i"));
        assert_eq!(c.number("exp").and_then(Number::as_f64), Some(10.9));
        assert_eq!(c.strings("aud"), ["a"]);
        assert_eq!(
            compact(r#"{"iss":"a","\u0069ss":"b"}"#).err().as_deref(),
            Some("repeats iss")
        );
    }

    #[test]
    fn known_names_and_their_slots_agree() {
        for (i, n) in KNOWN.iter().enumerate() {
            assert_eq!(slot_of(n), Some(i), "{n}");
        }
        assert_eq!(slot_of("is"), None);
        assert_eq!(slot_of("iss "), None);
    }
}
