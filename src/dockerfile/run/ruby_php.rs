//! Ruby and PHP dependencies: bundler (with its configuration) and composer.

use super::args::parse;
use super::{Cx, Settings, project_dir, resolve, truthy};
use crate::paths::join_posix;

// --------------------------------------------------------------------- Ruby

pub(super) fn bundle(cx: &mut Cx<'_>, settings: &mut Settings, args: &[String]) {
    let p = parse(
        args,
        &[
            "--path",
            "--gemfile",
            "--jobs",
            "-j",
            "--retry",
            "--without",
            "--with",
            "--binstubs",
            "--shebang",
            "--trust-policy",
            "--target-rbconfig",
        ],
    );
    match p.positional.first().copied() {
        None | Some("install") => {
            let root = match p.value(&["--gemfile"]) {
                Some(g) => cx.path(g).map(|g| join_posix(&g, "..")),
                None => cx.cwd.clone(),
            };
            let local_config = settings
                .bundle_path
                .as_ref()
                .filter(|(_, global)| !global)
                .map(|(p, _)| p.as_str());
            let global_config = settings
                .bundle_path
                .as_ref()
                .filter(|(_, global)| *global)
                .map(|(p, _)| p.as_str());
            // Bundler reads local configuration, then the environment, then
            // global configuration; `deployment` implies vendor/bundle when no
            // path is set; without either, gems go to GEM_HOME.
            let deployment = p.has(&["--deployment"])
                || settings.bundle_deployment == Some(true)
                || cx.var("BUNDLE_DEPLOYMENT").and_then(truthy) == Some(true);
            let path = p
                .value(&["--path"])
                .or(local_config)
                .or_else(|| cx.var("BUNDLE_PATH"))
                .or(global_config)
                .or(deployment.then_some("vendor/bundle"))
                .map(str::to_string);
            let out = match path {
                Some(path) => resolve(root.as_deref(), &path),
                None => cx.var("GEM_HOME").and_then(|g| resolve(None, g)),
            };
            cx.output(out);
        }
        Some("config") => {
            let global = p.has(&["--global"]);
            let rest: Vec<&str> = p
                .positional
                .iter()
                .skip(1)
                .copied()
                .skip_while(|w| *w == "set")
                .collect();
            match rest.as_slice() {
                ["unset", key, ..] => match *key {
                    "path" => settings.bundle_path = None,
                    "deployment" => settings.bundle_deployment = None,
                    _ => {}
                },
                ["path", value, ..] => {
                    settings.bundle_path = Some(((*value).to_string(), global));
                }
                ["deployment", value, ..] => settings.bundle_deployment = truthy(value),
                _ => {}
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------- PHP

pub(super) fn composer(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-d",
            "--working-dir",
            "--prefer-install",
            "--ignore-platform-req",
            "--stability",
            "-s",
            "--repository",
            "--repository-url",
        ],
    );
    let dir = project_dir(cx, p.value(&["-d", "--working-dir"]));
    match p.positional.first().copied() {
        Some(
            "install" | "i" | "update" | "u" | "upgrade" | "require" | "req" | "dump-autoload"
            | "dumpautoload",
        ) => {
            let vendor = cx.var("COMPOSER_VENDOR_DIR").unwrap_or("vendor");
            cx.output(resolve(dir.as_deref(), vendor));
        }
        Some("create-project") => {
            let target = p.positional.get(2).and_then(|t| resolve(dir.as_deref(), t));
            cx.output(target);
        }
        // `composer global ...` works in COMPOSER_HOME.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::run::testing::{NONE, outs, outs_env, run};

    #[test]
    fn bundler() {
        let gem_home = [("GEM_HOME", "/usr/local/bundle")];
        assert_eq!(
            outs_env("bundle install", &gem_home),
            vec!["/usr/local/bundle"]
        );
        assert_eq!(outs("bundle install"), NONE);
        assert_eq!(
            outs_env("bundle install --path vendor/gems", &gem_home),
            vec!["/app/vendor/gems"]
        );
        assert_eq!(
            outs_env("bundle install --deployment", &gem_home),
            vec!["/app/vendor/bundle"]
        );
        assert_eq!(
            outs_env(
                "bundle install -j4",
                &[("BUNDLE_PATH", "/gems"), gem_home[0]]
            ),
            vec!["/gems"]
        );
        assert_eq!(
            outs_env(
                "bundle config set --local path vendor/bundle && bundle install",
                &gem_home
            ),
            vec!["/app/vendor/bundle"]
        );
        let mut s = Settings::default();
        run("bundle config path .gems", &gem_home, &mut s);
        assert_eq!(run("bundle install", &gem_home, &mut s), vec!["/app/.gems"]);
        let mut s = Settings::default();
        run("bundle config set deployment 'true'", &gem_home, &mut s);
        assert_eq!(
            run("bundle install --jobs 4", &gem_home, &mut s),
            vec!["/app/vendor/bundle"]
        );
        // Global configuration gives way to the environment.
        let mut s = Settings::default();
        run("bundle config set --global path /g", &[], &mut s);
        assert_eq!(
            run("bundle install", &[("BUNDLE_PATH", "/e")], &mut s),
            vec!["/e"]
        );
        assert_eq!(run("bundle install", &[], &mut s), vec!["/g"]);
    }

    #[test]
    fn composer() {
        assert_eq!(outs("composer install --no-dev -o"), vec!["/app/vendor"]);
        assert_eq!(
            outs_env("composer install", &[("COMPOSER_VENDOR_DIR", "/deps")]),
            vec!["/deps"]
        );
        assert_eq!(outs("composer install -d api"), vec!["/app/api/vendor"]);
        assert_eq!(
            outs("composer --working-dir=/srv/api install"),
            vec!["/srv/api/vendor"]
        );
        assert_eq!(outs("composer global require laravel/installer"), NONE);
        assert_eq!(
            outs("composer create-project laravel/laravel site"),
            vec!["/app/site"]
        );
    }
}
