//! The merged model in the JSON shape of `docker compose config --format json`,
//! for the fields berth models, so that it can be compared with the reference.

use serde_json::{Map, Value, json};

use super::model::{BuildContext, Service, Stack, VolumeKind};
use crate::paths::slash;

/// Compose's project name: the directory name, lower-cased, keeping `a-z0-9_-`.
pub fn project_name(stack: &Stack) -> String {
    let base = stack
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    base.chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect()
}

/// Is the service started with these profiles enabled? `*` enables all.
pub fn active(service: &Service, profiles: &[String]) -> bool {
    service.profiles.is_empty()
        || profiles.iter().any(|p| p == "*")
        || service.profiles.iter().any(|p| profiles.contains(p))
}

/// `docker compose config` writes a literal `$` as `$$`, so its output
/// interpolates back to the same values.
fn escape(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace('$', "$$")),
        Value::Array(a) => Value::Array(a.into_iter().map(escape).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, escape(v))).collect()),
        other => other,
    }
}

fn service_json(s: &Service) -> Value {
    let mut out = Map::new();
    if let Some(b) = &s.build {
        let mut build = Map::new();
        let context = match &b.context {
            BuildContext::Local(p) => slash(p),
            BuildContext::Remote(url) => url.clone(),
        };
        build.insert("context".into(), json!(context));
        if !b.inline {
            let dockerfile = b
                .dockerfile
                .as_ref()
                .map_or("Dockerfile", |d| d.value.as_str());
            build.insert("dockerfile".into(), json!(dockerfile));
        }
        if let Some(t) = &b.target {
            build.insert("target".into(), json!(t.value));
        }
        // Values of secret-looking arguments are masked, as in every berth output.
        let args: Map<String, Value> = b
            .args
            .iter()
            .filter_map(|(k, v)| {
                let v = v.as_ref()?;
                let shown = if crate::secrets::is_secret_name(k) {
                    "*".repeat(v.len().min(8))
                } else {
                    v.clone()
                };
                Some((k.clone(), json!(shown)))
            })
            .collect();
        if !args.is_empty() {
            build.insert("args".into(), Value::Object(args));
        }
        out.insert("build".into(), Value::Object(build));
    }
    if let Some(i) = &s.image {
        out.insert("image".into(), json!(i.value));
    }
    if !s.volumes.is_empty() {
        let volumes: Vec<Value> = s
            .volumes
            .iter()
            .map(|v| {
                let mut m = Map::new();
                let ty = match v.kind {
                    VolumeKind::Bind => "bind",
                    VolumeKind::Volume | VolumeKind::Anonymous => "volume",
                    VolumeKind::Tmpfs => "tmpfs",
                    VolumeKind::Npipe => "npipe",
                    VolumeKind::Image => "image",
                    VolumeKind::Cluster => "cluster",
                };
                m.insert("type".into(), json!(ty));
                match (&v.host_path, &v.source) {
                    (Some(h), _) if v.kind == VolumeKind::Bind => {
                        m.insert("source".into(), json!(slash(h)));
                    }
                    (_, Some(src)) if v.kind != VolumeKind::Anonymous => {
                        m.insert("source".into(), json!(src));
                    }
                    _ => {}
                }
                m.insert("target".into(), json!(v.target));
                if v.read_only {
                    m.insert("read_only".into(), json!(true));
                }
                Value::Object(m)
            })
            .collect();
        out.insert("volumes".into(), Value::Array(volumes));
    }
    if let Some(w) = &s.working_dir {
        out.insert("working_dir".into(), json!(w.value));
    }
    if let Some(c) = &s.command {
        out.insert("command".into(), json!(c.value));
    }
    if let Some(e) = &s.entrypoint {
        out.insert("entrypoint".into(), json!(e.value));
    }
    if !s.profiles.is_empty() {
        out.insert("profiles".into(), json!(s.profiles));
    }
    Value::Object(out)
}

/// `{"name": ..., "services": {...}}` with the services the profiles enable, sorted by name.
pub fn to_json(stack: &Stack, profiles: &[String]) -> Value {
    let mut services: Vec<&Service> = stack
        .services
        .iter()
        .filter(|s| active(s, profiles))
        .collect();
    services.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    let services: Map<String, Value> = services
        .into_iter()
        .map(|s| (s.name.value.clone(), escape(service_json(s))))
        .collect();
    json!({ "name": project_name(stack), "services": services })
}

/// Load `files` as one stack and render it; problems come back as
/// `path:line:column: message` lines instead. Without `profiles`, the
/// project's `COMPOSE_PROFILES` decides, as in `docker compose`.
pub fn config(
    files: &[std::path::PathBuf],
    env_files: &[std::path::PathBuf],
    profiles: &[String],
    env: &super::Env,
    cwd: &std::path::Path,
) -> (Value, Vec<String>) {
    let table = super::files::FileTable::new(cwd);
    let spec = super::StackSpec {
        files: files
            .iter()
            .map(|f| crate::paths::normalize_host(f))
            .collect(),
        production: true,
        env_files: env_files.to_vec(),
        name: None,
    };
    let (stack, problems) = super::load_stack(&spec, env, &table);
    let from_env;
    let profiles = if profiles.is_empty() {
        from_env = super::project::compose_profiles(&stack.dir, env_files, env);
        &from_env[..]
    } else {
        profiles
    };
    let sources = table.into_sources();
    let mut lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let (file, pos) = match sources.get(p.span.file) {
                Some(f) => (f.display.as_str(), f.line_col(p.span.start)),
                None => ("<unknown>", crate::source::LineCol { line: 1, column: 1 }),
            };
            format!("{file}:{}:{}: {}", pos.line, pos.column, p.message)
        })
        .collect();
    lines.sort();
    lines.dedup();
    (to_json(&stack, profiles), lines)
}
