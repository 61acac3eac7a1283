//! Shared helpers for the CLI tests.
#![allow(dead_code)]

pub mod jwks_server;
pub mod mcp;
pub mod moto;
pub mod tokens;
