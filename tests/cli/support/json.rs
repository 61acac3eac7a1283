//! Reading tokdiag's `--json` output in assertions: diagnosis codes, one diagnosis, one check,
//! one fix. Each panics with the whole document when what it looks for is not there.

use serde_json::Value;

/// Diagnosis codes in order (panics when the document has no `diagnoses` array).
pub fn codes(v: &Value) -> Vec<String> {
    v["diagnoses"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnoses array in {v:#}"))
        .iter()
        .map(|d| {
            d["code"]
                .as_str()
                .unwrap_or_else(|| panic!("a diagnosis without a code in {v:#}"))
                .to_string()
        })
        .collect()
}

/// The diagnosis with `code`.
pub fn diag<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["diagnoses"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["code"] == code))
        .unwrap_or_else(|| panic!("no diagnosis {code} in {v:#}"))
}

/// The check with `id`.
pub fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {v:#}"))
}

/// Fix `i` of a diagnosis as a string.
pub fn fix(d: &Value, i: usize) -> String {
    d["fixes"][i]
        .as_str()
        .unwrap_or_else(|| panic!("no fix {i} in {d:#}"))
        .to_string()
}
