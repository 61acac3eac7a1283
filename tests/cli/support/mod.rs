//! Shared helpers for the CLI tests.
#![allow(dead_code)]

pub mod http;
pub mod idps;
pub mod json;
pub mod jwks_server;
pub mod mcp;
pub mod moto;
pub mod tokens;
