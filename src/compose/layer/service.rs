//! A service's own keys: image, build, volumes, start command, profiles and
//! `extends`; everything else goes to the settings.

use super::{Extends, Loader, ServiceLayer, SettingsLayer};
use crate::source::yaml::{Node, Value};
use crate::source::{Span, Spanned};

impl Loader<'_> {
    pub(super) fn service(&mut self, name: Spanned<String>, body: &Node) -> Option<ServiceLayer> {
        let Some(fields) = body.as_map() else {
            if !body.is_null() {
                self.problem(
                    body,
                    format!(
                        "service `{}` must be a mapping, found {}",
                        name.value,
                        body.kind()
                    ),
                );
            }
            return None;
        };
        let mut svc = ServiceLayer {
            name,
            image: None,
            build: None,
            volumes: None,
            working_dir: None,
            command: None,
            entrypoint: None,
            profiles: None,
            extends: None,
            settings: SettingsLayer::default(),
        };
        for (key, value) in fields {
            match key.as_str() {
                Some("image") => {
                    svc.image = self.patch(value, |this, n| this.spanned_string(n, "`image`"));
                }
                Some("build") => {
                    // Point at `build:` itself, where a suppression comment would go.
                    svc.build = self.patch(value, |this, n| {
                        this.build(n).map(|mut b| {
                            b.span = Span::new(this.file, key.start, n.end.max(key.end));
                            b
                        })
                    });
                    if let Some(args) = value.get("args") {
                        svc.settings.build_args = self.key_values(args, "`build.args`");
                    }
                }
                Some("volumes") => svc.volumes = self.patch(value, |this, n| Some(this.volumes(n))),
                Some("working_dir") => {
                    svc.working_dir =
                        self.patch(value, |this, n| this.spanned_string(n, "`working_dir`"));
                }
                Some("command") => {
                    svc.command = self.patch(value, |this, n| this.command(n, "`command`"));
                }
                Some("entrypoint") => {
                    svc.entrypoint = self.patch(value, |this, n| this.command(n, "`entrypoint`"));
                }
                Some("profiles") => {
                    svc.profiles = self.patch(value, |this, n| Some(this.strings(n, "`profiles`")));
                }
                Some("extends") => svc.extends = self.extends(value),
                Some(k) => self.setting(k, value, &mut svc.settings),
                None => {}
            }
        }
        Some(svc)
    }

    fn extends(&mut self, n: &Node) -> Option<Extends> {
        let span = self.span(n);
        match &n.value {
            Value::Scalar(_) => Some(Extends {
                service: self.string(n, "`extends`")?,
                file: None,
                span,
            }),
            Value::Map(_) => {
                let Some(service) = n
                    .get("service")
                    .and_then(|s| self.string(s, "`extends.service`"))
                else {
                    self.problem(n, "`extends` needs a `service`".into());
                    return None;
                };
                let file = n.get("file").and_then(|f| self.string(f, "`extends.file`"));
                Some(Extends {
                    service,
                    file,
                    span,
                })
            }
            _ => {
                self.problem(n, "`extends` must be a service name or a mapping".into());
                None
            }
        }
    }

    fn command(&mut self, n: &Node, what: &str) -> Option<Spanned<Vec<String>>> {
        let span = self.span(n);
        match &n.value {
            Value::Null => None,
            Value::Scalar(_) => {
                let s = self.string(n, what)?;
                Some(Spanned::new(crate::shell::split_words(&s), span))
            }
            Value::Seq(items) => {
                let mut argv = Vec::new();
                for item in items {
                    argv.push(self.string(item, what)?);
                }
                Some(Spanned::new(argv, span))
            }
            Value::Map(_) => {
                self.problem(
                    n,
                    format!("{what} must be a string or a list, found a mapping"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::tests::load_str;
    use crate::compose::model::*;

    #[test]
    fn loads_the_seed_service() {
        let (c, p) = load_str(
            "services:\n  rust-backend:\n    build: ./backend\n    volumes:\n      - ./backend:/app # x\n",
            &[],
        );
        assert!(p.is_empty(), "{p:?}");
        let s = &c.services[0];
        assert_eq!(s.name.value, "rust-backend");
        let b = s.build.as_ref().unwrap();
        assert_eq!(
            b.context,
            BuildContext::Local("/nonexistent-berth-test/proj/backend".into())
        );
        let v = &s.volumes[0];
        assert_eq!(v.kind, VolumeKind::Bind);
        assert_eq!(v.target, "/app");
        assert_eq!(
            v.host_path.as_deref(),
            Some(Path::new("/nonexistent-berth-test/proj/backend"))
        );
        assert_eq!(v.written, "./backend:/app");
    }

    #[test]
    fn long_syntax_and_interpolation() {
        let text = "services:\n  web:\n    build:\n      context: ${CTX:-./web}\n      dockerfile: Dockerfile.prod\n      target: runtime\n      args:\n        - A=1\n        - B\n    working_dir: /srv/./app/\n    command: [\"node\", \"dist/server.js\"]\n    entrypoint: ./run.sh --fast\n    volumes:\n      - type: bind\n        source: ./web\n        target: /srv/app/\n        read_only: true\n      - type: volume\n        target: /srv/app/node_modules\n      - cache:/cache:ro\n";
        let (c, p) = load_str(text, &[("B", "bee")]);
        assert!(p.is_empty(), "{p:?}");
        let s = &c.services[0];
        let b = s.build.as_ref().unwrap();
        assert_eq!(
            b.context,
            BuildContext::Local("/nonexistent-berth-test/proj/web".into())
        );
        assert_eq!(b.target.as_ref().unwrap().value, "runtime");
        assert_eq!(
            b.args,
            vec![
                ("A".to_string(), Some("1".to_string())),
                ("B".to_string(), Some("bee".to_string()))
            ]
        );
        assert_eq!(s.working_dir.as_ref().unwrap().value, "/srv/./app/");
        assert_eq!(
            s.command.as_ref().unwrap().value,
            vec!["node", "dist/server.js"]
        );
        assert_eq!(
            s.entrypoint.as_ref().unwrap().value,
            vec!["./run.sh", "--fast"]
        );
        assert_eq!(s.volumes[0].kind, VolumeKind::Bind);
        assert!(s.volumes[0].read_only);
        assert_eq!(s.volumes[0].target, "/srv/app");
        assert_eq!(s.volumes[1].kind, VolumeKind::Anonymous);
        assert_eq!(s.volumes[2].kind, VolumeKind::Volume);
        assert!(s.volumes[2].read_only);
    }

    #[test]
    fn problems_have_locations() {
        let text = "services:\n  web:\n    volumes: ./x:/y\n  db:\n    image: ${TAG:?set TAG}\n";
        let (_, p) = load_str(text, &[]);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("must be a list"));
        assert_eq!(&text[p[0].span.start..p[0].span.end], "./x:/y");
        assert!(p[1].message.contains("required variable TAG"));
    }
}
