//! Time: parsing `--now`, formatting Unix seconds as RFC 3339, and relative phrases
//! ("expires in 41 min", "expired 3 h ago"). Pure functions over `i64` seconds; no clock inside
//! except [`system_now`].

use crate::error::{Error, Result};

/// The current time in Unix seconds.
pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parses `--now`: RFC 3339 (`2026-01-01T00:00:00Z`) or Unix seconds (`1767225600`).
pub fn parse_now(s: &str) -> Result<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    match humantime::parse_rfc3339_weak(s) {
        Ok(t) => Ok(t
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)),
        Err(_) => Err(Error::usage(
            format!("invalid --now value '{s}'"),
            Some("use RFC 3339 (2026-01-01T00:00:00Z) or Unix seconds (1767225600)".to_string()),
        )),
    }
}

/// Days since 1970-01-01 to a civil (year, month, day). Howard Hinnant's algorithm; total for any i64
/// in the range we accept.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix seconds as RFC 3339 UTC (`2026-01-01T00:00:00Z`). Out-of-range values (beyond year 9999)
/// are shown as the raw number.
pub fn rfc3339(secs: i64) -> String {
    Rfc3339(secs).to_string()
}

/// [`rfc3339`] as a `Display` value, to write into a line without a string of its own.
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339(pub i64);

impl std::fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0;
        // 253402300799 = 9999-12-31T23:59:59Z
        if !(-62_135_596_800..=253_402_300_799).contains(&secs) {
            return write!(f, "{secs} (out of range)");
        }
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            (rem % 3600) / 60,
            rem % 60
        )
    }
}

/// A duration in seconds, rounded to its largest sensible unit: `42 s`, `41 min`, `3 h`, `12 d`, `74 y`.
pub fn span(secs: u64) -> String {
    Span(secs).to_string()
}

/// [`span`] as a `Display` value.
#[derive(Debug, Clone, Copy)]
pub struct Span(pub u64);

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0;
        match secs {
            0..=119 => write!(f, "{secs} s"),
            120..=7199 => write!(f, "{} min", secs / 60),
            7200..=172_799 => write!(f, "{} h", secs / 3600),
            172_800..=63_071_999 => write!(f, "{} d", secs / 86_400),
            _ => write!(f, "{} y", secs / 31_536_000),
        }
    }
}

/// `in 41 min` for a future time, `3 h ago` for a past one, `now` for the same second.
pub fn relative(target: i64, now: i64) -> String {
    Relative(target, now).to_string()
}

/// [`relative`] as a `Display` value: `Relative(target, now)`.
#[derive(Debug, Clone, Copy)]
pub struct Relative(pub i64, pub i64);

impl std::fmt::Display for Relative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.saturating_sub(self.1) {
            0 => f.write_str("now"),
            d if d > 0 => write!(f, "in {}", Span(d as u64)),
            d => write!(f, "{} ago", Span(d.unsigned_abs())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_800), "2100-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(i64::MAX), format!("{} (out of range)", i64::MAX));
    }

    #[test]
    fn relative_phrases() {
        assert_eq!(relative(100, 100), "now");
        assert_eq!(relative(142, 100), "in 42 s");
        assert_eq!(relative(100 + 41 * 60 + 5, 100), "in 41 min");
        assert_eq!(relative(100, 100 + 3 * 3600 + 10), "3 h ago");
        assert_eq!(
            relative(i64::MIN, i64::MAX),
            format!("{} y ago", (1u64 << 63) / 31_536_000)
        );
    }

    #[test]
    fn parses_now() {
        assert_eq!(parse_now("1767225600").unwrap(), 1_767_225_600);
        assert_eq!(parse_now("2026-01-01T00:00:00Z").unwrap(), 1_767_225_600);
        assert!(parse_now("yesterday").is_err());
    }
}
