//! `tokdiag proxy` (being written).

use clap::Args;

use crate::cli::Globals;
use crate::error::Result;

/// Arguments of `proxy`.
#[derive(Debug, Args)]
pub struct ProxyArgs {}

/// Runs `proxy`.
pub fn run(_args: &ProxyArgs, _g: &Globals) -> Result<u8> {
    Ok(0)
}
