//! Variable interpolation as Compose does it: `$VAR`, `${VAR}`, `${VAR:-d}`,
//! `${VAR-d}`, `${VAR:+r}`, `${VAR+r}`, `${VAR:?err}`, `${VAR?err}`, and `$$`
//! for a literal dollar. Defaults and replacements may themselves contain
//! variables.

/// Why a value could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    #[error("required variable {name} is missing a value: {message}")]
    Required { name: String, message: String },
    /// The text is kept for callers but not shown: it may hold a secret.
    #[error("invalid interpolation format: {why}")]
    Invalid { text: String, why: &'static str },
}

/// Deepest nesting of `${...}` inside defaults.
const MAX_NESTING: usize = 16;

/// Interpolate `text` with `lookup` giving each variable's value (None: unset).
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    if !text.contains('$') {
        return Ok(text.to_string());
    }
    expand(text, lookup, 0)
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
) -> Result<String, InterpolationError> {
    if depth > MAX_NESTING {
        return Err(InterpolationError::Invalid {
            text: text.to_string(),
            why: "nested too deeply",
        });
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => {
                out.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let body_len = closing_brace(&after[1..]).ok_or(InterpolationError::Invalid {
                    text: text.to_string(),
                    why: "missing closing brace",
                })?;
                let body = &after[1..1 + body_len];
                out.push_str(&braced(body, text, lookup, depth)?);
                rest = &after[1 + body_len + 1..];
            }
            Some(c) if is_name_start(c) => {
                let len = after
                    .char_indices()
                    .find(|(_, c)| !is_name_char(*c))
                    .map_or(after.len(), |(i, _)| i);
                out.push_str(&lookup(&after[..len]).unwrap_or_default());
                rest = &after[len..];
            }
            _ => {
                return Err(InterpolationError::Invalid {
                    text: text.to_string(),
                    why: "a `$` must be followed by a name, `{`, or `$`",
                });
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Length of the text up to the `}` that closes an opened `${`, counting nested braces.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn braced(
    body: &str,
    whole: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
) -> Result<String, InterpolationError> {
    let name_len = body
        .char_indices()
        .find(|(_, c)| !is_name_char(*c))
        .map_or(body.len(), |(i, _)| i);
    let name = &body[..name_len];
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(InterpolationError::Invalid {
            text: whole.to_string(),
            why: "a variable name must start with a letter or `_`",
        });
    }
    let op = &body[name_len..];
    let value = lookup(name);
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    let arg = |skip: usize| expand(&op[skip..], lookup, depth + 1);
    let result = if op.is_empty() {
        value.unwrap_or_default()
    } else if op.starts_with(":-") {
        if non_empty {
            value.unwrap_or_default()
        } else {
            arg(2)?
        }
    } else if op.starts_with('-') {
        if set {
            value.unwrap_or_default()
        } else {
            arg(1)?
        }
    } else if op.starts_with(":+") {
        if non_empty { arg(2)? } else { String::new() }
    } else if op.starts_with('+') {
        if set { arg(1)? } else { String::new() }
    } else if op.starts_with(":?") || op.starts_with('?') {
        let strict = op.starts_with(":?");
        let ok = if strict { non_empty } else { set };
        if ok {
            value.unwrap_or_default()
        } else {
            let skip = if strict { 2 } else { 1 };
            return Err(InterpolationError::Required {
                name: name.to_string(),
                message: arg(skip)?,
            });
        }
    } else {
        return Err(InterpolationError::Invalid {
            text: whole.to_string(),
            why: "unknown operator after the variable name",
        });
    };
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("v".into()),
            "EMPTY" => Some(String::new()),
            "DIR" => Some("./backend".into()),
            _ => None,
        }
    }

    fn i(s: &str) -> Result<String, InterpolationError> {
        interpolate(s, &env)
    }

    #[test]
    fn every_form() {
        assert_eq!(i("$SET/${SET}").unwrap(), "v/v");
        assert_eq!(i("${UNSET}x").unwrap(), "x");
        assert_eq!(i("${UNSET:-d}").unwrap(), "d");
        assert_eq!(i("${EMPTY:-d}").unwrap(), "d");
        assert_eq!(i("${EMPTY-d}").unwrap(), "");
        assert_eq!(i("${UNSET-d}").unwrap(), "d");
        assert_eq!(i("${SET:+r}").unwrap(), "r");
        assert_eq!(i("${EMPTY:+r}").unwrap(), "");
        assert_eq!(i("${EMPTY+r}").unwrap(), "r");
        assert_eq!(i("${UNSET+r}").unwrap(), "");
        assert_eq!(i("$$SET").unwrap(), "$SET");
        assert_eq!(i("${UNSET:-${DIR}}:/app").unwrap(), "./backend:/app");
        assert_eq!(i("${SET?boom}").unwrap(), "v");
        assert_eq!(i("${EMPTY?boom}").unwrap(), "");
    }

    #[test]
    fn required_and_invalid() {
        assert_eq!(
            i("${UNSET:?need it}"),
            Err(InterpolationError::Required {
                name: "UNSET".into(),
                message: "need it".into()
            })
        );
        assert!(matches!(
            i("${EMPTY:?x}"),
            Err(InterpolationError::Required { .. })
        ));
        assert!(matches!(
            i("${UNSET?x}"),
            Err(InterpolationError::Required { .. })
        ));
        assert!(matches!(
            i("${SET"),
            Err(InterpolationError::Invalid { .. })
        ));
        assert!(matches!(i("$1"), Err(InterpolationError::Invalid { .. })));
        assert!(matches!(i("${}"), Err(InterpolationError::Invalid { .. })));
    }
}
