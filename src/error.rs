//! The user-facing error type: one variant per situation a user can cause, each with a hint and an
//! exit code. A refused token is *not* an error (it is a failed check); errors are for things that
//! stop tokdiag from deciding at all.

use std::path::PathBuf;

/// Everything that can stop a command, with the values needed to act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags or flag combinations.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A config file (YAML, JSON, template) is invalid.
    #[error("invalid config {path}: {message}")]
    Config {
        /// Where the config came from.
        path: String,
        /// What is wrong with it.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// `--agent` names no agent of the config.
    #[error("agent '{name}' not found in {path}")]
    UnknownAgent {
        /// The name asked for.
        name: String,
        /// The config file.
        path: String,
        /// The agents the file has.
        known: Vec<String>,
        /// The agent `name` most likely misspells.
        suggestion: Option<String>,
    },
    /// A token or key input that is unusable as *input* (e.g. an unreadable `@file`).
    #[error("{message}")]
    Input {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// Network failure: DNS, refused, timeout, HTTP error status, non-JSON body.
    #[error("{message}")]
    Network {
        /// What happened, with the URL.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// Writing the output to stdout failed: a closed pipe (`| head -1`, exit 0 without a word, see
    /// [`Error::is_closed_pipe`]) or a real write error (`>/dev/full`, exit 2).
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    /// The remote side refused (Cognito 4xx, runtime error): exit 1.
    #[error("{message}")]
    Refused {
        /// What was refused and why.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
}

impl Error {
    /// A usage error with a hint.
    pub fn usage(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A network error with a hint.
    pub fn network(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::Network {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// An input error with a hint.
    pub fn input(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::Input {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A refusal (exit 1) with a hint.
    pub fn refused(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::Refused {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A config error with a hint.
    pub fn config(
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<Option<String>>,
    ) -> Self {
        Error::Config {
            path: path.into(),
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// True when stdout's reader went away (a closed pipe): the reader has what it wanted, so the
    /// process ends with 0 and says nothing.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, Error::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The one-line fix shown under the error.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Stdout(_) => None,
            Error::Usage { hint, .. }
            | Error::Config { hint, .. }
            | Error::Input { hint, .. }
            | Error::Network { hint, .. }
            | Error::Refused { hint, .. } => hint.clone(),
            Error::Read { .. } => Some("check the path and its permissions".into()),
            Error::Write { .. } => {
                Some("check that the directory exists and is writable (or use --cache-dir)".into())
            }
            Error::UnknownAgent {
                known, suggestion, ..
            } => {
                if known.is_empty() {
                    Some("the file defines no agents".into())
                } else {
                    Some(format!(
                        "{}use --agent with one of: {}",
                        suggestion
                            .as_deref()
                            .map(|s| format!("did you mean --agent {}? ", crate::fsx::sh_word(s)))
                            .unwrap_or_default(),
                        known
                            .iter()
                            .map(|k| crate::fsx::sh_word(k))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
        }
    }

    /// The process exit code: 1 refused, 2 usage/config/input, 3 network.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Stdout(_) if self.is_closed_pipe() => 0,
            Error::Stdout(_) => 2,
            Error::Usage { .. }
            | Error::Read { .. }
            | Error::Write { .. }
            | Error::Config { .. }
            | Error::UnknownAgent { .. }
            | Error::Input { .. } => 2,
            Error::Network { .. } => 3,
            Error::Refused { .. } => 1,
        }
    }
}

/// Result with tokdiag's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_success_and_other_write_errors_exit_2() {
        let pipe = Error::Stdout(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(pipe.is_closed_pipe());
        assert_eq!(pipe.exit_code(), 0);
        let full = Error::Stdout(std::io::Error::from_raw_os_error(28));
        assert!(!full.is_closed_pipe());
        assert_eq!(full.exit_code(), 2);
        assert!(full.to_string().starts_with("cannot write to stdout: "));
        assert_eq!(full.hint(), None);
    }
}
