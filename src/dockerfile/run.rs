//! What a `RUN` step leaves in the image: the output paths of the build tools
//! berth knows, and the directories where a build ran whose output berth
//! cannot name (`npm run build`, `make`).

use crate::paths::join_posix;
use crate::shell::split_commands;

/// What a `RUN` script does to the image, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A path filled by a command (`npm ci` fills `node_modules`).
    Output(String, String),
    /// A directory where a build with outputs berth cannot name ran.
    UnknownBuild(String, String),
    /// A path removed (`rm -rf target`): earlier outputs under it are gone.
    Removed(String),
}

/// Analyse a `RUN` script that starts in `workdir`; `cd` inside the script is followed.
pub fn analyse(script: &str, workdir: &str) -> Vec<Event> {
    let mut out = Vec::new();
    let mut cwd = workdir.to_string();
    for words in split_commands(script) {
        // Skip leading `VAR=value` assignments and wrappers that run the rest.
        let mut rest: &[String] = &words;
        while let Some(first) = rest.first() {
            let wrapper = matches!(
                first.as_str(),
                "sudo" | "exec" | "time" | "env" | "npx" | "command"
            );
            let assignment = first.contains('=') && !first.starts_with('-');
            if wrapper || assignment {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let Some(tool) = rest.first() else { continue };
        let tool = tool.rsplit('/').next().unwrap_or(tool);
        let args = &rest[1..];
        let sub = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str);
        let what = rest.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
        let mut put = |rel: &str| out.push(Event::Output(join_posix(&cwd, rel), what.clone()));
        match (tool, sub) {
            ("cd", _) => {
                if let Some(dir) = args.first() {
                    cwd = join_posix(&cwd, dir);
                }
                continue;
            }
            ("npm", Some("ci" | "install" | "i"))
            | ("pnpm", Some("install" | "i"))
            | ("bun", Some("install" | "i"))
                if !has_flag(args, &["-g", "--global"]) =>
            {
                put("node_modules")
            }
            ("yarn", None | Some("install")) => put("node_modules"),
            ("cargo", Some("build")) => {
                put(option_value(args, &["--target-dir"]).unwrap_or("target"))
            }
            ("composer", Some("install" | "update" | "require")) => put("vendor"),
            ("mvn" | "mvnw", Some(_)) if has_word(args, &["package", "install", "verify"]) => {
                put("target")
            }
            ("gradle" | "gradlew", Some(_))
                if has_word(
                    args,
                    &["build", "assemble", "bootJar", "installDist", "jar"],
                ) =>
            {
                put("build")
            }
            ("next", Some("build")) => put(".next"),
            ("vite" | "ng", Some("build")) => put("dist"),
            ("python" | "python3", _)
                if args.first().map(String::as_str) == Some("-m")
                    && args.get(1).map(String::as_str) == Some("venv") =>
            {
                if let Some(dir) = args.get(2) {
                    put(dir)
                }
            }
            ("virtualenv", Some(dir)) => put(dir),
            ("uv", Some("sync")) => put(".venv"),
            ("uv", Some("venv")) => put(args.get(1).map_or(".venv", String::as_str)),
            ("pip" | "pip3", Some("install")) => {
                if let Some(dir) = option_value(args, &["-t", "--target"]) {
                    put(dir)
                }
            }
            ("bundle", Some("install")) => {
                if let Some(dir) = option_value(args, &["--path"]) {
                    put(dir)
                }
            }
            ("go" | "gcc" | "g++" | "cc" | "clang" | "rustc", _)
            | ("dotnet", Some("publish" | "build")) => {
                if let Some(dir) = option_value(args, &["-o", "--output"]) {
                    put(dir)
                }
            }
            ("cp" | "mv" | "install", _) => {
                // `install -d` only makes directories; options with values are skipped.
                if tool == "install" && has_flag(args, &["-d", "--directory"]) {
                    continue;
                }
                let (operands, into) = operands(
                    args,
                    &[
                        "-m", "-o", "-g", "--mode", "--owner", "--group", "-S", "--suffix",
                    ],
                );
                if let Some(dir) = into {
                    for src in &operands {
                        let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
                        put(&format!("{dir}/{name}"));
                    }
                } else if let [first, .., dest] = operands.as_slice() {
                    let into_dir = dest.ends_with('/') || matches!(dest.as_str(), "." | "..");
                    if into_dir && operands.len() == 2 {
                        let name = first
                            .trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .unwrap_or(first);
                        put(&format!("{dest}/{name}"))
                    } else {
                        put(dest)
                    }
                }
            }
            ("rm", _) => {
                let (operands, _) = operands(args, &[]);
                for p in operands {
                    out.push(Event::Removed(join_posix(&cwd, &p)));
                }
            }
            ("npm" | "yarn" | "pnpm" | "bun", Some("run" | "build"))
            | ("make" | "tsc" | "webpack", _) => {
                out.push(Event::UnknownBuild(cwd.clone(), what.clone()))
            }
            _ => {}
        }
    }
    out
}

/// Operands of a `cp`-like command, skipping options and the values of
/// `with_value` options; the directory of `-t DIR`/`--target-directory=DIR`.
fn operands(args: &[String], with_value: &[&str]) -> (Vec<String>, Option<String>) {
    let mut out = Vec::new();
    let mut into = None;
    let mut it = args.iter();
    let mut only_operands = false;
    while let Some(a) = it.next() {
        if only_operands || !a.starts_with('-') || a == "-" {
            out.push(a.clone());
        } else if a == "--" {
            only_operands = true;
        } else if a == "-t" || a == "--target-directory" {
            into = it.next().cloned();
        } else if let Some(d) = a.strip_prefix("--target-directory=") {
            into = Some(d.to_string());
        } else if with_value.contains(&a.as_str()) {
            it.next();
        }
    }
    (out, into)
}

fn has_flag(args: &[String], flags: &[&str]) -> bool {
    args.iter().any(|a| flags.contains(&a.as_str()))
}

fn has_word(args: &[String], words: &[&str]) -> bool {
    args.iter().any(|a| words.contains(&a.as_str()))
}

/// The value of `-o X`, `-oX` is not handled; `--opt X` and `--opt=X` are.
fn option_value<'a>(args: &'a [String], names: &[&str]) -> Option<&'a str> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if names.contains(&a.as_str()) {
            return it.next().map(String::as_str);
        }
        for n in names {
            if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                return Some(v);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outs(script: &str) -> Vec<String> {
        analyse(script, "/app")
            .into_iter()
            .filter_map(|e| match e {
                Event::Output(p, _) => Some(p),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn known_tools() {
        assert_eq!(outs("npm ci --omit=dev"), vec!["/app/node_modules"]);
        assert_eq!(outs("npm install -g pnpm"), Vec::<String>::new());
        assert_eq!(outs("cargo build --release"), vec!["/app/target"]);
        assert_eq!(outs("cd web && yarn"), vec!["/app/web/node_modules"]);
        assert_eq!(
            outs("CGO_ENABLED=0 go build -o /out/app ./cmd"),
            vec!["/out/app"]
        );
        assert_eq!(outs("composer install --no-dev"), vec!["/app/vendor"]);
        assert_eq!(outs("python -m venv .venv"), vec!["/app/.venv"]);
        assert_eq!(outs("pip install --target=/deps -r r.txt"), vec!["/deps"]);
        assert_eq!(outs("cp target/release/backend ."), vec!["/app/backend"]);
        assert_eq!(outs("cp -r a b /opt/"), vec!["/opt"]);
        assert_eq!(outs("./mvnw -B package"), vec!["/app/target"]);
        assert_eq!(
            outs("apt-get update && apt-get install -y ca-certificates"),
            Vec::<String>::new()
        );
        assert_eq!(outs("chmod +x /app/backend"), Vec::<String>::new());
        assert_eq!(outs("install -m 0755 -d /data"), Vec::<String>::new());
        assert_eq!(
            outs("install -m 0755 -o app tool /usr/local/bin/"),
            vec!["/usr/local/bin/tool"]
        );
        assert_eq!(
            outs("ln -sf /dev/stdout /var/log/app/access.log"),
            Vec::<String>::new()
        );
        assert_eq!(outs("cp -t /opt a b"), vec!["/opt/a", "/opt/b"]);
    }

    #[test]
    fn events_in_order() {
        let r = analyse(
            "npm ci && npm run build && rm -rf node_modules/.cache",
            "/srv",
        );
        assert_eq!(
            r,
            vec![
                Event::Output("/srv/node_modules".into(), "npm ci".into()),
                Event::UnknownBuild("/srv".into(), "npm run build".into()),
                Event::Removed("/srv/node_modules/.cache".into()),
            ]
        );
    }
}
