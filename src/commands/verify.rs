//! `tokdiag verify`: signature and standard claims against discovery + JWKS. (stub)

use clap::Args;

use crate::cli::Globals;
use crate::error::Result;

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Tokens.
    #[arg(value_name = "TOKEN")]
    pub tokens: Vec<String>,
}

/// Runs `verify`.
pub fn run(_args: &VerifyArgs, _g: &Globals) -> Result<u8> {
    Ok(0)
}
