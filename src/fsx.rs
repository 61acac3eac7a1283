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

// ---------------------------------------------------------------------------------------------
// The cache: trusted only when it is the user's own, as ssh and gpg trust their files

/// Largest cache file read (a JWKS or discovery entry, a login, `last.json`): 1 MiB, the cap on
/// network bodies.
pub const MAX_CACHE_BYTES: u64 = 1024 * 1024;

/// Paths already warned about: each gets one warning per process, however often it is read.
static WARNED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn warn_once(notes: &crate::notes::Notes, path: &Path, problem: &str, fix: &str) {
    let mut seen = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if seen.iter().any(|p| p == path) {
        return;
    }
    seen.push(path.to_path_buf());
    notes.warn(format!(
        "ignoring the cache at {}: {problem}; fix: {fix}",
        path.display()
    ));
}

/// The current user (effective uid).
#[cfg(unix)]
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Why a cache file or directory with this metadata must not be trusted, and the fix; `None`
/// when it is the current user's own and nobody else can write it.
#[cfg(unix)]
fn distrust(path: &Path, m: &std::fs::Metadata, dir: bool) -> Option<(String, String)> {
    use std::os::unix::fs::MetadataExt;
    let p = sh_word(&path.display().to_string());
    let rm = if dir {
        format!("remove it (rm -r {p}) or pass another --cache-dir")
    } else {
        format!("remove it (rm {p})")
    };
    let ft = m.file_type();
    if ft.is_symlink() {
        return Some(("it is a symbolic link".to_string(), rm));
    }
    if dir && !ft.is_dir() {
        return Some(("it is not a directory".to_string(), rm));
    }
    if !dir && !ft.is_file() {
        return Some((
            "it is not a regular file (a FIFO, device or directory)".to_string(),
            rm,
        ));
    }
    let me = euid();
    if m.uid() != me {
        return Some((
            format!("it belongs to uid {}, not to you (uid {me})", m.uid()),
            rm,
        ));
    }
    let mode = m.mode() & 0o7777;
    if mode & 0o022 != 0 {
        let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
            (true, true) => "its group and all users",
            (true, false) => "its group",
            _ => "all users",
        };
        let chmod = if dir { "700" } else { "600" };
        return Some((
            format!("it is writable by {who} (mode {mode:04o})"),
            format!("chmod {chmod} {p}"),
        ));
    }
    None
}

