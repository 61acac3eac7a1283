//! Build-time checks for the static Linux build (`.cargo/config.toml`):
//!
//! - glibc's static libraries must exist, or the final link fails with a bare `cannot find -lc`:
//!   say what to install (or how to build a dynamic binary) instead;
//! - DT_RELR packed relocations (`-z pack-relative-relocs`) for the `tokdiag` binary, where the
//!   toolchain supports them: the 16k pointer fix-ups that a position-independent binary applies to
//!   itself at every start are then a 5 KB bitmap applied in a tight loop instead of 390 KB of
//!   entries applied one at a time (a fifth of the instructions of `decode`). In a static binary
//!   the code that applies them is the linked-in glibc's, which knows DT_RELR from 2.36 on; with an
//!   older glibc, or a linker that does not know the option, the binary is linked without it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CC");
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if os != "linux" || env != "gnu" || !features.split(',').any(|f| f == "crt-static") {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    // `cc -print-file-name=libc.a` prints the full path when the library exists, else the bare name.
    let found = run(&cc, &["-print-file-name=libc.a"], None)
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
    if relr_supported(&cc) {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    } else {
        println!(
            "cargo::warning=linking without DT_RELR packed relocations (needs glibc >= 2.36 and \
             binutils >= 2.38): tokdiag works the same, and starts a little slower"
        );
    }
}

/// Whether the static glibc is 2.36 or newer and the linker makes a static PIE with
/// `-z pack-relative-relocs` without a complaint.
fn relr_supported(cc: &str) -> bool {
    let version = run(
        cc,
        &["-E", "-P", "-x", "c", "-"],
        Some("#include <features.h>\nglibc __GLIBC__ __GLIBC_MINOR__\n"),
    )
    .and_then(|o| {
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let line = text.lines().find(|l| l.starts_with("glibc "))?.to_string();
        let mut it = line
            .split_whitespace()
            .skip(1)
            .map(|n| n.parse::<u32>().ok());
        Some((it.next()??, it.next()??))
    });
    if version.is_none_or(|v| v < (2, 36)) {
        return false;
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    let exe = out_dir.join("relr-probe");
    let exe = exe.to_string_lossy();
    run(
        cc,
        &[
            "-static-pie",
            "-Wl,-z,pack-relative-relocs",
            "-x",
            "c",
            "-",
            "-o",
            &exe,
        ],
        Some("int main(void) { return 0; }\n"),
    )
    .is_some_and(|o| o.status.success() && o.stderr.is_empty())
}

/// Runs `cmd args` with `stdin` fed in; `None` when it cannot be started.
fn run(cmd: &str, args: &[&str], stdin: Option<&str>) -> Option<Output> {
    use std::io::Write;
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(stdin.unwrap_or_default().as_bytes());
    }
    child.wait_with_output().ok()
}
