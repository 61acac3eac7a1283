//! Build-time check for the static Linux build (`.cargo/config.toml`): when the target is linked
//! statically against glibc, glibc's static libraries must exist, or the final link fails with a
//! bare `cannot find -lc`. Say what to install (or how to build a dynamic binary) instead.

use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if os != "linux" || env != "gnu" || !features.split(',').any(|f| f == "crt-static") {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    // `cc -print-file-name=libc.a` prints the full path when the library exists, else the bare name.
    let found = Command::new(&cc)
        .arg("-print-file-name=libc.a")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .is_some_and(|p| p != "libc.a" && std::path::Path::new(&p).is_file());
    if !found {
        eprintln!(
            "error: tokdiag is linked statically on Linux (see .cargo/config.toml), and `{cc}` finds no \
             static glibc (libc.a).\n\
             fix: install it (Fedora, RHEL, Amazon Linux: `sudo dnf install glibc-static`; Debian, \
             Ubuntu: `sudo apt-get install libc6-dev`),\n\
             fix: or build a dynamically linked binary: `RUSTFLAGS= cargo install --locked --path .`"
        );
        std::process::exit(1);
    }
}
