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

/// Marks, in [`Interpolated::marked`], each place where an unset variable was
/// substituted (a private-use character).
pub const UNSET_MARK: char = '\u{E000}';

/// A value after interpolation, and whether an unset variable went into it.
///
/// Compose substitutes an empty string for `$VAR` or `${VAR}` when `VAR` is
/// unset (with a warning). Such a value is not what the project will see
/// once its `.env` is filled in, so it is *unknown*: not validated, not
/// compared. A default (`${VAR:-d}`, `${VAR-d}`) or an alternative
/// (`${VAR:+r}`, `${VAR+r}`) is a value the author chose, so it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// An unset variable was substituted somewhere in the value.
    pub unset: bool,
    /// When `unset`: the value with [`UNSET_MARK`] where each unset variable
    /// went, so that a caller that splits the value can tell which part is
    /// unknown. None when nothing was unset, or when the text itself holds
    /// the mark character (then every part counts as unknown).
    pub marked: Option<String>,
}

impl Interpolated {
    /// The text to split: the marked value when there is one.
    pub fn splittable(&self) -> &str {
        self.marked.as_deref().unwrap_or(&self.value)
    }

    /// Is this part of [`Self::splittable`] unknown?
    pub fn is_unknown(&self, part: &str) -> bool {
        match &self.marked {
            Some(_) => part.contains(UNSET_MARK),
            None => self.unset,
        }
    }

    /// A part of [`Self::splittable`] without its marks.
    pub fn clean(&self, part: &str) -> String {
        match &self.marked {
            Some(_) => part.replace(UNSET_MARK, ""),
            None => part.to_string(),
        }
    }
}

/// Interpolate `text` with `lookup` giving each variable's value (None: unset).
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    interpolate_tracked(text, lookup).map(|i| i.value)
}

/// Interpolate `text`, and say whether an unset variable was substituted.
pub fn interpolate_tracked(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, InterpolationError> {
    if !text.contains('$') {
        return Ok(Interpolated {
            value: text.to_string(),
            unset: false,
            marked: None,
        });
    }
    let mark = (!text.contains(UNSET_MARK)).then_some(UNSET_MARK);
    let mut ex = Expander {
        lookup,
        mark,
        unset: false,
    };
    let out = ex.expand(text, 0)?;
    Ok(match mark {
        Some(m) if ex.unset => Interpolated {
            value: out.replace(m, ""),
            unset: true,
            marked: Some(out),
        },
        _ => Interpolated {
            value: out,
            unset: ex.unset,
            marked: None,
        },
    })
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

struct Expander<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    mark: Option<char>,
    /// An unset variable was substituted.
    unset: bool,
}

impl Expander<'_> {
    /// The value of a plain `$VAR` or `${VAR}`; an unset one is recorded.
    fn plain(&mut self, name: &str, out: &mut String) {
        match (self.lookup)(name) {
            Some(v) => out.push_str(&v),
            None => {
                self.unset = true;
                if let Some(m) = self.mark {
                    out.push(m);
                }
            }
        }
    }

    fn expand(&mut self, text: &str, depth: usize) -> Result<String, InterpolationError> {
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
                    let body_len =
                        closing_brace(&after[1..]).ok_or(InterpolationError::Invalid {
                            text: text.to_string(),
                            why: "missing closing brace",
                        })?;
                    let body = &after[1..1 + body_len];
                    self.braced(body, text, depth, &mut out)?;
                    rest = &after[1 + body_len + 1..];
                }
                Some(c) if is_name_start(c) => {
                    let len = after
                        .char_indices()
                        .find(|(_, c)| !is_name_char(*c))
                        .map_or(after.len(), |(i, _)| i);
                    self.plain(&after[..len], &mut out);
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

    /// `${...}` with its operator; appends the result to `out`.
    fn braced(
        &mut self,
        body: &str,
        whole: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), InterpolationError> {
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
        if op.is_empty() {
            self.plain(name, out);
            return Ok(());
        }
        let value = (self.lookup)(name);
        let set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let result = if let Some(default) = op.strip_prefix(":-") {
            if non_empty {
                value.unwrap_or_default()
            } else {
                self.expand(default, depth + 1)?
            }
        } else if let Some(default) = op.strip_prefix('-') {
            if set {
                value.unwrap_or_default()
            } else {
                self.expand(default, depth + 1)?
            }
        } else if let Some(alt) = op.strip_prefix(":+") {
            if non_empty {
                self.expand(alt, depth + 1)?
            } else {
                String::new()
            }
        } else if let Some(alt) = op.strip_prefix('+') {
            if set {
                self.expand(alt, depth + 1)?
            } else {
                String::new()
            }
        } else if op.starts_with(":?") || op.starts_with('?') {
            let strict = op.starts_with(":?");
            let ok = if strict { non_empty } else { set };
            if ok {
                value.unwrap_or_default()
            } else {
                let skip = if strict { 2 } else { 1 };
                let mut message = self.expand(&op[skip..], depth + 1)?;
                if let Some(m) = self.mark {
                    message.retain(|c| c != m);
                }
                return Err(InterpolationError::Required {
                    name: name.to_string(),
                    message,
                });
            }
        } else {
            return Err(InterpolationError::Invalid {
                text: whole.to_string(),
                why: "unknown operator after the variable name",
            });
        };
        out.push_str(&result);
        Ok(())
    }
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

    #[test]
    fn unset_variables_are_tracked() {
        let t = |s: &str| interpolate_tracked(s, &env).unwrap();
        // Plain substitutions of an unset variable make the value unknown...
        for text in ["${UNSET}", "$UNSET:/x", "a${UNSET}b", "${UNSET:-${OTHER}}"] {
            assert!(t(text).unset, "{text}");
        }
        // ...defaults, alternatives and set (even empty) variables do not.
        for text in [
            "${SET}",
            "${EMPTY}",
            "${UNSET:-d}",
            "${UNSET-}",
            "${UNSET:+r}",
            "${UNSET+${OTHER}}",
            "$$UNSET",
            "plain",
        ] {
            assert!(!t(text).unset, "{text}");
        }
        let i = t("${A}:/data:${SET}");
        assert_eq!(i.value, ":/data:v");
        assert_eq!(i.marked.as_deref(), Some("\u{E000}:/data:v"));
        let parts: Vec<&str> = i.splittable().split(':').collect();
        assert!(i.is_unknown(parts[0]));
        assert!(!i.is_unknown(parts[1]));
        assert_eq!(i.clean(parts[0]), "");
        // A text that holds the mark itself: no marks, every part unknown.
        let odd = t("\u{E000}${A}:/x");
        assert_eq!(odd.value, "\u{E000}:/x");
        assert!(odd.marked.is_none());
        assert!(odd.is_unknown("/x"));
        assert_eq!(odd.clean("\u{E000}"), "\u{E000}");
        // The message of a required variable carries no mark.
        assert_eq!(
            interpolate("${UNSET:?set ${A} first}", &env),
            Err(InterpolationError::Required {
                name: "UNSET".into(),
                message: "set  first".into()
            })
        );
    }
}
