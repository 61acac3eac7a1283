//! The last guard on everything written to a terminal ([`sanitize`]): control characters and
//! escape sequences in data are shown, not obeyed. Escaping data where it is interpolated is
//! [`crate::escape`]'s.

use super::Palette;

/// Makes text safe for a terminal. Tokens, configs and server answers are untrusted, and a kid
/// or claim holding `ESC ] 52 ;` (clipboard), `ESC [ 2 J` (clear), a carriage return or a
/// right-to-left override could rewrite what the user sees — a forged "✓ accepted" line. Every
/// control character except `\n` and `\t` (C0, DEL, C1), and the Unicode bidi controls, become
/// the visible escape `\u001b` (which is also the JSON escape of that character, so JSON output
/// keeps its meaning). The only escape sequences kept are the SGR color codes tokdiag itself
/// writes, and only while color is on; SGR 8 (concealed text) is never kept.
pub fn sanitize(text: &str, p: Palette) -> std::borrow::Cow<'_, str> {
    sanitize_with(text, p.color)
}

/// [`sanitize`] with the color decision given.
fn sanitize_with(text: &str, color: bool) -> std::borrow::Cow<'_, str> {
    fn bad(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    }
    if clean(text, bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}'
            && color
            && let Some(len) = sgr_len(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if bad(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `text` has no character that `bad` flags. Printable ASCII, newlines and tabs are
/// safe byte by byte: most output is only that, and a byte test is cheaper than decoding every
/// character; only the characters outside ASCII (a `→`, a name in another script) are decoded.
fn clean(text: &str, bad: fn(char) -> bool) -> bool {
    let plain = |b: u8| matches!(b, b' '..=b'~' | b'\n' | b'\t');
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // 16 bytes at a time while they are all plain (no early exit inside a block, so the
        // compiler can compare them as one vector).
        if let Some(block) = bytes.get(i..i + 16)
            && block.iter().fold(true, |all, &b| all & plain(b))
        {
            i += 16;
            continue;
        }
        let b = bytes[i];
        if b < 0x80 {
            if !plain(b) {
                return false;
            }
            i += 1;
            continue;
        }
        // `i` is on a character boundary: every earlier step moved by a whole character.
        match text.get(i..).and_then(|r| r.chars().next()) {
            Some(c) if !bad(c) => i += c.len_utf8(),
            _ => return false,
        }
    }
    true
}

/// Length of a color sequence `ESC [ n;n… m` at the start of `s` (no SGR 8, concealed text).
fn sgr_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\u{1b}[")?;
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    if body.as_bytes().get(end) != Some(&b'm') || body[..end].split(';').any(|p| p == "8") {
        return None;
    }
    Some(2 + end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_terminal_controls() {
        let plain = |t: &str| sanitize_with(t, false).into_owned();
        assert_eq!(plain("plain ✓ text\n\tok"), "plain ✓ text\n\tok");
        assert_eq!(plain("k\u{1b}[31mRED\u{7}"), "k\\u001b[31mRED\\u0007");
        assert_eq!(plain("x\u{1b}]52;c;aGk=\u{7}"), "x\\u001b]52;c;aGk=\\u0007");
        assert_eq!(plain("a\rb\u{7f}\u{9b}c"), "a\\u000db\\u007f\\u009bc");
        assert_eq!(plain("\u{202e}gpj.exe"), "\\u202egpj.exe");
        // JSON stays JSON: a C1 character inside a string becomes its JSON escape.
        let v: serde_json::Value = serde_json::from_str(&plain("\"a\u{9b}b\"")).unwrap();
        assert_eq!(v, "a\u{9b}b");

        let color = |t: &str| sanitize_with(t, true).into_owned();
        assert_eq!(color("\u{1b}[1;31m✗\u{1b}[0m"), "\u{1b}[1;31m✗\u{1b}[0m");
        assert_eq!(color("\u{1b}[8mhidden"), "\\u001b[8mhidden");
        assert_eq!(color("\u{1b}[2J"), "\\u001b[2J");
    }

    #[test]
    fn sanitize_decodes_only_what_is_not_ascii() {
        // A line with non-ASCII text and nothing to escape is returned as it is (the proxy's log
        // lines all have a `→`); what follows a non-ASCII character is still looked at.
        let line = "tokdiag proxy: #1 POST /mcp → 200 forwarded (token accepted) Zoë ✓";
        assert!(matches!(
            sanitize_with(line, false),
            std::borrow::Cow::Borrowed(_)
        ));
        let plain = |t: &str| sanitize_with(t, false).into_owned();
        assert_eq!(plain("→ é\u{1b}[2J"), "→ é\\u001b[2J");
        assert_eq!(plain("✓\u{202e}x\u{7f}"), "✓\\u202ex\\u007f");
        assert_eq!(plain("ok\u{85}→"), "ok\\u0085→");
        assert_eq!(plain("→\n\t→"), "→\n\t→");
    }
}
