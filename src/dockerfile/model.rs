//! An owned, simplified Dockerfile: the instructions berth's facts need,
//! each with the span of its line(s).

use crate::source::{FileId, Span};

#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub file: FileId,
    /// `ARG`s before the first `FROM`.
    pub global_args: Vec<(String, Option<String>)>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    /// `AS name`, lower-cased as BuildKit compares it.
    pub name: Option<String>,
    /// The image or stage the stage starts from, as written.
    pub base: String,
    pub span: Span,
    pub instructions: Vec<Instruction>,
}

#[derive(Debug, Clone)]
pub enum Instruction {
    Arg {
        name: String,
        default: Option<String>,
    },
    Env {
        pairs: Vec<(String, String)>,
    },
    Workdir {
        path: String,
    },
    /// `COPY` or `ADD`.
    Copy {
        add: bool,
        from: Option<String>,
        sources: Vec<String>,
        dest: String,
        span: Span,
    },
    Run {
        script: String,
        span: Span,
    },
    User {
        user: String,
        span: Span,
    },
    /// `HEALTHCHECK`; `none` for `HEALTHCHECK NONE`.
    Healthcheck {
        none: bool,
        span: Span,
    },
    /// `CMD` or `ENTRYPOINT`.
    Start {
        entrypoint: bool,
        argv: Vec<String>,
        /// Shell form: `argv` holds the one script string.
        shell: bool,
        span: Span,
    },
}
