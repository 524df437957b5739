//! What a `RUN` step leaves in the image: the output paths of the build tools
//! berth knows, and the directories where a build ran whose output berth
//! cannot name (`npm run build`, `make`).

use crate::paths::join_posix;
use crate::shell::split_commands;

/// Paths a `RUN` script fills, each with the command that fills it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunOutputs {
    pub outputs: Vec<(String, String)>,
    /// Directories where a build with unknown outputs ran.
    pub unknown_builds: Vec<(String, String)>,
}

/// Analyse a `RUN` script that starts in `workdir`; `cd` inside the script is followed.
pub fn analyse(script: &str, workdir: &str) -> RunOutputs {
    let mut out = RunOutputs::default();
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
        let mut put = |rel: &str| out.outputs.push((join_posix(&cwd, rel), what.clone()));
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
            ("cp" | "mv" | "install" | "ln", _) => {
                let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                if let [first, .., dest] = operands.as_slice() {
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
            ("npm" | "yarn" | "pnpm" | "bun", Some("run" | "build"))
            | ("make" | "tsc" | "webpack", _) => {
                out.unknown_builds.push((cwd.clone(), what.clone()))
            }
            _ => {}
        }
    }
    out
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
            .outputs
            .into_iter()
            .map(|(p, _)| p)
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
    }

    #[test]
    fn unknown_builds_are_remembered() {
        let r = analyse("npm ci && npm run build", "/srv");
        assert_eq!(
            r.outputs,
            vec![("/srv/node_modules".to_string(), "npm ci".to_string())]
        );
        assert_eq!(
            r.unknown_builds,
            vec![("/srv".to_string(), "npm run build".to_string())]
        );
    }
}
