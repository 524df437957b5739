//! One compose file, read on its own: a [`FileLayer`] of service layers with
//! types checked, values interpolated and relative paths resolved against the
//! file's base directory. Layers are merged into services by `merge`;
//! `project` decides the base directory and the variables of each file.
//! Problems become [`LoadProblem`]s; loading goes on past them so that one bad
//! service does not hide findings in the others.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::LoadProblem;
use super::interpolate::{Interpolated, UNSET_MARK, interpolate_tracked};
use super::model::*;
use super::volumes::{is_host_path, long_kind, mode_is_read_only, short_kind, split_short};
use crate::paths::{normalize_posix, resolve_host};
use crate::source::yaml::{Node, Tag, Value};
use crate::source::{FileId, Span, Spanned};

/// A value a layer sets, removes (`!reset`) or replaces without merging (`!override`).
#[derive(Debug, Clone, PartialEq)]
pub enum Patch<T> {
    Set(T),
    Reset,
    Override(T),
}

impl<T> Patch<T> {
    fn from_tag(tag: Option<Tag>, value: Option<T>) -> Option<Self> {
        match (tag, value) {
            (Some(Tag::Reset), _) => Some(Patch::Reset),
            (Some(Tag::Override), Some(v)) => Some(Patch::Override(v)),
            (None, Some(v)) => Some(Patch::Set(v)),
            (_, None) => None,
        }
    }
}

/// `build:` as one file writes it; missing fields come from earlier layers.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildLayer {
    pub span: Span,
    /// Where `context` defaults to when no layer sets it.
    pub base_dir: PathBuf,
    pub context: Option<BuildContext>,
    pub dockerfile: Option<Spanned<String>>,
    pub inline: bool,
    pub target: Option<Spanned<String>>,
    pub args: Vec<(String, Option<String>)>,
}

/// `extends:` of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Extends {
    pub service: String,
    /// Another file, relative to this file's directory.
    pub file: Option<String>,
    pub span: Span,
}

/// A service as one file writes it.
#[derive(Debug, Clone)]
pub struct ServiceLayer {
    pub name: Spanned<String>,
    pub image: Option<Patch<Spanned<String>>>,
    pub build: Option<Patch<BuildLayer>>,
    pub volumes: Option<Patch<Vec<Volume>>>,
    pub working_dir: Option<Patch<Spanned<String>>>,
    pub command: Option<Patch<Spanned<Vec<String>>>>,
    pub entrypoint: Option<Patch<Spanned<Vec<String>>>>,
    pub profiles: Option<Patch<Vec<String>>>,
    pub extends: Option<Extends>,
    pub settings: SettingsLayer,
}

/// The policy settings as one file writes them.
#[derive(Debug, Clone, Default)]
pub struct SettingsLayer {
    pub scalars: Vec<(&'static str, Patch<Spanned<String>>)>,
    pub lists: Vec<(&'static str, Patch<Vec<Spanned<String>>>)>,
    pub environment: Option<Patch<Vec<KeyValue>>>,
    pub build_args: Vec<KeyValue>,
    pub ports: Option<Patch<Vec<Port>>>,
    pub depends_on: Option<Patch<Vec<Dependency>>>,
    /// Scalar keys this layer sets to a value with an unset variable in it.
    pub unknown: Vec<&'static str>,
}

/// `include:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    /// Files of the included project, relative to the including file's directory.
    pub paths: Vec<String>,
    pub project_directory: Option<String>,
    pub env_files: Vec<String>,
    pub span: Span,
}

/// What one compose file declares.
#[derive(Debug, Clone, Default)]
pub struct FileLayer {
    pub services: Vec<ServiceLayer>,
    pub includes: Vec<Include>,
    /// The top-level `version:` key, obsolete in Compose v2.
    pub version: Option<Span>,
}

/// Top-level keys of the Compose specification (`x-` extensions are allowed too).
const TOP_LEVEL: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models",
];

struct Loader<'a> {
    file: FileId,
    dir: &'a Path,
    vars: &'a BTreeMap<String, String>,
    home: Option<PathBuf>,
    problems: Vec<LoadProblem>,
}

