//! Python: pip, `python -m venv|build`, uv, poetry (with its configuration)
//! and pipenv.

use super::args::parse;
use super::{Cx, Settings, project_dir, resolve, truthy};

/// `python -m pip|venv|virtualenv|build ...`.
pub(super) fn python(cx: &mut Cx<'_>, args: &[String]) {
    let (Some(m), Some(module)) = (args.first(), args.get(1)) else {
        return;
    };
    if m != "-m" {
        return;
    }
    let rest = args.get(2..).unwrap_or(&[]);
    match module.as_str() {
        "pip" => pip(cx, rest),
        "venv" | "virtualenv" => {
            let p = parse(rest, &["--prompt", "-p", "--python"]);
            let dir = p.positional.first().and_then(|d| cx.path(d));
            cx.output(dir);
        }
        "build" => {
            let p = parse(rest, &["--outdir", "-o", "--config-setting", "-C"]);
            let out = match p.value(&["--outdir", "-o"]) {
                Some(o) => cx.path(o),
                None => {
                    let src = project_dir(cx, p.positional.first().copied());
                    resolve(src.as_deref(), "dist")
                }
            };
            cx.output(out);
        }
        _ => {}
    }
}

const PIP_VALUE: &[&str] = &[
    "-t",
    "--target",
    "--prefix",
    "--root",
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-w",
    "--wheel-dir",
    "-d",
    "--dest",
    "--trusted-host",
    "--cache-dir",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "-e",
    "--editable",
    "--progress-bar",
    "--log",
    "--timeout",
    "--retries",
    "--only-binary",
    "--no-binary",
    "--config-settings",
    "-C",
    "--global-option",
    "--upgrade-strategy",
    "--root-user-action",
];

pub(super) fn pip(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, PIP_VALUE);
    let out = match p.positional.first().copied() {
        // `--user` installs into the home directory, not the app.
        Some("install") if p.has(&["--user"]) => None,
        Some("install") => p
            .value(&["-t", "--target"])
            .or_else(|| p.value(&["--prefix"]))
            .or_else(|| p.value(&["--root"]))
            .or_else(|| cx.var("PIP_TARGET"))
            .or_else(|| cx.var("PIP_PREFIX"))
            .map(str::to_string),
        Some("wheel") => p
            .value(&["-w", "--wheel-dir"])
            .or_else(|| cx.var("PIP_WHEEL_DIR"))
            .map(str::to_string),
        Some("download") => p.value(&["-d", "--dest"]).map(str::to_string),
        _ => None,
    };
    let out = out.and_then(|o| cx.path(&o));
    cx.output(out);
}

const UV_VALUE: &[&str] = &[
    "--directory",
    "--project",
    "--python",
    "-p",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--index",
    "--default-index",
    "--find-links",
    "-f",
    "--cache-dir",
    "--color",
    "--config-file",
    "--group",
    "--extra",
    "--only-group",
    "--no-group",
    "--package",
    "--prerelease",
    "--resolution",
    "--link-mode",
    "--python-preference",
    "--refresh-package",
    "--reinstall-package",
    "--upgrade-package",
    "-P",
    "--no-binary-package",
    "--no-build-package",
    "--exclude-newer",
    "--keyring-provider",
    "--index-strategy",
    "--requirement",
    "-r",
    "--target",
    "-t",
    "--prefix",
    "--output-file",
    "-o",
    "--prompt",
    "--out-dir",
    "--constraint",
    "-c",
    "--override",
    "--build-constraint",
    "-b",
    "--allow-insecure-host",
    "--python-platform",
    "--python-version",
    "--config-setting",
    "-C",
];

