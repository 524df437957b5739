//! JavaScript package managers and bundlers: npm, yarn (with the build
//! context's `.yarnrc`), pnpm and bun.

use super::args::parse;
use super::{Cx, Settings, project_dir, resolve};

/// `--modules-folder DIR` (or `modules-folder DIR`) in a yarn 1 `.yarnrc`.
pub(super) fn yarnrc_modules_folder(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let rest = line
            .strip_prefix("--modules-folder")
            .or_else(|| line.strip_prefix("modules-folder"))?;
        let value = rest.trim_start_matches([' ', '\t', '=']).trim();
        let value = value.trim_matches(['"', '\'']);
        (!value.is_empty()).then(|| value.to_string())
    })
}

const NODE_INSTALL: &[&str] = &[
    "ci",
    "install",
    "i",
    "in",
    "add",
    "install-clean",
    "clean-install",
    "ic",
    "isntall",
];

pub(super) fn npm(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--prefix",
            "-C",
            "--workspace",
            "-w",
            "--omit",
            "--include",
            "--registry",
            "--cache",
            "--loglevel",
            "--userconfig",
            "--tag",
            "--location",
        ],
    );
    let global = p.has(&["-g", "--global"]) || p.value(&["--location"]) == Some("global");
    let dir = project_dir(cx, p.value(&["--prefix", "-C"]));
    match p.positional.first().copied() {
        Some(sub) if NODE_INSTALL.contains(&sub) && !global => {
            cx.output(resolve(dir.as_deref(), "node_modules"));
        }
        Some("run" | "run-script" | "build") => cx.unknown_build(dir),
        _ => {}
    }
}

pub(super) fn yarn(cx: &mut Cx<'_>, settings: &Settings, args: &[String]) {
    let p = parse(
        args,
        &[
            "--cwd",
            "--modules-folder",
            "--cache-folder",
            "--global-folder",
            "--link-folder",
            "--mutex",
            "--network-timeout",
            "--network-concurrency",
            "--registry",
        ],
    );
    let dir = project_dir(cx, p.value(&["--cwd"]));
    match p.positional.first().copied() {
        None | Some("install" | "add" | "workspaces") => {
            let modules = p
                .value(&["--modules-folder"])
                .or(settings.yarn_modules_folder.as_deref())
                .unwrap_or("node_modules");
            cx.output(resolve(dir.as_deref(), modules));
        }
        Some("run" | "build") => cx.unknown_build(dir),
        // `yarn global add` installs outside the project.
        _ => {}
    }
}

pub(super) fn pnpm(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--dir",
            "-C",
            "--prefix",
            "--filter",
            "-F",
            "--modules-dir",
            "--store-dir",
            "--virtual-store-dir",
            "--reporter",
            "--loglevel",
            "--registry",
            "--workspace-concurrency",
            "--network-concurrency",
        ],
    );
    let global = p.has(&["-g", "--global"]);
    let dir = project_dir(cx, p.value(&["--dir", "-C", "--prefix"]));
    match p.positional.first().copied() {
        // `-r`/`--filter` install into the packages too; the workspace root's
        // `node_modules` is filled at least.
        Some("install" | "i" | "add" | "install-test" | "it") if !global => {
            let modules = p.value(&["--modules-dir"]).unwrap_or("node_modules");
            cx.output(resolve(dir.as_deref(), modules));
        }
        Some("deploy") => {
            let target = p.positional.get(1).and_then(|t| resolve(dir.as_deref(), t));
            cx.output(target);
        }
        Some("run" | "build") => cx.unknown_build(dir),
        _ => {}
    }
}

