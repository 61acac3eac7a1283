//! Color as a value: the [`Palette`] of a run and the styled pieces of human text (status
//! symbols, headings, asides, key/value tables).

use colored::Color;

use super::esc;
use crate::report::Status;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