/// True when every existing directory from the cache root `root` down to `dir` is the current
/// user's own, not a symlink, and writable by nobody else. A directory that fails gets one
/// warning naming it and the fix (to `notes`); a missing one passes (tokdiag creates it, mode
/// 0700).
pub fn cache_dirs_trusted(root: &Path, dir: &Path, notes: &crate::notes::Notes) -> bool {
    #[cfg(unix)]
    {
        let mut chain = vec![root.to_path_buf()];
        if let Ok(rest) = dir.strip_prefix(root) {
            let mut cur = root.to_path_buf();
            for c in rest.components() {
                cur.push(c);
                chain.push(cur.clone());
            }
        } else {
            chain.push(dir.to_path_buf());
        }
        for d in &chain {
            match std::fs::symlink_metadata(d) {
                Ok(m) => {
                    if let Some((problem, fix)) = distrust(d, &m, true) {
                        warn_once(notes, d, &problem, &fix);
                        return false;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
                Err(_) => return false,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (root, dir, notes);
    true
}

/// Reads the cache file `path` under the cache root `root`, or `None`: missing, unreadable, not
/// UTF-8, or not trusted. Not trusted (one warning each to `notes`, naming the path and the
/// fix): a file or directory on the way that is a symlink, not the user's own, or writable by
/// others; a file that is not a regular file (a FIFO, a device) or is over [`MAX_CACHE_BYTES`]. The file is
/// opened with `O_NOFOLLOW | O_NONBLOCK` and checked on the open descriptor, so swapping it for a
/// symlink or a FIFO between the checks and the read gains nothing, and a FIFO never blocks.
pub fn read_cache_file(root: &Path, path: &Path, notes: &crate::notes::Notes) -> Option<String> {
    use std::io::Read;
    let dir = path.parent()?;
    if !cache_dirs_trusted(root, dir, notes) {
        return None;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The symlink case gets its own words (O_NOFOLLOW alone answers ELOOP).
        let lm = std::fs::symlink_metadata(path).ok()?;
        if lm.file_type().is_symlink() {
            let (problem, fix) = distrust(path, &lm, false)?;
            warn_once(notes, path, &problem, &fix);
            return None;
        }
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let f = match opts.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            let rm = format!("remove it (rm {})", sh_word(&path.display().to_string()));
            warn_once(notes, path, "it is a symbolic link", &rm);
            return None;
        }
        Err(_) => return None,
    };
    let m = f.metadata().ok()?;
    #[cfg(unix)]
    if let Some((problem, fix)) = distrust(path, &m, false) {
        warn_once(notes, path, &problem, &fix);
        return None;
    }
    let too_big = || {
        warn_once(
            notes,
            path,
            &format!("it is larger than {} MiB", MAX_CACHE_BYTES / 1024 / 1024),
            &format!("remove it (rm {})", sh_word(&path.display().to_string())),
        );
    };
    if m.len() > MAX_CACHE_BYTES {
        too_big();
        return None;
    }
    let mut bytes = Vec::new();
    f.take(MAX_CACHE_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_CACHE_BYTES {
        too_big();
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// Writes a cache file atomically ([`write_atomic_private`]) unless a directory from `root` down
/// to it is not trusted ([`cache_dirs_trusted`], which warns to `notes`): a cache nobody else
/// controls is the only one tokens and keys are written to. Returns whether the file was written.
pub fn write_cache_file(
    root: &Path,
    path: &Path,
    data: &[u8],
    notes: &crate::notes::Notes,
) -> Result<bool> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    if !cache_dirs_trusted(root, dir, notes) {
        return Ok(false);
    }
    write_atomic_private(path, data)?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Locks

/// An exclusive advisory lock (`flock(2)` through [`std::fs::File::try_lock`]) on the file
/// `path`: the kernel releases it when the holder drops it, exits or is killed (`kill -9`, a full
/// disk, Ctrl-C), so a lock can never outlive its process; the file's existence means nothing.
/// The holder removes the file before releasing the lock, and a taker checks that the file it
/// locked is still the one at `path`, so no leftovers pile up and two holders never coexist.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
    _file: std::fs::File,
}

impl FileLock {
    /// One attempt: `Ok(Some)` when taken, `Ok(None)` while another process holds it, `Err` when
    /// the lock file cannot be opened (a read-only cache, a symlink planted at `path`).
    pub fn try_acquire(path: &Path) -> std::io::Result<Option<FileLock>> {
        // Bounded: each round means another holder removed the file between our open and our
        // lock; a few rounds are already unlikely.
        for _ in 0..64 {
            let mut opts = std::fs::OpenOptions::new();
            opts.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
            }
            let file = opts.open(path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            if same_file(&file, path) {
                return Ok(Some(FileLock {
                    path: path.to_path_buf(),
                    _file: file,
                }));
            }
        }
        Ok(None)
    }

    /// Takes the lock, trying every 5 ms for at most `wait`; `Ok(None)` when a live holder kept
    /// it all that time.
    pub fn acquire(path: &Path, wait: std::time::Duration) -> std::io::Result<Option<FileLock>> {
        let give_up = std::time::Instant::now() + wait;
        loop {
            if let Some(l) = FileLock::try_acquire(path)? {
                return Ok(Some(l));
            }
            if std::time::Instant::now() >= give_up {
                return Ok(None);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

/// True when the open `file` is the file now at `path` (same device and inode).
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Removed while still locked (the descriptor closes after this), so a waiter that locked
        // the old file sees it is gone and opens the new one.
        let _ = std::fs::remove_file(&self.path);
    }
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

/// Names a user may paste after a flag, each as [`sh_word`], joined with `, `
/// (`use --agent with one of: a, 'my agent'`).
pub fn sh_words<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| sh_word(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
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
    fn file_locks_exclude_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        // A stale file from a killed process is no lock.
        std::fs::write(&path, "12345").unwrap();
        let a = FileLock::try_acquire(&path).unwrap().expect("taken");
        // flock locks belong to the open file: a second open, even in this process, waits.
        assert!(FileLock::try_acquire(&path).unwrap().is_none());
        let t = std::time::Instant::now();
        assert!(
            FileLock::acquire(&path, std::time::Duration::from_millis(50))
                .unwrap()
                .is_none()
        );
        assert!(t.elapsed() >= std::time::Duration::from_millis(50));
        drop(a);
        assert!(!path.exists(), "the holder removes the file");
        let b = FileLock::try_acquire(&path).unwrap().expect("free again");
        drop(b);
        assert!(!path.exists());
    }

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
