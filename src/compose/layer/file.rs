//! The top level of a file: its keys, `services:` and `include:` entries.

use super::{FileLayer, Include, Loader, TOP_LEVEL};
use crate::source::Spanned;
use crate::source::yaml::{Node, Value};

impl Loader<'_> {
    pub(super) fn root(&mut self, root: &Node) -> FileLayer {
        let mut out = FileLayer::default();
        if root.is_null() {
            return out;
        }
        let Some(entries) = root.as_map() else {
            self.problem(
                root,
                format!(
                    "a compose file must be a mapping at the top level, found {}",
                    root.kind()
                ),
            );
            return out;
        };
        for (key, value) in entries {
            let Some(k) = key.as_str() else {
                self.problem(key, "a top-level key must be a string".into());
                continue;
            };
            match k {
                "services" => self.services(value, &mut out),
                "include" => self.includes(value, &mut out),
                "version" => out.version = Some(self.span(key)),
                k if TOP_LEVEL.contains(&k) || k.starts_with("x-") => {}
                k => {
                    let hint = crate::suggest::nearest(k, TOP_LEVEL)
                        .map(|n| format!("; did you mean `{n}`?"))
                        .unwrap_or_default();
                    self.problem(key, format!("unknown top-level key `{k}`{hint}"));
                }
            }
        }
        out
    }

    fn services(&mut self, services: &Node, out: &mut FileLayer) {
        if services.is_null() {
            return;
        }
        let Some(services) = services.as_map() else {
            self.problem(
                services,
                format!("`services` must be a mapping, found {}", services.kind()),
            );
            return;
        };
        for (name, body) in services {
            let Some(name_str) = name.as_str() else {
                self.problem(name, "a service name must be a string".into());
                continue;
            };
            let name = Spanned::new(name_str.to_string(), self.span(name));
            if let Some(svc) = self.service(name, body) {
                out.services.push(svc);
            }
        }
    }

    fn includes(&mut self, n: &Node, out: &mut FileLayer) {
        let Some(items) = n.as_seq() else {
            if !n.is_null() {
                self.problem(n, format!("`include` must be a list, found {}", n.kind()));
            }
            return;
        };
        for item in items {
            let span = self.span(item);
            let mut inc = Include {
                paths: Vec::new(),
                project_directory: None,
                env_files: Vec::new(),
                span,
            };
            match &item.value {
                Value::Scalar(_) => inc.paths.extend(self.string(item, "`include`")),
                Value::Map(_) => {
                    if let Some(p) = item.get("path") {
                        inc.paths = self.strings(p, "`include.path`");
                    }
                    if let Some(d) = item.get("project_directory") {
                        inc.project_directory = self.string(d, "`include.project_directory`");
                    }
                    if let Some(e) = item.get("env_file") {
                        inc.env_files = self.strings(e, "`include.env_file`");
                    }
                }
                _ => {
                    self.problem(
                        item,
                        "an `include` entry must be a path or a mapping".into(),
                    );
                    continue;
                }
            }
            if inc.paths.is_empty() {
                self.problem(item, "an `include` entry needs a `path`".into());
                continue;
            }
            out.includes.push(inc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::load_str;

    #[test]
    fn unknown_top_level_keys_are_problems() {
        let (_, p) = load_str("servics:\n  web:\n    image: x\nx-ok: 1\n", &[]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            p[0].message,
            "unknown top-level key `servics`; did you mean `services`?"
        );
    }

    #[test]
    fn yaml_errors_become_problems() {
        let (_, p) = load_str("services:\n  web: [\n", &[]);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.starts_with("invalid YAML"));
    }
}