pub(super) fn bun(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--cwd",
            "--prefix",
            "--outdir",
            "--outfile",
            "--target",
            "--format",
            "--external",
            "-e",
            "--define",
            "--loader",
            "--root",
            "--public-path",
            "--entry-naming",
            "--chunk-naming",
            "--asset-naming",
            "--filter",
            "--cache-dir",
            "--registry",
            "--backend",
            "--config",
            "-c",
        ],
    );
    let global = p.has(&["-g", "--global"]);
    let dir = project_dir(cx, p.value(&["--cwd", "--prefix"]));
    match p.positional.first().copied() {
        Some("install" | "i" | "add") if !global => {
            cx.output(resolve(dir.as_deref(), "node_modules"));
        }
        Some("build") => {
            let out = p
                .value(&["--outfile"])
                .or_else(|| p.value(&["--outdir"]))
                .and_then(|o| resolve(dir.as_deref(), o));
            cx.output(out);
        }
        Some("run") => cx.unknown_build(dir),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::dockerfile::run::testing::{NONE, outs};
    use crate::dockerfile::run::{ContextFiles, Event, analyse};

    #[test]
    fn yarnrc_moves_node_modules() {
        assert_eq!(
            yarnrc_modules_folder("# deps outside /app\n--modules-folder \"/node_modules\"\n"),
            Some("/node_modules".to_string())
        );
        assert_eq!(
            yarnrc_modules_folder("registry \"https://r.invalid\"\n"),
            None
        );
        let mut settings = Settings::from_context(&ContextFiles {
            yarnrc: Some("--modules-folder /node_modules\n".into()),
        });
        let events = analyse(
            "yarn install",
            Some("/app"),
            &BTreeMap::new(),
            &mut settings,
        );
        assert_eq!(
            events,
            vec![Event::Output("/node_modules".into(), "yarn install".into())]
        );
        let mut plain = Settings::default();
        let events = analyse("yarn install", Some("/app"), &BTreeMap::new(), &mut plain);
        assert_eq!(
            events,
            vec![Event::Output(
                "/app/node_modules".into(),
                "yarn install".into()
            )]
        );
    }

    #[test]
    fn node_package_managers() {
        assert_eq!(
            outs("npm ci --prefix /srv/api"),
            vec!["/srv/api/node_modules"]
        );
        assert_eq!(
            outs("npm --prefix=web install"),
            vec!["/app/web/node_modules"]
        );
        assert_eq!(outs("npm ci --workspaces"), vec!["/app/node_modules"]);
        assert_eq!(outs("npm install --location=global x"), NONE);
        assert_eq!(
            outs("yarn --cwd client install"),
            vec!["/app/client/node_modules"]
        );
        assert_eq!(
            outs("yarn install --modules-folder /node_modules"),
            vec!["/node_modules"]
        );
        assert_eq!(
            outs("yarn --frozen-lockfile --modules-folder deps"),
            vec!["/app/deps"]
        );
        assert_eq!(outs("yarn global add serve"), NONE);
        assert_eq!(outs("pnpm --filter web install"), vec!["/app/node_modules"]);
        assert_eq!(
            outs("pnpm -r install --frozen-lockfile"),
            vec!["/app/node_modules"]
        );
        assert_eq!(
            outs("pnpm install -C packages/api"),
            vec!["/app/packages/api/node_modules"]
        );
        assert_eq!(outs("pnpm add -g turbo"), NONE);
        assert_eq!(
            outs("pnpm --filter=api --prod deploy /prod/api"),
            vec!["/prod/api"]
        );
        assert_eq!(outs("pnpm fetch --prod"), NONE);
        assert_eq!(
            outs("bun install --frozen-lockfile"),
            vec!["/app/node_modules"]
        );
        assert_eq!(outs("bun install --global x"), NONE);
        assert_eq!(
            outs("bun build --compile ./src/index.ts --outfile server"),
            vec!["/app/server"]
        );
        assert_eq!(outs("bun build ./src/index.ts"), NONE);
        let r = analyse(
            "npm --prefix frontend run build",
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![Event::UnknownBuild(
                "/app/frontend".into(),
                "npm --prefix frontend".into()
            )]
        );
    }
}
