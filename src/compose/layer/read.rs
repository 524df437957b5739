//! Reading one node: spans, problems and interpolated strings.

use super::Loader;
use crate::compose::LoadProblem;
use crate::compose::interpolate::{Interpolated, interpolate_tracked};
use crate::source::yaml::{Node, Value};
use crate::source::{Span, Spanned};

impl Loader<'_> {
    pub(super) fn span(&self, n: &Node) -> Span {
        Span::new(self.file, n.start, n.end)
    }

    pub(super) fn problem(&mut self, n: &Node, message: String) {
        let span = self.span(n);
        self.problems.push(LoadProblem { span, message });
    }

    /// A scalar, interpolated. Reports a problem and returns None when it is not a scalar
    /// or interpolation fails.
    pub(super) fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        self.tracked(n, what).map(|i| i.value)
    }

    /// [`Self::string`], saying whether an unset variable went into the value.
    pub(super) fn tracked(&mut self, n: &Node, what: &str) -> Option<Interpolated> {
        let Some(raw) = n.as_str() else {
            if !n.is_null() {
                self.problem(n, format!("{what} must be a string, found {}", n.kind()));
            }
            return None;
        };
        let vars = self.vars;
        match interpolate_tracked(raw, &|name| vars.get(name).cloned()) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(n, format!("{what}: {e}"));
                None
            }
        }
    }

    pub(super) fn spanned_string(&mut self, n: &Node, what: &str) -> Option<Spanned<String>> {
        let span = self.span(n);
        self.string(n, what).map(|v| Spanned::new(v, span))
    }

    /// A string or a list of strings.
    pub(super) fn strings(&mut self, n: &Node, what: &str) -> Vec<String> {
        match &n.value {
            Value::Seq(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            _ => self.string(n, what).into_iter().collect(),
        }
    }
}
