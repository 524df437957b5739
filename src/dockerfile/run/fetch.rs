//! Downloads into the image: `git clone`, `curl -o` and `wget -O`.

use super::args::{last_name, parse};
use super::{Cx, project_dir, resolve};

pub(super) fn git(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-b",
            "--branch",
            "--depth",
            "--origin",
            "-o",
            "--reference",
            "--separate-git-dir",
            "--shallow-since",
            "--filter",
            "-c",
            "--config",
            "-j",
            "--jobs",
            "--template",
            "-u",
            "--upload-pack",
            "-C",
        ],
    );
    if p.positional.first().copied() != Some("clone") {
        return;
    }
    let base = project_dir(cx, p.value(&["-C"]));
    let dir = match (p.positional.get(1), p.positional.get(2)) {
        (_, Some(dir)) => resolve(base.as_deref(), dir),
        (Some(url), None) => {
            let name = last_name(url);
            let name = name.rsplit(':').next().unwrap_or(name);
            let name = name.strip_suffix(".git").unwrap_or(name);
            if name.is_empty() {
                None
            } else {
                resolve(base.as_deref(), name)
            }
        }
        _ => None,
    };
    cx.output(dir);
}

pub(super) fn curl(cx: &mut Cx<'_>, args: &[String]) {
    let mut out: Option<&str> = None;
    let mut dir: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "-o" || a == "--output" {
            out = it.next().map(String::as_str);
        } else if let Some(v) = a.strip_prefix("--output=") {
            out = Some(v);
        } else if a == "--output-dir" {
            dir = it.next().map(String::as_str);
        } else if let Some(v) = a.strip_prefix("--output-dir=") {
            dir = Some(v);
        } else if !a.starts_with("--") && a.len() > 2 && a.starts_with("-o") {
            out = a.get(2..);
        } else if !a.starts_with("--") && a.starts_with('-') && a.ends_with('o') {
            // `-fsSLo FILE`
            out = it.next().map(String::as_str);
        }
    }
    let base = project_dir(cx, dir);
    let file = out
        .filter(|o| *o != "-")
        .and_then(|o| resolve(base.as_deref(), o));
    cx.output(file);
}

pub(super) fn wget(cx: &mut Cx<'_>, args: &[String]) {
    let mut out: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "-O" || a == "--output-document" {
            out = it.next().map(String::as_str);
        } else if let Some(v) = a.strip_prefix("--output-document=") {
            out = Some(v);
        } else if !a.starts_with("--") && a.len() > 2 && a.starts_with("-O") {
            out = a.get(2..);
        } else if !a.starts_with("--") && a.starts_with('-') && a.ends_with('O') {
            out = it.next().map(String::as_str);
        }
    }
    let file = out.filter(|o| *o != "-").and_then(|o| cx.path(o));
    cx.output(file);
}

#[cfg(test)]
mod tests {
    use crate::dockerfile::run::testing::{NONE, outs};

    #[test]
    fn downloads() {
        assert_eq!(
            outs("curl -fsSLo /usr/local/bin/tool https://example.invalid/tool"),
            vec!["/usr/local/bin/tool"]
        );
        assert_eq!(outs("curl -fsSL https://example.invalid/x | sh"), NONE);
        assert_eq!(outs("curl -o - https://example.invalid/x"), NONE);
        assert_eq!(
            outs("wget -qO /tmp/x.tgz https://example.invalid/x"),
            vec!["/tmp/x.tgz"]
        );
        assert_eq!(
            outs("git clone --depth 1 https://example.invalid/org/theme.git"),
            vec!["/app/theme"]
        );
        assert_eq!(
            outs("git clone -b main https://example.invalid/x.git /opt/x"),
            vec!["/opt/x"]
        );
        assert_eq!(outs("git config --global x y"), NONE);
    }
}
