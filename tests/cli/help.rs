//! The conveniences: `--help` with examples for every command, commands listed in SPEC order,
//! shell completions and the man page covering every subcommand, the spinner on a terminal (and
//! nowhere else), and `--quiet`.

use std::time::Duration;

use crate::support::jwks_server::{DISCOVERY_PATH, JwksServer, Mode};
use crate::support::tokens::{NOW, bare, run, testdata, tokdiag};

/// The subcommands, in the order SPEC.md lists them.
const COMMANDS: [&str; 10] = [
    "decode",
    "verify",
    "explain",
    "login",
    "invoke",
    "doctor",
    "proxy",
    "keys",
    "completions",
    "man",
];

fn stdout_of(args: &[&str]) -> String {
    let out = bare().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_command_has_examples_in_its_help() {
    for cmd in COMMANDS {
        let help = stdout_of(&[cmd, "--help"]);
        assert!(
            help.contains("\nExamples:\n  "),
            "{cmd} --help has no examples:\n{help}"
        );
        let examples = help.split("\nExamples:\n").nth(1).unwrap();
        assert!(
            examples.lines().next().unwrap().contains("tokdiag "),
            "{cmd}: the first example runs tokdiag:\n{examples}"
        );
        // `help CMD` says the same.
        assert_eq!(stdout_of(&["help", cmd]), help, "{cmd}");
    }
}

#[test]
fn top_level_help_lists_commands_in_spec_order_with_examples() {
    let help = stdout_of(&["--help"]);
    let listed: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut want = COMMANDS.to_vec();
    want.push("help");
    assert_eq!(listed, want);
    assert!(
        help.contains("\nExamples:\n  tokdiag explain --config .bedrock_agentcore.yaml"),
        "{help}"
    );
    assert!(help.contains("Exit codes: 0 ok/accepted"), "{help}");
    // -h is the short form of the same.
    assert!(stdout_of(&["-h"]).contains("Examples:"));
}

#[test]
fn completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.len() > 1000, "{shell}: {} bytes", script.len());
        for cmd in COMMANDS {
            assert!(script.contains(cmd), "{shell} completion lacks {cmd}");
        }
        for flag in ["--discovery-url", "--jwks", "--cache-dir", "--quiet"] {
            assert!(
                script.contains(flag.trim_start_matches('-')),
                "{shell}: {flag}"
            );
        }
    }
    assert!(stdout_of(&["completions", "bash"]).contains("complete -F _tokdiag"));
    assert!(stdout_of(&["completions", "zsh"]).starts_with("#compdef tokdiag"));
    assert!(stdout_of(&["completions", "fish"]).contains("complete -c tokdiag"));
    let out = bare().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_and_names_every_subcommand() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..80]);
    assert!(page.contains(".TH tokdiag 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS") && page.contains(".SH OPTIONS"));
    for cmd in COMMANDS {
        assert!(
            page.contains(&format!("tokdiag\\-{cmd}(1)")),
            "man page lacks {cmd}"
        );
    }
    assert!(
        page.contains("Exit codes"),
        "the after-help text is in the page"
    );
}

