//! The CLI and library integration tests, in one test binary (one link of the crate instead of one
//! per file). Each module is one area; `support` holds the shared helpers (command builder, token
//! minting, loopback servers, emulator clients).
//!
//! Run one area with `cargo test --test cli <module>::`, e.g. `cargo test --test cli proxy_cli::`.

mod support;

mod attacks;
mod cognito_local_cli;
mod concurrency;
mod config_load;
mod doctor_cli;
mod explain_cli;
mod faults;
mod help;
mod idps_cli;
mod invoke_cli;
mod issue15_cli;
mod keyring_cli;
mod keys_cli;
mod login_cli;
mod properties;
mod proxy_cli;
mod proxy_iam_cli;
mod secrets;
mod terraform_cli;
mod verify_batch_cli;
mod verify_cli;
