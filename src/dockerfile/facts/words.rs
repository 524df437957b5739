//! Dockerfile words as the builder reads them: quotes, and `$VAR`,
//! `${VAR}`, `${VAR:-word}` and `${VAR:+word}` expansion.

use std::collections::BTreeMap;

/// How deeply `${A:-${B:-...}}` may nest.
const MAX_NESTING: usize = 8;

/// A Dockerfile word as the builder reads it: quotes removed (when `quotes`),
/// `$VAR`, `${VAR}`, `${VAR:-word}` and `${VAR:+word}` expanded. `None` when
/// it depends on a variable berth does not know, or keeps a `$` it cannot
/// expand: such a path is unknown.
pub(crate) fn word(s: &str, vars: &BTreeMap<String, String>, quotes: bool) -> Option<String> {
    word_at(s, vars, quotes, 0)
}

fn word_at(s: &str, vars: &BTreeMap<String, String>, quotes: bool, depth: usize) -> Option<String> {
    if depth > MAX_NESTING {
        return None;
    }
    if !s.contains(['$', '\'', '"', '\\']) {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if quotes => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' if quotes => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            // An escaped `$` is a literal dollar: not a path berth reads.
                            Some('$') => return None,
                            Some(&n) if matches!(n, '"' | '\\' | '`') => {
                                out.push(n);
                                chars.next();
                            }
                            _ => out.push('\\'),
                        },
                        '$' => out.push_str(&variable(&mut chars, vars, depth)?),
                        c => out.push(c),
                    }
                }
            }
            '\\' if quotes => match chars.next() {
                Some('$') => return None,
                Some(n) => out.push(n),
                None => {}
            },
            '$' => out.push_str(&variable(&mut chars, vars, depth)?),
            c => out.push(c),
        }
    }
    Some(out)
}

/// The value of the variable reference after a `$`.
fn variable(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    vars: &BTreeMap<String, String>,
    depth: usize,
) -> Option<String> {
    let is_name = |c: char| c == '_' || c.is_ascii_alphanumeric();
    match chars.peek().copied() {
        Some('{') => {
            chars.next();
            let mut body = String::new();
            let mut open = 0usize;
            loop {
                match chars.next()? {
                    '{' => {
                        open += 1;
                        body.push('{');
                    }
                    '}' if open == 0 => break,
                    '}' => {
                        open -= 1;
                        body.push('}');
                    }
                    c => body.push(c),
                }
            }
            let name_len = body.find(|c: char| !is_name(c)).unwrap_or(body.len());
            let (name, op) = body.split_at(name_len);
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            // Not set, as far as berth knows: it may be set where berth cannot see.
            let value = vars.get(name)?;
            if op.is_empty() {
                Some(value.clone())
            } else if let Some(default) = op.strip_prefix(":-") {
                if value.is_empty() {
                    word_at(default, vars, false, depth + 1)
                } else {
                    Some(value.clone())
                }
            } else if let Some(alternative) = op.strip_prefix(":+") {
                if value.is_empty() {
                    Some(String::new())
                } else {
                    word_at(alternative, vars, false, depth + 1)
                }
            } else {
                None
            }
        }
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if !is_name(c) {
                    break;
                }
                name.push(c);
                chars.next();
            }
            vars.get(&name).cloned()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::dockerfile::facts::testing::{facts, paths};

    #[test]
    fn unresolved_variables_are_unknown() {
        let f = facts(
            "FROM debian\nWORKDIR /app\nCOPY --from=b /x /app/$PHP_INI_DIR/php.ini\nCOPY --from=b /y ${OUT}/\nRUN cp a $DEST/a\n",
            None,
            &[],
        );
        assert!(f.filled.is_empty(), "{:?}", f.filled);
        let f = facts("FROM debian\nWORKDIR $HOME/app\nRUN npm ci\n", None, &[]);
        assert_eq!(f.workdir, None);
        assert!(f.filled.is_empty());
        // Defaults and alternatives of known (or known-empty) variables expand.
        let f = facts(
            "FROM debian\nARG SUB=\nENV ROOT=/srv\nWORKDIR ${ROOT:-/x}/${SUB:-web}\nCOPY --from=b /o ${SUB:+never}/bin/o\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/srv/web"));
        assert_eq!(paths(&f), vec!["/bin/o"]);
        // ENV values use the variables in effect before the instruction.
        let f = facts(
            "FROM debian\nENV A=/a\nENV A=/b B=$A\nWORKDIR $B\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/a"));
    }

    #[test]
    fn quotes_as_docker_reads_them() {
        let f = facts(
            "FROM debian\nWORKDIR \"/app\"\nCOPY --from=b [\"/out/my app\", \"/srv/\"]\nCOPY --from=b \"/out/x\" '/opt/x'\nENV D \"/data dir\"\nCOPY --from=b /y \"$D/y\"\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/app"));
        assert_eq!(paths(&f), vec!["/srv/my app", "/opt/x", "/data dir/y"]);
        // Single quotes keep a literal `$`: a path berth does not claim to know.
        let f = facts("FROM debian\nWORKDIR '/srv/$X'\nRUN npm ci\n", None, &[]);
        assert_eq!(f.workdir, None);
        assert!(f.filled.is_empty());
    }
}
