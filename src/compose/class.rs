//! A stack's class (production, development or unknown) and the evidence
//! for it: part of the stack model; `classify` decides it.

use crate::source::Span;

/// What a stack is run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Development,
    Unknown,
    Production,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Production => "production",
            Class::Development => "development",
            Class::Unknown => "unknown",
        }
    }
}

/// One reason for a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The class this signal points to (`Unknown` for a note that takes a
    /// production look back).
    pub points_to: Class,
    /// What was seen, for people: "service `web` runs `npm run dev`, a development server".
    pub what: String,
    /// Where it is written, when it is in a file berth read.
    pub span: Option<Span>,
}

/// A stack's class and the signals that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub class: Class,
    pub evidence: Vec<Evidence>,
}
