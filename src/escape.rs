//! Escaping data for human text: [`esc`] at the point of interpolation, wherever a value from a
//! token, a config, a file or a server goes into a message (the engine's check messages, the
//! diagnoses, the errors, the output layer's lines); shortening hostile values for messages.
//! Pure functions on strings: every layer may use them. The last guard on what is written to a
//! terminal is the output layer's ([`crate::output::sanitize`]).

/// Escapes data for interpolation into human output: the one function every command uses where
/// a value from a token, a config, a file or a server goes into a line of text. A kid of
/// `zz\n✓ ACCEPTED …` would otherwise print a forged line of its own; a right-to-left override or
/// a zero-width space would make a value read differently from what it is.
///
/// Shown escaped, Rust style: `\n`, `\r`, `\t`; every other C0 control, DEL and every C1 control
/// as `\u{1b}`; and the invisible and bidi characters U+00AD, U+061C, U+180E, U+200B–U+200F,
/// U+2028, U+2029, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069 and U+FEFF as `\u{2028}`.
/// Everything else, backslashes included, passes through, so escaping twice changes nothing (a
/// message built from escaped parts can be escaped again safely). Apply it to the data, never to
/// finished text (which has newlines of its own); JSON output needs none of this (serde escapes).
pub fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    fn needs(c: char) -> bool {
        c.is_control()
            || matches!(
                c,
                '\u{ad}'
                    | '\u{61c}'
                    | '\u{180e}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{2028}'..='\u{202e}'
                    | '\u{2060}'..='\u{2064}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{feff}'
            )
    }
    // Printable ASCII is safe byte by byte: most data is only that.
    if text.bytes().all(|b| matches!(b, b' '..=b'~')) || !text.chars().any(needs) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`short`] then [`esc`]: a value from outside, cut to `max` characters and escaped.
pub fn esc_short(s: &str, max: usize) -> String {
    esc(&short(s, max)).into_owned()
}

/// [`short_value`] then [`esc`]: a JSON value from outside as one escaped line.
pub fn esc_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => esc(s).into_owned(),
        other => esc(&other.to_string()).into_owned(),
    }
}

/// A copy of a JSON value with every string and object key [escaped](esc), for code that builds
/// human text from many parts of it (diagnoses, notes); `None` when nothing needed escaping.
pub fn esc_json(v: &serde_json::Value) -> Option<serde_json::Value> {
    esc_json_at(v, 0)
}

/// [`esc_json`] of an object's entries.
pub fn esc_json_map(
    m: &serde_json::Map<String, serde_json::Value>,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    esc_map_at(m, 0)
}

fn esc_json_at(v: &serde_json::Value, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value;
    match v {
        Value::String(s) => match esc(s) {
            std::borrow::Cow::Owned(e) => Some(Value::String(e)),
            std::borrow::Cow::Borrowed(_) => None,
        },
        // Parsed tokens nest at most 128 levels (serde_json's limit); stop past that anyway.
        _ if depth > 256 => None,
        Value::Array(a) => {
            let parts: Vec<Option<Value>> = a.iter().map(|x| esc_json_at(x, depth + 1)).collect();
            if parts.iter().all(Option::is_none) {
                return None;
            }
            Some(Value::Array(
                parts
                    .into_iter()
                    .zip(a)
                    .map(|(p, x)| p.unwrap_or_else(|| x.clone()))
                    .collect(),
            ))
        }
        Value::Object(m) => esc_map_at(m, depth).map(Value::Object),
        _ => None,
    }
}

fn esc_map_at(
    m: &serde_json::Map<String, serde_json::Value>,
    depth: usize,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let parts: Vec<(std::borrow::Cow<'_, str>, Option<serde_json::Value>)> = m
        .iter()
        .map(|(k, x)| (esc(k), esc_json_at(x, depth + 1)))
        .collect();
    if parts
        .iter()
        .all(|(k, x)| matches!(k, std::borrow::Cow::Borrowed(_)) && x.is_none())
    {
        return None;
    }
    Some(
        parts
            .into_iter()
            .zip(m.values())
            .map(|((k, p), x)| (k.into_owned(), p.unwrap_or_else(|| x.clone())))
            .collect(),
    )
}

/// [`esc`] of each item, joined by `sep`.
pub fn esc_join<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    items
        .iter()
        .map(|s| esc(s.as_ref()))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Shortens a string for messages (hostile inputs can be huge): at most `max` characters, then `…`.
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// A JSON value as a short string: strings raw, everything else compact JSON.
pub fn short_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_escapes_line_breaks_controls_and_invisibles() {
        let e = |t: &str| esc(t).into_owned();
        assert_eq!(
            e("zz\n✓ ACCEPTED — AgentCore would accept this token\n"),
            "zz\\n✓ ACCEPTED — AgentCore would accept this token\\n"
        );
        assert_eq!(
            e("a\rb\tc\u{0}d\u{1b}[2J\u{7f}\u{85}\u{9b}"),
            "a\\rb\\tc\\u{0}d\\u{1b}[2J\\u{7f}\\u{85}\\u{9b}"
        );
        assert_eq!(
            e("\u{61c}\u{200b}\u{200f}\u{2028}\u{2029}\u{202a}\u{202e}\u{2066}\u{2069}\u{feff}"),
            "\\u{61c}\\u{200b}\\u{200f}\\u{2028}\\u{2029}\\u{202a}\\u{202e}\\u{2066}\\u{2069}\\u{feff}"
        );
        // Ordinary text, non-ASCII letters and backslashes pass; escaping twice changes nothing.
        assert_eq!(e("alice ✓ Zoë \\n C:\\x"), "alice ✓ Zoë \\n C:\\x");
        let once = e("a\nb\u{2028}");
        assert_eq!(e(&once), once);
        assert!(matches!(esc("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(esc_short("ab\ncdef", 3), "ab\\n…");
        assert_eq!(
            esc_value(&serde_json::json!(["a\u{2028}"])),
            "[\"a\\u{2028}\"]"
        );
    }
}
