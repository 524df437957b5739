//! Merging service layers the way Compose merges `-f` files and `extends`:
//! scalars are replaced, `build` merges field by field (and `args` by name),
//! `volumes` merge by container target (a later entry replaces an earlier one
//! in place), `command`/`entrypoint` are replaced, `profiles` accumulate;
//! `!reset` removes a value and `!override` replaces it without merging.

use super::layer::SettingsLayer;
use super::layer::{BuildLayer, Patch, ServiceLayer};
use super::model::{Build, BuildContext, KeyValue, Service, Settings, Volume};
use crate::source::Spanned;

/// A service with nothing set yet.
pub fn empty(name: Spanned<String>) -> Service {
    Service {
        name,
        image: None,
        build: None,
        volumes: Vec::new(),
        working_dir: None,
        command: None,
        entrypoint: None,
        profiles: Vec::new(),
        settings: Settings::default(),
    }
}

fn scalar<T: Clone>(into: &mut Option<T>, patch: &Option<Patch<T>>) {
    match patch {
        Some(Patch::Set(v) | Patch::Override(v)) => *into = Some(v.clone()),
        Some(Patch::Reset) => *into = None,
        None => {}
    }
}

fn new_build(layer: &BuildLayer) -> Build {
    Build {
        span: layer.span,
        context: layer
            .context
            .clone()
            .unwrap_or_else(|| BuildContext::Local(layer.base_dir.clone())),
        dockerfile: layer.dockerfile.clone(),
        inline: layer.inline,
        target: layer.target.clone(),
        args: layer.args.clone(),
    }
}

fn merge_build(into: &mut Build, layer: &BuildLayer) {
    if let Some(c) = &layer.context {
        into.context = c.clone();
    }
    if layer.dockerfile.is_some() {
        into.dockerfile = layer.dockerfile.clone();
        into.inline = false;
    }
    if layer.inline {
        into.inline = true;
    }
    if layer.target.is_some() {
        into.target = layer.target.clone();
    }
    for (name, value) in &layer.args {
        match into.args.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.clone(),
            None => into.args.push((name.clone(), value.clone())),
        }
    }
}

/// Volumes merge by container target: a later entry replaces an earlier one in place.
fn merge_volumes(into: &mut Vec<Volume>, layer: &[Volume]) {
    for v in layer {
        match into.iter_mut().find(|o| o.target == v.target) {
            Some(slot) => *slot = v.clone(),
            None => into.push(v.clone()),
        }
    }
}

/// Entries merge by key: a later one replaces an earlier one in place.
fn merge_by<T: Clone, K: PartialEq>(into: &mut Vec<T>, layer: &[T], key: impl Fn(&T) -> K) {
    for v in layer {
        match into.iter_mut().find(|o| key(o) == key(v)) {
            Some(slot) => *slot = v.clone(),
            None => into.push(v.clone()),
        }
    }
}

fn patch_list<T: Clone, K: PartialEq>(
    into: &mut Vec<T>,
    patch: &Option<Patch<Vec<T>>>,
    key: impl Fn(&T) -> K,
) {
    match patch {
        Some(Patch::Set(vs)) => merge_by(into, vs, key),
        Some(Patch::Override(vs)) => *into = vs.clone(),
        Some(Patch::Reset) => into.clear(),
        None => {}
    }
}

fn apply_settings(into: &mut Settings, layer: &SettingsLayer) {
    for (k, p) in &layer.scalars {
        match p {
            Patch::Set(v) | Patch::Override(v) => {
                into.scalars.insert(*k, v.clone());
                // The flag follows the value: a later layer's known value
                // replaces an unknown one, and the other way round.
                if layer.unknown.contains(k) {
                    into.unknown.insert(*k);
                } else {
                    into.unknown.remove(k);
                }
            }
            Patch::Reset => {
                into.scalars.remove(k);
                into.unknown.remove(k);
            }
        }
    }
    for (k, p) in &layer.lists {
        let list = into.lists.entry(*k).or_default();
        patch_list(list, &Some(p.clone()), |s| s.value.clone());
    }
    patch_list(
        &mut into.environment,
        &layer.environment,
        |kv: &KeyValue| kv.key.value.clone(),
    );
    merge_by(&mut into.build_args, &layer.build_args, |kv: &KeyValue| {
        kv.key.value.clone()
    });
    patch_list(&mut into.ports, &layer.ports, |p| {
        (
            p.host_ip.clone(),
            p.published.clone(),
            p.target.clone(),
            p.protocol.clone(),
        )
    });
    patch_list(&mut into.depends_on, &layer.depends_on, |d| {
        d.service.value.clone()
    });
}

