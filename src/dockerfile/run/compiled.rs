//! Compiled languages: go, cargo, maven, gradle and dotnet, and where each
//! puts what it builds.

use super::args::{last_name, parse};
use super::{Cx, project_dir, resolve};
use crate::paths::join_posix;

// ----------------------------------------------------------------------- Go

const GO_VALUE: &[&str] = &[
    "-o",
    "-C",
    "-p",
    "-asmflags",
    "-buildmode",
    "-compiler",
    "-gccgoflags",
    "-gcflags",
    "-installsuffix",
    "-ldflags",
    "-mod",
    "-modfile",
    "-overlay",
    "-pgo",
    "-pkgdir",
    "-tags",
    "-toolexec",
    "-covermode",
    "-coverpkg",
];

pub(super) fn go(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, GO_VALUE);
    match p.positional.first().copied() {
        Some("build") => {
            let dir = project_dir(cx, p.value(&["-C"]));
            if let Some(o) = p.value(&["-o"]) {
                cx.output(resolve(dir.as_deref(), o));
                return;
            }
            let exe = if cx.var("GOOS") == Some("windows") {
                ".exe"
            } else {
                ""
            };
            let packages = p.positional.get(1..).unwrap_or(&[]);
            let name = match packages {
                // Named after the module's import path, which is in go.mod.
                [] | ["."] => None,
                files if files.iter().all(|f| f.ends_with(".go")) => files
                    .first()
                    .map(|f| last_name(f).trim_end_matches(".go").to_string()),
                // Several packages: `go build` only checks that they compile.
                [one] if !one.contains("...") => {
                    let name = last_name(one);
                    let major = name
                        .strip_prefix('v')
                        .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()));
                    let unsure = matches!(name, "" | "." | "..") || major || name.contains('@');
                    if unsure { None } else { Some(name.to_string()) }
                }
                _ => return,
            };
            match name {
                Some(n) => cx.output(resolve(dir.as_deref(), &format!("{n}{exe}"))),
                None => cx.unknown_build(dir),
            }
        }
        Some("install") => {
            let bin = match cx.var("GOBIN") {
                Some(b) => resolve(None, b),
                None => cx
                    .var("GOPATH")
                    .and_then(|g| g.split(':').next())
                    .and_then(|g| resolve(None, &format!("{g}/bin"))),
            };
            cx.output(bin);
        }
        _ => {}
    }
}

// -------------------------------------------------------------------- Rust

pub(super) fn cargo(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--target-dir",
            "--manifest-path",
            "--root",
            "-p",
            "--package",
            "--bin",
            "--features",
            "-F",
            "--target",
            "-j",
            "--jobs",
            "--profile",
            "--example",
            "--config",
            "-Z",
            "--color",
            "--message-format",
            "--path",
            "--git",
            "--branch",
            "--tag",
            "--rev",
            "--version",
            "--vers",
            "--registry",
            "--index",
            "--lockfile-path",
            "--exclude",
            "--test",
            "--bench",
        ],
    );
    // `cargo +nightly build`: the toolchain comes first.
    let mut positional = p.positional.iter().copied().filter(|w| !w.starts_with('+'));
    match positional.next() {
        Some("build" | "b") => {
            let target = match p.value(&["--target-dir"]) {
                Some(t) => cx.path(t),
                None => match cx
                    .var("CARGO_TARGET_DIR")
                    .or_else(|| cx.var("CARGO_BUILD_TARGET_DIR"))
                {
                    Some(t) => cx.path(t),
                    None => {
                        let base = match p.value(&["--manifest-path"]) {
                            Some(m) => cx.path(m).map(|m| join_posix(&m, "..")),
                            None => cx.cwd.clone(),
                        };
                        resolve(base.as_deref(), "target")
                    }
                },
            };
            cx.output(target);
        }
        Some("install") => {
            // `cargo install` builds in a temporary target directory.
            let root = match p.value(&["--root"]) {
                Some(r) => cx.path(r),
                None => cx
                    .var("CARGO_INSTALL_ROOT")
                    .or_else(|| cx.var("CARGO_HOME"))
                    .and_then(|r| resolve(None, r)),
            };
            cx.output(root.map(|r| join_posix(&r, "bin")));
        }
        _ => {}
    }
}

// --------------------------------------------------------------- JVM, .NET

pub(super) fn maven(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-f",
            "--file",
            "-pl",
            "--projects",
            "-P",
            "--activate-profiles",
            "-s",
            "--settings",
            "-gs",
            "--global-settings",
            "-t",
            "--toolchains",
            "-T",
            "--threads",
            "-rf",
            "--resume-from",
            "-l",
            "--log-file",
            "-b",
            "--builder",
        ],
    );
    let builds = p
        .positional
        .iter()
        .any(|g| matches!(*g, "package" | "install" | "verify" | "deploy"));
    if !builds {
        return;
    }
    let dir = match p.value(&["-f", "--file"]) {
        Some(f) if f.ends_with(".xml") => cx.path(f).map(|f| join_posix(&f, "..")),
        Some(d) => cx.path(d),
        None => cx.cwd.clone(),
    };
    cx.output(resolve(dir.as_deref(), "target"));
}

