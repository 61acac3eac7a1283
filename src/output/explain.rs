//! `explain`'s human text: the verdict, the checks, the diagnoses with their fixes, wrapped at
//! 78 columns without breaking a `command`.

use crate::authorizer::RuleSet;
use crate::authorizer::explain::Report;
use crate::report::{Diagnosis, Severity, Status, Verdict};

use super::{Palette, dim, esc, esc_value, heading, symbol};

/// Splits on spaces, keeping a `backticked command` in one piece so it stays copyable.
fn words(para: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for w in para.split(' ') {
        match out.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(w);
            }
            _ => out.push(w.to_string()),
        }
        if w.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    out
}

/// Wraps `text` at `width` columns, continuation lines indented by `indent` spaces.
fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    for (i, para) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        // Preserve snippet lines (YAML, commands) as they are.
        if para.starts_with("  ") {
            out.push_str(para);
            continue;
        }
        let mut col = indent;
        let mut first = true;
        for word in words(para) {
            let w = word.chars().count();
            if !first && col + 1 + w > width {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                col = indent;
            } else if !first {
                out.push(' ');
                col += 1;
            }
            out.push_str(&word);
            col += w;
            first = false;
        }
    }
    out
}

/// Human rendering of diagnoses: code (with `[file:line]`), the cause, and each fix, wrapped at 78
/// columns without breaking a `command`, colored by `p`. Shared by `explain` and `invoke`.
pub fn diagnoses_human(diagnoses: &[Diagnosis], p: Palette) -> String {
    let mut out = String::new();
    for d in diagnoses {
        let sym = match d.severity {
            Severity::Error => symbol(p, Status::Fail),
            Severity::Warning => symbol(p, Status::Warn),
        };
        let place = match (&d.file, d.line) {
            (Some(f), Some(l)) => dim(p, &format!("  [{}:{l}]", esc(f))),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {sym} {}{place}\n    {}\n",
            p.bold(d.code),
            wrap(&d.message, 78, 4)
        ));
        for f in &d.fixes {
            out.push_str(&format!("    {} {}\n", p.cyan("fix:"), wrap(f, 78, 9)));
        }
    }
    out
}

/// Human rendering of a report: verdict first, one line per check, then diagnoses with fixes,
/// colored by `p`.
pub fn human(r: &Report, p: Palette) -> String {
    let mut out = String::new();
    // The toolkit calls its runtimes agents; every other source (agentcore.json, CloudFormation,
    // Terraform, control-plane JSON) calls them runtimes.
    let what = match (r.authorizer.kind, r.authorizer.source) {
        (crate::authorizer::ResourceKind::Gateway, _) => "gateway",
        (_, crate::authorizer::SourceKind::AgentcoreYaml) => "agent",
        _ => "runtime",
    };
    let who = match (&r.authorizer.agent, &r.authorizer.file) {
        (Some(a), Some(f)) => format!("{what} {}, {}", esc(a), esc(f)),
        (None, Some(f)) => esc(f).into_owned(),
        (Some(a), None) => format!("{what} {}", esc(a)),
        (None, None) => "from flags".to_string(),
    };
    let service = match r.authorizer.rules {
        RuleSet::Agentcore => "AgentCore",
        RuleSet::Apigateway => "API Gateway",
    };
    let kind = r
        .token
        .as_ref()
        .map(|t| t.kind.describe())
        .unwrap_or("input");
    let headline = match r.verdict {
        Verdict::Accepted if r.claims_only => format!(
            "{} {} (claims only: signature not checked) — {kind}",
            p.green("✓"),
            p.green_bold("ACCEPTED")
        ),
        Verdict::Accepted => format!(
            "{} {} — {service} would accept this {kind}",
            p.green("✓"),
            p.green_bold("ACCEPTED")
        ),
        Verdict::Rejected => format!(
            "{} {} — {service} refuses this {kind}",
            p.red_bold("✗"),
            p.red_bold("REJECTED")
        ),
        Verdict::Unknown => format!(
            "{} {} — {}",
            p.yellow_bold("?"),
            p.yellow_bold("UNKNOWN"),
            esc(&r
                .unknown_reason()
                .unwrap_or_else(|| "the signature or issuer could not be checked".into()))
        ),
    };
    out.push_str(&headline);
    out.push('\n');
    out.push_str(&format!("  authorizer: {who}\n"));
    for (name, value) in &r.authorizer.other_fields {
        // Read and shown, never checked: they do not change what a token needs.
        out.push_str(&format!(
            "  also set (not a token check): {} = {}\n",
            esc(name),
            esc_value(value)
        ));
    }
    if let Some(f) = r.first_failure()
        && let Some(se) = f.service_error
    {
        out.push_str(&format!(
            "  the service answers {}: {}\n",
            se.status, se.text
        ));
    }
    if r.authorizer.issuer_source == Some("discovery-url")
        && let Some(i) = &r.authorizer.issuer
    {
        out.push_str(&format!(
            "  issuer: {} (assumed offline: discoveryUrl without /.well-known/…; online the discovery document's issuer decides)\n",
            esc(i)
        ));
    }
    out.push('\n');
    out.push_str(&heading(p, "checks"));
    out.push('\n');
    let width = r
        .checks
        .iter()
        .map(|c| esc(c.id.as_str()).chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for c in &r.checks {
        let id = esc(c.id.as_str());
        let pad = width.saturating_sub(id.chars().count());
        let line = format!(
            "{}{}  {}",
            id,
            " ".repeat(pad),
            wrap(&c.message, 78, 4 + width + 2)
        );
        let line = if c.status == Status::Skip {
            dim(p, &line)
        } else {
            line
        };
        out.push_str(&format!("  {} {}\n", symbol(p, c.status), line));
    }
    if !r.diagnoses.is_empty() {
        out.push('\n');
        out.push_str(&heading(p, "diagnosis"));
        out.push('\n');
        out.push_str(&diagnoses_human(&r.diagnoses, p));
    }
    if r.claims_only {
        out.push('\n');
        out.push_str(&dim(
            p,
            "note: --no-signature: the signature was not checked; the verdict covers the claims only\n",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words() {
        assert_eq!(wrap("aaa bbb ccc", 9, 2), "aaa bbb\n  ccc");
        assert_eq!(wrap("x\n  snippet: 1", 80, 4), "x\n      snippet: 1");
        assert_eq!(wrap("run `a b c` now", 8, 0), "run\n`a b c`\nnow");
    }
}
