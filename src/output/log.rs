//! The proxy's request log: one line per request on stderr, written by one thread behind a
//! bounded queue so that a slow reader of stderr never holds up an answer. `proxy.rs` builds
//! the lines (its data escaped); this is the one place that writes them.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// The log writer: lines go through a bounded queue to one thread that writes stderr, so a slow
/// reader of stderr never holds up an answer. Lines that find the queue full are counted and the
/// count is logged once the queue drains.
struct LogQueue {
    tx: std::sync::mpsc::SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

static LOG: LazyLock<LogQueue> = LazyLock::new(|| {
    let (tx, rx) = std::sync::mpsc::sync_channel::<String>(16 * 1024);
    let dropped = Arc::new(AtomicU64::new(0));
    let d2 = dropped.clone();
    let _ = std::thread::Builder::new()
        .name("proxy-log".into())
        .spawn(move || {
            use std::io::Write;
            let mut err = std::io::stderr();
            while let Ok(line) = rx.recv() {
                // Under load, let a few more lines come: one wake-up and one write for many
                // requests instead of one each (the log is read by people, 2 ms late is fine).
                std::thread::sleep(Duration::from_millis(2));
                let mut buf = line;
                buf.push('\n');
                // Batch what is already queued into one write.
                while buf.len() < 64 * 1024 {
                    match rx.try_recv() {
                        Ok(l) => {
                            buf.push_str(&l);
                            buf.push('\n');
                        }
                        Err(_) => break,
                    }
                }
                let lost = d2.swap(0, Ordering::Relaxed);
                if lost > 0 {
                    buf.push_str(&format!(
                        "tokdiag proxy: {lost} log lines dropped (stderr was not read fast enough)\n"
                    ));
                }
                let _ = err.write_all(buf.as_bytes());
                let _ = err.flush();
            }
        });
    LogQueue { tx, dropped }
});

/// Writes one line to the proxy log (stderr) without blocking; the text is
/// [sanitized](crate::output::sanitize) as a last guard, the data in it is already [escaped](crate::output::esc).
/// The log has no color, and [escaped](crate::output::esc) data has no escape character that a palette could
/// keep: sanitizing it without one changes nothing.
pub fn log_line(text: String) {
    let text = match crate::output::sanitize(&text, crate::output::Palette::PLAIN) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => s,
    };
    let q = &*LOG;
    if q.tx.try_send(text).is_err() {
        q.dropped.fetch_add(1, Ordering::Relaxed);
    }
}
