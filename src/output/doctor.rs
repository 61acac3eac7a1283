//! `doctor`'s human text: the checklist, its fixes and the config's warnings.

use crate::authorizer::Authorizer;
use crate::commands::doctor::Step;
use crate::report::Status;

use super::{Palette, heading, symbol};

/// Human rendering of the checklist: a heading naming the resource, one line per step, then
/// the fixes of the first failure (or the warnings of the first warning with fixes).
pub fn human(steps: &[Step], auth: Option<&Authorizer>, p: Palette) -> String {
    let mut out = String::new();
    if let Some(a) = auth {
        out.push_str(&format!(
            "{} — {} {} ({})\n",
            heading(p, "tokdiag doctor"),
            match a.kind {
                crate::authorizer::ResourceKind::Gateway => "gateway",
                crate::authorizer::ResourceKind::Runtime => "agent",
            },
            a.agent.as_deref().unwrap_or("-"),
            a.file.as_deref().unwrap_or("flags")
        ));
    } else {
        out.push_str(&format!("{}\n", heading(p, "tokdiag doctor")));
    }
    let width = steps.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in steps {
        out.push_str(&format!(
            "{} {:width$}  {}\n",
            symbol(p, s.status),
            s.name,
            s.message
        ));
    }
    if let Some(s) = steps.iter().find(|s| s.status == Status::Fail) {
        out.push('\n');
        for f in &s.fixes {
            out.push_str(&format!(
                "{} {}\n",
                p.cyan(&format!("fix ({}):", s.name)),
                f.replace('\n', "\n  ")
            ));
        }
    } else if let Some(s) = steps
        .iter()
        .find(|s| s.status == Status::Warn && !s.fixes.is_empty())
    {
        out.push('\n');
        for f in &s.fixes {
            out.push_str(&format!(
                "{} {f}\n",
                p.yellow(&format!("warning ({}):", s.name))
            ));
        }
    }
    out
}

/// The config's warnings, each once: `warning (code): message` and its fixes.
pub fn human_warnings(warnings: &[crate::report::Diagnosis], p: Palette) -> String {
    let mut out = String::new();
    if warnings.is_empty() {
        return out;
    }
    out.push('\n');
    for d in warnings {
        out.push_str(&format!(
            "{} {}\n",
            p.yellow(&format!("warning ({}):", d.code)),
            d.message
        ));
        for f in &d.fixes {
            out.push_str(&format!("  {} {f}\n", p.cyan("fix:")));
        }
    }
    out
}
