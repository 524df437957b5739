//! The `build:` section: context, Dockerfile, target and build arguments.

use super::{BuildLayer, Loader};
use crate::compose::model::*;
use crate::paths::resolve_host;
use crate::source::yaml::{Node, Value};

impl Loader<'_> {
    pub(super) fn build(&mut self, n: &Node) -> Option<BuildLayer> {
        let mut build = BuildLayer {
            span: self.span(n),
            base_dir: self.dir.to_path_buf(),
            context: None,
            dockerfile: None,
            inline: false,
            target: None,
            args: Vec::new(),
        };
        match &n.value {
            Value::Null => return None,
            Value::Scalar(_) => {
                let ctx = self.string(n, "`build`")?;
                build.context = Some(self.context(&ctx));
            }
            Value::Seq(_) => {
                self.problem(
                    n,
                    "`build` must be a string or a mapping, found a sequence".into(),
                );
                return None;
            }
            Value::Map(fields) => {
                for (key, value) in fields {
                    match key.as_str() {
                        Some("context") => {
                            if let Some(ctx) = self.string(value, "`build.context`") {
                                build.context = Some(self.context(&ctx));
                            }
                        }
                        Some("dockerfile") => {
                            build.dockerfile = self.spanned_string(value, "`build.dockerfile`");
                        }
                        Some("dockerfile_inline") => build.inline = true,
                        Some("target") => {
                            build.target = self.spanned_string(value, "`build.target`");
                        }
                        Some("args") => build.args = self.build_args(value),
                        _ => {}
                    }
                }
            }
        }
        Some(build)
    }

    fn context(&self, ctx: &str) -> BuildContext {
        let lower = ctx.to_ascii_lowercase();
        let remote = [
            "http://",
            "https://",
            "git://",
            "git@",
            "ssh://",
            "github.com/",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
            || lower.ends_with(".git")
            || lower.contains(".git#");
        if remote {
            BuildContext::Remote(ctx.to_string())
        } else {
            BuildContext::Local(resolve_host(self.dir, ctx, self.home.as_deref()))
        }
    }

    fn build_args(&mut self, n: &Node) -> Vec<(String, Option<String>)> {
        let mut args = Vec::new();
        match &n.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    let Some(name) = k.as_str() else { continue };
                    let value = if v.is_null() {
                        self.vars.get(name).cloned()
                    } else {
                        self.string(v, "`build.args`")
                    };
                    args.push((name.to_string(), value));
                }
            }
            Value::Seq(items) => {
                for item in items {
                    let Some(entry) = self.string(item, "`build.args`") else {
                        continue;
                    };
                    match entry.split_once('=') {
                        Some((k, v)) => args.push((k.to_string(), Some(v.to_string()))),
                        None => {
                            let v = self.vars.get(&entry).cloned();
                            args.push((entry, v));
                        }
                    }
                }
            }
            Value::Null => {}
            Value::Scalar(_) => {
                self.problem(n, "`build.args` must be a mapping or a list".into());
            }
        }
        args
    }
}
