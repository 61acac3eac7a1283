//! `tokdiag doctor` (being written).

use clap::Args;

use crate::cli::Globals;
use crate::error::Result;

/// Arguments of `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {}

/// Runs `doctor`.
pub fn run(_args: &DoctorArgs, _g: &Globals) -> Result<u8> {
    Ok(0)
}
