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
pub fn run(args: &CompletionsArgs, g: &Globals) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tokdiag", &mut buf);
    crate::output::emit(g.palette, &String::from_utf8_lossy(&buf))?;
    Ok(0)
}

/// Arguments of `man`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag man > tokdiag.1 && man ./tokdiag.1
  tokdiag man explain | man -l -
  tokdiag man --out-dir ~/.local/share/man/man1")]
pub struct ManArgs {
    /// The command whose page to print (tokdiag-COMMAND(1)) [default: the tokdiag(1) page].
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write every page (tokdiag.1, tokdiag-decode.1, …) into DIR instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out_dir: Option<std::path::PathBuf>,
}

/// Prints a man page (roff), or writes all of them with `--out-dir`.
pub fn run_man(args: &ManArgs, g: &Globals) -> Result<u8> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| {
                Error::input(
                    format!("cannot write the man pages into {}: {e}", dir.display()),
                    Some("pass a directory you can write to".to_string()),
                )
            })?;
        return Ok(0);
    }
    // Built, so that each subcommand has its arguments and its display name (tokdiag-decode).
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                return Err(Error::input(
                    format!("no command `{name}`"),
                    Some(format!("the pages are: {}", names.join(", "))),
                ));
            }
        },
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(|e| Error::input(format!("cannot render the man page: {e}"), None))?;
    crate::output::emit(g.palette, &String::from_utf8_lossy(&buf))?;
    Ok(0)
}
