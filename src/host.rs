//! Host names that only look like another: a pure test on a URL's host (no network, no
//! config), shared by the claim engine's issuer check and the authorizer's diagnoses.

/// Why a host looks like another: its characters outside ASCII, or (for an ASCII `xn--` name) the
/// scripts its Unicode form mixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookalike {
    /// The host as written (lowercased).
    pub host: String,
    /// The host with every odd character shown as `<U+0430>`.
    pub shown: String,
    /// What is odd, one phrase: `U+0430 (Cyrillic)`, or the scripts an IDN label mixes.
    pub why: String,
}

/// Scripts that may share one label (UTS #39 "highly restrictive" sets): Latin with Japanese,
/// Chinese or Korean scripts.
fn allowed_mix(scripts: &std::collections::BTreeSet<&'static str>) -> bool {
    use unicode_script::Script;
    let sets: [&[Script]; 3] = [
        &[
            Script::Latin,
            Script::Han,
            Script::Hiragana,
            Script::Katakana,
        ],
        &[Script::Latin, Script::Han, Script::Hangul],
        &[Script::Latin, Script::Han, Script::Bopomofo],
    ];
    sets.iter().any(|set| {
        scripts
            .iter()
            .all(|s| set.iter().any(|x| x.full_name() == *s))
    })
}

/// The scripts of the letters of `label` (Common and Inherited characters — digits, `-` — ignored).
fn scripts_of(label: &str) -> std::collections::BTreeSet<&'static str> {
    use unicode_script::{Script, UnicodeScript};
    label
        .chars()
        .map(|c| c.script())
        .filter(|s| !matches!(s, Script::Common | Script::Inherited | Script::Unknown))
        .map(|s| s.full_name())
        .collect()
}

/// A host that is not pure ASCII, or whose `xn--` labels decode to a mix of scripts: an issuer
/// there only looks like the name it imitates (`amazonаws.com` with a Cyrillic `а`). `None` for
/// ordinary hosts and for strings that are not URLs.
pub fn lookalike_host(url: &str) -> Option<Lookalike> {
    use unicode_script::UnicodeScript;
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority)
        .to_lowercase();
    if !host.is_ascii() {
        let mut odd: Vec<char> = Vec::new();
        for c in host.chars().filter(|c| !c.is_ascii()) {
            if !odd.contains(&c) {
                odd.push(c);
            }
        }
        let shown: String = host
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    format!("<U+{:04X}>", c as u32)
                }
            })
            .collect();
        let why = odd
            .iter()
            .take(8)
            .map(|c| format!("U+{:04X} {}", *c as u32, c.script().full_name()))
            .collect::<Vec<_>>()
            .join(", ");
        return Some(Lookalike {
            host: host.clone(),
            shown: crate::escape::esc(&shown).into_owned(),
            why: format!("not ASCII: {why}"),
        });
    }
    for label in host.split('.').filter(|l| l.starts_with("xn--")) {
        let (unicode, _) = idna::domain_to_unicode(label);
        let scripts = scripts_of(&unicode);
        if scripts.len() > 1 && !allowed_mix(&scripts) {
            return Some(Lookalike {
                host: host.clone(),
                shown: crate::escape::esc(&host).into_owned(),
                why: format!(
                    "the label {label} is the Unicode name {} mixing {} scripts",
                    crate::escape::esc(&unicode),
                    scripts.into_iter().collect::<Vec<_>>().join(" and ")
                ),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_hosts_and_non_urls_are_ordinary() {
        assert_eq!(
            lookalike_host("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x"),
            None
        );
        assert_eq!(lookalike_host("not a url"), None);
        assert_eq!(lookalike_host("http://127.0.0.1:9229/local_1"), None);
    }

    #[test]
    fn a_cyrillic_letter_is_named_and_shown_as_a_code_point() {
        let l = lookalike_host("https://cognito-idp.us-east-1.amazon\u{430}ws.com/p").unwrap();
        assert_eq!(l.host, "cognito-idp.us-east-1.amazon\u{430}ws.com");
        assert_eq!(l.shown, "cognito-idp.us-east-1.amazon<U+0430>ws.com");
        assert_eq!(l.why, "not ASCII: U+0430 Cyrillic");
    }

    #[test]
    fn user_info_is_not_the_host() {
        assert_eq!(lookalike_host("https://\u{430}@example.com/"), None);
    }

    #[test]
    fn punycode_mixing_scripts_is_a_lookalike_but_latin_with_han_is_not() {
        // "amazonаws" with a Cyrillic а, as an IDN label.
        let label = idna::domain_to_ascii("amazon\u{430}ws").unwrap();
        let l = lookalike_host(&format!("https://{label}.com/")).unwrap();
        assert!(
            l.why.contains("mixing Cyrillic and Latin scripts"),
            "{}",
            l.why
        );
        let han = idna::domain_to_ascii("abc\u{4e2d}\u{6587}").unwrap();
        assert_eq!(lookalike_host(&format!("https://{han}.com/")), None);
    }
}
