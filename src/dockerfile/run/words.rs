//! The shell words of a command: build-variable expansion, redirections
//! and `NAME=value` assignments.

/// Build-time variables in a shell word: `$NAME` and `${NAME}` that `lookup`
/// knows are replaced; the rest is left for the shell (and a path containing
/// it is unknown). Linear in the text.
pub(crate) fn expand_lenient(s: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    if !s.contains('$') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end)
                    if inner[..end]
                        .chars()
                        .all(|c| c == '_' || c.is_ascii_alphanumeric()) =>
                {
                    (&inner[..end], end + 2)
                }
                _ => ("", 0),
            }
        } else {
            let len = after
                .find(|c: char| c != '_' && !c.is_ascii_alphanumeric())
                .unwrap_or(after.len());
            (&after[..len], len)
        };
        match (!name.is_empty()).then(|| lookup(name)).flatten() {
            Some(v) => {
                out.push_str(&v);
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The words of a command without its redirections (`> file`, `2>/dev/null`).
pub(super) fn without_redirections(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut skip_next = false;
    for w in words {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let op = w.trim_start_matches(|c: char| c.is_ascii_digit());
        if op.starts_with(['<', '>']) {
            // `>` alone takes the next word as its target.
            skip_next = op.trim_start_matches(['<', '>', '&']).is_empty();
            continue;
        }
        out.push(w);
    }
    out
}

/// `NAME=value` with a valid shell name.
pub(super) fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let valid = name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
    valid.then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_expansion() {
        let vars = |n: &str| (n == "A").then(|| "/srv".to_string());
        assert_eq!(
            expand_lenient("$A/x ${A}/y $B ${B} $", vars),
            "/srv/x /srv/y $B ${B} $"
        );
    }
}
