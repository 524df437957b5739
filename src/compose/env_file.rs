//! The `.env` file beside a compose file: `KEY=VALUE` lines, as Compose reads them.

use std::collections::BTreeMap;

use super::interpolate::interpolate;

/// Parse `.env` text. Lines that are not assignments are skipped; `export ` is allowed;
/// single quotes are literal; double quotes understand `\n`, `\t`, `\\` and `\"`;
/// unquoted values end at ` #`. Unquoted and double-quoted values may use variables
/// defined earlier in the file or in the process environment.
pub fn parse_env_file(
    text: &str,
    process: &dyn Fn(&str) -> Option<String>,
) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let raw = raw.trim();
        let (value, expand) = if let Some(inner) = raw.strip_prefix('\'') {
            (inner.split('\'').next().unwrap_or("").to_string(), false)
        } else if let Some(inner) = raw.strip_prefix('"') {
            (unescape_double(inner), true)
        } else {
            let v = match raw.find(" #") {
                Some(i) => &raw[..i],
                None => raw,
            };
            (v.trim().to_string(), true)
        };
        let value = if expand {
            let known = |name: &str| vars.get(name).cloned().or_else(|| process(name));
            interpolate(&value, &known).unwrap_or(value)
        } else {
            value
        };
        vars.insert(key.to_string(), value);
    }
    vars
}

fn unescape_double(inner: &str) -> String {
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let text =
            "# comment\nA=1\nexport B = two \nC='lit $A'\nD=\"x\\ny\"\nE=${A}-e # note\nbad line\n";
        let vars = parse_env_file(text, &|_| None);
        assert_eq!(vars["A"], "1");
        assert_eq!(vars["B"], "two");
        assert_eq!(vars["C"], "lit $A");
        assert_eq!(vars["D"], "x\ny");
        assert_eq!(vars["E"], "1-e");
        assert_eq!(vars.len(), 5);
    }
}
