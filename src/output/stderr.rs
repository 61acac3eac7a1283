//! What goes to stderr: notes (the sink the code below the commands reports to), the error
//! report, and the spinner shown while a network request runs.

use std::io::Write;

use super::{Palette, emit_json, esc, sanitize};
use crate::error::Error;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::Note;

    #[test]
    fn notes_read_as_they_always_have() {
        let t = |n: Note| note_text(&n).into_owned();
        assert_eq!(
            t(Note::Trace("GET https://x/jwks → 200 OK".into())),
            "tokdiag: GET https://x/jwks → 200 OK"
        );
        assert_eq!(
            t(Note::Info("using the access token".into())),
            "tokdiag: using the access token"
        );
        assert_eq!(
            t(Note::Warning("cache not written: denied".into())),
            "tokdiag: warning: cache not written: denied"
        );
        assert_eq!(t(Note::ConfigWarning("a\nb".into())), "warning: a\\nb");
        assert_eq!(
            t(Note::Exchange("> GET /mcp\n> accept: */*".into())),
            "> GET /mcp\n> accept: */*"
        );
    }
}
