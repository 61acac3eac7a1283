//! The `tokdiag` binary: parse, run, report the error once, exit with the code the result implies.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tokdiag::cli::Cli::parse();
    let json = cli.global.json;
    match tokdiag::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tokdiag::render::report_error(&e, json);
            ExitCode::from(e.exit_code())
        }
    }
}