pub(super) fn uv(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, UV_VALUE);
    let dir = project_dir(cx, p.value(&["--directory", "--project"]));
    match p.positional.first().copied() {
        Some("sync") => {
            let env = if p.has(&["--active"]) {
                cx.var("VIRTUAL_ENV").and_then(|v| cx.path(v))
            } else {
                // A relative UV_PROJECT_ENVIRONMENT is relative to the project.
                let venv = cx.var("UV_PROJECT_ENVIRONMENT").unwrap_or(".venv");
                resolve(dir.as_deref(), venv)
            };
            cx.output(env);
        }
        Some("venv") => {
            let venv = match p.positional.get(1) {
                Some(d) => cx.path(d),
                // Whether `uv venv` without a path follows
                // UV_PROJECT_ENVIRONMENT is not certain: then say nothing.
                None if cx.var("UV_PROJECT_ENVIRONMENT").is_some() => None,
                None => resolve(dir.as_deref(), ".venv"),
            };
            cx.output(venv);
        }
        Some("pip") => {
            if matches!(p.positional.get(1).copied(), Some("install" | "sync")) {
                let out = p
                    .value(&["--target", "-t"])
                    .or_else(|| p.value(&["--prefix"]))
                    .and_then(|o| cx.path(o));
                cx.output(out);
            }
        }
        Some("build") => {
            let out = match p.value(&["--out-dir", "-o"]) {
                Some(o) => cx.path(o),
                None => {
                    let src = match p.positional.get(1) {
                        Some(s) => cx.path(s),
                        None => dir,
                    };
                    resolve(src.as_deref(), "dist")
                }
            };
            cx.output(out);
        }
        _ => {}
    }
}

pub(super) fn poetry(cx: &mut Cx<'_>, settings: &mut Settings, args: &[String]) {
    let p = parse(
        args,
        &[
            "--directory",
            "-C",
            "--project",
            "-P",
            "--with",
            "--without",
            "--only",
            "-E",
            "--extras",
            "--format",
            "-f",
            "--output",
            "-o",
        ],
    );
    let dir = project_dir(cx, p.value(&["--directory", "-C", "--project", "-P"]));
    match p.positional.first().copied() {
        Some("install" | "sync") => {
            // The environment overrides poetry's configuration.
            let setting = |var: &str, config: Option<bool>, default: bool| match cx.var(var) {
                Some(v) => truthy(v),
                None => Some(config.unwrap_or(default)),
            };
            let create = setting("POETRY_VIRTUALENVS_CREATE", settings.poetry_create, true);
            let in_project = setting(
                "POETRY_VIRTUALENVS_IN_PROJECT",
                settings.poetry_in_project,
                false,
            );
            let venv = match (create, in_project) {
                (Some(true), Some(true)) => resolve(dir.as_deref(), ".venv"),
                (Some(true), Some(false)) => {
                    cx.var("POETRY_VIRTUALENVS_PATH").and_then(|v| cx.path(v))
                }
                // No virtualenv (system site-packages), or a value berth cannot read.
                _ => None,
            };
            cx.output(venv);
        }
        Some("config") => {
            let unset = p.has(&["--unset"]);
            let (Some(key), value) = (p.positional.get(1), p.positional.get(2)) else {
                return;
            };
            let value = if unset {
                None
            } else {
                value.and_then(|v| truthy(v))
            };
            match *key {
                "virtualenvs.in-project" => settings.poetry_in_project = value,
                "virtualenvs.create" => settings.poetry_create = value,
                _ => {}
            }
        }
        Some("build") => {
            let out = match p.value(&["--output", "-o"]) {
                Some(o) => cx.path(o),
                None => resolve(dir.as_deref(), "dist"),
            };
            cx.output(out);
        }
        _ => {}
    }
}

