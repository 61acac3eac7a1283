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
pub mod escape;
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
pub mod signature;
pub mod timefmt;
pub mod token;

#[cfg(test)]
mod layering {
    /// The layers below the commands (engine, network, utilities) never reach up: no
    /// `crate::cli`, `crate::commands` or `crate::output` (the proxy's request log excepted: it
    /// hands its lines to the output layer's writer thread). Read from the source files, so a
    /// new import that breaks the rule fails here.
    #[test]
    fn nothing_below_the_commands_imports_the_commands_the_cli_or_the_output_layer() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        let mut below = 0;
        let mut broken = Vec::new();
        for f in &files {
            let rel = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with("commands/")
                || rel.starts_with("output/")
                || ["cli.rs", "main.rs", "lib.rs"].contains(&rel.as_str())
            {
                continue;
            }
            below += 1;
            let text = std::fs::read_to_string(f).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for up in ["crate::cli", "crate::commands", "crate::output"] {
                    if code.contains(up)
                        && !(rel == "proxy.rs" && code.contains("crate::output::log::"))
                    {
                        broken.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
        assert!(below > 20, "found only {below} files below the commands");
        assert!(broken.is_empty(), "{}", broken.join("\n"));
    }
}
