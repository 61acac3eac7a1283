//! File-system helpers that always name the path in their errors, and write atomically.
//!
//! Equivalent to the `std::fs` calls they wrap, with better error messages: no I/O error ever
//! reaches the user without the path it concerns.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Largest file tokdiag reads as input (tokens, configs, JWKS): 8 MiB.
pub const MAX_INPUT_BYTES: u64 = 8 * 1024 * 1024;

/// Equivalent to [`std::fs::read_to_string`], with the path in the error and a size cap.
pub fn read_to_string(path: &Path) -> Result<String> {
    let err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let too_big = |size: String| {
        Error::input(
            format!(
                "{} is {size} bytes, over the {} MiB input limit",
                path.display(),
                MAX_INPUT_BYTES / 1024 / 1024
            ),
            Some("pass the token or config itself, not a larger file".to_string()),
        )
    };
    let meta = std::fs::metadata(path).map_err(err)?;
    if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
        return Err(too_big(meta.len().to_string()));
    }
    // Read through `take`: pipes and devices (`@/dev/zero`, `<(…)`) have no size up front.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            use std::io::Read;
            f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)
        })
        .map_err(err)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big(format!("more than {MAX_INPUT_BYTES}")));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::input(
            format!("{} is not UTF-8 text", path.display()),
            Some("tokens and configs are text files".to_string()),
        )
    })
}

/// Creates `dir` and its parents (mode 0700 on Unix), naming the path on failure.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes `data` to `path` atomically: a temporary file in the same directory (mode 0600),
/// flushed, then renamed over the target. Readers see the old file or the new one, never a torn one.
pub fn write_atomic_private(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    create_dir_all(dir)?;
    let tmp: PathBuf = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id(),
        rand::random::<u32>()
    ));
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(werr)
}

/// Quotes `s` for a POSIX shell: `'…'`, each `'` inside written `'\''`. The result is one word
/// whatever `s` holds (`;`, `$(…)`, backquotes, newlines), so `eval` and `sh -c` take it literally.
pub fn sh_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// [`sh_quote`] only when `s` holds anything beyond `A-Za-z0-9` and `_-./:@%+=,` (for the
/// commands in hints, which read better unquoted when they can be).
pub fn sh_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:@%+=,".contains(&b));
    if plain { s.to_string() } else { sh_quote(s) }
}

/// Removes a file; a missing file is not an error. Returns whether a file was removed.
pub fn remove_file_if_exists(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(Error::Write {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(sh_quote("abc"), "'abc'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("x; touch /tmp/p"), "'x; touch /tmp/p'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_word("/a/b-c_d.json"), "/a/b-c_d.json");
        assert_eq!(sh_word("/a b/c"), "'/a b/c'");
        assert_eq!(sh_word(""), "''");
    }
}