/// Apply one layer on top of a service.
pub fn apply(into: &mut Service, layer: &ServiceLayer) {
    apply_settings(&mut into.settings, &layer.settings);
    scalar(&mut into.image, &layer.image);
    match &layer.build {
        Some(Patch::Set(b)) => match &mut into.build {
            Some(existing) => merge_build(existing, b),
            None => into.build = Some(new_build(b)),
        },
        Some(Patch::Override(b)) => into.build = Some(new_build(b)),
        Some(Patch::Reset) => into.build = None,
        None => {}
    }
    match &layer.volumes {
        Some(Patch::Set(vs)) => merge_volumes(&mut into.volumes, vs),
        Some(Patch::Override(vs)) => into.volumes = vs.clone(),
        Some(Patch::Reset) => into.volumes.clear(),
        None => {}
    }
    scalar(&mut into.working_dir, &layer.working_dir);
    scalar(&mut into.command, &layer.command);
    scalar(&mut into.entrypoint, &layer.entrypoint);
    match &layer.profiles {
        Some(Patch::Set(ps)) => {
            for p in ps {
                if !into.profiles.contains(p) {
                    into.profiles.push(p.clone());
                }
            }
        }
        Some(Patch::Override(ps)) => into.profiles = ps.clone(),
        Some(Patch::Reset) => into.profiles.clear(),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::compose::layer::file_layer;
    use crate::source::FileId;

    fn merged(files: &[&str]) -> Service {
        let mut svc: Option<Service> = None;
        for (i, text) in files.iter().enumerate() {
            let root = crate::source::yaml::parse(text).unwrap();
            let (layer, problems) =
                file_layer(FileId(i as u32), &root, &BTreeMap::new(), Path::new("/p"));
            assert!(problems.is_empty(), "{problems:?}");
            let sl = &layer.services[0];
            let s = svc.get_or_insert_with(|| empty(sl.name.clone()));
            apply(s, sl);
        }
        svc.unwrap()
    }

    #[test]
    fn settings_merge_and_reset() {
        let s = merged(&[
            "services:\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [CMD, pg_isready]\n    environment:\n      A: '1'\n      B: '2'\n    cap_add: [CHOWN]\n",
            "services:\n  db:\n    healthcheck: !reset {}\n    environment:\n      - B=3\n    cap_add: [NET_ADMIN]\n    deploy:\n      restart_policy: {}\n",
        ]);
        assert!(
            s.settings
                .scalar(crate::compose::Scalar::HealthcheckTest)
                .is_none()
        );
        let env: Vec<(String, Option<String>)> = s
            .settings
            .environment
            .iter()
            .map(|kv| {
                (
                    kv.key.value.clone(),
                    kv.value.as_ref().map(|v| v.value.clone()),
                )
            })
            .collect();
        assert_eq!(
            env,
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), Some("3".into()))
            ]
        );
        let caps: Vec<&str> = s
            .settings
            .list(crate::compose::List::CapAdd)
            .iter()
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(caps, vec!["CHOWN", "NET_ADMIN"]);
        assert_eq!(
            s.settings
                .scalar(crate::compose::Scalar::DeployRestartCondition)
                .map(|c| c.value.as_str()),
            Some("any")
        );
    }

    #[test]
    fn the_unknown_flag_follows_the_value() {
        let unknown = |files: &[&str]| {
            merged(files)
                .settings
                .is_unknown(crate::compose::Scalar::ContainerName)
        };
        let base = "services:\n  web:\n    container_name: ${P}-web\n";
        let known = "services:\n  web:\n    container_name: web\n";
        assert!(unknown(&[base]));
        assert!(!unknown(&[base, known]));
        assert!(unknown(&[known, base]));
        assert!(!unknown(&[
            base,
            "services:\n  web:\n    container_name: !reset null\n"
        ]));
    }
}
