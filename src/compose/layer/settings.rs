//! Policy settings: scalar and list keys, `healthcheck` and `deploy`,
//! `environment`, `ports` and `depends_on`.

use super::{Loader, Patch, SettingsLayer};
use crate::compose::interpolate::Interpolated;
use crate::compose::model::*;
use crate::compose::volumes::split_port;
use crate::source::Spanned;
use crate::source::yaml::{Node, Tag, Value};

impl Loader<'_> {
    /// A scalar's text, interpolated; lists are joined with spaces
    /// (`healthcheck.test`). The flag: an unset variable went into it.
    fn text(&mut self, n: &Node, what: &str) -> Option<(Spanned<String>, bool)> {
        let span = self.span(n);
        match &n.value {
            Value::Seq(items) => {
                let parts: Vec<Interpolated> =
                    items.iter().filter_map(|i| self.tracked(i, what)).collect();
                let unset = parts.iter().any(|p| p.unset);
                let text: Vec<String> = parts.into_iter().map(|p| p.value).collect();
                Some((Spanned::new(text.join(" "), span), unset))
            }
            _ => self
                .tracked(n, what)
                .map(|i| (Spanned::new(i.value, span), i.unset)),
        }
    }

    fn scalar_setting(&mut self, key: Scalar, n: &Node, out: &mut SettingsLayer) {
        let patch = self.patch(n, |this, n| {
            this.text(n, &format!("`{}`", key.key())).map(|(v, unset)| {
                if unset {
                    out.unknown.push(key);
                }
                v
            })
        });
        if let Some(p) = patch {
            out.scalars.push((key, p));
        }
    }

    /// Settings beyond the mount model; unknown keys are left to Compose.
    pub(super) fn setting(&mut self, key: &str, value: &Node, out: &mut SettingsLayer) {
        let reset = value.tag == Some(Tag::Reset);
        if let Some(k) = Scalar::from_key(key) {
            self.scalar_setting(k, value, out);
            return;
        }
        if let Some(k) = List::from_key(key) {
            let patch = self.patch(value, |this, n| {
                Some(match n.as_seq() {
                    Some(items) => items
                        .iter()
                        .filter_map(|i| this.spanned_string(i, key))
                        .collect(),
                    None => this.spanned_string(n, key).into_iter().collect(),
                })
            });
            if let Some(p) = patch {
                out.lists.push((k, p));
            }
            return;
        }
        match key {
            "healthcheck" | "deploy" => {
                let nested: &[(&[&str], Scalar)] = if key == "healthcheck" {
                    &[
                        (&["test"], Scalar::HealthcheckTest),
                        (&["disable"], Scalar::HealthcheckDisable),
                    ]
                } else {
                    &[
                        (
                            &["resources", "limits", "memory"],
                            Scalar::DeployMemoryLimit,
                        ),
                        (
                            &["restart_policy", "condition"],
                            Scalar::DeployRestartCondition,
                        ),
                    ]
                };
                if reset {
                    // `healthcheck: !reset` removes everything under it.
                    for (_, k) in nested {
                        out.scalars.push((*k, Patch::Reset));
                    }
                    return;
                }
                for (path, k) in nested {
                    let mut node = Some(value);
                    for step in *path {
                        node = node.and_then(|n| n.get(step));
                    }
                    match node {
                        Some(n) => self.scalar_setting(*k, n, out),
                        // `restart_policy` without `condition` restarts on any exit.
                        None if *k == Scalar::DeployRestartCondition
                            && value.get("restart_policy").is_some_and(|r| !r.is_null()) =>
                        {
                            let span = self.span(value);
                            out.scalars
                                .push((*k, Patch::Set(Spanned::new("any".into(), span))));
                        }
                        None => {}
                    }
                }
            }
            "environment" => {
                out.environment =
                    self.patch(value, |this, n| Some(this.key_values(n, "`environment`")));
            }
            "ports" => out.ports = self.patch(value, |this, n| Some(this.ports(n))),
            "depends_on" => out.depends_on = self.patch(value, |this, n| Some(this.depends_on(n))),
            _ => {}
        }
    }

    /// A mapping or a `NAME=value` list.
    pub(super) fn key_values(&mut self, n: &Node, what: &str) -> Vec<KeyValue> {
        let mut out = Vec::new();
        match &n.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    let Some(name) = k.as_str() else { continue };
                    let value = if v.is_null() {
                        None
                    } else {
                        self.spanned_string(v, what)
                    };
                    out.push(KeyValue {
                        key: Spanned::new(name.to_string(), self.span(k)),
                        value,
                    });
                }
            }
            Value::Seq(items) => {
                for item in items {
                    let Some(entry) = self.string(item, what) else {
                        continue;
                    };
                    let span = self.span(item);
                    let (k, v) = match entry.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(Spanned::new(v.to_string(), span))),
                        None => (entry, None),
                    };
                    out.push(KeyValue {
                        key: Spanned::new(k, span),
                        value: v,
                    });
                }
            }
            _ => {}
        }
        out
    }

    fn ports(&mut self, n: &Node) -> Vec<Port> {
        let Some(items) = n.as_seq() else {
            if !n.is_null() {
                self.problem(n, format!("`ports` must be a list, found {}", n.kind()));
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let span = self.span(item);
            if item.as_map().is_some() {
                let mut unknown = false;
                let mut get = |this: &mut Self, k: &str| {
                    let i = item.get(k).and_then(|v| this.tracked(v, "`ports`"))?;
                    unknown |= i.unset;
                    Some(i.value)
                };
                let Some(target) = get(self, "target") else {
                    self.problem(item, "a long-syntax port needs a `target`".into());
                    continue;
                };
                let host_ip = get(self, "host_ip").filter(|h| !h.is_empty());
                let published = get(self, "published").filter(|p| !p.is_empty());
                let protocol = get(self, "protocol").unwrap_or_else(|| "tcp".into());
                out.push(Port {
                    span,
                    host_ip,
                    published,
                    target,
                    protocol,
                    unknown,
                });
                continue;
            }
            let Some(spec) = self.tracked(item, "`ports`") else {
                continue;
            };
            match split_port(&spec.value) {
                Some(p) => out.push(Port {
                    span,
                    unknown: spec.unset,
                    ..p
                }),
                // `${APP_PORT}:${APP_PORT}` with APP_PORT unset is ":": not
                // the project's port, so not a finding either.
                None if spec.unset => {}
                None => self.problem(
                    item,
                    format!("invalid port specification \"{}\"", spec.value),
                ),
            }
        }
        out
    }

    fn depends_on(&mut self, n: &Node) -> Vec<Dependency> {
        let mut out = Vec::new();
        match &n.value {
            Value::Seq(items) => {
                for item in items {
                    if let Some(name) = self.spanned_string(item, "`depends_on`") {
                        out.push(Dependency {
                            service: name,
                            condition: None,
                        });
                    }
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    let Some(name) = k.as_str() else { continue };
                    let condition = v
                        .get("condition")
                        .and_then(|c| self.string(c, "`depends_on.condition`"));
                    out.push(Dependency {
                        service: Spanned::new(name.to_string(), self.span(k)),
                        condition,
                    });
                }
            }
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::load_str;

    #[test]
    fn unset_variables_make_values_unknown_not_invalid() {
        let text = "services:\n  web:\n    container_name: ${PROJECT}-web\n    user: ${UID:-1000}\n    ports:\n      - \"${APP_PORT}:${APP_PORT}\"\n      - \"${BIND}:8081:80\"\n      - \"${PORT:-8080}:80\"\n      - target: 80\n        published: ${PUBLISHED}\n    volumes:\n      - ${DATA}:/build/out\n      - ${DATA}:/x:ro\n      - ${CONF}/etc:/etc/app:ro\n      - ./src:${ROOT}/src\n      - ./lib:${ROOT}lib\n      - ./ok:/ok${SUFFIX:-}\n      - type: bind\n        source: ${UPLOADS}\n        target: /uploads\n      - type: bind\n        source: ./logs\n        target: ${LOGS}\n";
        let (c, p) = load_str(text, &[]);
        assert!(p.is_empty(), "{p:?}");
        let s = &c.services[0];
        assert!(s.settings.is_unknown(crate::compose::Scalar::ContainerName));
        assert!(!s.settings.is_unknown(crate::compose::Scalar::User));
        let ports: Vec<(Option<&str>, bool)> = s
            .settings
            .ports
            .iter()
            .map(|p| (p.published.as_deref(), p.unknown))
            .collect();
        assert_eq!(
            ports,
            vec![(Some("8081"), true), (Some("8080"), false), (None, true)]
        );
        let vols: Vec<(&str, Option<&str>, bool, bool)> = s
            .volumes
            .iter()
            .map(|v| {
                (
                    v.target.as_str(),
                    v.source.as_deref(),
                    v.source_unknown,
                    v.target_unknown,
                )
            })
            .collect();
        assert_eq!(
            vols,
            vec![
                ("/etc/app", Some("/etc"), true, false),
                ("/src", Some("./src"), false, true),
                ("/ok", Some("./ok"), false, false),
            ]
        );
        // `${VAR:?}` stays an error.
        let (_, p) = load_str("services:\n  web:\n    ports: [\"${P:?set P}:80\"]\n", &[]);
        assert_eq!(p.len(), 1, "{p:?}");
        // Without variables, the same syntax is invalid.
        let (_, p) = load_str(
            "services:\n  web:\n    ports: [\":\"]\n    volumes: [\":/build/out\", \"./a:b\"]\n",
            &[],
        );
        assert_eq!(p.len(), 3, "{p:?}");
    }
}
