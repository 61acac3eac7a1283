//! `tokdiag keys`: signature and standard claims against discovery + JWKS. (stub)

use clap::Args;

use crate::cli::Globals;
use crate::error::Result;

/// Arguments of `keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// Tokens.
    #[arg(value_name = "TOKEN")]
    pub tokens: Vec<String>,
}

/// Runs `keys`.
pub fn run(_args: &KeysArgs, _g: &Globals) -> Result<u8> {
    Ok(0)
}
