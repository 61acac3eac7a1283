//! The output layer: the code that writes to stdout and stderr. Commands compute data (reports,
//! outcomes, steps) and hand it here: human text (tables, wrapping, status symbols,
//! colored by a [`Palette`] passed in), JSON documents, the error report, and the notes and
//! warnings that the code below the commands sends as data ([`crate::notes`]). Values from
//! outside are escaped at the point of interpolation ([`esc`]); everything written to a terminal
//! is [sanitized](sanitize) once more. A failed write to stdout is an
//! [`Error::Stdout`](crate::error::Error::Stdout), handled once in `main`: a closed pipe
//! (`tokdiag … | head`) ends the process quietly with success, as Unix tools do.
//!
//! Two writers live in commands, each for a reason of its own: `verify`'s batch keeps one
//! buffered stdout for its stream of lines (each chunk [sanitized](sanitize) here first), and
//! `login` prompts on the terminal. The proxy's request log is written here ([`log`]), by a
//! thread of its own so that a slow stderr never blocks a request.
//!
//! - [`terminal`]: [`sanitize`], the last guard on what reaches a terminal; [`esc`] and
//!   [`short`] (from [`crate::escape`], which every layer uses) are re-exported here.
//! - [`style`]: [`Palette`], [`symbol`], [`heading`], [`dim`], [`table`].
//! - [`stderr`]: [`note`], [`stderr_notes`], [`report_error`], [`Spinner`].
//! - [`log`]: the proxy's request log.
//! - [`decode`], [`explain`], [`doctor`], [`invoke`], [`keys`], [`login`], [`verify`]: those
//!   commands' human text (and the documents of `verify`'s JSON lines, `invoke --dry-run` and
//!   `login --print json|env`).

use std::io::Write;

use serde::Serialize;

pub mod decode;
pub mod doctor;
pub mod explain;
pub mod invoke;
pub mod keys;
pub mod log;
pub mod login;
pub mod stderr;
pub mod style;
pub mod terminal;
pub mod verify;

pub use crate::escape::{
    esc, esc_join, esc_json, esc_json_map, esc_short, esc_value, short, short_value,
};
pub use stderr::{Spinner, note, note_text, progress_wanted, report_error, stderr_notes};
pub use style::{Palette, dim, heading, symbol, table};
pub use terminal::sanitize;

/// Writes `text` to stdout, [sanitized](sanitize) for the terminal under the palette `p`. A
/// failed write is [`Error::Stdout`](crate::error::Error::Stdout), which `main` handles once: a
/// closed pipe exits 0 without a word (the reader has what it wanted), any other write error (a
/// full disk, `>/dev/full`) exits 2 with one line on stderr — before anything can claim the
/// output was written.
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
