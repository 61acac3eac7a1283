//! tokdiag: diagnose JWT bearer tokens for Amazon Bedrock AgentCore and other JWT authorizers.
//!
//! The binary is a thin shell over this library: [`cli`] parses flags, [`commands`] compute data,
//! [`output`] prints it. Rules live in one place each: token input and decoding in [`token`],
//! results in [`report`], errors and exit codes in [`error`].

pub mod authorizer;
pub mod claims;
pub mod cli;
pub mod cognito;
pub mod commands;
pub mod error;
pub mod fsx;
pub mod host;
pub mod keyring;
pub mod mcp;
pub mod net;
pub mod notes;
pub mod oidc;
pub mod output;
pub mod proxy;
pub mod report;
pub mod timefmt;
pub mod token;
pub mod verify;
