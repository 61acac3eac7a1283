//! The `tokdiag` binary: parse, run, report the error once, exit with the code the result implies.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

fn main() -> ExitCode {
    let cli = parse();
    let json = cli.global.json;
    let palette = cli.global.palette();
    match tokdiag::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tokdiag::output::report_error(&e, json, palette);
            ExitCode::from(e.exit_code())
        }
    }
}

/// `Cli::parse()`, except that the clap command tree and the matches are left for the end of the
/// process to free: dropping them piece by piece cost a twentieth of the instructions of `decode`.
fn parse() -> tokdiag::cli::Cli {
    let mut cmd = tokdiag::cli::Cli::command();
    let argv = tokdiag::cli::hoist_leading_options(std::env::args_os().collect());
    let mut matches = match cmd.try_get_matches_from_mut(argv) {
        Ok(m) => std::mem::ManuallyDrop::new(m),
        Err(e) => e.exit(),
    };
    let cli = tokdiag::cli::Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|e| e.format(&mut cmd).exit());
    std::mem::forget(cmd);
    cli
}
