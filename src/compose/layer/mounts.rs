//! `volumes:` of a service, short and long syntax: kind, host path, target.

use std::path::Path;

use super::Loader;
use crate::compose::interpolate::UNSET_MARK;
use crate::compose::model::*;
use crate::compose::volumes::{
    is_host_path, long_kind, mode_is_read_only, short_kind, split_short,
};
use crate::paths::{normalize_posix, resolve_host};
use crate::source::yaml::{Node, Value};

impl Loader<'_> {
    pub(super) fn volumes(&mut self, n: &Node) -> Vec<Volume> {
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
    use super::super::tests::load_str;

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
