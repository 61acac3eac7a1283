//! Output: the only place that writes results to stdout. Human text (colored when enabled),
//! JSON documents, and the error report. A closed pipe on stdout (`tokdiag … | head`) ends the
//! process quietly with success, as Unix tools do.

use std::io::Write;

use colored::Color;
use serde::Serialize;

use crate::error::Error;
use crate::report::Status;

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
    // Printable ASCII, newlines and tabs are safe byte by byte: most output is only that, and a
    // byte test is cheaper than decoding every character.
    let plain = text
        .bytes()
        .all(|b| matches!(b, b' '..=b'~' | b'\n' | b'\t'));
    if plain || !text.chars().any(bad) {
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

/// Length of a color sequence `ESC [ n;n… m` at the start of `s` (no SGR 8, concealed text).
fn sgr_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\u{1b}[")?;
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    if body.as_bytes().get(end) != Some(&b'm') || body[..end].split(';').any(|p| p == "8") {
        return None;
    }
    Some(2 + end + 1)
}

/// Writes `text` to stdout, [sanitized](sanitize) for the terminal under the palette `p`. A failed write is
/// [`Error::Stdout`](crate::error::Error::Stdout), which `main` handles once: a closed pipe exits
/// 0 without a word (the reader has what it wanted), any other write error (a full disk,
/// `>/dev/full`) exits 2 with one line on stderr — before anything can claim the output was
/// written.
pub fn emit(p: Palette, text: &str) -> crate::error::Result<()> {
    let text = sanitize(text, p);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(crate::error::Error::Stdout)
}

/// Writes one line to stdout (see [`emit`]).
pub fn emit_line(p: Palette, text: &str) -> crate::error::Result<()> {
    let mut s = String::with_capacity(text.len() + 1);
    s.push_str(text);
    s.push('\n');
    emit(p, &s)
}

/// Writes a JSON document (pretty) to stdout (see [`emit`]). JSON needs no palette: serde writes
/// every control character as an escape, so no color sequence can be in it.
pub fn emit_json<T: Serialize>(value: &T) -> crate::error::Result<()> {
    let s = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        // Serializing our own data types cannot fail (no non-string map keys); keep a valid document anyway.
        format!("{{\"error\":{{\"message\":\"cannot serialize output: {e}\"}}}}")
    });
    emit_line(Palette::PLAIN, &s)
}

/// A note on stderr (suppressed by `--quiet` at the caller), [sanitized](sanitize) under `p`.
pub fn note(p: Palette, text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", sanitize(text, p));
}

/// The [`Notes`](crate::notes::Notes) of a run: each note that the flags show is written to
/// stderr the moment it is sent ([`note_text`], then [`note`] under `p`); with `progress`, each
/// wait shows a [`Spinner`] (see [`progress_wanted`]).
pub fn stderr_notes(verbose: bool, quiet: bool, progress: bool, p: Palette) -> crate::notes::Notes {
    let notes = crate::notes::Notes::new(verbose, quiet, move |n| note(p, &note_text(n)));
    if progress {
        notes.with_progress(|what| crate::notes::Busy::new(Spinner::start(what)))
    } else {
        notes
    }
}

/// How a [`Note`](crate::notes::Note) reads on stderr: `tokdiag: …` for traces and information,
/// `tokdiag: warning: …` for warnings, `warning: …` (the text escaped) for configuration
/// warnings, an HTTP exchange as it is.
pub fn note_text(n: &crate::notes::Note) -> std::borrow::Cow<'_, str> {
    use crate::notes::Note;
    match n {
        Note::Trace(t) | Note::Info(t) => format!("tokdiag: {t}").into(),
        Note::Warning(t) => format!("tokdiag: warning: {t}").into(),
        Note::ConfigWarning(t) => format!("warning: {}", esc(t)).into(),
        Note::Exchange(t) => t.as_str().into(),
    }
}

/// Reports an error once: `tokdiag: error: …` and `  hint: …` on stderr, and under `--json` also
/// the `{"error": {"message", "hint"}}` document on stdout so scripts always parse. Colored by `p`.
pub fn report_error(e: &Error, json: bool, p: Palette) {
    if e.is_closed_pipe() {
        return;
    }
    let hint = e.hint();
    // A failed write to stdout is reported on stderr only: stdout is what failed.
    if json && !matches!(e, Error::Stdout(_)) {
        // Nothing more can be said if this write fails too.
        let _ = emit_json(&serde_json::json!({"error": {"message": e.to_string(), "hint": hint}}));
    }
    // An error and its hint are one line each by design; values inside them (a path, a URL, an
    // agent name) may hold line breaks, so both are escaped as a whole here, as a safety net.
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "{} {}",
        p.red_bold("tokdiag: error:"),
        sanitize(&esc(&e.to_string()), p)
    );
    if let Some(h) = hint {
        let _ = writeln!(err, "  {} {}", p.cyan("hint:"), sanitize(&esc(&h), p));
    }
}

/// Whether network waits show a spinner, from the facts that decide it: only when stderr is a
/// terminal and none of `--quiet`, `--json`, `--verbose` is given (the spinner would garble
/// verbose lines, and scripts never want it).
pub fn progress_wanted(stderr_is_tty: bool, quiet: bool, json: bool, verbose: bool) -> bool {
    stderr_is_tty && !quiet && !json && !verbose
}

/// A spinner on stderr while a network request runs; cleared when dropped. Code below the
/// commands asks for one through [`Notes::busy`](crate::notes::Notes::busy), which shows it only
/// when [`stderr_notes`] was given `progress`.
pub struct Spinner(Option<indicatif::ProgressBar>);

