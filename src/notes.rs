//! Notes and warnings as data. The layers below the commands (discovery and JWKS fetching, the
//! caches, the Cognito and MCP clients) never print: what they have to tell the user on the way
//! — a `--verbose` trace of a request, a cache decision, a warning about a cache file — is a
//! [`Note`] handed to the [`Notes`] the command gave them. Which notes are shown follows the
//! global flags ([`Notes::shows`]); how they read, and where they go, is the output layer's
//! ([`crate::output::stderr_notes`] writes them to stderr as they arrive, so a slow request's
//! trace shows before it returns).

use std::sync::Arc;

/// One thing to tell the user, as data: the kind decides when it is shown and how it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// With `--verbose` only: what was sent or received, a cache decision (`tokdiag: {text}`).
    Trace(String),
    /// With `--verbose` only: the lines of an HTTP exchange shown as they are (`> POST …`,
    /// `< HTTP 200 …`).
    Exchange(String),
    /// Unless `--quiet`: where a value came from, a choice made (`tokdiag: {text}`).
    Info(String),
    /// Always: something was ignored or not done (`tokdiag: warning: {text}`).
    Warning(String),
    /// Unless `--quiet`: a warning about the authorizer's configuration, in the words `explain`
    /// lists among its warnings (`warning: {text}`, the text escaped as data).
    ConfigWarning(String),
}

/// What receives the notes that are shown.
type Deliver = Arc<dyn Fn(&Note) + Send + Sync>;
/// What shows a wait in progress.
type StartBusy = Arc<dyn Fn(String) -> Busy + Send + Sync>;

/// Where notes go: the sink a command supplies to the code it calls. Cheap to clone (shared).
#[derive(Clone)]
pub struct Notes {
    verbose: bool,
    quiet: bool,
    deliver: Option<Deliver>,
    busy: Option<StartBusy>,
}

/// A wait in progress (a network request) as the output layer shows it, for instance a spinner
/// on a terminal; it ends when this is dropped.
#[must_use = "the wait ends when this is dropped"]
pub struct Busy(#[allow(dead_code)] Option<Box<dyn Send>>);

impl Busy {
    /// A wait shown by `shown`, which ends the showing when dropped.
    pub fn new(shown: impl Send + 'static) -> Busy {
        Busy(Some(Box::new(shown)))
    }

    /// A wait nobody sees.
    pub fn none() -> Busy {
        Busy(None)
    }
}

impl std::fmt::Debug for Notes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notes")
            .field("verbose", &self.verbose)
            .field("quiet", &self.quiet)
            .field("silent", &self.deliver.is_none())
            .field("progress", &self.busy.is_some())
            .finish()
    }
}

impl Notes {
    /// Notes for a run with these `--verbose` and `--quiet` flags: each note that
    /// [shows](Notes::shows) is passed to `deliver` the moment it is sent.
    pub fn new(
        verbose: bool,
        quiet: bool,
        deliver: impl Fn(&Note) + Send + Sync + 'static,
    ) -> Notes {
        Notes {
            verbose,
            quiet,
            deliver: Some(Arc::new(deliver)),
            busy: None,
        }
    }

    /// The same notes, with waits shown by `start` (given what is being waited for, e.g.
    /// "fetching JWKS from issuer.example.com").
    pub fn with_progress(
        mut self,
        start: impl Fn(String) -> Busy + Send + Sync + 'static,
    ) -> Notes {
        self.busy = Some(Arc::new(start));
        self
    }

    /// Notes that go nowhere (tests, and code whose notes nobody reads).
    pub const fn silent() -> Notes {
        Notes {
            verbose: false,
            quiet: true,
            deliver: None,
            busy: None,
        }
    }

    /// Whether `--verbose` traces are wanted (to skip building them when not).
    pub fn verbose(&self) -> bool {
        self.verbose && self.deliver.is_some()
    }

    /// Whether a note of this kind is shown: traces and exchanges with `--verbose`, information
    /// and configuration warnings unless `--quiet`, warnings always.
    pub fn shows(&self, note: &Note) -> bool {
        match note {
            Note::Trace(_) | Note::Exchange(_) => self.verbose,
            Note::Info(_) | Note::ConfigWarning(_) => !self.quiet,
            Note::Warning(_) => true,
        }
    }

    /// Sends a note (dropped when it is not [shown](Notes::shows)).
    pub fn send(&self, note: Note) {
        if let Some(d) = &self.deliver
            && self.shows(&note)
        {
            d(&note);
        }
    }

    /// Shows that `what` is being waited for until the returned [`Busy`] is dropped (nothing
    /// when the output layer shows no progress: not a terminal, `--quiet`, `--json`,
    /// `--verbose`).
    pub fn busy(&self, what: impl Into<String>) -> Busy {
        match &self.busy {
            Some(start) => start(what.into()),
            None => Busy::none(),
        }
    }

    /// Sends a [`Note::Trace`], built only when `--verbose` is on.
    pub fn trace(&self, text: impl FnOnce() -> String) {
        if self.verbose() {
            self.send(Note::Trace(text()));
        }
    }

    /// Sends a [`Note::Warning`].
    pub fn warn(&self, text: impl Into<String>) {
        self.send(Note::Warning(text.into()));
    }

    /// Sends a [`Note::Info`].
    pub fn info(&self, text: impl Into<String>) {
        self.send(Note::Info(text.into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_filtered_by_the_flags_and_delivered_as_sent() {
        let got = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = |verbose, quiet| {
            let got = got.clone();
            Notes::new(verbose, quiet, move |n| got.lock().unwrap().push(n.clone()))
        };
        let send_all = |n: &Notes| {
            n.trace(|| "t".into());
            n.send(Note::Exchange("> GET".into()));
            n.info("i");
            n.warn("w");
            n.send(Note::ConfigWarning("c".into()));
        };
        send_all(&sink(true, false));
        assert_eq!(got.lock().unwrap().len(), 5);
        got.lock().unwrap().clear();
        send_all(&sink(false, true));
        assert_eq!(*got.lock().unwrap(), vec![Note::Warning("w".into())]);
        send_all(&Notes::silent());
        assert!(!Notes::silent().verbose());
    }
}