/// Read a parsed compose file into a layer. `vars` are the interpolation
/// variables; `base_dir` is what relative paths are resolved against.
pub fn file_layer(
    file: FileId,
    root: &Node,
    vars: &BTreeMap<String, String>,
    base_dir: &Path,
) -> (FileLayer, Vec<LoadProblem>) {
    let mut loader = Loader {
        file,
        dir: base_dir,
        home: vars.get("HOME").map(PathBuf::from),
        vars,
        problems: Vec::new(),
    };
    let layer = loader.root(root);
    (layer, loader.problems)
}

impl Loader<'_> {
    fn root(&mut self, root: &Node) -> FileLayer {
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
                    let hint = crate::rules::docs::nearest(k, TOP_LEVEL)
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

    /// A string or a list of strings.
    fn strings(&mut self, n: &Node, what: &str) -> Vec<String> {
        match &n.value {
            Value::Seq(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            _ => self.string(n, what).into_iter().collect(),
        }
    }

    fn service(&mut self, name: Spanned<String>, body: &Node) -> Option<ServiceLayer> {
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
            let tag = value.tag;
            let reset = tag == Some(Tag::Reset);
            match key.as_str() {
                Some("image") => {
                    let v = if reset {
                        None
                    } else {
                        self.spanned_string(value, "`image`")
                    };
                    svc.image = Patch::from_tag(tag, v);
                }
                Some("build") => {
                    let v = if reset {
                        None
                    } else {
                        // Point at `build:` itself, where a suppression comment would go.
                        self.build(value).map(|mut b| {
                            b.span = Span::new(self.file, key.start, value.end.max(key.end));
                            b
                        })
                    };
                    svc.build = Patch::from_tag(tag, v);
                    if let Some(args) = value.get("args") {
                        svc.settings.build_args = self.key_values(args, "`build.args`");
                    }
                }
                Some("volumes") => {
                    let v = if reset {
                        None
                    } else {
                        Some(self.volumes(value))
                    };
                    svc.volumes = Patch::from_tag(tag, v);
                }
                Some("working_dir") => {
                    let v = if reset {
                        None
                    } else {
                        self.spanned_string(value, "`working_dir`")
                    };
                    svc.working_dir = Patch::from_tag(tag, v);
                }
                Some("command") => {
                    let v = if reset {
                        None
                    } else {
                        self.command(value, "`command`")
                    };
                    svc.command = Patch::from_tag(tag, v);
                }
                Some("entrypoint") => {
                    let v = if reset {
                        None
                    } else {
                        self.command(value, "`entrypoint`")
                    };
                    svc.entrypoint = Patch::from_tag(tag, v);
                }
                Some("profiles") => {
                    let v = if reset {
                        None
                    } else {
                        Some(self.strings(value, "`profiles`"))
                    };
                    svc.profiles = Patch::from_tag(tag, v);
                }
                Some("extends") => svc.extends = self.extends(value),
                Some(k) => self.setting(k, value, &mut svc.settings),
                None => {}
            }
        }
        Some(svc)
    }

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

    fn scalar_setting(&mut self, key: &'static str, n: &Node, out: &mut SettingsLayer) {
        let value = if n.tag == Some(Tag::Reset) {
            None
        } else {
            self.text(n, &format!("`{key}`")).map(|(v, unset)| {
                if unset {
                    out.unknown.push(key);
                }
                v
            })
        };
        if let Some(p) = Patch::from_tag(n.tag, value) {
            out.scalars.push((key, p));
        }
    }

    /// Settings beyond the mount model; unknown keys are left to Compose.
    fn setting(&mut self, key: &str, value: &Node, out: &mut SettingsLayer) {
        let reset = value.tag == Some(Tag::Reset);
        if let Some(k) = SCALAR_KEYS.iter().find(|k| **k == key) {
            self.scalar_setting(k, value, out);
            return;
        }
        if let Some(k) = LIST_KEYS.iter().find(|k| **k == key) {
            let items = if reset {
                None
            } else {
                Some(match value.as_seq() {
                    Some(items) => items
                        .iter()
                        .filter_map(|i| self.spanned_string(i, key))
                        .collect(),
                    None => self.spanned_string(value, key).into_iter().collect(),
                })
            };
            if let Some(p) = Patch::from_tag(value.tag, items) {
                out.lists.push((k, p));
            }
            return;
        }
        match key {
            "healthcheck" | "deploy" => {
                let nested: &[(&[&str], &'static str)] = if key == "healthcheck" {
                    &[
                        (&["test"], "healthcheck.test"),
                        (&["disable"], "healthcheck.disable"),
                    ]
                } else {
                    &[
                        (
                            &["resources", "limits", "memory"],
                            "deploy.resources.limits.memory",
                        ),
                        (
                            &["restart_policy", "condition"],
                            "deploy.restart_policy.condition",
                        ),
                    ]
                };
                if reset {
                    // `healthcheck: !reset` removes everything under it.
                    for (_, k) in nested {
                        out.scalars.push((k, Patch::Reset));
                    }
                    return;
                }
                for (path, k) in nested {
                    let mut node = Some(value);
                    for step in *path {
                        node = node.and_then(|n| n.get(step));
                    }
                    match node {
                        Some(n) => self.scalar_setting(k, n, out),
                        // `restart_policy` without `condition` restarts on any exit.
                        None if *k == "deploy.restart_policy.condition"
                            && value.get("restart_policy").is_some_and(|r| !r.is_null()) =>
                        {
                            let span = self.span(value);
                            out.scalars
                                .push((k, Patch::Set(Spanned::new("any".into(), span))));
                        }
                        None => {}
                    }
                }
            }
            "environment" => {
                let v = if reset {
                    None
                } else {
                    Some(self.key_values(value, "`environment`"))
                };
                out.environment = Patch::from_tag(value.tag, v);
            }
            "ports" => {
                let v = if reset { None } else { Some(self.ports(value)) };
                out.ports = Patch::from_tag(value.tag, v);
            }
            "depends_on" => {
                let v = if reset {
                    None
                } else {
                    Some(self.depends_on(value))
                };
                out.depends_on = Patch::from_tag(value.tag, v);
            }
            _ => {}
        }
    }

    /// A mapping or a `NAME=value` list.
    fn key_values(&mut self, n: &Node, what: &str) -> Vec<KeyValue> {
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
            match super::volumes::split_port(&spec.value) {
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

    fn span(&self, n: &Node) -> Span {
        Span::new(self.file, n.start, n.end)
    }

    fn problem(&mut self, n: &Node, message: String) {
        let span = self.span(n);
        self.problems.push(LoadProblem { span, message });
    }

    /// A scalar, interpolated. Reports a problem and returns None when it is not a scalar
    /// or interpolation fails.
    fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        self.tracked(n, what).map(|i| i.value)
    }

    /// [`Self::string`], saying whether an unset variable went into the value.
    fn tracked(&mut self, n: &Node, what: &str) -> Option<Interpolated> {
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

    fn spanned_string(&mut self, n: &Node, what: &str) -> Option<Spanned<String>> {
        let span = self.span(n);
        self.string(n, what).map(|v| Spanned::new(v, span))
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

    fn build(&mut self, n: &Node) -> Option<BuildLayer> {
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

    fn volumes(&mut self, n: &Node) -> Vec<Volume> {
        let Some(items) = n.as_seq() else {
            if !n.is_null() {
                self.problem(n, format!("`volumes` must be a list, found {}", n.kind()));
            }
            return Vec::new();
        };
        items.iter().filter_map(|item| self.volume(item)).collect()
    }

    fn volume(&mut self, n: &Node) -> Option<Volume> {
        let span = self.span(n);
        match &n.value {
            Value::Scalar(_) => {
                let spec = self.tracked(n, "volume")?;
                let short = match split_short(&spec.value) {
                    Ok(s) => s,
                    // `${DATA}:/build/out` with DATA unset is `:/build/out`:
                    // an unknown mount, not an invalid one.
                    Err(_) if spec.unset => return None,
                    Err(e) => {
                        self.problem(n, e);
                        return None;
                    }
                };
                // The same split with the unset variables marked tells which
                // part they went into (when it has the same shape).
                let marked = split_short(spec.splittable()).ok().filter(|m| {
                    m.source.is_some() == short.source.is_some()
                        && m.mode.is_some() == short.mode.is_some()
                });
                let (source_marked, source_unknown, target_unknown) = match &marked {
                    Some(m) => (
                        m.source.clone(),
                        m.source.as_deref().is_some_and(|s| spec.is_unknown(s)),
                        spec.is_unknown(&m.target),
                    ),
                    None => (short.source.clone(), spec.unset, spec.unset),
                };
                let kind = short_kind(&short);
                let target = self.target(n, &short.target, target_unknown)?;
                let host_path = match (&short.source, kind) {
                    (Some(s), VolumeKind::Bind) => {
                        Some(resolve_host(self.dir, s, self.home.as_deref()))
                    }
                    _ => None,
                };
                let home_relative = match (n.as_str(), &source_marked, kind) {
                    (Some(raw), Some(src), VolumeKind::Bind) => self.home_relative(raw, src),
                    _ => None,
                };
                Some(Volume {
                    span,
                    written: spec.value.clone(),
                    kind,
                    source: short.source,
                    source_unknown,
                    target_unknown,
                    home_relative,
                    host_is_file: host_path.as_deref().is_some_and(Path::is_file),
                    host_path,
                    target,
                    read_only: short.mode.as_deref().is_some_and(mode_is_read_only),
                })
            }
            Value::Map(_) => {
                let ty = n.get("type").and_then(|t| self.tracked(t, "volume `type`"));
                let Some(kind) = ty.as_ref().and_then(|t| long_kind(&t.value)) else {
                    if !ty.is_some_and(|t| t.unset) {
                        self.problem(
                            n,
                            "a long-syntax volume needs `type: bind|volume|tmpfs|npipe|image|cluster`"
                                .into(),
                        );
                    }
                    return None;
                };
                let Some(target_node) = n.get("target") else {
                    self.problem(n, "a long-syntax volume needs a `target`".into());
                    return None;
                };
                let raw_target = self.tracked(target_node, "volume `target`")?;
                let target = self.target(target_node, &raw_target.value, raw_target.unset)?;
                let source_node = n.get("source");
                let source = source_node.and_then(|s| self.tracked(s, "volume `source`"));
                let source_unknown = source.as_ref().is_some_and(|s| s.unset);
                if kind == VolumeKind::Bind
                    && source_unknown
                    && source.as_ref().is_some_and(|s| s.value.is_empty())
                {
                    // `source: ${DATA}` with DATA unset: no path to guess.
                    return None;
                }
                let home_relative = match (source_node.and_then(Node::as_str), &source, kind) {
                    (Some(raw), Some(src), VolumeKind::Bind) => {
                        self.home_relative(raw, src.splittable())
                    }
                    _ => None,
                };
                let source = source.map(|s| s.value).filter(|s| !s.is_empty());
                let kind = match (kind, &source) {
                    (VolumeKind::Volume, None) => VolumeKind::Anonymous,
                    (k, _) => k,
                };
                let host_path = match (&source, kind) {
                    (Some(s), VolumeKind::Bind) => {
                        Some(resolve_host(self.dir, s, self.home.as_deref()))
                    }
                    _ => None,
                };
                let read_only = n
                    .get("read_only")
                    .and_then(Node::as_str)
                    .is_some_and(|v| v == "true");
                let written = match &source {
                    Some(s) => format!("{s}:{}", raw_target.value),
                    None => raw_target.value.clone(),
                };
                Some(Volume {
                    span,
                    written,
                    kind,
                    source,
                    source_unknown,
                    target_unknown: raw_target.unset,
                    home_relative,
                    host_is_file: host_path.as_deref().is_some_and(Path::is_file),
                    host_path,
                    target,
                    read_only,
                })
            }
            _ => {
                self.problem(
                    n,
                    format!("a volume must be a string or a mapping, found {}", n.kind()),
                );
                None
            }
        }
    }

    /// The path below the home directory of a bind source written with `~`,
    /// `$HOME` or `${HOME}` (`raw`, as written; a short-syntax spec may go on
    /// after the source), from the interpolated source with its unset marks
    /// (`source`). None when the source is not written so, or when the part
    /// below the home directory is unknown or climbs out of it.
    fn home_relative(&self, raw: &str, source: &str) -> Option<String> {
        let starts = |prefix: &str| {
            raw.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', ':']))
        };
        let rest = if starts("~") {
            source.strip_prefix('~')?
        } else if starts("$HOME") || starts("${HOME}") {
            match self.vars.get("HOME") {
                Some(home) => source.strip_prefix(home.as_str())?,
                None => source.strip_prefix(UNSET_MARK)?,
            }
        } else {
            return None;
        };
        if rest.contains(UNSET_MARK) || !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let mut parts: Vec<&str> = Vec::new();
        for part in rest.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                p => parts.push(p),
            }
        }
        Some(parts.join("/"))
    }

    /// The normalised container path; `unknown`: an unset variable went into
    /// it, so a relative result is not reported (the project sets it).
    fn target(&mut self, n: &Node, target: &str, unknown: bool) -> Option<String> {
        if is_host_path(target) && !target.starts_with('/') && !target.starts_with('.') {
            // A Windows container path (`C:\data`): kept as written.
            return Some(target.to_string());
        }
        if !target.starts_with('/') {
            if !unknown {
                self.problem(
                    n,
                    format!("volume target \"{target}\" must be an absolute container path"),
                );
            }
            return None;
        }
        Some(normalize_posix(target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One file's services, merged from their layers.
    struct Loaded {
        services: Vec<Service>,
    }

    fn load_str(text: &str, env: &[(&str, &str)]) -> (Loaded, Vec<LoadProblem>) {
        let vars: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let root = match crate::source::yaml::parse(text) {
            Ok(root) => root,
            Err(e) => {
                let at = e.offset.unwrap_or(0);
                let p = LoadProblem {
                    span: Span::new(FileId(0), at, at),
                    message: format!("invalid YAML: {}", e.message),
                };
                return (Loaded { services: vec![] }, vec![p]);
            }
        };
        let (layer, problems) = file_layer(
            FileId(0),
            &root,
            &vars,
            Path::new("/nonexistent-berth-test/proj"),
        );
        let services = layer
            .services
            .iter()
            .map(|sl| {
                let mut s = crate::compose::merge::empty(sl.name.clone());
                crate::compose::merge::apply(&mut s, sl);
                s
            })
            .collect();
        (Loaded { services }, problems)
    }

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

    #[test]
    fn unset_variables_make_values_unknown_not_invalid() {
        let text = "services:\n  web:\n    container_name: ${PROJECT}-web\n    user: ${UID:-1000}\n    ports:\n      - \"${APP_PORT}:${APP_PORT}\"\n      - \"${BIND}:8081:80\"\n      - \"${PORT:-8080}:80\"\n      - target: 80\n        published: ${PUBLISHED}\n    volumes:\n      - ${DATA}:/build/out\n      - ${DATA}:/x:ro\n      - ${CONF}/etc:/etc/app:ro\n      - ./src:${ROOT}/src\n      - ./lib:${ROOT}lib\n      - ./ok:/ok${SUFFIX:-}\n      - type: bind\n        source: ${UPLOADS}\n        target: /uploads\n      - type: bind\n        source: ./logs\n        target: ${LOGS}\n";
        let (c, p) = load_str(text, &[]);
        assert!(p.is_empty(), "{p:?}");
        let s = &c.services[0];
        assert!(s.settings.is_unknown("container_name"));
        assert!(!s.settings.is_unknown("user"));
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

    #[test]
    fn home_relative_sources_do_not_depend_on_home() {
        let text = "services:\n  web:\n    volumes:\n      - ~:/a\n      - ~/.ssh/:/b\n      - $HOME/.aws:/c\n      - ${HOME}/x/../.kube:/d\n      - ~/../etc:/e\n      - $HOMEDIR/x:/f\n      - ${HOME}/${SUB}:/g\n      - type: bind\n        source: ${HOME}/.docker\n        target: /h\n      - ./data:/i\n";
        for home in [
            &[("HOME", "/root")][..],
            &[("HOME", "/home/u/")][..],
            &[][..],
        ] {
            let (c, p) = load_str(text, home);
            assert!(p.is_empty(), "{p:?}");
            let rel: Vec<Option<&str>> = c.services[0]
                .volumes
                .iter()
                .map(|v| v.home_relative.as_deref())
                .collect();
            assert_eq!(
                rel,
                vec![
                    Some(""),
                    Some(".ssh"),
                    Some(".aws"),
                    Some(".kube"),
                    None,
                    None,
                    None,
                    Some(".docker"),
                    None
                ],
                "{home:?}"
            );
        }
    }
}