pub(super) fn gradle(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-p",
            "--project-dir",
            "-b",
            "--build-file",
            "-x",
            "--exclude-task",
            "-I",
            "--init-script",
            "-g",
            "--gradle-user-home",
            "--max-workers",
            "--console",
            "--warning-mode",
            "-c",
            "--settings-file",
            "--priority",
        ],
    );
    let dir = project_dir(cx, p.value(&["-p", "--project-dir"]));
    let mut seen: Vec<String> = Vec::new();
    for task in &p.positional {
        // `:app:bootJar` builds in the `app` subproject.
        let mut parts: Vec<&str> = task.split(':').filter(|s| !s.is_empty()).collect();
        let Some(name) = parts.pop() else { continue };
        let builds = matches!(
            name,
            "build"
                | "assemble"
                | "bootJar"
                | "bootWar"
                | "installDist"
                | "jar"
                | "war"
                | "shadowJar"
                | "distTar"
                | "distZip"
        );
        if !builds {
            continue;
        }
        let mut rel = parts.join("/");
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str("build");
        if let Some(out) = resolve(dir.as_deref(), &rel)
            && !seen.contains(&out)
        {
            seen.push(out.clone());
            cx.output(Some(out));
        }
    }
}

pub(super) fn dotnet(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-o",
            "--output",
            "-c",
            "--configuration",
            "-r",
            "--runtime",
            "-f",
            "--framework",
            "--os",
            "-a",
            "--arch",
            "-v",
            "--verbosity",
            "--version-suffix",
            "-s",
            "--source",
        ],
    );
    if !matches!(p.positional.first().copied(), Some("publish" | "build")) {
        return;
    }
    if let Some(o) = p.value(&["-o", "--output"]) {
        let out = cx.path(o);
        cx.output(out);
        return;
    }
    // Without `-o`, output goes to `bin/` next to the project file.
    let project = p.positional.get(1).copied();
    let dir = match project {
        Some(sln) if sln.ends_with(".sln") || sln.ends_with(".slnx") => {
            let dir = cx.cwd.clone();
            cx.unknown_build(dir);
            return;
        }
        Some(proj)
            if proj.ends_with(".csproj")
                || proj.ends_with(".fsproj")
                || proj.ends_with(".vbproj") =>
        {
            cx.path(proj).map(|p| join_posix(&p, ".."))
        }
        Some(d) => cx.path(d),
        None => cx.cwd.clone(),
    };
    cx.output(resolve(dir.as_deref(), "bin"));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::dockerfile::run::testing::{NONE, outs, outs_env};
    use crate::dockerfile::run::{Event, Settings, analyse};

    #[test]
    fn go() {
        assert_eq!(
            outs("go build -o=bin/server ./cmd/server"),
            vec!["/app/bin/server"]
        );
        assert_eq!(
            outs("go build -ldflags '-s -w' ./cmd/api"),
            vec!["/app/api"]
        );
        assert_eq!(outs("go build main.go"), vec!["/app/main"]);
        assert_eq!(
            outs("GOOS=windows go build ./cmd/api"),
            vec!["/app/api.exe"]
        );
        assert_eq!(outs("go build -C src -o app ."), vec!["/app/src/app"]);
        assert_eq!(outs("go build ./..."), NONE);
        assert_eq!(outs("go build ./a ./b"), NONE);
        assert_eq!(outs("go build example.com/app/v2"), NONE);
        let r = analyse(
            "go build",
            Some("/src"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![Event::UnknownBuild("/src".into(), "go build".into())]
        );
        assert_eq!(
            outs_env("go install ./cmd/tool", &[("GOPATH", "/go")]),
            vec!["/go/bin"]
        );
        assert_eq!(
            outs_env(
                "go install x@latest",
                &[("GOPATH", "/go"), ("GOBIN", "/usr/local/bin")]
            ),
            vec!["/usr/local/bin"]
        );
        assert_eq!(outs("go install x@latest"), NONE);
        assert_eq!(outs("go mod download"), NONE);
    }

    #[test]
    fn cargo() {
        assert_eq!(outs("cargo build --release --target-dir /t"), vec!["/t"]);
        assert_eq!(
            outs_env(
                "cargo build --release",
                &[("CARGO_TARGET_DIR", "/cache/target")]
            ),
            vec!["/cache/target"]
        );
        assert_eq!(
            outs("cargo build --manifest-path api/Cargo.toml"),
            vec!["/app/api/target"]
        );
        assert_eq!(outs("cargo +nightly build"), vec!["/app/target"]);
        assert_eq!(
            outs("cargo install --path . --root /usr/local"),
            vec!["/usr/local/bin"]
        );
        assert_eq!(
            outs_env(
                "cargo install --locked sqlx-cli",
                &[("CARGO_HOME", "/usr/local/cargo")]
            ),
            vec!["/usr/local/cargo/bin"]
        );
        assert_eq!(outs("cargo install --locked sqlx-cli"), NONE);
        assert_eq!(outs("cargo fetch"), NONE);
    }

    #[test]
    fn jvm_and_dotnet() {
        assert_eq!(
            outs("mvn -f backend/pom.xml -DskipTests package"),
            vec!["/app/backend/target"]
        );
        assert_eq!(
            outs("mvn -f backend clean install"),
            vec!["/app/backend/target"]
        );
        assert_eq!(outs("mvn dependency:go-offline"), NONE);
        assert_eq!(outs("./gradlew build -x test"), vec!["/app/build"]);
        assert_eq!(
            outs("gradle :api:bootJar --no-daemon"),
            vec!["/app/api/build"]
        );
        assert_eq!(outs("gradle -p server assemble"), vec!["/app/server/build"]);
        assert_eq!(outs("gradle dependencies"), NONE);
        assert_eq!(
            outs("dotnet publish -c Release -o /app/publish"),
            vec!["/app/publish"]
        );
        assert_eq!(outs("dotnet build --output out"), vec!["/app/out"]);
        assert_eq!(
            outs("dotnet publish src/Api/Api.csproj -c Release"),
            vec!["/app/src/Api/bin"]
        );
        assert_eq!(outs("dotnet restore"), NONE);
    }
}
