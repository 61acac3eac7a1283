//! `tokdiag completions SHELL` and `tokdiag man`: generated from the clap definition, so they never
//! drift from the real flags.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::{Cli, Globals};
use crate::error::{Error, Result};

/// Arguments of `completions`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag completions bash > ~/.local/share/bash-completion/completions/tokdiag
  tokdiag completions zsh > \"${fpath[1]}/_tokdiag\"
  tokdiag completions fish > ~/.config/fish/completions/tokdiag.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script.
pub fn run(args: &CompletionsArgs, _g: &Globals) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tokdiag", &mut buf);
    crate::render::emit(&String::from_utf8_lossy(&buf));
    Ok(0)
}

/// Arguments of `man`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag man > tokdiag.1 && man ./tokdiag.1
  tokdiag man | gzip > ~/.local/share/man/man1/tokdiag.1.gz")]
pub struct ManArgs {}

/// Prints the man page (roff).
pub fn run_man(_args: &ManArgs, _g: &Globals) -> Result<u8> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .map_err(|e| Error::input(format!("cannot render the man page: {e}"), None))?;
    crate::render::emit(&String::from_utf8_lossy(&buf));
    Ok(0)
}