pub(super) fn pipenv(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, &["--python", "--pypi-mirror", "--categories"]);
    if matches!(p.positional.first().copied(), Some("install" | "sync"))
        && !p.has(&["--system"])
        && cx.var("PIPENV_VENV_IN_PROJECT").and_then(truthy) == Some(true)
    {
        let venv = cx.path(".venv");
        cx.output(venv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::run::testing::{NONE, outs, outs_env, run};

    #[test]
    fn pip_and_virtualenvs() {
        assert_eq!(outs("pip install -t /deps flask"), vec!["/deps"]);
        assert_eq!(outs("pip install -tlib flask"), vec!["/app/lib"]);
        assert_eq!(
            outs("pip3 install --prefix=/install -r r.txt"),
            vec!["/install"]
        );
        assert_eq!(
            outs("python -m pip install --target deps ."),
            vec!["/app/deps"]
        );
        assert_eq!(
            outs("python3.12 -m pip install --prefix /install x"),
            vec!["/install"]
        );
        assert_eq!(outs("pip install --user -r requirements.txt"), NONE);
        assert_eq!(outs("pip install -r requirements.txt"), NONE);
        assert_eq!(
            outs_env("pip install x", &[("PIP_TARGET", "/deps")]),
            vec!["/deps"]
        );
        assert_eq!(
            outs("pip wheel --wheel-dir /wheels -r r.txt"),
            vec!["/wheels"]
        );
        assert_eq!(
            outs("python3 -m venv --copies /opt/venv"),
            vec!["/opt/venv"]
        );
        assert_eq!(outs("virtualenv -p python3 env"), vec!["/app/env"]);
        assert_eq!(outs("python -m pip --version"), NONE);
    }

    #[test]
    fn uv() {
        assert_eq!(outs("uv sync --frozen --no-dev"), vec!["/app/.venv"]);
        assert_eq!(
            outs_env("uv sync --locked", &[("UV_PROJECT_ENVIRONMENT", "/venv")]),
            vec!["/venv"]
        );
        assert_eq!(
            outs_env("uv sync", &[("UV_PROJECT_ENVIRONMENT", "env")]),
            vec!["/app/env"]
        );
        assert_eq!(
            outs("UV_PROJECT_ENVIRONMENT=/usr/local uv sync"),
            vec!["/usr/local"]
        );
        assert_eq!(outs("uv sync --directory api"), vec!["/app/api/.venv"]);
        assert_eq!(outs("uv venv"), vec!["/app/.venv"]);
        assert_eq!(outs("uv venv /opt/venv --python 3.12"), vec!["/opt/venv"]);
        assert_eq!(
            outs("uv pip install --target /deps -r requirements.txt"),
            vec!["/deps"]
        );
        assert_eq!(outs("uv pip install --system -r requirements.txt"), NONE);
        assert_eq!(outs("uv tool install ruff"), NONE);
    }

    #[test]
    fn poetry_and_pipenv() {
        assert_eq!(outs("poetry install --no-root"), NONE);
        assert_eq!(
            outs_env(
                "poetry install",
                &[("POETRY_VIRTUALENVS_IN_PROJECT", "true")]
            ),
            vec!["/app/.venv"]
        );
        assert_eq!(
            outs("POETRY_VIRTUALENVS_IN_PROJECT=1 poetry install --only main"),
            vec!["/app/.venv"]
        );
        assert_eq!(
            outs_env(
                "poetry install",
                &[
                    ("POETRY_VIRTUALENVS_IN_PROJECT", "true"),
                    ("POETRY_VIRTUALENVS_CREATE", "false")
                ]
            ),
            NONE
        );
        let mut s = Settings::default();
        assert_eq!(
            run("poetry config virtualenvs.in-project true", &[], &mut s),
            NONE
        );
        assert_eq!(run("poetry install", &[], &mut s), vec!["/app/.venv"]);
        // The environment overrides the configuration.
        assert_eq!(
            run(
                "poetry install",
                &[("POETRY_VIRTUALENVS_IN_PROJECT", "false")],
                &mut s
            ),
            NONE
        );
        let mut s = Settings::default();
        run("poetry config virtualenvs.create false", &[], &mut s);
        assert_eq!(run("poetry install", &[], &mut s), NONE);
        assert_eq!(
            outs_env(
                "pipenv install --deploy",
                &[("PIPENV_VENV_IN_PROJECT", "1")]
            ),
            vec!["/app/.venv"]
        );
        assert_eq!(outs("pipenv install --deploy"), NONE);
        assert_eq!(
            outs_env(
                "pipenv install --system --deploy",
                &[("PIPENV_VENV_IN_PROJECT", "1")]
            ),
            NONE
        );
    }
}