#[test]
fn man_pages_exist_for_every_subcommand() {
    // The top page refers to tokdiag-decode(1) and the rest: each of them can be printed…
    let page = stdout_of(&["man", "decode"]);
    assert!(
        page.contains(".TH tokdiag-decode 1"),
        "{}",
        page.chars().take(400).collect::<String>()
    );
    assert!(
        page.contains("\\-\\-use"),
        "decode's own options are in its page"
    );
    assert!(
        page.contains("\\-\\-json"),
        "the global options are in each page"
    );
    // …and all of them written where man finds them.
    let dir = tempfile::tempdir().unwrap();
    let out = bare()
        .args(["man", "--out-dir"])
        .arg(dir.path().join("man1"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut want: Vec<String> = COMMANDS.iter().map(|c| format!("tokdiag-{c}.1")).collect();
    want.push("tokdiag.1".to_string());
    want.sort();
    assert_eq!(files, want);
    // An unknown command is an input error that names the pages there are.
    let out = bare().args(["man", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no command `nope`") && err.contains("decode, verify, explain"),
        "{err}"
    );
}

/// SPEC: global options are accepted before or after the command; given on both sides, the one
/// after the command wins; an explicit option beats its environment variable on either side.
#[test]
fn global_options_before_or_after_the_command() {
    let token = testdata("seed/id-token.jwt");
    let token = std::fs::read_to_string(token).unwrap();
    let token = token.trim();
    let before = stdout_of(&["--json", "decode", token]);
    let after = stdout_of(&["decode", "--json", token]);
    assert_eq!(before, after);
    assert!(
        before.starts_with("{\n  \"kind\": \"cognito-id\""),
        "{before}"
    );

    let colored = |args: &[&str]| stdout_of(args).contains("\x1b[");
    assert!(colored(&["--color", "always", "decode", token]));
    assert!(colored(&["decode", "--color", "always", token]));
    assert!(!colored(&[
        "--color", "always", "decode", "--color", "never", token
    ]));
    assert!(colored(&[
        "--color", "never", "decode", "--color", "always", token
    ]));

    // The cache directory: env < explicit, whichever side the option is on; the env alone counts
    // whether the command comes first or another option does.
    let server = JwksServer::start();
    let count = |d: &std::path::Path| walk(d).len();
    for place in ["before", "after"] {
        let env_dir = tempfile::tempdir().unwrap();
        let flag_dir = tempfile::tempdir().unwrap();
        let mut c = bare();
        c.env("TOKDIAG_CACHE_DIR", env_dir.path());
        let flag = ["--cache-dir", flag_dir.path().to_str().unwrap()];
        if place == "before" {
            c.args(flag).arg("keys");
        } else {
            c.arg("keys").args(flag);
        }
        let out = c
            .args(["--discovery-url", &server.discovery_url()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{place}: {out:?}");
        assert!(
            count(flag_dir.path()) > 0,
            "{place}: nothing cached in --cache-dir"
        );
        assert_eq!(count(env_dir.path()), 0, "{place}: the env dir was used");
    }
    for lead in [&[][..], &["--quiet"][..]] {
        let env_dir = tempfile::tempdir().unwrap();
        let out = bare()
            .env("TOKDIAG_CACHE_DIR", env_dir.path())
            .args(lead)
            .args(["keys", "--discovery-url", &server.discovery_url()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{lead:?}: {out:?}");
        assert!(
            count(env_dir.path()) > 0,
            "{lead:?}: TOKDIAG_CACHE_DIR was not used"
        );
    }
}

/// Every file below `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn batch() -> String {
    format!(
        "{}\n{}\n",
        std::fs::read_to_string(testdata("tokens/cognito-access.jwt"))
            .unwrap()
            .trim(),
        std::fs::read_to_string(testdata("tokens/expired.jwt"))
            .unwrap()
            .trim()
    )
}

#[test]
fn quiet_drops_the_batch_summary_not_the_results() {
    let cache = tempfile::tempdir().unwrap();
    let verify = |quiet: bool| {
        let mut c = tokdiag(cache.path());
        if quiet {
            c.arg("--quiet");
        }
        c.args(["verify", "--jwks", &testdata("jwks.json")])
            .write_stdin(batch());
        run(c)
    };
    let (code, out, err) = verify(false);
    assert_eq!(code, 1);
    assert_eq!(err, "tokdiag: 2 tokens: 1 valid, 1 refused\n");
    let (qcode, qout, qerr) = verify(true);
    assert_eq!(qcode, 1);
    assert_eq!(qout, out, "results stay on stdout");
    assert_eq!(qerr, "", "no summary under --quiet");
}

/// Login under --quiet prints the token and nothing else (the client-credentials grant against a
/// loopback token endpoint: no moto needed).
#[test]
fn quiet_login_prints_only_the_token() {
    let token = std::fs::read_to_string(testdata("tokens/cognito-client-credentials.jwt")).unwrap();
    let body = serde_json::json!({"access_token": token.trim(), "expires_in": 3600, "token_type": "Bearer"}).to_string();
    let server = crate::support::http::Server::start(move |_| {
        crate::support::http::Reply::json(200, body.clone())
    });
    let url = server.url("/oauth2/token");
    let dir = tempfile::tempdir().unwrap();
    for quiet in [false, true] {
        let mut c = bare();
        c.current_dir(dir.path())
            .env("TOKDIAG_CLIENT_SECRET", "s")
            .args([
                "login",
                "--flow",
                "client-credentials",
                "--client-id",
                "7d8rtc0q3e7a1n4ci6bm2ju5s0",
            ])
            .args([
                "--token-endpoint",
                &url,
                "--no-cache",
                "--now",
                &NOW.to_string(),
            ]);
        if quiet {
            c.arg("--quiet");
        }
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), token.trim());
        if quiet {
            assert_eq!(err, "", "--quiet login: {err}");
        } else {
            assert!(
                err.starts_with("tokdiag: client credentials for app client"),
                "{err}"
            );
        }
    }
}

/// The spinner: drawn on stderr while a fetch waits, when stderr is a terminal (a pty here, made
/// by Python's `pty` module); never with --quiet, --json or --verbose, never on a pipe.
#[test]
fn spinner_only_on_a_terminal() {
    let server = JwksServer::start();
    server.set_mode(DISCOVERY_PATH, Mode::Delay(Duration::from_millis(400)));
    let python = std::env::var("TOKDIAG_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let runner = r#"
import os, pty, subprocess, sys
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
out = b""
while True:
    try:
        data = os.read(master, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
code = p.wait()
sys.stdout.write(str(code) + "\n" + out.decode("utf-8", "replace"))
"#;
    let bin = assert_cmd::cargo::cargo_bin("tokdiag");
    let spin = |extra: &[&str]| -> (i32, String) {
        let cache = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(&python)
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .args(["-c", runner])
            .arg(&bin)
            .args(extra)
            .arg("--cache-dir")
            .arg(cache.path())
            .args([
                "--now",
                &NOW.to_string(),
                "verify",
                "--discovery-url",
                &server.discovery_url(),
            ])
            .arg(format!("@{}", testdata("tokens/cognito-access.jwt")))
            .output()
            .expect(
                "python3 (for the pty) must be installed: start the tests with scripts/test.sh",
            );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (code, rest) = text.split_once('\n').unwrap_or(("-1", ""));
        (code.trim().parse().unwrap_or(-1), rest.to_string())
    };
    let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let (code, tty) = spin(&[]);
    eprintln!("terminal saw: {tty:?}");
    assert_eq!(code, 0, "{tty}");
    assert!(
        tty.chars().any(|c| frames.contains(&c)),
        "no spinner frame on the terminal: {tty:?}"
    );
    assert!(
        tty.contains("fetching discovery document from 127.0.0.1"),
        "{tty:?}"
    );
    for flags in [&["--quiet"][..], &["--json"][..], &["--verbose"][..]] {
        let (code, tty) = spin(flags);
        assert_eq!(code, 0, "{flags:?}: {tty}");
        assert!(
            !tty.chars().any(|c| frames.contains(&c)),
            "{flags:?}: spinner drawn: {tty:?}"
        );
        assert!(
            !tty.contains("fetching discovery document"),
            "{flags:?}: {tty:?}"
        );
    }
    // On a pipe: stderr stays empty.
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--discovery-url", &server.discovery_url()])
        .arg(format!("@{}", testdata("tokens/cognito-access.jwt")));
    let (code, _, err) = run(c);
    assert_eq!(code, 0);
    assert_eq!(err, "");
}

/// README's command 1 shows exactly what the command prints: the sample is the first `text`
/// block after "## Try it", the command the `sh` block before it (run from the package root,
/// without colour, as a new user's first run).
#[test]
fn readme_command_1_sample_is_what_it_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## Try it (command 1, offline)").unwrap()..];
    let block = |tag: &str| {
        let start = section.find(&format!("```{tag}\n")).unwrap() + tag.len() + 4;
        let len = section[start..].find("```\n").unwrap();
        section[start..start + len].to_string()
    };
    let command = block("sh");
    let args: Vec<&str> = command
        .trim()
        .strip_prefix("cargo run --locked -q -- ")
        .expect("command 1 is a cargo run")
        .split_whitespace()
        .collect();
    let mut c = crate::support::tokens::bare();
    c.current_dir(env!("CARGO_MANIFEST_DIR")).args(&args);
    let (code, out, _) = crate::support::tokens::run(c);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        block("text"),
        "README's sample differs from the output"
    );
}