impl Spinner {
    /// Starts a spinner with `message` (e.g. "fetching JWKS from issuer.example.com").
    pub fn start(message: impl Into<String>) -> Spinner {
        let pb =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            pb.set_style(style.tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "));
        }
        pb.set_message(message.into());
        pb.enable_steady_tick(std::time::Duration::from_millis(80));
        Spinner(Some(pb))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(pb) = self.0.take() {
            pb.finish_and_clear();
        }
    }
}

/// How human output is colored: built once from `--color` (and, for `auto`, `NO_COLOR` and
/// whether stdout is a terminal) and passed to every function that formats or writes text. The
/// color codes are the `colored` crate's; no process-wide switch is involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Whether color sequences are written at all.
    pub color: bool,
}

/// SGR style codes, as `colored` writes them.
const BOLD: &str = "1";
const DIMMED: &str = "2";

impl Palette {
    /// No color.
    pub const PLAIN: Palette = Palette { color: false };

    /// The palette for a color decision.
    pub fn new(color: bool) -> Palette {
        Palette { color }
    }

    /// `text` in the style `style` (SGR codes, "" for none) and foreground `fg`, written exactly
    /// as `colored` writes it: `ESC[style;fgm text ESC[0m`, the style re-applied after each reset
    /// inside `text` (so a colored part keeps the outer style after it ends). Plain text as it is
    /// when color is off.
    fn paint(self, text: &str, style: &str, fg: Option<Color>) -> String {
        if !self.color || (style.is_empty() && fg.is_none()) {
            return text.to_string();
        }
        let mut start = String::from("\x1B[");
        start.push_str(style);
        if let Some(fg) = fg {
            if !style.is_empty() {
                start.push(';');
            }
            start.push_str(&fg.to_fg_str());
        }
        start.push('m');
        const RESET: &str = "\x1B[0m";
        let mut out = String::with_capacity(start.len() + text.len() + RESET.len());
        out.push_str(&start);
        let mut rest = text;
        while let Some(i) = rest.find(RESET) {
            out.push_str(&rest[..i + RESET.len()]);
            out.push_str(&start);
            rest = &rest[i + RESET.len()..];
        }
        out.push_str(rest);
        out.push_str(RESET);
        out
    }

    /// Green.
    pub fn green(self, text: &str) -> String {
        self.paint(text, "", Some(Color::Green))
    }

    /// Bold green.
    pub fn green_bold(self, text: &str) -> String {
        self.paint(text, BOLD, Some(Color::Green))
    }

    /// Bold red.
    pub fn red_bold(self, text: &str) -> String {
        self.paint(text, BOLD, Some(Color::Red))
    }

    /// Yellow.
    pub fn yellow(self, text: &str) -> String {
        self.paint(text, "", Some(Color::Yellow))
    }

    /// Bold yellow.
    pub fn yellow_bold(self, text: &str) -> String {
        self.paint(text, BOLD, Some(Color::Yellow))
    }

    /// Cyan.
    pub fn cyan(self, text: &str) -> String {
        self.paint(text, "", Some(Color::Cyan))
    }

    /// Bold.
    pub fn bold(self, text: &str) -> String {
        self.paint(text, BOLD, None)
    }

    /// Dimmed.
    pub fn dimmed(self, text: &str) -> String {
        self.paint(text, DIMMED, None)
    }
}

/// A status symbol, colored.
pub fn symbol(p: Palette, status: Status) -> String {
    let s = status.symbol();
    match status {
        Status::Pass => p.green(s),
        Status::Fail => p.red_bold(s),
        Status::Skip => p.dimmed(s),
        Status::Warn => p.yellow_bold(s),
    }
}

/// A section heading.
pub fn heading(p: Palette, text: &str) -> String {
    p.bold(text)
}

/// A dimmed aside.
pub fn dim(p: Palette, text: &str) -> String {
    p.dimmed(text)
}

/// A key/value table: keys padded to the longest (at most `max_key`), two-space indent. Keys are
/// [escaped](esc) here (they may be claim names); values are the caller's to escape, since they
/// may carry color.
pub fn table(p: Palette, rows: &[(String, String)], max_key: usize) -> String {
    let rows: Vec<(std::borrow::Cow<'_, str>, &String)> =
        rows.iter().map(|(k, v)| (esc(k), v)).collect();
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .filter(|w| *w <= max_key)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (k, v) in &rows {
        let pad = width.saturating_sub(k.chars().count());
        out.push_str("  ");
        out.push_str(&p.cyan(k));
        out.push_str(&" ".repeat(pad + 2));
        out.push_str(v);
        out.push('\n');
    }
    out
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

    #[test]
    fn palette_writes_what_colored_writes() {
        use colored::Colorize;
        colored::control::set_override(true);
        let p = Palette::new(true);
        let inner = format!("a{}b", "x".green());
        assert_eq!(p.green("✓"), "✓".green().to_string());
        assert_eq!(p.green_bold("OK"), "OK".green().bold().to_string());
        assert_eq!(p.red_bold("✗"), "✗".red().bold().to_string());
        assert_eq!(p.yellow("w"), "w".yellow().to_string());
        assert_eq!(p.yellow_bold("!"), "!".yellow().bold().to_string());
        assert_eq!(p.cyan("k"), "k".cyan().to_string());
        assert_eq!(p.bold(&inner), inner.bold().to_string());
        assert_eq!(p.dimmed(""), "".dimmed().to_string());
        colored::control::unset_override();
        assert_eq!(Palette::PLAIN.red_bold("✗"), "✗");
        assert_eq!(symbol(Palette::PLAIN, Status::Warn), "!");
    }

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
}
